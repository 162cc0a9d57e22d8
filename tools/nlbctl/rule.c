// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl rule add dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]
 *                 mode multiple|single|disabled
 *                 [affinity none|single|network] [weight equal|load|W]
 *                 [priority P]
 * nlbctl rule replace ...	(as add)
 * nlbctl rule del dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]
 * nlbctl rule set dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]
 *                 [weight W|host] [priority P|host]
 * nlbctl rule enable|disable|drain dev DEV [vip ADDR|all] ports LO[-HI]
 *                 [proto tcp|udp|both]
 * nlbctl [-j] rule show [dev DEV]
 *
 * weight W (0..100, for a multiple rule with load weights), priority P
 * (1..64, for a single rule) and enable, disable and drain are this node's
 * own settings for a rule (NLB_RULE_NODE_*), not part of the rule: each
 * node has its own and its peers learn them from its heartbeats.  On rule
 * add, weight W means load weights with W as this node's.  rule set and
 * the state commands (NLB_CMD_RULE_SET) name the rule by its VIP (default
 * all) and first port, and by its last port and protocol only if given:
 * the kernel wants exactly one rule to match.
 *
 * Values are checked for form and range here (ports 0..65535, weight
 * 0..100, priority 1..64, known keywords); what depends on the rule as a
 * whole (a range whose start is above its end, affinity, weight or
 * priority on a rule of another mode, a state for a disabled rule, an
 * overlap, a VIP the cluster does not have, no or several rules matching
 * rule set) is the kernel's to refuse, and its message is printed as it
 * is.
 */
#include <arpa/inet.h>
#include <ctype.h>
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

static const char *const node_state_names[] = {
	[NLB_RULE_NODE_ENABLED] = "enabled",
	[NLB_RULE_NODE_DRAINING] = "draining",
	[NLB_RULE_NODE_DISABLED] = "disabled",
};

static const struct rule_keywords protos =
	KEYWORDS("proto", "tcp, udp or both", proto_names);
static const struct rule_keywords modes =
	KEYWORDS("mode", "multiple, single or disabled", mode_names);
static const struct rule_keywords affinities =
	KEYWORDS("affinity", "none, single or network", affinity_names);
static const struct rule_keywords weights =
	KEYWORDS("weight", "equal, load or 0..100", weight_names);
static const struct rule_keywords node_states =
	KEYWORDS("state", "enabled, draining or disabled", node_state_names);

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

/*
 * "LO" or "LO-HI", each 0..65535; LO above HI is left to the kernel.
 * *range says whether HI was given.
 */
static int parse_ports(const char *s, uint16_t *lo, uint16_t *hi, bool *range)
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
	*range = dash != NULL;
	if (!dash)
		return 0;
	if (parse_u32(dash + 1, "port", 65535, &v))
		return -1;
	*hi = (uint16_t)v;
	return 0;
}

/*
 * Which arguments a rule command takes: the rule and this node's settings
 * (add, replace), which rule (del, enable, disable, drain), or which rule
 * and this node's settings (set).
 */
enum rule_cmd {
	RULE_CMD_ADD,
	RULE_CMD_DEL,
	RULE_CMD_SET,
};

#define FOR_ADD	(1u << RULE_CMD_ADD)
#define FOR_SET	(1u << RULE_CMD_SET)
#define FOR_ALL	(FOR_ADD | (1u << RULE_CMD_DEL) | FOR_SET)

static const struct {
	const char *name;
	unsigned int cmds;	/* FOR_* */
} arg_keywords[] = {
	{ "dev", FOR_ALL },
	{ "vip", FOR_ALL },
	{ "ports", FOR_ALL },
	{ "proto", FOR_ALL },
	{ "mode", FOR_ADD },
	{ "affinity", FOR_ADD },
	{ "weight", FOR_ADD | FOR_SET },
	{ "priority", FOR_ADD | FOR_SET },
};

