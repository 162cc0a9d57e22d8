// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The acceptance rule once nodes hold flows (flow descriptors, as Windows
 * NLB calls them).  A node accepts a packet when it holds the packet's
 * flow, or when it owns the bucket and the packet may start a flow there:
 *
 *  - TCP: a SYN (without ACK) starts a flow.  Another packet of an unknown
 *    flow is taken by the bucket's owner, without holding it, only when no
 *    live peer reports the bucket as held; otherwise it belongs to that
 *    peer's connection.  (Holding it would keep, for the established
 *    timeout, a connection that its stack is about to reset, as after the
 *    crash of the node that had it.)
 *  - UDP has no SYN: the first packet of an unknown flow starts it, but in
 *    a bucket a live peer still holds, unknown UDP flows are left to that
 *    peer until it reports the bucket clean (its UDP flows idle out) or
 *    dies.  So an active UDP flow keeps its node across a membership
 *    change, at the price of new UDP flows in a moved bucket waiting for
 *    the old owner's flows in that bucket to end.
 *  - A SYN for a flow held in a bucket this node no longer owns is a new
 *    connection reusing the ports: the old one is forgotten and the SYN
 *    left to the bucket's owner.
 *  - Everything else (ICMP, fragments, other protocols, ICMP errors about
 *    flows nobody holds) follows the bucket's owner.
 */
#include "nlb_core.h"

enum nlb_verdict nlb_conn_decide(const struct nlb_flow *flow, u8 held,
				 bool owns, bool dirty)
{
	bool syn = (flow->tcp_flags & (NLB_TCP_SYN | NLB_TCP_ACK)) ==
		   NLB_TCP_SYN;

	if (!nlb_conn_trackable(flow)) {
		if (held != NLB_CONN_NONE)
			return NLB_V_ACCEPT_HELD;
		return owns ? NLB_V_ACCEPT : NLB_V_DROP;
	}
	if (held != NLB_CONN_NONE) {
		if (flow->proto == 6 && syn && !owns)
			return NLB_V_DROP_RESTART;
		return NLB_V_ACCEPT_HELD;
	}
	if (!owns)
		return NLB_V_DROP;
	if (flow->proto == 6 && syn)
		return NLB_V_ACCEPT_NEW;
	if (dirty)
		return NLB_V_DROP_HELD;
	return flow->proto == 6 ? NLB_V_ACCEPT : NLB_V_ACCEPT_NEW;
}

u8 nlb_conn_next(u8 state, const struct nlb_flow *flow)
{
	u8 f = flow->tcp_flags;

	if (flow->proto != 6)
		return NLB_CONN_UDP;
	if (f & (NLB_TCP_RST | NLB_TCP_FIN))
		return NLB_CONN_CLOSING;
	if ((f & (NLB_TCP_SYN | NLB_TCP_ACK)) == NLB_TCP_SYN)
		return state == NLB_CONN_NONE || state == NLB_CONN_SYN ||
		       state == NLB_CONN_CLOSING ? NLB_CONN_SYN : state;
	if (state == NLB_CONN_CLOSING)
		return state;
	return NLB_CONN_ESTABLISHED;
}

bool nlb_conn_reopens(u8 held, const struct nlb_flow *flow)
{
	return flow->proto == 6 && held == NLB_CONN_CLOSING &&
	       nlb_conn_next(held, flow) == NLB_CONN_SYN;
}
