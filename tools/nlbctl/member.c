// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl member set dev DEV nodes ID[,ID...] [weight ID=W ...]
 * nlbctl member set dev DEV auto
 *
 * With nodes: a static member set that overrides the members learnt from
 * heartbeats; the same set must be given on every node of the cluster.
 * With auto: no NLB_A_MEMBERS, membership is dynamic again.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

#define MAX_LIST 256

struct member {
	uint32_t id;
	uint32_t weight;
	bool has_weight;
};

static int parse_nodes(const char *list, struct member *m, unsigned int *n)
{
	char buf[1024], *tok, *save;

	if (strlen(list) >= sizeof(buf))
		return nlbctl_error("node list too long");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_LIST)
			return nlbctl_error("too many nodes");
		if (parse_u32(tok, "node id", 255, &m[*n].id))
			return -1;
		m[(*n)++].has_weight = false;
	}
	if (!*n)
		return nlbctl_error("empty node list");
	return 0;
}

static int parse_weight(const char *arg, struct member *m, unsigned int n)
{
	char buf[64], *eq;
	uint32_t id, w;
	unsigned int i;

	if (strlen(arg) >= sizeof(buf) || !(eq = strchr(arg, '=')))
		return nlbctl_error("weight must be ID=W, not \"%s\"", arg);
	strcpy(buf, arg);
	buf[eq - arg] = '\0';
	if (parse_u32(buf, "node id", 255, &id) ||
	    parse_u32(buf + (eq - arg) + 1, "weight", UINT32_MAX, &w))
		return -1;
	for (i = 0; i < n; i++) {
		if (m[i].id == id) {
			m[i].weight = w;
			m[i].has_weight = true;
			return 0;
		}
	}
	return nlbctl_error("weight for node %u, which is not in nodes", id);
}

int do_member(struct nlbctl *ctl, int argc, char **argv)
{
	struct member m[MAX_LIST];
	const char *dev = NULL, *nodes = NULL;
	const char *weights[MAX_LIST];
	unsigned int n = 0, nw = 0, i;
	struct nlattr *list, *nest;
	bool dynamic = false;
	struct nlmsghdr *nlh;
	struct nlb_sock *s;

	if (argc < 1 || !matches(*argv, "set"))
		return nlbctl_error("member needs set (see nlbctl help)");
	argc--;
	argv++;
	while (argc > 0) {
		if (matches(*argv, "auto")) {
			dynamic = true;
			argc--;
			argv++;
			continue;
		}
		if (need_arg(argc, argv, *argv))
			return -1;
		if (matches(*argv, "dev")) {
			dev = argv[1];
		} else if (matches(*argv, "nodes")) {
			nodes = argv[1];
		} else if (matches(*argv, "weight")) {
			if (nw == MAX_LIST)
				return nlbctl_error("too many weights");
			weights[nw++] = argv[1];
		} else {
			return nlbctl_error("unknown argument \"%s\"", *argv);
		}
		argc -= 2;
		argv += 2;
	}
	if (dynamic && nodes)
		return nlbctl_error("member set takes nodes or auto, not both");
	if (dynamic && nw)
		return nlbctl_error("weight goes with nodes, not with auto");
	if (!dev || (!nodes && !dynamic))
		return nlbctl_error("member set needs dev and nodes (or auto)");
	if (dynamic) {
		s = nlbctl_sock(ctl);
		if (!s)
			return -1;
		nlh = nlb_msg(s, NLB_CMD_MEMBER_SET, NLM_F_ACK);
		mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
		return nlb_talk(s, nlh, NULL, NULL);
	}
	if (parse_nodes(nodes, m, &n))
		return -1;
	for (i = 0; i < nw; i++)
		if (parse_weight(weights[i], m, n))
			return -1;

	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_MEMBER_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	list = nlb_nest_start(nlh, NLB_A_MEMBERS);
	for (i = 0; i < n; i++) {
		nest = nlb_nest_start(nlh, NLB_A_MEMBER);
		mnl_attr_put_u8(nlh, NLB_MEMBER_ID, (uint8_t)m[i].id);
		if (m[i].has_weight)
			mnl_attr_put_u32(nlh, NLB_MEMBER_WEIGHT, m[i].weight);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, list);
	return nlb_talk(s, nlh, NULL, NULL);
}
