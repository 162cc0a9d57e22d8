// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl [-j] show [dev DEV]
 * nlbctl [-j] stats [dev DEV]
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

static const char *const stat_keys[] = {
	[NLB_STATS_ACCEPTED] = "accepted",
	[NLB_STATS_DROPPED] = "dropped",
	[NLB_STATS_PASSED] = "passed",
	[NLB_STATS_MALFORMED] = "malformed",
	[NLB_STATS_FRAGMENTS] = "fragments",
	[NLB_STATS_ICMP_ERRORS] = "icmp_errors",
	[NLB_STATS_ARP_REPLIES] = "arp_replies",
	[NLB_STATS_ARP_MANGLED] = "arp_mangled",
};

static const char *const state_names[] = {
	[NLB_STATE_ACTIVE] = "active",
	[NLB_STATE_STOPPED] = "stopped",
};

struct show_ctx {
	struct nlbctl *ctl;
	bool stats;		/* nlbctl stats rather than show */
	unsigned int count;
};

static const char *addr_str(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static const char *mac_str(const uint8_t *m, char *buf)
{
	if (!m)
		return "-";
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x",
		m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static void hex_str(const uint8_t *p, size_t len, char *buf)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * len] = '\0';
}

/* Human name of a counter: icmp_errors -> icmp-errors. */
static void stat_name(unsigned int i, char *buf)
{
	char *p;

	strcpy(buf, stat_keys[i]);
	for (p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
}

static void print_stats(struct show_ctx *ctx, const struct nlattr *nest,
			bool flat)
{
	const struct nlattr *tb[NLB_STATS_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	char name[32];
	unsigned int i;

	if (!nest || nlb_parse_nested(nest, tb, NLB_STATS_MAX))
		memset(tb, 0, sizeof(tb));
	if (jw) {
		if (!flat)
			jw_obj_start(jw, "stats");
		for (i = NLB_STATS_ACCEPTED; i <= NLB_STATS_ARP_MANGLED; i++)
			jw_uint(jw, stat_keys[i], attr_u64(tb[i]));
		if (!flat)
			jw_obj_end(jw);
		return;
	}
	fputs("    ", stdout);
	for (i = NLB_STATS_ACCEPTED; i <= NLB_STATS_ARP_MANGLED; i++) {
		stat_name(i, name);
		printf("%s%s %" PRIu64, i == NLB_STATS_ACCEPTED ? "" : " ",
		       name, attr_u64(tb[i]));
	}
	putchar('\n');
}

static void print_members(struct show_ctx *ctx, const struct nlattr *nest)
{
	const struct nlattr *tb[NLB_MEMBER_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	const struct nlattr *m;

	if (jw)
		jw_arr_start(jw, "members");
	if (nest) {
		mnl_attr_for_each_nested(m, nest) {
			if (nlb_parse_nested(m, tb, NLB_MEMBER_MAX))
				continue;
			if (jw) {
				jw_obj_start(jw, NULL);
				jw_uint(jw, "id", attr_u8(tb[NLB_MEMBER_ID]));
				jw_uint(jw, "weight", attr_u32(tb[NLB_MEMBER_WEIGHT]));
				jw_uint(jw, "buckets", attr_u32(tb[NLB_MEMBER_BUCKETS]));
				jw_bool(jw, "self", tb[NLB_MEMBER_SELF]);
				jw_obj_end(jw);
			} else {
				printf("    member %u weight %u buckets %u%s\n",
				       attr_u8(tb[NLB_MEMBER_ID]),
				       attr_u32(tb[NLB_MEMBER_WEIGHT]),
				       attr_u32(tb[NLB_MEMBER_BUCKETS]),
				       tb[NLB_MEMBER_SELF] ? " self" : "");
			}
		}
	}
	if (jw)
		jw_arr_end(jw);
}

static void print_vips(struct show_ctx *ctx, const struct nlattr *nest)
{
	struct json_writer *jw = ctx->ctl->jw;
	char buf[INET_ADDRSTRLEN];
	const struct nlattr *v;
	bool first = true;

	if (jw)
		jw_arr_start(jw, "vips");
	else
		fputs("    ", stdout);
	if (nest) {
		mnl_attr_for_each_nested(v, nest) {
			if (mnl_attr_get_type(v) != NLB_VIP_ADDR)
				continue;
			addr_str(attr_u32(v), buf);
			if (jw)
				jw_str(jw, NULL, buf);
			else
				printf("%svip %s", first ? "" : " ", buf);
			first = false;
		}
	}
	if (jw)
		jw_arr_end(jw);
	else
		putchar('\n');
}

static void show_cluster(struct show_ctx *ctx, const struct nlattr **tb)
{
	struct json_writer *jw = ctx->ctl->jw;
	const char *dev = attr_str(tb[NLB_A_IFNAME]);
	const uint8_t *seed = attr_bin(tb[NLB_A_SEED], NLB_SEED_LEN);
	uint8_t state = attr_u8(tb[NLB_A_STATE]);
	char mac[18], seedhex[2 * NLB_SEED_LEN + 1] = "-";
	char grp[INET_ADDRSTRLEN];

	if (!dev)
		dev = "?";
	if (seed)
		hex_str(seed, NLB_SEED_LEN, seedhex);
	mac_str(attr_bin(tb[NLB_A_CLUSTER_MAC], 6), mac);

	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "dev", dev);
		jw_uint(jw, "ifindex", attr_u32(tb[NLB_A_IFINDEX]));
		jw_str(jw, "mode", mode_name(attr_u8(tb[NLB_A_MODE])));
		jw_uint(jw, "node_id", attr_u8(tb[NLB_A_NODE_ID]));
		jw_str(jw, "state", state <= NLB_STATE_MAX ?
		       state_names[state] : "unknown");
		print_vips(ctx, tb[NLB_A_VIPS]);
		jw_str(jw, "cluster_mac", mac);
		if (tb[NLB_A_IGMP_GROUP])
			jw_str(jw, "igmp_group",
			       addr_str(attr_u32(tb[NLB_A_IGMP_GROUP]), grp));
		jw_uint(jw, "buckets", attr_u32(tb[NLB_A_BUCKETS]));
		jw_uint(jw, "owned_buckets", attr_u32(tb[NLB_A_OWNED_BUCKETS]));
		jw_uint(jw, "map_generation", attr_u32(tb[NLB_A_MAP_GENERATION]));
		jw_str(jw, "seed", seedhex);
		jw_bool(jw, "seed_derived", tb[NLB_A_SEED_DERIVED]);
		print_members(ctx, tb[NLB_A_MEMBERS]);
		print_stats(ctx, tb[NLB_A_STATS], false);
		jw_obj_end(jw);
		return;
	}

	if (ctx->count)
		putchar('\n');
	printf("cluster %s ifindex %u mode %s node-id %u state %s\n", dev,
	       attr_u32(tb[NLB_A_IFINDEX]), mode_name(attr_u8(tb[NLB_A_MODE])),
	       attr_u8(tb[NLB_A_NODE_ID]),
	       state <= NLB_STATE_MAX ? state_names[state] : "unknown");
	print_vips(ctx, tb[NLB_A_VIPS]);
	printf("    cluster-mac %s", mac);
	if (tb[NLB_A_IGMP_GROUP])
		printf(" igmp-group %s",
		       addr_str(attr_u32(tb[NLB_A_IGMP_GROUP]), grp));
	printf("\n    buckets %u owned %u map-generation %u seed %s%s\n",
	       attr_u32(tb[NLB_A_BUCKETS]), attr_u32(tb[NLB_A_OWNED_BUCKETS]),
	       attr_u32(tb[NLB_A_MAP_GENERATION]), seedhex,
	       tb[NLB_A_SEED_DERIVED] ? " (derived)" : "");
	print_members(ctx, tb[NLB_A_MEMBERS]);
}

static void stats_cluster(struct show_ctx *ctx, const struct nlattr **tb)
{
	struct json_writer *jw = ctx->ctl->jw;
	const char *dev = attr_str(tb[NLB_A_IFNAME]);

	if (!dev)
		dev = "?";
	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "dev", dev);
		print_stats(ctx, tb[NLB_A_STATS], true);
		jw_obj_end(jw);
		return;
	}
	printf("cluster %s\n", dev);
	print_stats(ctx, tb[NLB_A_STATS], false);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLB_A_MAX + 1];
	struct show_ctx *ctx = data;

	if (nlb_parse(nlh, tb, NLB_A_MAX))
		return MNL_CB_ERROR;
	if (ctx->stats)
		stats_cluster(ctx, tb);
	else
		show_cluster(ctx, tb);
	ctx->count++;
	return MNL_CB_OK;
}

static int show_or_stats(struct nlbctl *ctl, int argc, char **argv,
			 bool stats)
{
	struct show_ctx ctx = { .ctl = ctl, .stats = stats };
	const char *dev = NULL;
	struct nlmsghdr *nlh;
	struct nlb_sock *s;
	int ret;

	while (argc > 0) {
		if (matches(*argv, "dev")) {
			if (need_arg(argc, argv, "dev"))
				return -1;
			dev = argv[1];
			argc -= 2;
			argv += 2;
		} else {
			return nlbctl_error("unknown argument \"%s\"", *argv);
		}
	}
	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_CLUSTER_GET, dev ? NLM_F_ACK : NLM_F_DUMP);
	if (dev)
		mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	if (ctl->jw)
		jw_arr_start(ctl->jw, NULL);
	ret = nlb_talk(s, nlh, show_cb, &ctx);
	if (ctl->jw)
		jw_arr_end(ctl->jw);
	return ret;
}

int do_show(struct nlbctl *ctl, int argc, char **argv)
{
	return show_or_stats(ctl, argc, argv, false);
}

int do_stats(struct nlbctl *ctl, int argc, char **argv)
{
	return show_or_stats(ctl, argc, argv, true);
}
