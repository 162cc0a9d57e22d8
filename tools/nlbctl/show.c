// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl [-j] show [dev DEV]
 * nlbctl [-j] show flows dev DEV
 * nlbctl [-j] show buckets dev DEV [all]
 * nlbctl [-j] stats [dev DEV]
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
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
	[NLB_STATS_FLOWS_CREATED] = "flows_created",
	[NLB_STATS_FLOWS_EXPIRED] = "flows_expired",
	[NLB_STATS_FLOWS_FULL] = "flows_full",
	[NLB_STATS_HELD_ACCEPTED] = "held_accepted",
	[NLB_STATS_HELD_DROPPED] = "held_dropped",
	[NLB_STATS_RESTARTED] = "restarted",
	[NLB_STATS_DISABLED] = "disabled",
};
_Static_assert(sizeof(stat_keys) / sizeof(stat_keys[0]) == NLB_STATS_MAX + 1,
	       "a counter of enum nlb_stats_attr has no name");

/* NLB_A_FLOW_STATES: one u32 per enum nlb_flow_state but none. */
static const char *const flow_state_keys[] = {
	[NLB_FLOW_STATE_SYN] = "syn",
	[NLB_FLOW_STATE_ESTABLISHED] = "established",
	[NLB_FLOW_STATE_CLOSING] = "closing",
	[NLB_FLOW_STATE_UDP] = "udp",
};
_Static_assert(sizeof(flow_state_keys) / sizeof(flow_state_keys[0]) ==
	       NLB_FLOW_STATE_MAX + 1,
	       "a state of enum nlb_flow_state has no name");

