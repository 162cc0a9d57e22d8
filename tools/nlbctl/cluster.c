// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl cluster add dev DEV vip ADDR [vip ADDR ...] mode MODE node-id N
 *                    [buckets B] [seed HEX32]
 * nlbctl cluster del dev DEV
 *
 * Values are checked for form here and for range by the kernel, whose
 * message is printed as it is.
 */
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

static int cluster_add(struct nlbctl *ctl, int argc, char **argv)
{
	uint32_t vips[NLB_MAX_VIPS + 1], node_id = 0, buckets = 0, v;
	uint8_t mode = 0, seed[NLB_SEED_LEN];
	bool have_mode = false, have_node = false, have_buckets = false;
	bool have_seed = false;
	unsigned int nvips = 0, i;
	const char *dev = NULL;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlb_sock *s;

	while (argc > 0) {
		if (need_arg(argc, argv, *argv))
			return -1;
		if (matches(*argv, "dev")) {
			dev = argv[1];
		} else if (matches(*argv, "vip")) {
			if (parse_ipv4(argv[1], "vip", &v))
				return -1;
			if (nvips == NLB_MAX_VIPS + 1)
				return nlbctl_error("too many VIPs (at most %d)",
						    NLB_MAX_VIPS);
			vips[nvips++] = v;
		} else if (matches(*argv, "mode")) {
			if (parse_mode(argv[1], &mode))
				return -1;
			have_mode = true;
		} else if (matches(*argv, "node-id")) {
			if (parse_u32(argv[1], "node-id", 255, &node_id))
				return -1;
			have_node = true;
		} else if (matches(*argv, "buckets")) {
			if (parse_u32(argv[1], "buckets", UINT32_MAX, &buckets))
				return -1;
			have_buckets = true;
		} else if (matches(*argv, "seed")) {
			if (parse_hex(argv[1], "seed", seed, sizeof(seed)))
				return -1;
			have_seed = true;
		} else {
			return nlbctl_error("unknown argument \"%s\"", *argv);
		}
		argc -= 2;
		argv += 2;
	}
	if (!dev)
		return nlbctl_error("cluster add needs dev");
	if (!nvips || !have_mode || !have_node)
		return nlbctl_error("cluster add needs vip, mode and node-id");

	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	/* genl takes no NLM_F_CREATE/EXCL: they alias the dump flags. */
	nlh = nlb_msg(s, NLB_CMD_CLUSTER_NEW, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	nest = nlb_nest_start(nlh, NLB_A_VIPS);
	for (i = 0; i < nvips; i++)
		mnl_attr_put_u32(nlh, NLB_VIP_ADDR, vips[i]);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, NLB_A_MODE, mode);
	mnl_attr_put_u8(nlh, NLB_A_NODE_ID, (uint8_t)node_id);
	if (have_buckets)
		mnl_attr_put_u32(nlh, NLB_A_BUCKETS, buckets);
	if (have_seed)
		mnl_attr_put(nlh, NLB_A_SEED, sizeof(seed), seed);
	return nlb_talk(s, nlh, NULL, NULL);
}

static int cluster_del(struct nlbctl *ctl, int argc, char **argv)
{
	const char *dev = NULL;
	struct nlmsghdr *nlh;
	struct nlb_sock *s;

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
		return nlbctl_error("cluster needs add or del (see nlbctl help)");
	if (matches(*argv, "add"))
		return cluster_add(ctl, argc - 1, argv + 1);
	if (matches(*argv, "del") || matches(*argv, "delete"))
		return cluster_del(ctl, argc - 1, argv + 1);
	return nlbctl_error("unknown cluster command \"%s\" (add or del)", *argv);
}
