// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl [-j] query dev DEV proto tcp|udp|icmp src ADDR[:PORT] dst ADDR[:PORT]
 *
 * Which node owns a flow and whether this node would accept it: the
 * kernel computes it with the cluster's own seed and map.  Also whether
 * this node holds the flow (NLB_FLOW_STATE, NLB_FLOW_AGE) and whether a
 * live peer holds flows in its bucket (NLB_FLOW_HELD_BY_PEER).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLB_A_MAX + 1], *fl[NLB_FLOW_MAX + 1];
	struct nlbctl *ctl = data;
	struct json_writer *jw = ctl->jw;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	uint32_t saddr, daddr;
	const char *dev;
	bool ports, accept, is_vip;
	uint8_t proto, held;

	if (nlb_parse(nlh, tb, NLB_A_MAX) || !tb[NLB_A_FLOW] ||
	    nlb_parse_nested(tb[NLB_A_FLOW], fl, NLB_FLOW_MAX))
		return MNL_CB_ERROR;
	dev = attr_str(tb[NLB_A_IFNAME]);
	proto = attr_u8(fl[NLB_FLOW_PROTO]);
	saddr = attr_u32(fl[NLB_FLOW_SADDR]);
	daddr = attr_u32(fl[NLB_FLOW_DADDR]);
	inet_ntop(AF_INET, &saddr, src, sizeof(src));
	inet_ntop(AF_INET, &daddr, dst, sizeof(dst));
	ports = fl[NLB_FLOW_SPORT] && fl[NLB_FLOW_DPORT];
	accept = attr_u8(fl[NLB_FLOW_ACCEPT]);
	is_vip = attr_u8(fl[NLB_FLOW_IS_VIP]);
	held = attr_u8(fl[NLB_FLOW_STATE]);

	if (jw) {
		jw_obj_start(jw, NULL);
		jw_str(jw, "dev", dev ? dev : "?");
		jw_str(jw, "proto", proto_name(proto));
		jw_str(jw, "src", src);
		if (ports)
			jw_uint(jw, "sport", ntohs(attr_u16(fl[NLB_FLOW_SPORT])));
		jw_str(jw, "dst", dst);
		if (ports)
			jw_uint(jw, "dport", ntohs(attr_u16(fl[NLB_FLOW_DPORT])));
		jw_bool(jw, "is_vip", is_vip);
		jw_uint(jw, "hash", attr_u32(fl[NLB_FLOW_HASH]));
		jw_uint(jw, "bucket", attr_u32(fl[NLB_FLOW_BUCKET]));
		jw_uint(jw, "owner", attr_u8(fl[NLB_FLOW_OWNER]));
		jw_bool(jw, "accept", accept);
		if (fl[NLB_FLOW_STATE])
			jw_str(jw, "held", flow_state_name(held));
		if (held && fl[NLB_FLOW_AGE])
			jw_uint(jw, "held_age_ms", attr_u32(fl[NLB_FLOW_AGE]));
		if (fl[NLB_FLOW_HELD_BY_PEER])
			jw_bool(jw, "held_by_peer",
				attr_u8(fl[NLB_FLOW_HELD_BY_PEER]));
		jw_obj_end(jw);
		return MNL_CB_OK;
	}
	printf("flow %s %s", proto_name(proto), src);
	if (ports)
		printf(":%u", ntohs(attr_u16(fl[NLB_FLOW_SPORT])));
	printf(" -> %s", dst);
	if (ports)
		printf(":%u", ntohs(attr_u16(fl[NLB_FLOW_DPORT])));
	printf(" bucket %u hash 0x%08x owner %u accept %s%s",
	       attr_u32(fl[NLB_FLOW_BUCKET]), attr_u32(fl[NLB_FLOW_HASH]),
	       attr_u8(fl[NLB_FLOW_OWNER]), accept ? "yes" : "no",
	       is_vip ? "" : " (not a vip)");
	if (held) {
		printf(" held %s", flow_state_name(held));
		if (fl[NLB_FLOW_AGE])
			printf(" age %ums", attr_u32(fl[NLB_FLOW_AGE]));
	}
	if (attr_u8(fl[NLB_FLOW_HELD_BY_PEER]))
		fputs(" held-by-peer", stdout);
	putchar('\n');
	return MNL_CB_OK;
}

int do_query(struct nlbctl *ctl, int argc, char **argv)
{
	const char *dev = NULL, *src = NULL, *dst = NULL;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlb_sock *s;
	int proto = -1;

	while (argc > 0) {
		if (need_arg(argc, argv, *argv))
			return -1;
		if (matches(*argv, "dev")) {
			dev = argv[1];
		} else if (matches(*argv, "proto")) {
			if (matches(argv[1], "tcp"))
				proto = IPPROTO_TCP;
			else if (matches(argv[1], "udp"))
				proto = IPPROTO_UDP;
			else if (matches(argv[1], "icmp"))
				proto = IPPROTO_ICMP;
			else
				return nlbctl_error("unknown proto \"%s\" (tcp, udp or icmp)",
						    argv[1]);
		} else if (matches(*argv, "src")) {
			src = argv[1];
		} else if (matches(*argv, "dst")) {
			dst = argv[1];
		} else {
			return nlbctl_error("unknown argument \"%s\"", *argv);
		}
		argc -= 2;
		argv += 2;
	}
	if (!dev || proto < 0 || !src || !dst)
		return nlbctl_error("query needs dev, proto, src and dst");
	if (parse_addr_port(src, "src", proto != IPPROTO_ICMP, &saddr, &sport) ||
	    parse_addr_port(dst, "dst", proto != IPPROTO_ICMP, &daddr, &dport))
		return -1;

	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, NLB_CMD_QUERY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	nest = nlb_nest_start(nlh, NLB_A_FLOW);
	mnl_attr_put_u8(nlh, NLB_FLOW_PROTO, (uint8_t)proto);
	mnl_attr_put_u32(nlh, NLB_FLOW_SADDR, saddr);
	mnl_attr_put_u32(nlh, NLB_FLOW_DADDR, daddr);
	if (proto != IPPROTO_ICMP) {
		mnl_attr_put_u16(nlh, NLB_FLOW_SPORT, sport);
		mnl_attr_put_u16(nlh, NLB_FLOW_DPORT, dport);
	}
	mnl_attr_nest_end(nlh, nest);
	return nlb_talk(s, nlh, query_cb, ctl);
}
