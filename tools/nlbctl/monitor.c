// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl [-j] monitor [dev DEV]
 *
 * Prints the events of the NLB_MCGRP_EVENTS multicast group as they come,
 * one line each, flushed at once (for pipes), until killed.  With -j each
 * line is one compact JSON object.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/nlb.h>

#include "nlbctl.h"

static const char *const event_keys[] = {
	[NLB_EVENT_PEER_UP] = "peer_up",
	[NLB_EVENT_PEER_DOWN] = "peer_down",
	[NLB_EVENT_PEER_STATE] = "peer_state",
	[NLB_EVENT_MAP] = "map",
	[NLB_EVENT_CONVERGED] = "converged",
	[NLB_EVENT_MISMATCH] = "mismatch",
	[NLB_EVENT_DUPLICATE] = "duplicate",
	[NLB_EVENT_STATE] = "state",
};
_Static_assert(sizeof(event_keys) / sizeof(event_keys[0]) == NLB_EVENT_MAX + 1,
	       "an event of enum nlb_event has no name");

struct monitor_ctx {
	struct nlb_sock *sock;
	bool json;
	uint32_t ifindex;	/* only this device's events; 0: all */
};

static const char *event_key(uint8_t ev, char *buf)
{
	if (ev <= NLB_EVENT_MAX && event_keys[ev])
		return event_keys[ev];
	sprintf(buf, "unknown_%u", ev);
	return buf;
}

/* The node id in @a ("?" when absent) for the human lines. */
static const char *node_str(const struct nlattr *a, char *buf)
{
	if (!a)
		return "?";
	sprintf(buf, "%u", attr_u8(a));
	return buf;
}

static void event_json(const struct nlattr **tb, uint8_t ev, const char *dev)
{
	struct json_writer *jw = jw_new(stdout, false);
	char buf[32];
	uint64_t mask;
	unsigned int id;

	if (!jw)
		return;
	jw_obj_start(jw, NULL);
	jw_str(jw, "event", event_key(ev, buf));
	jw_str(jw, "dev", dev);
	if (tb[NLB_A_IFINDEX])
		jw_uint(jw, "ifindex", attr_u32(tb[NLB_A_IFINDEX]));
	if (tb[NLB_A_PEER_NODE])
		jw_uint(jw, "peer", attr_u8(tb[NLB_A_PEER_NODE]));
	if (tb[NLB_A_STATE])
		jw_str(jw, "state", state_name(attr_u8(tb[NLB_A_STATE])));
	if (tb[NLB_A_MEMBER_MASK]) {
		mask = attr_u64(tb[NLB_A_MEMBER_MASK]);
		jw_arr_start(jw, "members");
		for (id = 1; id <= 64; id++)
			if (mask & (1ULL << (id - 1)))
				jw_uint(jw, NULL, id);
		jw_arr_end(jw);
	}
	if (tb[NLB_A_MAP_GENERATION])
		jw_uint(jw, "map_generation", attr_u32(tb[NLB_A_MAP_GENERATION]));
	jw_obj_end(jw);
	jw_free(jw);
}

static void event_human(const struct nlattr **tb, uint8_t ev, const char *dev)
{
	const struct nlattr *peer = tb[NLB_A_PEER_NODE];
	char nbuf[8], mbuf[MEMBERS_STR_LEN];
	const char *members = tb[NLB_A_MEMBER_MASK] ?
		members_str(attr_u64(tb[NLB_A_MEMBER_MASK]), mbuf) : "?";
	const char *state = tb[NLB_A_STATE] ?
		state_name(attr_u8(tb[NLB_A_STATE])) : "?";

	printf("%s: ", dev);
	switch (ev) {
	case NLB_EVENT_PEER_UP:
		printf("peer %s up\n", node_str(peer, nbuf));
		return;
	case NLB_EVENT_PEER_DOWN:
		printf("peer %s down\n", node_str(peer, nbuf));
		return;
	case NLB_EVENT_PEER_STATE:
		printf("peer %s state %s\n", node_str(peer, nbuf), state);
		return;
	case NLB_EVENT_MAP:
		printf("map generation ");
		if (tb[NLB_A_MAP_GENERATION])
			printf("%u", attr_u32(tb[NLB_A_MAP_GENERATION]));
		else
			putchar('?');
		printf(" members %s\n", members);
		return;
	case NLB_EVENT_CONVERGED:
		printf("converged members %s\n", members);
		return;
	case NLB_EVENT_MISMATCH:
		printf("mismatch peer %s\n", node_str(peer, nbuf));
		return;
	case NLB_EVENT_DUPLICATE:
		printf("duplicate node-id %s\n", node_str(peer, nbuf));
		return;
	case NLB_EVENT_STATE:
		printf("state %s\n", state);
		return;
	}
	/* From a newer module: the number and whatever it carries. */
	printf("event %u", ev);
	if (peer)
		printf(" peer %u", attr_u8(peer));
	if (tb[NLB_A_STATE])
		printf(" state %s", state);
	if (tb[NLB_A_MAP_GENERATION])
		printf(" generation %u", attr_u32(tb[NLB_A_MAP_GENERATION]));
	if (tb[NLB_A_MEMBER_MASK])
		printf(" members %s", members);
	putchar('\n');
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NLB_A_MAX + 1];
	struct monitor_ctx *ctx = data;
	const char *dev;
	uint8_t ev;

	if (nlh->nlmsg_type != ctx->sock->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd != NLB_CMD_EVENT ||
	    nlb_parse(nlh, tb, NLB_A_MAX) || !tb[NLB_A_EVENT])
		return MNL_CB_OK;	/* not an event: skip it */
	if (ctx->ifindex && attr_u32(tb[NLB_A_IFINDEX]) != ctx->ifindex)
		return MNL_CB_OK;
	ev = attr_u8(tb[NLB_A_EVENT]);
	dev = attr_str(tb[NLB_A_IFNAME]);
	if (!dev)
		dev = "?";
	if (ctx->json)
		event_json(tb, ev, dev);
	else
		event_human(tb, ev, dev);
	if (fflush(stdout) || ferror(stdout)) {
		nlbctl_error("cannot write: %s", strerror(errno));
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int do_monitor(struct nlbctl *ctl, int argc, char **argv)
{
	struct monitor_ctx ctx = { .json = ctl->json };
	const char *dev = NULL;

	if (parse_dev_only(argc, argv, &dev))
		return -1;
	if (dev) {
		/* By index: a renamed device's events still match. */
		ctx.ifindex = if_nametoindex(dev);
		if (!ctx.ifindex)
			return nlbctl_error("no such device \"%s\"", dev);
	}
	ctx.sock = nlbctl_sock(ctl);
	if (!ctx.sock)
		return -1;
	return nlb_listen(ctx.sock, monitor_cb, &ctx);
}