static const char *const hb_stat_keys[] = {
	[NLB_HB_STATS_SENT] = "sent",
	[NLB_HB_STATS_RECEIVED] = "received",
	[NLB_HB_STATS_BAD_MAC] = "bad_mac",
	[NLB_HB_STATS_REPLAYED] = "replayed",
	[NLB_HB_STATS_MISMATCHED] = "mismatched",
	[NLB_HB_STATS_MALFORMED] = "malformed",
	[NLB_HB_STATS_BAD_VERSION] = "bad_version",
	[NLB_HB_STATS_UNKNOWN_CLUSTER] = "unknown_cluster",
	[NLB_HB_STATS_DUPLICATE] = "duplicate",
	[NLB_HB_STATS_SEND_ERRORS] = "send_errors",
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
static void stat_name(const char *key, char *buf)
{
	char *p;

	strcpy(buf, key);
	for (p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
}

/* The heartbeat counters of NLB_A_HB_STATS, when the module has them. */
static void print_hb_stats(struct show_ctx *ctx, const struct nlattr *nest)
{
	const struct nlattr *tb[NLB_HB_STATS_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	char name[32];
	unsigned int i;

	if (!nest)
		return;
	if (nlb_parse_nested(nest, tb, NLB_HB_STATS_MAX))
		memset(tb, 0, sizeof(tb));
	if (jw) {
		jw_obj_start(jw, "heartbeat");
		for (i = NLB_HB_STATS_SENT; i <= NLB_HB_STATS_SEND_ERRORS; i++)
			jw_uint(jw, hb_stat_keys[i], attr_u64(tb[i]));
		jw_obj_end(jw);
		return;
	}
	fputs("    heartbeat", stdout);
	for (i = NLB_HB_STATS_SENT; i <= NLB_HB_STATS_SEND_ERRORS; i++) {
		stat_name(hb_stat_keys[i], name);
		printf(" %s %" PRIu64, name, attr_u64(tb[i]));
	}
	putchar('\n');
}

/*
 * The packet counters of NLB_A_STATS: the first ones (accepted to
 * arp-mangled) always, the later packet counters (disabled) after them
 * and the held-flow ones (flows-created to restarted, on a line of their
 * own) when the module has them.
 */
static void print_stats(struct show_ctx *ctx, const struct nlattr *nest,
			const struct nlattr *hb_nest, bool flat)
{
	const struct nlattr *tb[NLB_STATS_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	bool line = false;
	char name[32];
	unsigned int i;

	if (!nest || nlb_parse_nested(nest, tb, NLB_STATS_MAX))
		memset(tb, 0, sizeof(tb));
	if (jw) {
		if (!flat)
			jw_obj_start(jw, "stats");
		for (i = NLB_STATS_ACCEPTED; i <= NLB_STATS_ARP_MANGLED; i++)
			jw_uint(jw, stat_keys[i], attr_u64(tb[i]));
		for (i = NLB_STATS_DISABLED; i <= NLB_STATS_MAX; i++)
			if (tb[i])
				jw_uint(jw, stat_keys[i], attr_u64(tb[i]));
		for (i = NLB_STATS_FLOWS_CREATED; i <= NLB_STATS_RESTARTED; i++)
			if (tb[i])
				jw_uint(jw, stat_keys[i], attr_u64(tb[i]));
		print_hb_stats(ctx, hb_nest);
		if (!flat)
			jw_obj_end(jw);
		return;
	}
	fputs("    ", stdout);
	for (i = NLB_STATS_ACCEPTED; i <= NLB_STATS_ARP_MANGLED; i++) {
		stat_name(stat_keys[i], name);
		printf("%s%s %" PRIu64, i == NLB_STATS_ACCEPTED ? "" : " ",
		       name, attr_u64(tb[i]));
	}
	for (i = NLB_STATS_DISABLED; i <= NLB_STATS_MAX; i++) {
		if (!tb[i])
			continue;
		stat_name(stat_keys[i], name);
		printf(" %s %" PRIu64, name, attr_u64(tb[i]));
	}
	putchar('\n');
	for (i = NLB_STATS_FLOWS_CREATED; i <= NLB_STATS_RESTARTED; i++) {
		if (!tb[i])
			continue;
		stat_name(stat_keys[i], name);
		printf("%s%s %" PRIu64, line ? " " : "    ", name,
		       attr_u64(tb[i]));
		line = true;
	}
	if (line)
		putchar('\n');
	print_hb_stats(ctx, hb_nest);
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

/* A peer nest and its id, to print the peers by id. */
struct peer_ref {
	uint8_t id;
	const struct nlattr *nest;
};

static int peer_cmp(const void *a, const void *b)
{
	const struct peer_ref *pa = a, *pb = b;

	return (int)pa->id - (int)pb->id;
}

static void print_peer(struct show_ctx *ctx, const struct nlattr *nest,
		       uint64_t dead_ms)
{
	const struct nlattr *tb[NLB_PEER_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	const struct nlattr *age_hb, *age_cl;
	bool hb_live, cl_live;
	char mac[18], digest[17];
	uint64_t mask;
	unsigned int id;

	if (nlb_parse_nested(nest, tb, NLB_PEER_MAX))
		return;
	age_hb = tb[NLB_PEER_AGE_HB];
	age_cl = tb[NLB_PEER_AGE_CLUSTER];
	hb_live = age_hb && attr_u32(age_hb) < dead_ms;
	cl_live = age_cl && attr_u32(age_cl) < dead_ms;
	if (jw) {
		jw_obj_start(jw, NULL);
		if (tb[NLB_PEER_ID])
			jw_uint(jw, "id", attr_u8(tb[NLB_PEER_ID]));
		if (tb[NLB_PEER_STATE])
			jw_str(jw, "state", state_name(attr_u8(tb[NLB_PEER_STATE])));
		if (tb[NLB_PEER_WEIGHT])
			jw_uint(jw, "weight", attr_u32(tb[NLB_PEER_WEIGHT]));
		if (tb[NLB_PEER_PRIORITY])
			jw_uint(jw, "priority", attr_u8(tb[NLB_PEER_PRIORITY]));
		if (tb[NLB_PEER_ALIVE])
			jw_bool(jw, "alive", attr_u8(tb[NLB_PEER_ALIVE]));
		if (tb[NLB_PEER_IN_MAP])
			jw_bool(jw, "in_map", attr_u8(tb[NLB_PEER_IN_MAP]));
		if (tb[NLB_PEER_MISMATCH])
			jw_bool(jw, "mismatch", attr_u8(tb[NLB_PEER_MISMATCH]));
		if (tb[NLB_PEER_DUPLICATE])
			jw_bool(jw, "duplicate", attr_u8(tb[NLB_PEER_DUPLICATE]));
		if (age_hb)
			jw_uint(jw, "age_hb_ms", attr_u32(age_hb));
		if (age_cl)
			jw_uint(jw, "age_cluster_ms", attr_u32(age_cl));
		jw_arr_start(jw, "paths");
		if (hb_live)
			jw_str(jw, NULL, "hb");
		if (cl_live)
			jw_str(jw, NULL, "cluster");
		jw_arr_end(jw);
		if (tb[NLB_PEER_DIGEST]) {
			sprintf(digest, "%016" PRIx64, attr_u64(tb[NLB_PEER_DIGEST]));
			jw_str(jw, "digest", digest);
		}
		if (tb[NLB_PEER_MEMBER_MASK]) {
			mask = attr_u64(tb[NLB_PEER_MEMBER_MASK]);
			jw_arr_start(jw, "members");
			for (id = 1; id <= 64; id++)
				if (mask & (1ULL << (id - 1)))
					jw_uint(jw, NULL, id);
			jw_arr_end(jw);
		}
		if (tb[NLB_PEER_MAC])
			jw_str(jw, "mac", mac_str(attr_bin(tb[NLB_PEER_MAC], 6), mac));
		if (tb[NLB_PEER_HELD_BUCKETS])
			jw_uint(jw, "held_buckets",
				attr_u32(tb[NLB_PEER_HELD_BUCKETS]));
		jw_obj_end(jw);
		return;
	}
	printf("    peer %u", attr_u8(tb[NLB_PEER_ID]));
	if (tb[NLB_PEER_STATE])
		printf(" state %s", state_name(attr_u8(tb[NLB_PEER_STATE])));
	if (tb[NLB_PEER_WEIGHT])
		printf(" weight %u", attr_u32(tb[NLB_PEER_WEIGHT]));
	if (tb[NLB_PEER_PRIORITY])
		printf(" priority %u", attr_u8(tb[NLB_PEER_PRIORITY]));
	if (attr_u8(tb[NLB_PEER_ALIVE]))
		fputs(" alive", stdout);
	if (attr_u8(tb[NLB_PEER_IN_MAP]))
		fputs(" in-map", stdout);
	if (attr_u32(tb[NLB_PEER_HELD_BUCKETS]))
		printf(" held-buckets %u", attr_u32(tb[NLB_PEER_HELD_BUCKETS]));
	printf(" paths %s%s%s", hb_live ? "hb" : "",
	       hb_live && cl_live ? "," : "",
	       cl_live ? "cluster" : hb_live ? "" : "none");
	if (age_hb)
		printf(" age-hb %ums", attr_u32(age_hb));
	if (age_cl)
		printf(" age-cluster %ums", attr_u32(age_cl));
	if (attr_u8(tb[NLB_PEER_MISMATCH]))
		fputs(" mismatch", stdout);
	if (attr_u8(tb[NLB_PEER_DUPLICATE]))
		fputs(" duplicate", stdout);
	if (tb[NLB_PEER_ALIVE] && !attr_u8(tb[NLB_PEER_ALIVE]))
		fputs(" dead", stdout);
	putchar('\n');
}

/*
 * The peers heard on either path, by id.  A path is listed in "paths" while
 * its age is below the dead timeout, hb-interval * hb-tolerance.
 */
static void print_peers(struct show_ctx *ctx, const struct nlattr **tb)
{
	const struct nlattr *tp[NLB_PEER_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	struct peer_ref peers[256];
	const struct nlattr *p;
	uint64_t interval = NLB_HB_DEFAULT_INTERVAL;
	uint64_t tolerance = NLB_HB_DEFAULT_TOLERANCE;
	unsigned int n = 0, i;

	if (!tb[NLB_A_PEERS])
		return;
	if (tb[NLB_A_HB_INTERVAL])
		interval = attr_u32(tb[NLB_A_HB_INTERVAL]);
	if (tb[NLB_A_HB_TOLERANCE])
		tolerance = attr_u32(tb[NLB_A_HB_TOLERANCE]);
	mnl_attr_for_each_nested(p, tb[NLB_A_PEERS]) {
		if (n == sizeof(peers) / sizeof(peers[0]) ||
		    nlb_parse_nested(p, tp, NLB_PEER_MAX))
			continue;
		peers[n].id = attr_u8(tp[NLB_PEER_ID]);
		peers[n++].nest = p;
	}
	qsort(peers, n, sizeof(peers[0]), peer_cmp);
	if (jw)
		jw_arr_start(jw, "peers");
	for (i = 0; i < n; i++)
		print_peer(ctx, peers[i].nest, interval * tolerance);
	if (jw)
		jw_arr_end(jw);
}

static const char *membership_name(uint8_t m)
{
	switch (m) {
	case NLB_MEMBERSHIP_DYNAMIC: return "dynamic";
	case NLB_MEMBERSHIP_STATIC: return "static";
	default: return "unknown";
	}
}

static const char *admin_name(uint8_t a)
{
	switch (a) {
	case NLB_ADMIN_STARTED: return "started";
	case NLB_ADMIN_STOPPED: return "stopped";
	case NLB_ADMIN_SUSPENDED: return "suspended";
	case NLB_ADMIN_DRAINING: return "draining";
	default: return "unknown";
	}
}

/*
 * Heartbeat settings and state, this node's weight and host priority, the
 * default host and the digests: each key only when the module sent it.
 */
static void print_heartbeat(struct show_ctx *ctx, const struct nlattr **tb)
{
	struct json_writer *jw = ctx->ctl->jw;
	const char *hb_dev = attr_str(tb[NLB_A_HB_IFNAME]);
	char digest[17] = "", rules_digest[17] = "";
	uint8_t default_host = attr_u8(tb[NLB_A_DEFAULT_HOST]);
	bool line;

	if (tb[NLB_A_DIGEST])
		sprintf(digest, "%016" PRIx64, attr_u64(tb[NLB_A_DIGEST]));
	if (tb[NLB_A_RULES_DIGEST])
		sprintf(rules_digest, "%016" PRIx64,
			attr_u64(tb[NLB_A_RULES_DIGEST]));
	if (jw) {
		if (hb_dev)
			jw_str(jw, "hb_dev", hb_dev);
		if (tb[NLB_A_HB_INTERVAL])
			jw_uint(jw, "hb_interval_ms", attr_u32(tb[NLB_A_HB_INTERVAL]));
		if (tb[NLB_A_HB_TOLERANCE])
			jw_uint(jw, "hb_tolerance", attr_u32(tb[NLB_A_HB_TOLERANCE]));
		if (tb[NLB_A_AUTH])
			jw_bool(jw, "auth", attr_u8(tb[NLB_A_AUTH]));
		if (tb[NLB_A_MEMBERSHIP])
			jw_str(jw, "membership",
			       membership_name(attr_u8(tb[NLB_A_MEMBERSHIP])));
		if (tb[NLB_A_WEIGHT])
			jw_uint(jw, "weight", attr_u32(tb[NLB_A_WEIGHT]));
		if (tb[NLB_A_PRIORITY])
			jw_uint(jw, "priority", attr_u8(tb[NLB_A_PRIORITY]));
		if (tb[NLB_A_DEFAULT_HOST])
			jw_uint(jw, "default_host", default_host);
		if (tb[NLB_A_ADMIN_STATE])
			jw_str(jw, "admin",
			       admin_name(attr_u8(tb[NLB_A_ADMIN_STATE])));
		if (tb[NLB_A_DIGEST])
			jw_str(jw, "digest", digest);
		if (tb[NLB_A_RULES_DIGEST])
			jw_str(jw, "rules_digest", rules_digest);
		if (tb[NLB_A_CONVERGED])
			jw_bool(jw, "converged", attr_u8(tb[NLB_A_CONVERGED]));
		return;
	}
	line = hb_dev || tb[NLB_A_HB_INTERVAL] || tb[NLB_A_HB_TOLERANCE] ||
	       tb[NLB_A_AUTH] || tb[NLB_A_MEMBERSHIP] || tb[NLB_A_CONVERGED];
	if (line) {
		fputs("    heartbeat", stdout);
		if (hb_dev)
			printf(" dev %s", hb_dev);
		if (tb[NLB_A_HB_INTERVAL])
			printf(" interval %ums", attr_u32(tb[NLB_A_HB_INTERVAL]));
		if (tb[NLB_A_HB_TOLERANCE])
			printf(" tolerance %u", attr_u32(tb[NLB_A_HB_TOLERANCE]));
		if (tb[NLB_A_AUTH])
			fputs(attr_u8(tb[NLB_A_AUTH]) ? " auth hmac-sha256" :
			      " auth none (unauthenticated)", stdout);
		if (tb[NLB_A_MEMBERSHIP])
			printf(" membership %s",
			       membership_name(attr_u8(tb[NLB_A_MEMBERSHIP])));
		if (tb[NLB_A_CONVERGED])
			printf(" converged %s",
			       attr_u8(tb[NLB_A_CONVERGED]) ? "yes" : "no");
		putchar('\n');
	}
	line = tb[NLB_A_WEIGHT] || tb[NLB_A_PRIORITY] ||
	       tb[NLB_A_DEFAULT_HOST] || tb[NLB_A_ADMIN_STATE] ||
	       tb[NLB_A_DIGEST] || tb[NLB_A_RULES_DIGEST];
	if (line) {
		fputs("   ", stdout);
		if (tb[NLB_A_WEIGHT])
			printf(" weight %u", attr_u32(tb[NLB_A_WEIGHT]));
		if (tb[NLB_A_PRIORITY])
			printf(" priority %u", attr_u8(tb[NLB_A_PRIORITY]));
		if (tb[NLB_A_DEFAULT_HOST]) {
			if (default_host)
				printf(" default-host %u", default_host);
			else
				fputs(" default-host none", stdout);
		}
		if (tb[NLB_A_ADMIN_STATE])
			printf(" admin %s",
			       admin_name(attr_u8(tb[NLB_A_ADMIN_STATE])));
		if (tb[NLB_A_DIGEST])
			printf(" digest %s", digest);
		if (tb[NLB_A_RULES_DIGEST])
			printf(" rules-digest %s", rules_digest);
		putchar('\n');
	}
}

/*
 * Held flows: the settings, the flows held by state, the held buckets and
 * the drain: each key only when the module sent it.
 */
static void print_flows(struct show_ctx *ctx, const struct nlattr **tb)
{
	const struct nlattr *st[NLB_FLOW_STATE_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	bool states = false, timeouts;
	uint32_t drain;
	unsigned int i;

	if (tb[NLB_A_FLOW_STATES] &&
	    !nlb_parse_nested(tb[NLB_A_FLOW_STATES], st, NLB_FLOW_STATE_MAX))
		states = true;
	if (jw) {
		if (tb[NLB_A_MAX_FLOWS])
			jw_uint(jw, "max_flows", attr_u32(tb[NLB_A_MAX_FLOWS]));
		if (tb[NLB_A_TCP_TIMEOUT])
			jw_uint(jw, "tcp_timeout",
				attr_u32(tb[NLB_A_TCP_TIMEOUT]));
		if (tb[NLB_A_TCP_CLOSE_TIMEOUT])
			jw_uint(jw, "tcp_close_timeout",
				attr_u32(tb[NLB_A_TCP_CLOSE_TIMEOUT]));
		if (tb[NLB_A_UDP_TIMEOUT])
			jw_uint(jw, "udp_timeout",
				attr_u32(tb[NLB_A_UDP_TIMEOUT]));
		if (tb[NLB_A_DRAIN_TIMEOUT])
			jw_uint(jw, "drain_timeout",
				attr_u32(tb[NLB_A_DRAIN_TIMEOUT]));
		if (tb[NLB_A_FLOWS])
			jw_uint(jw, "flows", attr_u32(tb[NLB_A_FLOWS]));
		if (states) {
			jw_obj_start(jw, "flow_states");
			for (i = NLB_FLOW_STATE_SYN; i <= NLB_FLOW_STATE_MAX;
			     i++)
				jw_uint(jw, flow_state_keys[i],
					attr_u32(st[i]));
			jw_obj_end(jw);
		}
		if (tb[NLB_A_HELD_BUCKETS])
			jw_uint(jw, "held_buckets",
				attr_u32(tb[NLB_A_HELD_BUCKETS]));
		if (tb[NLB_A_DRAIN_LEFT])
			jw_uint(jw, "drain_left_ms",
				attr_u32(tb[NLB_A_DRAIN_LEFT]));
		return;
	}
	timeouts = tb[NLB_A_TCP_TIMEOUT] || tb[NLB_A_TCP_CLOSE_TIMEOUT] ||
		   tb[NLB_A_UDP_TIMEOUT] || tb[NLB_A_DRAIN_TIMEOUT];
	if (!tb[NLB_A_FLOWS] && !states && !tb[NLB_A_HELD_BUCKETS] &&
	    !tb[NLB_A_MAX_FLOWS] && !timeouts && !tb[NLB_A_DRAIN_LEFT])
		return;
	fputs("   ", stdout);
	if (tb[NLB_A_FLOWS])
		printf(" flows %u", attr_u32(tb[NLB_A_FLOWS]));
	if (states) {
		fputs(" (", stdout);
		for (i = NLB_FLOW_STATE_SYN; i <= NLB_FLOW_STATE_MAX; i++)
			printf("%s%s %u", i == NLB_FLOW_STATE_SYN ? "" : " ",
			       flow_state_keys[i], attr_u32(st[i]));
		putchar(')');
	}
	if (tb[NLB_A_HELD_BUCKETS])
		printf(" held-buckets %u", attr_u32(tb[NLB_A_HELD_BUCKETS]));
	if (tb[NLB_A_MAX_FLOWS])
		printf(" max %u", attr_u32(tb[NLB_A_MAX_FLOWS]));
	if (timeouts)
		fputs(" timeouts", stdout);
	if (tb[NLB_A_TCP_TIMEOUT])
		printf(" tcp %us", attr_u32(tb[NLB_A_TCP_TIMEOUT]));
	if (tb[NLB_A_TCP_CLOSE_TIMEOUT])
		printf(" close %us", attr_u32(tb[NLB_A_TCP_CLOSE_TIMEOUT]));
	if (tb[NLB_A_UDP_TIMEOUT])
		printf(" udp %us", attr_u32(tb[NLB_A_UDP_TIMEOUT]));
	if (tb[NLB_A_DRAIN_TIMEOUT]) {
		drain = attr_u32(tb[NLB_A_DRAIN_TIMEOUT]);
		if (drain)
			printf(" drain %us", drain);
		else
			fputs(" drain none", stdout);
	}
	if (tb[NLB_A_DRAIN_LEFT])
		printf(" drain-left %ums", attr_u32(tb[NLB_A_DRAIN_LEFT]));
	putchar('\n');
}

static const char *const mem_keys[] = {
	[NLB_MEM_CLUSTER] = "cluster",
	[NLB_MEM_PERCPU] = "percpu",
	[NLB_MEM_MAP] = "map",
	[NLB_MEM_RULES] = "rules",
	[NLB_MEM_FLOW_COUNTERS] = "flow_counters",
	[NLB_MEM_FLOWS] = "flows",
	[NLB_MEM_FLOW_TABLE] = "flow_table",
};

/*
 * NLB_A_MEMORY: the parts, their total, and the bytes of one held flow's
 * object, when the module has them.
 */
static void print_memory(struct show_ctx *ctx, const struct nlattr *nest)
{
	const struct nlattr *tb[NLB_MEM_MAX + 1];
	struct json_writer *jw = ctx->ctl->jw;
	uint64_t total = 0;
	char name[32];
	unsigned int i;

	if (!nest || nlb_parse_nested(nest, tb, NLB_MEM_MAX))
		return;
	for (i = NLB_MEM_CLUSTER; i <= NLB_MEM_FLOW_TABLE; i++)
		total += attr_u64(tb[i]);
	if (jw) {
		jw_obj_start(jw, "memory");
		jw_uint(jw, "total", total);
		for (i = NLB_MEM_CLUSTER; i <= NLB_MEM_FLOW_TABLE; i++)
			jw_uint(jw, mem_keys[i], attr_u64(tb[i]));
		jw_uint(jw, "flow_object", attr_u64(tb[NLB_MEM_FLOW_OBJECT]));
		jw_obj_end(jw);
		return;
	}
	printf("    memory %" PRIu64 " B:", total);
	for (i = NLB_MEM_CLUSTER; i <= NLB_MEM_FLOW_TABLE; i++) {
		stat_name(mem_keys[i], name);
		printf(" %s %" PRIu64, name, attr_u64(tb[i]));
	}
	printf(" (flow object %" PRIu64 " B)\n",
	       attr_u64(tb[NLB_MEM_FLOW_OBJECT]));
}

static void show_cluster(struct show_ctx *ctx, const struct nlattr **tb)
{
	struct json_writer *jw = ctx->ctl->jw;
	const char *dev = attr_str(tb[NLB_A_IFNAME]);
	const uint8_t *seed = attr_bin(tb[NLB_A_SEED], NLB_SEED_LEN);
	uint8_t state = attr_u8(tb[NLB_A_STATE]);
	char mac[18] = "-", seedhex[2 * NLB_SEED_LEN + 1] = "-", view[17];
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
		jw_str(jw, "state", state_name(state));
		print_vips(ctx, tb[NLB_A_VIPS]);
		jw_str(jw, "cluster_mac", mac);
		if (tb[NLB_A_IGMP_GROUP])
			jw_str(jw, "igmp_group",
			       addr_str(attr_u32(tb[NLB_A_IGMP_GROUP]), grp));
		jw_uint(jw, "buckets", attr_u32(tb[NLB_A_BUCKETS]));
		jw_uint(jw, "owned_buckets", attr_u32(tb[NLB_A_OWNED_BUCKETS]));
		jw_uint(jw, "map_generation", attr_u32(tb[NLB_A_MAP_GENERATION]));
		if (tb[NLB_A_MAP_VIEW]) {
			snprintf(view, sizeof(view), "%016" PRIx64,
				 attr_u64(tb[NLB_A_MAP_VIEW]));
			jw_str(jw, "map_view", view);
		}
		jw_str(jw, "seed", seedhex);
		jw_bool(jw, "seed_derived", tb[NLB_A_SEED_DERIVED]);
		print_heartbeat(ctx, tb);
		print_flows(ctx, tb);
		print_memory(ctx, tb[NLB_A_MEMORY]);
		print_members(ctx, tb[NLB_A_MEMBERS]);
		print_peers(ctx, tb);
		print_stats(ctx, tb[NLB_A_STATS], tb[NLB_A_HB_STATS], false);
		jw_obj_end(jw);
		return;
	}

	if (ctx->count)
		putchar('\n');
	printf("cluster %s ifindex %u mode %s node-id %u state %s\n", dev,
	       attr_u32(tb[NLB_A_IFINDEX]), mode_name(attr_u8(tb[NLB_A_MODE])),
	       attr_u8(tb[NLB_A_NODE_ID]), state_name(state));
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
	print_heartbeat(ctx, tb);
	print_flows(ctx, tb);
	print_memory(ctx, tb[NLB_A_MEMORY]);
	print_peers(ctx, tb);
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
		print_stats(ctx, tb[NLB_A_STATS], tb[NLB_A_HB_STATS], true);
		jw_obj_end(jw);
		return;
	}
	printf("cluster %s\n", dev);
	print_stats(ctx, tb[NLB_A_STATS], tb[NLB_A_HB_STATS], false);
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

	return show_request(ctl, argc, argv, NLB_CMD_CLUSTER_GET, show_cb,
			    &ctx);
}

/* One held flow of a NLB_CMD_FLOW_GET dump. */
static int flow_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLB_A_MAX + 1], *fl[NLB_FLOW_MAX + 1];
	struct nlbctl *ctl = data;
	struct json_writer *jw = ctl->jw;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	uint16_t sport, dport;
	const char *state;
	bool ports;
	uint8_t proto;

	if (nlb_parse(nlh, tb, NLB_A_MAX) || !tb[NLB_A_FLOW] ||
	    nlb_parse_nested(tb[NLB_A_FLOW], fl, NLB_FLOW_MAX))
		return MNL_CB_ERROR;
	proto = attr_u8(fl[NLB_FLOW_PROTO]);
	addr_str(attr_u32(fl[NLB_FLOW_SADDR]), src);
	addr_str(attr_u32(fl[NLB_FLOW_DADDR]), dst);
	ports = fl[NLB_FLOW_SPORT] && fl[NLB_FLOW_DPORT];
	sport = ntohs(attr_u16(fl[NLB_FLOW_SPORT]));
	dport = ntohs(attr_u16(fl[NLB_FLOW_DPORT]));
	state = flow_state_name(attr_u8(fl[NLB_FLOW_STATE]));
	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "proto", proto_name(proto));
		jw_str(jw, "src", src);
		if (ports)
			jw_uint(jw, "sport", sport);
		jw_str(jw, "dst", dst);
		if (ports)
			jw_uint(jw, "dport", dport);
		jw_uint(jw, "bucket", attr_u32(fl[NLB_FLOW_BUCKET]));
		jw_str(jw, "state", state);
		jw_uint(jw, "age_ms", attr_u32(fl[NLB_FLOW_AGE]));
		jw_obj_end(jw);
		return MNL_CB_OK;
	}
	printf("%s %s", proto_name(proto), src);
	if (ports)
		printf(":%u", sport);
	printf(" -> %s", dst);
	if (ports)
		printf(":%u", dport);
	printf(" bucket %u state %s age %ums\n", attr_u32(fl[NLB_FLOW_BUCKET]),
	       state, attr_u32(fl[NLB_FLOW_AGE]));
	return MNL_CB_OK;
}

/* nlbctl show flows dev DEV: the flows this node holds, in no order. */
static int show_flows(struct nlbctl *ctl, int argc, char **argv)
{
	const char *dev = NULL;

	if (parse_dev_only(argc, argv, &dev))
		return -1;
	if (!dev)
		return nlbctl_error("show flows needs dev");
	return request_array(ctl, NLB_CMD_FLOW_GET, NLM_F_DUMP, dev, flow_cb,
			     ctl);
}

struct bucket_ctx {
	struct nlbctl *ctl;
	bool all;
};

/* The buckets of one NLB_CMD_BUCKET_GET message. */
static int bucket_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *bk[NLB_BUCKET_MAX + 1], *a;
	struct bucket_ctx *ctx = data;
	struct json_writer *jw = ctx->ctl->jw;
	uint64_t started;
	uint32_t flows;
	bool accepting, held;
	uint8_t owner;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != NLB_A_BUCKET)
			continue;
		if (nlb_parse_nested(a, bk, NLB_BUCKET_MAX) ||
		    !bk[NLB_BUCKET_ID])
			return MNL_CB_ERROR;
		owner = attr_u8(bk[NLB_BUCKET_OWNER]);
		accepting = attr_u8(bk[NLB_BUCKET_ACCEPTING]);
		flows = attr_u32(bk[NLB_BUCKET_FLOWS]);
		started = attr_u64(bk[NLB_BUCKET_STARTED]);
		held = attr_u8(bk[NLB_BUCKET_HELD_BY_PEER]);
		/* By default only the buckets with something to say. */
		if (!ctx->all && !accepting && !flows && !started && !held)
			continue;
		if (jw) {
			jw_obj_start(jw, NULL);
			jw_uint(jw, "bucket", attr_u32(bk[NLB_BUCKET_ID]));
			jw_uint(jw, "owner", owner);
			jw_bool(jw, "accepting", accepting);
			jw_uint(jw, "flows", flows);
			jw_uint(jw, "started", started);
			jw_bool(jw, "held_by_peer", held);
			jw_obj_end(jw);
			continue;
		}
		printf("bucket %u owner %u%s flows %u started %" PRIu64 "%s\n",
		       attr_u32(bk[NLB_BUCKET_ID]), owner,
		       accepting ? " accepting" : "", flows, started,
		       held ? " held-by-peer" : "");
	}
	return MNL_CB_OK;
}

