// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Flow keys: what of an IPv4 packet decides its owner.
 *
 * nlb_parse_ipv4() reads at most @len bytes of a packet from its IP header
 * on (the kernel shell hands it at most NLB_PARSE_MAX_BYTES, possibly fewer
 * than the packet holds) and never trusts a length field beyond them.
 */
#include "nlb_core.h"

#define NLB_IPPROTO_ICMP	1
#define NLB_IPPROTO_TCP		6
#define NLB_IPPROTO_UDP		17

#define NLB_IP_MF		0x2000
#define NLB_IP_OFFSET		0x1fff

static inline u16 nlb_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline __be32 nlb_get_addr(const u8 *p)
{
	__be32 a;

	memcpy(&a, p, sizeof(a));
	return a;
}

static inline __be16 nlb_get_port(const u8 *p)
{
	__be16 port;

	memcpy(&port, p, sizeof(port));
	return port;
}

static inline bool nlb_has_ports(u8 proto)
{
	return proto == NLB_IPPROTO_TCP || proto == NLB_IPPROTO_UDP;
}

static inline bool nlb_icmp_is_error(u8 type)
{
	return type == 3 ||	/* destination unreachable */
	       type == 4 ||	/* source quench */
	       type == 5 ||	/* redirect */
	       type == 11 ||	/* time exceeded */
	       type == 12;	/* parameter problem */
}

/*
 * The packet an ICMP error quotes was sent by the cluster: source VIP,
 * destination the client.  Key the error by that flow turned around, so it
 * reaches the node that owns the flow.  Returns false when the quote is too
 * short or not IPv4; the caller then keys the error by its source.
 */
static bool nlb_parse_icmp_error(const u8 *in, u32 len, struct nlb_flow *flow)
{
	u32 ihl;
	u16 frag;

	if (len < 20 || (in[0] >> 4) != 4)
		return false;
	ihl = (in[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return false;
	flow->proto = in[9];
	flow->saddr = nlb_get_addr(in + 16);
	flow->daddr = nlb_get_addr(in + 12);
	flow->sport = 0;
	flow->dport = 0;
	flow->flags = NLB_FLOW_F_ICMP_ERROR;
	frag = nlb_get_be16(in + 6);
	if (nlb_has_ports(flow->proto) && !(frag & NLB_IP_OFFSET) &&
	    ihl + 4 <= len) {
		flow->sport = nlb_get_port(in + ihl + 2);
		flow->dport = nlb_get_port(in + ihl);
		flow->flags |= NLB_FLOW_F_PORTS;
	}
	return true;
}

enum nlb_parse_result nlb_parse_ipv4(const u8 *pkt, u32 len,
				     struct nlb_flow *flow)
{
	u32 ihl, tot_len;
	u16 frag;

	if (len < 20 || (pkt[0] >> 4) != 4)
		return NLB_PARSE_MALFORMED;
	ihl = (pkt[0] & 0x0f) * 4;
	tot_len = nlb_get_be16(pkt + 2);
	if (ihl < 20 || ihl > len || tot_len < ihl)
		return NLB_PARSE_MALFORMED;
	/* What lies beyond the datagram (link padding) is not ours to read. */
	if (len > tot_len)
		len = tot_len;

	memset(flow, 0, sizeof(*flow));
	flow->proto = pkt[9];
	flow->saddr = nlb_get_addr(pkt + 12);
	flow->daddr = nlb_get_addr(pkt + 16);

	frag = nlb_get_be16(pkt + 6);
	if (frag & (NLB_IP_MF | NLB_IP_OFFSET)) {
		flow->flags = NLB_FLOW_F_FRAGMENT;
		return NLB_PARSE_OK;
	}

	if (nlb_has_ports(flow->proto)) {
		if (ihl + 4 > len)
			return NLB_PARSE_MALFORMED;
		flow->sport = nlb_get_port(pkt + ihl);
		flow->dport = nlb_get_port(pkt + ihl + 2);
		flow->flags = NLB_FLOW_F_PORTS;
		if (flow->proto == NLB_IPPROTO_TCP && ihl + 14 <= len)
			flow->tcp_flags = pkt[ihl + 13];
		return NLB_PARSE_OK;
	}

	if (flow->proto == NLB_IPPROTO_ICMP && ihl + 8 <= len &&
	    nlb_icmp_is_error(pkt[ihl])) {
		struct nlb_flow inner;

		if (nlb_parse_icmp_error(pkt + ihl + 8, len - ihl - 8, &inner))
			*flow = inner;
	}
	return NLB_PARSE_OK;
}

u32 nlb_flow_hash(const struct nlb_key *key, const struct nlb_flow *flow,
		  enum nlb_affinity aff)
{
	u8 in[8] = { 0 };
	__be16 port = 0;

	/*
	 * Only the client side is hashed: source address (the /24 under
	 * network affinity) and, under affinity none, the source port.  The
	 * destination and protocol are left out, so a client's fragments,
	 * ICMP and other protocols land with the owner of its address.
	 */
	memcpy(in, &flow->saddr, 4);
	if (aff == NLB_AFFINITY_NETWORK)
		in[3] = 0;
	if (aff == NLB_AFFINITY_NONE && (flow->flags & NLB_FLOW_F_PORTS))
		port = flow->sport;
	memcpy(in + 4, &port, 2);
	return (u32)nlb_siphash(key, in, sizeof(in));
}
