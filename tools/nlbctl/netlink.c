// SPDX-License-Identifier: GPL-2.0
/* Generic netlink plumbing for nlbctl, on libmnl. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nlb.h>

#include "nlbctl.h"

#define NLB_BUFSIZE (64 * 1024)

static const char *nlb_extack_msg;

static int nlb_error_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= NLMSGERR_ATTR_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) or an error with an extack message. */
static int nlb_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		unsigned int off = sizeof(*err);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += mnl_nlmsg_get_payload_len(&err->msg);
		if (mnl_attr_parse(nlh, off, nlb_error_attr_cb, tb) >= 0 &&
		    tb[NLMSGERR_ATTR_MSG] &&
		    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) >= 0)
			nlb_extack_msg = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

/*
 * NLMSG_DONE ends a dump; it may carry the dump's error, and then an
 * extack message after it (a dump refused by its first round: no such
 * device, no cluster on it).
 */
static int nlb_done_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	int err;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
			    mnl_attr_parse(nlh, sizeof(int), nlb_error_attr_cb,
					   tb) >= 0 &&
			    tb[NLMSGERR_ATTR_MSG] &&
			    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG],
					      MNL_TYPE_NUL_STRING) >= 0)
				nlb_extack_msg =
					mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int nlb_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static mnl_cb_t nlb_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = nlb_noop_cb,
	[NLMSG_ERROR] = nlb_error_cb,
	[NLMSG_DONE] = nlb_done_cb,
	[NLMSG_OVERRUN] = nlb_noop_cb,
};

/* Send, receive and dispatch; on error errno and nlb_extack_msg are set. */
static int nlb_run(struct nlb_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nlb_extack_msg = NULL;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(s->nl, s->buf, s->bufsize);
		if (n < 0)
			return -1;
		ret = mnl_cb_run2(s->buf, n, seq, s->portid, cb, data,
				  nlb_ctl_cb, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

/* One entry of CTRL_ATTR_MCAST_GROUPS: remember the events group's id. */
static void nlb_family_group(const struct nlattr *grp, struct nlb_sock *s)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = a;
	}
	if (id && attr_str(name) && !strcmp(attr_str(name), NLB_MCGRP_EVENTS))
		s->mcgrp_events = attr_u32(id);
}

static int nlb_family_attr_cb(const struct nlattr *attr, void *data)
{
	struct nlb_sock *s = data;
	const struct nlattr *grp;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
			s->family = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			break;
		mnl_attr_for_each_nested(grp, attr)
			nlb_family_group(grp, s);
		break;
	}
	return MNL_CB_OK;
}

static int nlb_family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nlb_family_attr_cb, data);
	return MNL_CB_OK;
}

struct nlb_sock *nlb_open(void)
{
	struct nlb_sock *s = calloc(1, sizeof(*s));
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int one = 1;

	if (!s || !(s->buf = malloc(NLB_BUFSIZE))) {
		nlbctl_error("out of memory");
		goto err_free;
	}
	s->bufsize = NLB_BUFSIZE;
	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->nl) {
		nlbctl_error("cannot open a netlink socket: %s", strerror(errno));
		goto err_free;
	}
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		nlbctl_error("cannot bind the netlink socket: %s", strerror(errno));
		goto err_close;
	}
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (unsigned int)getpid() << 8;

	nlh = mnl_nlmsg_put_header(s->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++s->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NLB_GENL_NAME);
	if (nlb_run(s, nlh, nlb_family_cb, s) < 0 || !s->family) {
		if (errno == ENOENT)
			nlbctl_error("nlb module not loaded (modprobe nlb)");
		else
			nlbctl_error("cannot resolve the nlb netlink family: %s",
				     strerror(errno));
		goto err_close;
	}
	return s;

err_close:
	mnl_socket_close(s->nl);
err_free:
	if (s)
		free(s->buf);
	free(s);
	return NULL;
}

void nlb_close(struct nlb_sock *s)
{
	if (!s)
		return;
	mnl_socket_close(s->nl);
	free(s->buf);
	free(s);
}

struct nlmsghdr *nlb_msg(struct nlb_sock *s, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = s->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++s->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = NLB_GENL_VERSION;
	return nlh;
}

int nlb_talk(struct nlb_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb,
	     void *data)
{
	if (nlb_run(s, nlh, cb, data) == 0)
		return 0;
	if (nlb_extack_msg)
		return nlbctl_error("%s", nlb_extack_msg);
	if (errno == EPERM)
		return nlbctl_error("operation not permitted (are you root?)");
	return nlbctl_error("%s", strerror(errno));
}

int nlb_listen(struct nlb_sock *s, mnl_cb_t cb, void *data)
{
	int grp = (int)s->mcgrp_events, rcvbuf = 1 << 20;
	ssize_t n;

	if (!grp)
		return nlbctl_error("the nlb module has no \"%s\" multicast group (too old?)",
				    NLB_MCGRP_EVENTS);
	/* Room for a burst of events; the kernel may cap it (rmem_max). */
	setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	if (mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return nlbctl_error("cannot join the \"%s\" multicast group: %s",
				    NLB_MCGRP_EVENTS, strerror(errno));
	for (;;) {
		n = mnl_socket_recvfrom(s->nl, s->buf, s->bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Overrun: events were lost, but go on. */
				fprintf(stderr, "nlbctl: warning: events lost (receive buffer overrun)\n");
				continue;
			}
			return nlbctl_error("cannot receive events: %s",
					    strerror(errno));
		}
		/* Multicast: sequence number and port id 0, not checked. */
		if (mnl_cb_run(s->buf, n, 0, 0, cb, data) < 0)
			return -1;	/* @cb said why */
	}
}

struct nlb_parse_ctx {
	const struct nlattr **tb;
	unsigned int max;
};

static int nlb_parse_cb(const struct nlattr *attr, void *data)
{
	struct nlb_parse_ctx *ctx = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* Newer kernels may send more: ignore what we do not know. */
	if (type <= ctx->max)
		ctx->tb[type] = attr;
	return MNL_CB_OK;
}

int nlb_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
	      unsigned int max)
{
	struct nlb_parse_ctx ctx = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nlb_parse_cb,
			      &ctx) < 0 ? -1 : 0;
}

int nlb_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
		     unsigned int max)
{
	struct nlb_parse_ctx ctx = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, nlb_parse_cb, &ctx) < 0 ? -1 : 0;
}

uint8_t attr_u8(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U8) >= 0 ?
	       mnl_attr_get_u8(a) : 0;
}

uint16_t attr_u16(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U16) >= 0 ?
	       mnl_attr_get_u16(a) : 0;
}

uint32_t attr_u32(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) >= 0 ?
	       mnl_attr_get_u32(a) : 0;
}

uint64_t attr_u64(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U64) >= 0 ?
	       mnl_attr_get_u64(a) : 0;
}

const char *attr_str(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0 ?
	       mnl_attr_get_str(a) : NULL;
}

const void *attr_bin(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len ?
	       mnl_attr_get_payload(a) : NULL;
}

struct nlattr *nlb_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	/* Strict kernels want NLA_F_NESTED, which libmnl does not set. */
	return mnl_attr_nest_start(nlh, type | NLA_F_NESTED);
}