/* nlbctl show buckets dev DEV [all]: per-bucket owner, flows, counters. */
static int show_buckets(struct nlbctl *ctl, int argc, char **argv)
{
	struct bucket_ctx ctx = { .ctl = ctl };
	const char *dev = NULL;

	while (argc > 0) {
		if (matches(*argv, "all")) {
			ctx.all = true;
			argc--;
			argv++;
			continue;
		}
		if (!matches(*argv, "dev"))
			return nlbctl_error("unknown argument \"%s\"", *argv);
		if (need_arg(argc, argv, "dev"))
			return -1;
		dev = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (!dev)
		return nlbctl_error("show buckets needs dev");
	return request_array(ctl, NLB_CMD_BUCKET_GET, NLM_F_DUMP, dev,
			     bucket_cb, &ctx);
}

/*
 * "show flows ..." lists the held flows, "show buckets ..." the buckets;
 * anything else after show is show's own arguments ("show dev flows" is
 * the cluster on a device named flows).
 */
int do_show(struct nlbctl *ctl, int argc, char **argv)
{
	if (argc > 0 && matches(*argv, "flows"))
		return show_flows(ctl, argc - 1, argv + 1);
	if (argc > 0 && matches(*argv, "buckets"))
		return show_buckets(ctl, argc - 1, argv + 1);
	return show_or_stats(ctl, argc, argv, false);
}

int do_stats(struct nlbctl *ctl, int argc, char **argv)
{
	return show_or_stats(ctl, argc, argv, true);
}
