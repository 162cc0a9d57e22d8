// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl cluster add dev DEV vip ADDR [vip ADDR ...] mode MODE node-id N
 *                    [buckets B] [seed HEX32] [hb-dev DEV2]
 *                    [hb-interval MS] [hb-tolerance N] [key FILE] [weight W]
 *                    [priority P] [FLOW SETTINGS]
 * nlbctl cluster set dev DEV [hb-interval MS] [hb-tolerance N]
 *                    [key FILE | key none] [weight W] [priority P]
 *                    [FLOW SETTINGS]
 * nlbctl cluster del dev DEV
 *
 * FLOW SETTINGS: [max-flows N] [tcp-timeout S] [tcp-close-timeout S]
 *                [udp-timeout S] [drain-timeout S|none]
 *
 * Values are checked for form here and for range by the kernel, whose
 * message is printed as it is; the heartbeat settings, the weight, the
 * host priority and the flow settings are range-checked here too (that a
 * priority is unique in the cluster only the nodes can tell).
 */
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

/* The flow settings: keyword, attribute and range. */
static const struct {
	const char *keyword;
	uint16_t attr;
	uint32_t min, max;
} flow_opts[] = {
	{ "max-flows", NLB_A_MAX_FLOWS, 1, NLB_MAX_MAX_FLOWS },
	{ "tcp-timeout", NLB_A_TCP_TIMEOUT, 1, NLB_MAX_TIMEOUT },
	{ "tcp-close-timeout", NLB_A_TCP_CLOSE_TIMEOUT, 1, NLB_MAX_TIMEOUT },
	{ "udp-timeout", NLB_A_UDP_TIMEOUT, 1, NLB_MAX_TIMEOUT },
	{ "drain-timeout", NLB_A_DRAIN_TIMEOUT, 0, NLB_MAX_TIMEOUT },
};
#define N_FLOW_OPTS (sizeof(flow_opts) / sizeof(flow_opts[0]))

/*
 * Heartbeat settings, weight, host priority and flow settings, shared by
 * cluster add and cluster set.  flow[i] is the value of flow_opts[i], sent
 * when have_flow[i].
 */
struct set_opts {
	uint32_t interval, tolerance, weight, priority;
	const char *key_file;
	bool have_interval, have_tolerance, have_weight, have_priority;
	bool key_clear;
	uint32_t flow[N_FLOW_OPTS];
	bool have_flow[N_FLOW_OPTS];
};

/* @argv[0] with its value @argv[1], if it is a flow setting: as below. */
static int parse_flow_opt(char **argv, struct set_opts *o)
{
	unsigned int i;

	for (i = 0; i < N_FLOW_OPTS; i++) {
		if (!matches(*argv, flow_opts[i].keyword))
			continue;
		/* "drain-timeout none": no limit, as show prints it. */
		if (flow_opts[i].attr == NLB_A_DRAIN_TIMEOUT &&
		    matches(argv[1], "none"))
			o->flow[i] = 0;
		else if (parse_u32_range(argv[1], flow_opts[i].keyword,
					 flow_opts[i].min, flow_opts[i].max,
					 &o->flow[i]))
			return -1;
		o->have_flow[i] = true;
		return 1;
	}
	return 0;
}

static bool have_flow_opt(const struct set_opts *o)
{
	unsigned int i;

	for (i = 0; i < N_FLOW_OPTS; i++)
		if (o->have_flow[i])
			return true;
	return false;
}

/*
 * @argv[0] with its value @argv[1], if it is a heartbeat, weight, priority
 * or flow setting: 1 when taken, 0 when not one, -1 on error.  "key none"
 * only with @set.
 */