struct rule_args {
	const char *dev;
	uint32_t vip;			/* network order, 0 = all */
	uint16_t lo, hi;
	uint8_t proto, mode, affinity, weight;
	/* This node's own settings for the rule: NLB_RULE_NODE_* */
	uint8_t node_weight, node_priority, node_state;
	bool have_ports, have_range, have_proto, have_mode, have_affinity;
	bool have_weight, have_node_weight, have_node_priority;
	bool have_node_state;
};

static bool is_rule_keyword(const char *arg, enum rule_cmd cmd)
{
	unsigned int i;

	for (i = 0; i < sizeof(arg_keywords) / sizeof(arg_keywords[0]); i++)
		if ((arg_keywords[i].cmds & (1u << cmd)) &&
		    matches(arg, arg_keywords[i].name))
			return true;
	return false;
}

/*
 * This node's weight or priority for a rule: a number in [min, max], or
 * with @host_ok "host" for @host (follow the node's host setting).
 */
static int parse_node_value(const char *s, const char *what, uint32_t min,
			    uint32_t max, bool host_ok, uint8_t host,
			    uint8_t *out)
{
	uint32_t v;

	if (host_ok && matches(s, "host")) {
		*out = host;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return nlbctl_error("invalid %s \"%s\" (%u..%u%s)", what, s,
				    min, max, host_ok ? " or host" : "");
	if (parse_u32_range(s, what, min, max, &v))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/*
 * weight of rule add (equal, load, or W: load weights with W this node's)
 * or of rule set (W or host).
 */
static int parse_rule_weight(const char *s, enum rule_cmd cmd,
			     struct rule_args *a)
{
	if (cmd == RULE_CMD_ADD && !isdigit((unsigned char)*s)) {
		if (parse_keyword(&weights, s, &a->weight))
			return -1;
		a->have_weight = true;
		a->have_node_weight = false;
		return 0;
	}
	if (parse_node_value(s, "weight", 0, NLB_MAX_WEIGHT,
			     cmd == RULE_CMD_SET, NLB_RULE_HOST_WEIGHT,
			     &a->node_weight))
		return -1;
	a->have_node_weight = true;
	if (cmd == RULE_CMD_ADD) {
		a->weight = NLB_RULE_WEIGHT_LOAD;
		a->have_weight = true;
	}
	return 0;
}

/* The arguments of rule @name, which takes those of @cmd. */
static int parse_rule_args(int argc, char **argv, const char *name,
			   enum rule_cmd cmd, struct rule_args *a)
{
	const char *kw, *val;

	memset(a, 0, sizeof(*a));
	a->proto = NLB_RULE_PROTO_BOTH;
	while (argc > 0) {
		kw = argv[0];
		if (!is_rule_keyword(kw, cmd))
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
			if (parse_ports(val, &a->lo, &a->hi, &a->have_range))
				return -1;
			a->have_ports = true;
		} else if (matches(kw, "proto")) {
			if (parse_keyword(&protos, val, &a->proto))
				return -1;
			a->have_proto = true;
		} else if (matches(kw, "mode")) {
			if (parse_keyword(&modes, val, &a->mode))
				return -1;
			a->have_mode = true;
		} else if (matches(kw, "affinity")) {
			if (parse_keyword(&affinities, val, &a->affinity))
				return -1;
			a->have_affinity = true;
		} else if (matches(kw, "weight")) {
			if (parse_rule_weight(val, cmd, a))
				return -1;
		} else {
			if (parse_node_value(val, "priority", 1,
					     NLB_MAX_PRIORITY,
					     cmd == RULE_CMD_SET, 0,
					     &a->node_priority))
				return -1;
			a->have_node_priority = true;
		}
		argc -= 2;
		argv += 2;
	}
	if (!a->dev)
		return nlbctl_error("rule %s needs dev", name);
	if (!a->have_ports)
		return nlbctl_error("rule %s needs ports", name);
	if (cmd == RULE_CMD_ADD && !a->have_mode)
		return nlbctl_error("rule %s needs mode (%s)", name,
				    modes.choices);
	if (cmd == RULE_CMD_SET && !a->have_node_weight &&
	    !a->have_node_priority)
		return nlbctl_error("rule %s needs at least one of weight, priority",
				    name);
	return 0;
}

/* This node's settings for the rule, those given. */
static void put_node_settings(struct nlmsghdr *nlh, const struct rule_args *a)
{
	if (a->have_node_weight)
		mnl_attr_put_u8(nlh, NLB_RULE_NODE_WEIGHT, a->node_weight);
	if (a->have_node_priority)
		mnl_attr_put_u8(nlh, NLB_RULE_NODE_PRIORITY, a->node_priority);
	if (a->have_node_state)
		mnl_attr_put_u8(nlh, NLB_RULE_NODE_STATE, a->node_state);
}

/*
 * rule add, replace (NLB_CMD_RULE_ADD with NLB_A_REPLACE) and del
 * (NLB_CMD_RULE_DEL, the rule's VIP, ports and protocol only).  Affinity,
 * weight and this node's weight and priority are sent whenever given,
 * whatever the mode: the kernel says when they do not apply.
 */
static int rule_change(struct nlbctl *ctl, int argc, char **argv,
		       const char *cmd, bool replace, bool del)
{
	struct rule_args a;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlb_sock *s;

	if (parse_rule_args(argc, argv, cmd,
			    del ? RULE_CMD_DEL : RULE_CMD_ADD, &a))
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
		put_node_settings(nlh, &a);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlb_talk(s, nlh, NULL, NULL);
}

/*
 * rule set, enable, disable and drain (NLB_CMD_RULE_SET): this node's own
 * settings for one rule, @state (enum nlb_rule_node_state) or, if -1,
 * rule set's weight and priority.  The rule is named by its VIP (absent:
 * all VIPs) and first port, and by its last port and protocol only when
 * given: the kernel refuses unless exactly one rule matches.
 */
static int rule_set(struct nlbctl *ctl, int argc, char **argv,
		    const char *cmd, int state)
{
	struct rule_args a;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlb_sock *s;

	if (parse_rule_args(argc, argv, cmd,
			    state < 0 ? RULE_CMD_SET : RULE_CMD_DEL, &a))
		return -1;
	if (state >= 0) {
		a.node_state = (uint8_t)state;
		a.have_node_state = true;
	}
	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_RULE_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, a.dev);
	nest = nlb_nest_start(nlh, NLB_A_RULE);
	if (a.vip)
		mnl_attr_put_u32(nlh, NLB_RULE_VIP, a.vip);
	mnl_attr_put_u16(nlh, NLB_RULE_PORT_LO, a.lo);
	if (a.have_range)
		mnl_attr_put_u16(nlh, NLB_RULE_PORT_HI, a.hi);
	if (a.have_proto)
		mnl_attr_put_u8(nlh, NLB_RULE_PROTO, a.proto);
	put_node_settings(nlh, &a);
	mnl_attr_nest_end(nlh, nest);
	return nlb_talk(s, nlh, NULL, NULL);
}

