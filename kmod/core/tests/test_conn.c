// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the acceptance rule once nodes hold flows (../conn.c), and
 * of the TCP flag parsing it relies on (../flow.c).
 */
#include <arpa/inet.h>
#include <string.h>

#include "tap.h"
#include "../nlb_core.h"

static struct nlb_flow mk(u8 proto, u8 tcp_flags)
{
	struct nlb_flow f;

	memset(&f, 0, sizeof(f));
	f.proto = proto;
	f.flags = NLB_FLOW_F_PORTS;
	f.tcp_flags = tcp_flags;
	return f;
}

#define SYN NLB_TCP_SYN
#define ACK NLB_TCP_ACK
#define FIN NLB_TCP_FIN
#define RST NLB_TCP_RST

static void test_decide(void)
{
	struct nlb_flow syn = mk(6, SYN), synack = mk(6, SYN | ACK);
	struct nlb_flow ack = mk(6, ACK), fin = mk(6, FIN | ACK);
	struct nlb_flow rst = mk(6, RST), udp = mk(17, 0), icmp = mk(1, 0);
	struct nlb_flow frag = mk(6, 0), err = mk(6, 0);

	frag.flags = NLB_FLOW_F_FRAGMENT;
	err.flags |= NLB_FLOW_F_ICMP_ERROR;
	icmp.flags = 0;

	/* Not held. */
	tap_check(nlb_conn_decide(&syn, 0, true, false) == NLB_V_ACCEPT_NEW,
		  "a SYN in an owned bucket starts a flow");
	tap_check(nlb_conn_decide(&syn, 0, true, true) == NLB_V_ACCEPT_NEW,
		  "a SYN starts a flow even in a bucket a peer holds");
	tap_check(nlb_conn_decide(&syn, 0, false, false) == NLB_V_DROP,
		  "a SYN in another node's bucket is dropped");
	tap_check(nlb_conn_decide(&ack, 0, true, true) == NLB_V_DROP_HELD,
		  "an unknown ACK in a bucket a peer holds is left to the peer");
	tap_check(nlb_conn_decide(&ack, 0, true, false) == NLB_V_ACCEPT,
		  "an unknown ACK in a clean owned bucket is taken, not held");
	tap_check(nlb_conn_decide(&synack, 0, true, true) == NLB_V_DROP_HELD,
		  "SYN+ACK is no SYN: left to the holder");
	tap_check(nlb_conn_decide(&rst, 0, true, false) == NLB_V_ACCEPT,
		  "a lone RST is accepted but not held");
	tap_check(nlb_conn_decide(&fin, 0, true, false) == NLB_V_ACCEPT,
		  "a lone FIN is accepted but not held");
	tap_check(nlb_conn_decide(&udp, 0, true, false) == NLB_V_ACCEPT_NEW,
		  "unknown UDP in a clean owned bucket starts a flow");
	tap_check(nlb_conn_decide(&udp, 0, true, true) == NLB_V_DROP_HELD,
		  "unknown UDP in a held bucket is left to the holder");
	tap_check(nlb_conn_decide(&udp, 0, false, false) == NLB_V_DROP,
		  "UDP in another node's bucket is dropped");
	tap_check(nlb_conn_decide(&icmp, 0, true, true) == NLB_V_ACCEPT &&
		  nlb_conn_decide(&icmp, 0, false, false) == NLB_V_DROP,
		  "ICMP follows the bucket's owner");
	tap_check(nlb_conn_decide(&frag, 0, true, true) == NLB_V_ACCEPT &&
		  nlb_conn_decide(&frag, 0, false, false) == NLB_V_DROP,
		  "fragments follow the bucket's owner, untracked");

	/* Held. */
	tap_check(nlb_conn_decide(&ack, NLB_CONN_ESTABLISHED, false, false) ==
		  NLB_V_ACCEPT_HELD,
		  "a held flow is accepted in a bucket this node lost");
	tap_check(nlb_conn_decide(&udp, NLB_CONN_UDP, false, true) ==
		  NLB_V_ACCEPT_HELD, "a held UDP flow keeps its node");
	tap_check(nlb_conn_decide(&syn, NLB_CONN_CLOSING, false, false) ==
		  NLB_V_DROP_RESTART,
		  "a new SYN for a held flow in a lost bucket restarts it elsewhere");
	tap_check(nlb_conn_decide(&syn, NLB_CONN_CLOSING, true, false) ==
		  NLB_V_ACCEPT_HELD,
		  "a new SYN for a held flow in an owned bucket stays");
	tap_check(nlb_conn_decide(&err, NLB_CONN_ESTABLISHED, false, false) ==
		  NLB_V_ACCEPT_HELD,
		  "an ICMP error about a held flow reaches the holder");
	tap_check(nlb_conn_decide(&err, 0, false, false) == NLB_V_DROP,
		  "an ICMP error about nobody's flow follows the owner");
}