static int parse_set_opt(char **argv, struct set_opts *o, bool set)
{
	if (matches(*argv, "hb-interval")) {
		if (parse_u32_range(argv[1], "hb-interval", NLB_HB_MIN_INTERVAL,
				    NLB_HB_MAX_INTERVAL, &o->interval))
			return -1;
		o->have_interval = true;
	} else if (matches(*argv, "hb-tolerance")) {
		if (parse_u32_range(argv[1], "hb-tolerance",
				    NLB_HB_MIN_TOLERANCE, NLB_HB_MAX_TOLERANCE,
				    &o->tolerance))
			return -1;
		o->have_tolerance = true;
	} else if (matches(*argv, "weight")) {
		if (parse_u32_range(argv[1], "weight", 1, NLB_MAX_WEIGHT,
				    &o->weight))
			return -1;
		o->have_weight = true;
	} else if (matches(*argv, "priority")) {
		if (parse_u32_range(argv[1], "priority", 1, NLB_MAX_PRIORITY,
				    &o->priority))
			return -1;
		o->have_priority = true;
	} else if (matches(*argv, "key")) {
		o->key_clear = set && matches(argv[1], "none");
		o->key_file = o->key_clear ? NULL : argv[1];
	} else {
		return parse_flow_opt(argv, o);
	}
	return 1;
}

/*
 * Send @nlh with the settings added: the key file is read now, and the key
 * wiped from memory afterwards.
 */
static int talk_set_opts(struct nlbctl *ctl, uint8_t cmd, const char *dev,
			 const char *hb_dev, const struct set_opts *o,
			 void (*put)(struct nlmsghdr *nlh, void *arg),
			 void *arg)
{
	uint8_t key[NLB_KEY_LEN];
	struct nlmsghdr *nlh;
	struct nlb_sock *s;
	unsigned int i;
	int ret;

	if (o->key_file && read_key_file(o->key_file, key))
		return -1;
	s = nlbctl_sock(ctl);
	if (!s) {
		explicit_bzero(key, sizeof(key));
		return -1;
	}
	/* genl takes no NLM_F_CREATE/EXCL: they alias the dump flags. */
	nlh = nlb_msg(s, cmd, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	if (put)
		put(nlh, arg);
	if (hb_dev)
		mnl_attr_put_strz(nlh, NLB_A_HB_IFNAME, hb_dev);
	if (o->have_interval)
		mnl_attr_put_u32(nlh, NLB_A_HB_INTERVAL, o->interval);
	if (o->have_tolerance)
		mnl_attr_put_u32(nlh, NLB_A_HB_TOLERANCE, o->tolerance);
	if (o->key_file)
		mnl_attr_put(nlh, NLB_A_KEY, sizeof(key), key);
	if (o->key_clear)
		mnl_attr_put(nlh, NLB_A_KEY_CLEAR, 0, NULL);
	if (o->have_weight)
		mnl_attr_put_u32(nlh, NLB_A_WEIGHT, o->weight);
	if (o->have_priority)
		mnl_attr_put_u8(nlh, NLB_A_PRIORITY, (uint8_t)o->priority);
	for (i = 0; i < N_FLOW_OPTS; i++)
		if (o->have_flow[i])
			mnl_attr_put_u32(nlh, flow_opts[i].attr, o->flow[i]);
	explicit_bzero(key, sizeof(key));
	ret = nlb_talk(s, nlh, NULL, NULL);
	if (o->key_file)
		explicit_bzero(s->buf, s->bufsize);
	return ret;
}

struct add_args {
	uint32_t vips[NLB_MAX_VIPS + 1];
	unsigned int nvips;
	uint8_t mode, node_id;
	uint32_t buckets;
	uint8_t seed[NLB_SEED_LEN];
	bool have_buckets, have_seed;
};

static void put_add_args(struct nlmsghdr *nlh, void *arg)
{
	const struct add_args *a = arg;
	struct nlattr *nest;
	unsigned int i;

	nest = nlb_nest_start(nlh, NLB_A_VIPS);
	for (i = 0; i < a->nvips; i++)
		mnl_attr_put_u32(nlh, NLB_VIP_ADDR, a->vips[i]);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, NLB_A_MODE, a->mode);
	mnl_attr_put_u8(nlh, NLB_A_NODE_ID, a->node_id);
	if (a->have_buckets)
		mnl_attr_put_u32(nlh, NLB_A_BUCKETS, a->buckets);
	if (a->have_seed)
		mnl_attr_put(nlh, NLB_A_SEED, sizeof(a->seed), a->seed);
}

