// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl stop|start|suspend|resume|drainstop dev DEV
 *
 * Windows NLB's node control: a stopped node keeps its configuration but
 * takes no traffic, and tells its peers so in a heartbeat at once; they
 * divide its buckets among themselves.  A suspended node is stopped and
 * refuses start until resume (which leaves it stopped).  A draining node
 * (drainstop) takes no new flows at once but keeps serving the flows it
 * holds, and is stopped when the last one ends or the cluster's
 * drain-timeout runs out.  All are NLB_CMD_CLUSTER_SET with
 * NLB_A_ADMIN_STATE, an enum nlb_admin_op.
 */
#include <linux/nlb.h>

#include "nlbctl.h"

static int admin_state(struct nlbctl *ctl, int argc, char **argv,
		       const char *cmd, uint8_t op)
{
	const char *dev = NULL;
	struct nlmsghdr *nlh;
	struct nlb_sock *s;

	if (parse_dev_only(argc, argv, &dev))
		return -1;
	if (!dev)
		return nlbctl_error("%s needs dev", cmd);
	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_CLUSTER_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	mnl_attr_put_u8(nlh, NLB_A_ADMIN_STATE, op);
	return nlb_talk(s, nlh, NULL, NULL);
}

int do_stop(struct nlbctl *ctl, int argc, char **argv)
{
	return admin_state(ctl, argc, argv, "stop", NLB_ADMIN_OP_STOP);
}

int do_start(struct nlbctl *ctl, int argc, char **argv)
{
	return admin_state(ctl, argc, argv, "start", NLB_ADMIN_OP_START);
}

int do_suspend(struct nlbctl *ctl, int argc, char **argv)
{
	return admin_state(ctl, argc, argv, "suspend", NLB_ADMIN_OP_SUSPEND);
}

int do_resume(struct nlbctl *ctl, int argc, char **argv)
{
	return admin_state(ctl, argc, argv, "resume", NLB_ADMIN_OP_RESUME);
}

int do_drainstop(struct nlbctl *ctl, int argc, char **argv)
{
	return admin_state(ctl, argc, argv, "drainstop",
			   NLB_ADMIN_OP_DRAINSTOP);
}