/*
 * This node's weight or priority for a rule, as rule set takes it: @host
 * is "host", following the node's host weight or priority.
 */
static void print_node_value(struct json_writer *jw, const char *key,
			     const char *name, uint8_t v, uint8_t host)
{
	if (jw) {
		if (v == host)
			jw_str(jw, key, "host");
		else
			jw_uint(jw, key, v);
	} else if (v == host) {
		printf(" %s host", name);
	} else {
		printf(" %s %u", name, v);
	}
}

/* One rule of a NLB_CMD_RULE_GET answer, parsed into @rt. */
static void print_rule(struct nlbctl *ctl, const struct nlattr **rt)
{
	struct json_writer *jw = ctl->jw;
	uint32_t vip = attr_u32(rt[NLB_RULE_VIP]);
	uint16_t lo = attr_u16(rt[NLB_RULE_PORT_LO]);
	uint16_t hi = rt[NLB_RULE_PORT_HI] ? attr_u16(rt[NLB_RULE_PORT_HI]) : lo;
	const char *proto = keyword_name(&protos, attr_u8(rt[NLB_RULE_PROTO]));
	uint8_t mode_v = attr_u8(rt[NLB_RULE_MODE]);
	const char *mode = keyword_name(&modes, mode_v);
	uint8_t owner = attr_u8(rt[NLB_RULE_OWNER]);
	uint8_t weight = attr_u8(rt[NLB_RULE_WEIGHT]);
	uint8_t node_weight = attr_u8(rt[NLB_RULE_NODE_WEIGHT]);
	uint8_t node_priority = attr_u8(rt[NLB_RULE_NODE_PRIORITY]);
	uint8_t node_state = attr_u8(rt[NLB_RULE_NODE_STATE]);
	uint32_t node_buckets = attr_u32(rt[NLB_RULE_NODE_BUCKETS]);
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
			jw_str(jw, "weight", keyword_name(&weights, weight));
		if (rt[NLB_RULE_OWNER])
			jw_uint(jw, "owner", owner);
		if (rt[NLB_RULE_NODE_WEIGHT])
			print_node_value(jw, "node_weight", NULL, node_weight,
					 NLB_RULE_HOST_WEIGHT);
		if (rt[NLB_RULE_NODE_PRIORITY])
			print_node_value(jw, "node_priority", NULL,
					 node_priority, 0);
		if (rt[NLB_RULE_NODE_STATE])
			jw_str(jw, "node_state",
			       keyword_name(&node_states, node_state));
		if (rt[NLB_RULE_NODE_BUCKETS])
			jw_uint(jw, "node_buckets", node_buckets);
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
		printf(" weight %s", keyword_name(&weights, weight));
	if (rt[NLB_RULE_OWNER]) {
		if (owner)
			printf(" owner %u", owner);
		else
			fputs(" owner none", stdout);
	}
	/* This node's settings that apply to the rule, state if not enabled. */
	if (rt[NLB_RULE_NODE_WEIGHT] && mode_v == NLB_RULE_MODE_MULTIPLE &&
	    rt[NLB_RULE_WEIGHT] && weight == NLB_RULE_WEIGHT_LOAD)
		print_node_value(NULL, NULL, "node-weight", node_weight,
				 NLB_RULE_HOST_WEIGHT);
	if (rt[NLB_RULE_NODE_PRIORITY] && mode_v == NLB_RULE_MODE_SINGLE)
		print_node_value(NULL, NULL, "node-priority", node_priority, 0);
	if (rt[NLB_RULE_NODE_STATE] && node_state != NLB_RULE_NODE_ENABLED)
		printf(" state %s", keyword_name(&node_states, node_state));
	if (rt[NLB_RULE_NODE_BUCKETS])
		printf(" buckets %u", node_buckets);
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
		return nlbctl_error("rule needs add, replace, del, set, enable, disable, drain or show (see nlbctl help)");
	if (matches(*argv, "add"))
		return rule_change(ctl, argc - 1, argv + 1, "add", false, false);
	if (matches(*argv, "replace"))
		return rule_change(ctl, argc - 1, argv + 1, "replace", true,
				   false);
	if (matches(*argv, "del") || matches(*argv, "delete"))
		return rule_change(ctl, argc - 1, argv + 1, "del", false, true);
	if (matches(*argv, "set"))
		return rule_set(ctl, argc - 1, argv + 1, "set", -1);
	if (matches(*argv, "enable"))
		return rule_set(ctl, argc - 1, argv + 1, "enable",
				NLB_RULE_NODE_ENABLED);
	if (matches(*argv, "disable"))
		return rule_set(ctl, argc - 1, argv + 1, "disable",
				NLB_RULE_NODE_DISABLED);
	if (matches(*argv, "drain"))
		return rule_set(ctl, argc - 1, argv + 1, "drain",
				NLB_RULE_NODE_DRAINING);
	if (matches(*argv, "show") || matches(*argv, "list"))
		return rule_show(ctl, argc - 1, argv + 1);
	return nlbctl_error("unknown rule command \"%s\" (add, replace, del, set, enable, disable, drain or show)",
			    *argv);
}