static int cluster_add(struct nlbctl *ctl, int argc, char **argv)
{
	struct add_args a = { .nvips = 0 };
	bool have_mode = false, have_node = false;
	const char *dev = NULL, *hb_dev = NULL;
	struct set_opts o = { 0 };
	uint32_t node_id, v;
	int ret;

	while (argc > 0) {
		if (need_arg(argc, argv, *argv))
			return -1;
		if (matches(*argv, "dev")) {
			dev = argv[1];
		} else if (matches(*argv, "vip")) {
			if (parse_ipv4(argv[1], "vip", &v))
				return -1;
			if (a.nvips == NLB_MAX_VIPS + 1)
				return nlbctl_error("too many VIPs (at most %d)",
						    NLB_MAX_VIPS);
			a.vips[a.nvips++] = v;
		} else if (matches(*argv, "mode")) {
			if (parse_mode(argv[1], &a.mode))
				return -1;
			have_mode = true;
		} else if (matches(*argv, "node-id")) {
			if (parse_u32(argv[1], "node-id", 255, &node_id))
				return -1;
			a.node_id = (uint8_t)node_id;
			have_node = true;
		} else if (matches(*argv, "buckets")) {
			if (parse_u32(argv[1], "buckets", UINT32_MAX, &a.buckets))
				return -1;
			a.have_buckets = true;
		} else if (matches(*argv, "seed")) {
			if (parse_hex(argv[1], "seed", a.seed, sizeof(a.seed)))
				return -1;
			a.have_seed = true;
		} else if (matches(*argv, "hb-dev")) {
			hb_dev = argv[1];
		} else {
			ret = parse_set_opt(argv, &o, false);
			if (ret < 0)
				return -1;
			if (!ret)
				return nlbctl_error("unknown argument \"%s\"", *argv);
		}
		argc -= 2;
		argv += 2;
	}
	if (!dev)
		return nlbctl_error("cluster add needs dev");
	if (!a.nvips || !have_mode || !have_node)
		return nlbctl_error("cluster add needs vip, mode and node-id");
	return talk_set_opts(ctl, NLB_CMD_CLUSTER_NEW, dev, hb_dev, &o,
			     put_add_args, &a);
}

static int cluster_set(struct nlbctl *ctl, int argc, char **argv)
{
	struct set_opts o = { 0 };
	const char *dev = NULL;
	int ret;

	while (argc > 0) {
		if (need_arg(argc, argv, *argv))
			return -1;
		if (matches(*argv, "dev")) {
			dev = argv[1];
		} else {
			ret = parse_set_opt(argv, &o, true);
			if (ret < 0)
				return -1;
			if (!ret)
				return nlbctl_error("unknown argument \"%s\"", *argv);
		}
		argc -= 2;
		argv += 2;
	}
	if (!dev)
		return nlbctl_error("cluster set needs dev");
	if (!o.have_interval && !o.have_tolerance && !o.have_weight &&
	    !o.have_priority && !o.key_file && !o.key_clear &&
	    !have_flow_opt(&o))
		return nlbctl_error("cluster set needs at least one of hb-interval, hb-tolerance, key, weight, priority, max-flows, tcp-timeout, tcp-close-timeout, udp-timeout, drain-timeout");
	return talk_set_opts(ctl, NLB_CMD_CLUSTER_SET, dev, NULL, &o, NULL,
			     NULL);
}

static int cluster_del(struct nlbctl *ctl, int argc, char **argv)
{
	const char *dev = NULL;
	struct nlmsghdr *nlh;
	struct nlb_sock *s;

	if (parse_dev_only(argc, argv, &dev))
		return -1;
	if (!dev)
		return nlbctl_error("cluster del needs dev");
	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_CLUSTER_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	return nlb_talk(s, nlh, NULL, NULL);
}

int do_cluster(struct nlbctl *ctl, int argc, char **argv)
{
	if (argc < 1)
		return nlbctl_error("cluster needs add, set or del (see nlbctl help)");
	if (matches(*argv, "add"))
		return cluster_add(ctl, argc - 1, argv + 1);
	if (matches(*argv, "set"))
		return cluster_set(ctl, argc - 1, argv + 1);
	if (matches(*argv, "del") || matches(*argv, "delete"))
		return cluster_del(ctl, argc - 1, argv + 1);
	return nlbctl_error("unknown cluster command \"%s\" (add, set or del)",
			    *argv);
}
