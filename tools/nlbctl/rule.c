// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl rule add dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]
 *                 mode multiple|single|disabled
 *                 [affinity none|single|network] [weight equal|load]
 * nlbctl rule replace ...	(as add)
 * nlbctl rule del dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]
 * nlbctl [-j] rule show [dev DEV]
 *
 * Values are checked for form here (ports 0..65535, known keywords); what
 * depends on the rule as a whole (a range whose start is above its end,
 * affinity or weight on a rule that is not multiple, an overlap, a VIP the
 * cluster does not have) is the kernel's to refuse, and its message is
 * printed as it is.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

/* The keyword values of a rule attribute, indexed by value. */
struct rule_keywords {
	const char *what;		/* "proto" */
	const char *choices;		/* "tcp, udp or both" */
	const char *const *names;	/* NULL for a value without a name */
	unsigned int n;
};

#define KEYWORDS(w, c, t) \
	{ .what = w, .choices = c, .names = t, \
	  .n = sizeof(t) / sizeof(t[0]) }

static const char *const proto_names[] = {
	[NLB_RULE_PROTO_TCP] = "tcp",
	[NLB_RULE_PROTO_UDP] = "udp",
	[NLB_RULE_PROTO_BOTH] = "both",
};

static const char *const mode_names[] = {
	[NLB_RULE_MODE_MULTIPLE] = "multiple",
	[NLB_RULE_MODE_SINGLE] = "single",
	[NLB_RULE_MODE_DISABLED] = "disabled",
};

static const char *const affinity_names[] = {
	[NLB_AFFINITY_TYPE_NONE] = "none",
	[NLB_AFFINITY_TYPE_SINGLE] = "single",
	[NLB_AFFINITY_TYPE_NETWORK] = "network",
};

static const char *const weight_names[] = {
	[NLB_RULE_WEIGHT_EQUAL] = "equal",
	[NLB_RULE_WEIGHT_LOAD] = "load",
};

static const struct rule_keywords protos =
	KEYWORDS("proto", "tcp, udp or both", proto_names);
static const struct rule_keywords modes =
	KEYWORDS("mode", "multiple, single or disabled", mode_names);
static const struct rule_keywords affinities =
	KEYWORDS("affinity", "none, single or network", affinity_names);
static const struct rule_keywords weights =
	KEYWORDS("weight", "equal or load", weight_names);