static void test_next(void)
{
	struct nlb_flow syn = mk(6, SYN), ack = mk(6, ACK);
	struct nlb_flow fin = mk(6, FIN | ACK), rst = mk(6, RST);
	struct nlb_flow udp = mk(17, 0);

	tap_check(nlb_conn_next(NLB_CONN_NONE, &syn) == NLB_CONN_SYN,
		  "SYN: state syn");
	tap_check(nlb_conn_next(NLB_CONN_SYN, &syn) == NLB_CONN_SYN,
		  "a retransmitted SYN stays syn");
	tap_check(nlb_conn_next(NLB_CONN_SYN, &ack) == NLB_CONN_ESTABLISHED,
		  "ACK after SYN: established");
	tap_check(nlb_conn_next(NLB_CONN_NONE, &ack) == NLB_CONN_ESTABLISHED,
		  "a mid-flow ACK picked up: established");
	tap_check(nlb_conn_next(NLB_CONN_ESTABLISHED, &fin) == NLB_CONN_CLOSING,
		  "FIN: closing");
	tap_check(nlb_conn_next(NLB_CONN_ESTABLISHED, &rst) == NLB_CONN_CLOSING,
		  "RST: closing");
	tap_check(nlb_conn_next(NLB_CONN_CLOSING, &ack) == NLB_CONN_CLOSING,
		  "the last ACK keeps closing");
	tap_check(nlb_conn_next(NLB_CONN_ESTABLISHED, &syn) ==
		  NLB_CONN_ESTABLISHED, "a stray SYN does not reset established");
	tap_check(nlb_conn_next(NLB_CONN_CLOSING, &syn) == NLB_CONN_SYN,
		  "ports reused after close: syn again");
	tap_check(nlb_conn_next(NLB_CONN_NONE, &udp) == NLB_CONN_UDP,
		  "UDP: state udp");
}

/* Which accepted packets of held flows count as a new start. */
static void test_reopens(void)
{
	struct nlb_flow syn = mk(6, SYN), synack = mk(6, SYN | ACK);
	struct nlb_flow ack = mk(6, ACK), udp = mk(17, 0);

	tap_check(nlb_conn_reopens(NLB_CONN_CLOSING, &syn),
		  "a SYN on a closing flow opens a new connection");
	tap_check(!nlb_conn_reopens(NLB_CONN_SYN, &syn),
		  "a retransmitted SYN opens nothing new");
	tap_check(!nlb_conn_reopens(NLB_CONN_ESTABLISHED, &syn),
		  "a stray SYN on an established flow opens nothing new");
	tap_check(!nlb_conn_reopens(NLB_CONN_CLOSING, &synack) &&
		  !nlb_conn_reopens(NLB_CONN_CLOSING, &ack),
		  "SYN+ACK or ACK on a closing flow opens nothing new");
	tap_check(!nlb_conn_reopens(NLB_CONN_UDP, &udp),
		  "a held UDP flow's datagram opens nothing new");
}

/* TCP flags come from byte 13 of the TCP header, when it is there. */
static void test_parse_flags(void)
{
	u8 pkt[40] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6 };
	struct nlb_flow f;

	pkt[20 + 13] = SYN | ACK;
	tap_check(nlb_parse_ipv4(pkt, sizeof(pkt), &f) == NLB_PARSE_OK &&
		  f.tcp_flags == (SYN | ACK), "TCP flags parsed");
	pkt[3] = 24;
	tap_check(nlb_parse_ipv4(pkt, 24, &f) == NLB_PARSE_OK &&
		  f.tcp_flags == 0 && (f.flags & NLB_FLOW_F_PORTS),
		  "TCP header cut after the ports: no flags, still keyed");
	pkt[3] = 40;
	pkt[9] = 17;
	tap_check(nlb_parse_ipv4(pkt, sizeof(pkt), &f) == NLB_PARSE_OK &&
		  f.tcp_flags == 0, "UDP has no TCP flags");
}

int main(void)
{
	test_decide();
	test_next();
	test_reopens();
	test_parse_flags();
	return tap_end();
}