static int parse_keyword(const struct rule_keywords *k, const char *s,
			 uint8_t *out)
{
	unsigned int i;

	for (i = 0; i < k->n; i++) {
		if (k->names[i] && matches(s, k->names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return nlbctl_error("unknown %s \"%s\" (%s)", k->what, s, k->choices);
}

static const char *keyword_name(const struct rule_keywords *k, uint8_t v)
{
	return v < k->n && k->names[v] ? k->names[v] : "unknown";
}

/* "LO" or "LO-HI", each 0..65535; LO above HI is left to the kernel. */
static int parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[32], *dash;
	uint32_t v;

	if (strlen(s) >= sizeof(buf))
		return nlbctl_error("invalid port \"%s\"", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!*buf || (dash && !dash[1]))
		return nlbctl_error("invalid ports \"%s\" (LO or LO-HI)", s);
	if (parse_u32(buf, "port", 65535, &v))
		return -1;
	*lo = (uint16_t)v;
	*hi = *lo;
	if (!dash)
		return 0;
	if (parse_u32(dash + 1, "port", 65535, &v))
		return -1;
	*hi = (uint16_t)v;
	return 0;
}

struct rule_args {
	const char *dev;
	uint32_t vip;			/* network order, 0 = all */
	uint16_t lo, hi;
	uint8_t proto, mode, affinity, weight;
	bool have_ports, have_mode, have_affinity, have_weight;
};

/* The keywords of rule add and replace; rule del takes the first four. */
static const char *const arg_keywords[] = {
	"dev", "vip", "ports", "proto", "mode", "affinity", "weight",
};
#define N_DEL_KEYWORDS 4

static bool is_rule_keyword(const char *arg, bool del)
{
	unsigned int i, n = del ? N_DEL_KEYWORDS :
			 sizeof(arg_keywords) / sizeof(arg_keywords[0]);

	for (i = 0; i < n; i++)
		if (matches(arg, arg_keywords[i]))
			return true;
	return false;
}

/* The arguments of rule @cmd (add, replace or del, as @del says). */
static int parse_rule_args(int argc, char **argv, const char *cmd, bool del,
			   struct rule_args *a)
{
	const char *kw, *val;

	memset(a, 0, sizeof(*a));
	a->proto = NLB_RULE_PROTO_BOTH;
	while (argc > 0) {
		kw = argv[0];
		if (!is_rule_keyword(kw, del))
			return nlbctl_error("unknown argument \"%s\"", kw);
		if (need_arg(argc, argv, kw))
			return -1;
		val = argv[1];
		if (matches(kw, "dev")) {
			a->dev = val;
		} else if (matches(kw, "vip")) {
			if (matches(val, "all"))
				a->vip = 0;
			else if (parse_ipv4(val, "vip", &a->vip))
				return -1;
		} else if (matches(kw, "ports")) {
			if (parse_ports(val, &a->lo, &a->hi))
				return -1;
			a->have_ports = true;
		} else if (matches(kw, "proto")) {
			if (parse_keyword(&protos, val, &a->proto))
				return -1;
		} else if (matches(kw, "mode")) {
			if (parse_keyword(&modes, val, &a->mode))
				return -1;
			a->have_mode = true;
		} else if (matches(kw, "affinity")) {
			if (parse_keyword(&affinities, val, &a->affinity))
				return -1;
			a->have_affinity = true;
		} else {
			if (parse_keyword(&weights, val, &a->weight))
				return -1;
			a->have_weight = true;
		}
		argc -= 2;
		argv += 2;
	}
	if (!a->dev)
		return nlbctl_error("rule %s needs dev", cmd);
	if (!a->have_ports)
		return nlbctl_error("rule %s needs ports", cmd);
	if (!del && !a->have_mode)
		return nlbctl_error("rule %s needs mode (%s)", cmd,
				    modes.choices);
	return 0;
}

/*
 * rule add, replace (NLB_CMD_RULE_ADD with NLB_A_REPLACE) and del
 * (NLB_CMD_RULE_DEL, the rule's VIP, ports and protocol only).  Affinity
 * and weight are sent whenever given, whatever the mode: the kernel says
 * when they do not apply.
 */
static int rule_change(struct nlbctl *ctl, int argc, char **argv,
		       const char *cmd, bool replace, bool del)
{
	struct rule_args a;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlb_sock *s;

	if (parse_rule_args(argc, argv, cmd, del, &a))
		return -1;
	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, del ? NLB_CMD_RULE_DEL : NLB_CMD_RULE_ADD, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, a.dev);
	if (replace)
		mnl_attr_put(nlh, NLB_A_REPLACE, 0, NULL);
	nest = nlb_nest_start(nlh, NLB_A_RULE);
	mnl_attr_put_u32(nlh, NLB_RULE_VIP, a.vip);
	mnl_attr_put_u16(nlh, NLB_RULE_PORT_LO, a.lo);
	mnl_attr_put_u16(nlh, NLB_RULE_PORT_HI, a.hi);
	mnl_attr_put_u8(nlh, NLB_RULE_PROTO, a.proto);
	if (!del) {
		mnl_attr_put_u8(nlh, NLB_RULE_MODE, a.mode);
		if (a.have_affinity)
			mnl_attr_put_u8(nlh, NLB_RULE_AFFINITY, a.affinity);
		if (a.have_weight)
			mnl_attr_put_u8(nlh, NLB_RULE_WEIGHT, a.weight);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlb_talk(s, nlh, NULL, NULL);
}

/* One rule of a NLB_CMD_RULE_GET answer, parsed into @rt. */
static void print_rule(struct nlbctl *ctl, const struct nlattr **rt)
{
	struct json_writer *jw = ctl->jw;
	uint32_t vip = attr_u32(rt[NLB_RULE_VIP]);
	uint16_t lo = attr_u16(rt[NLB_RULE_PORT_LO]);
	uint16_t hi = rt[NLB_RULE_PORT_HI] ? attr_u16(rt[NLB_RULE_PORT_HI]) : lo;
	const char *proto = keyword_name(&protos, attr_u8(rt[NLB_RULE_PROTO]));
	const char *mode = keyword_name(&modes, attr_u8(rt[NLB_RULE_MODE]));
	uint8_t owner = attr_u8(rt[NLB_RULE_OWNER]);
	char addr[INET_ADDRSTRLEN] = "all";

	if (vip)
		inet_ntop(AF_INET, &vip, addr, sizeof(addr));
	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "vip", addr);
		jw_uint(jw, "port_lo", lo);
		jw_uint(jw, "port_hi", hi);
		jw_str(jw, "proto", proto);
		jw_str(jw, "mode", mode);
		if (rt[NLB_RULE_AFFINITY])
			jw_str(jw, "affinity",
			       keyword_name(&affinities,
					    attr_u8(rt[NLB_RULE_AFFINITY])));
		if (rt[NLB_RULE_WEIGHT])
			jw_str(jw, "weight",
			       keyword_name(&weights,
					    attr_u8(rt[NLB_RULE_WEIGHT])));
		if (rt[NLB_RULE_OWNER])
			jw_uint(jw, "owner", owner);
		jw_uint(jw, "accepted", attr_u64(rt[NLB_RULE_ACCEPTED]));
		jw_uint(jw, "dropped", attr_u64(rt[NLB_RULE_DROPPED]));
		jw_obj_end(jw);
		return;
	}
	printf("  rule vip %s ports %u", addr, lo);
	if (hi != lo)
		printf("-%u", hi);
	printf(" proto %s mode %s", proto, mode);
	if (rt[NLB_RULE_AFFINITY])
		printf(" affinity %s",
		       keyword_name(&affinities, attr_u8(rt[NLB_RULE_AFFINITY])));
	if (rt[NLB_RULE_WEIGHT])
		printf(" weight %s",
		       keyword_name(&weights, attr_u8(rt[NLB_RULE_WEIGHT])));
	if (rt[NLB_RULE_OWNER]) {
		if (owner)
			printf(" owner %u", owner);
		else
			fputs(" owner none", stdout);
	}
	printf(" accepted %" PRIu64 " dropped %" PRIu64 "\n",
	       attr_u64(rt[NLB_RULE_ACCEPTED]), attr_u64(rt[NLB_RULE_DROPPED]));
}

/* One cluster's rules: a NLB_CMD_RULE_GET answer, or a message of its dump. */
static int rule_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLB_A_MAX + 1], *rt[NLB_RULE_MAX + 1];
	const struct nlattr *rules, *r;
	struct nlbctl *ctl = data;
	struct json_writer *jw = ctl->jw;
	const char *dev;
	unsigned int n = 0;
	char digest[17] = "";

	if (nlb_parse(nlh, tb, NLB_A_MAX))
		return MNL_CB_ERROR;
	rules = tb[NLB_A_RULES];
	if (rules && mnl_attr_validate(rules, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	/* Count and check them all before printing any. */
	if (rules) {
		mnl_attr_for_each_nested(r, rules) {
			if (mnl_attr_get_type(r) != NLB_A_RULES_RULE)
				continue;
			if (nlb_parse_nested(r, rt, NLB_RULE_MAX))
				return MNL_CB_ERROR;
			n++;
		}
	}
	dev = attr_str(tb[NLB_A_IFNAME]);
	if (!dev)
		dev = "?";
	if (tb[NLB_A_RULES_DIGEST])
		sprintf(digest, "%016" PRIx64, attr_u64(tb[NLB_A_RULES_DIGEST]));
	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "dev", dev);
		jw_uint(jw, "ifindex", attr_u32(tb[NLB_A_IFINDEX]));
		if (tb[NLB_A_RULES_DIGEST])
			jw_str(jw, "digest", digest);
		jw_arr_start(jw, "rules");
	} else {
		printf("dev %s rules %u", dev, n);
		if (tb[NLB_A_RULES_DIGEST])
			printf(" digest %s", digest);
		putchar('\n');
	}
	if (rules) {
		mnl_attr_for_each_nested(r, rules) {
			if (mnl_attr_get_type(r) != NLB_A_RULES_RULE ||
			    nlb_parse_nested(r, rt, NLB_RULE_MAX))
				continue;
			print_rule(ctl, rt);
		}
	}
	if (jw) {
		jw_arr_end(jw);
		jw_obj_end(jw);
	}
	return MNL_CB_OK;
}

/* rule show [dev DEV]: one cluster (doit), or all of them (dump). */
static int rule_show(struct nlbctl *ctl, int argc, char **argv)
{
	return show_request(ctl, argc, argv, NLB_CMD_RULE_GET, rule_show_cb,
			    ctl);
}

int do_rule(struct nlbctl *ctl, int argc, char **argv)
{
	if (argc < 1)
		return nlbctl_error("rule needs add, replace, del or show (see nlbctl help)");
	if (matches(*argv, "add"))
		return rule_change(ctl, argc - 1, argv + 1, "add", false, false);
	if (matches(*argv, "replace"))
		return rule_change(ctl, argc - 1, argv + 1, "replace", true,
				   false);
	if (matches(*argv, "del") || matches(*argv, "delete"))
		return rule_change(ctl, argc - 1, argv + 1, "del", false, true);
	if (matches(*argv, "show") || matches(*argv, "list"))
		return rule_show(ctl, argc - 1, argv + 1);
	return nlbctl_error("unknown rule command \"%s\" (add, replace, del or show)",
			    *argv);
}
