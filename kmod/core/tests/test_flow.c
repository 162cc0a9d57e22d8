// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Flow keys: what nlb_parse_ipv4() makes of well-formed, malformed and
 * tricky packets, and which fields nlb_flow_hash() takes under each
 * affinity.
 */
#include <arpa/inet.h>
#include "../nlb_core.h"
#include "tap.h"

#define CLIENT	"198.51.100.7"
#define VIP	"10.0.0.100"

/* An IPv4 header (ihl words) at @p; returns its length. */
static unsigned int ip_hdr(u8 *p, unsigned int ihl, unsigned int tot_len,
			   u8 proto, u16 frag, const char *src,
			   const char *dst)
{
	__be32 s = inet_addr(src), d = inet_addr(dst);

	memset(p, 0, ihl * 4);
	p[0] = 0x40 | ihl;
	p[2] = tot_len >> 8;
	p[3] = tot_len;
	p[6] = frag >> 8;
	p[7] = frag;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	return ihl * 4;
}

static void ports(u8 *p, u16 sport, u16 dport)
{
	p[0] = sport >> 8;
	p[1] = sport;
	p[2] = dport >> 8;
	p[3] = dport;
}

static int flow_is(const struct nlb_flow *f, const char *src, u16 sport,
		   const char *dst, u16 dport, u8 proto, u8 flags)
{
	return f->saddr == inet_addr(src) && f->daddr == inet_addr(dst) &&
	       f->sport == htons(sport) && f->dport == htons(dport) &&
	       f->proto == proto && f->flags == flags;
}

int main(void)
{
	struct nlb_key key = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	struct nlb_flow f, g;
	u8 pkt[200];
	unsigned int h, i;
	int differ;

	/* TCP SYN to the VIP */
	h = ip_hdr(pkt, 5, 40, 6, 0x4000, CLIENT, VIP);
	ports(pkt + h, 40000, 80);
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 40000, VIP, 80, 6, NLB_FLOW_F_PORTS),
		  "tcp: addresses and ports");

	/* UDP with IP options: ports after a 24-byte header */
	h = ip_hdr(pkt, 6, 32, 17, 0, CLIENT, VIP);
	ports(pkt + h, 5353, 53);
	tap_check(nlb_parse_ipv4(pkt, 32, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 5353, VIP, 53, 17, NLB_FLOW_F_PORTS),
		  "udp behind ip options: ports found after the options");

	/* Malformed headers */
	h = ip_hdr(pkt, 5, 40, 6, 0, CLIENT, VIP);
	tap_check(nlb_parse_ipv4(pkt, 19, &f) == NLB_PARSE_MALFORMED,
		  "shorter than an ip header: malformed");
	pkt[0] = 0x65;
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_MALFORMED,
		  "version 6 in an ipv4 frame: malformed");
	pkt[0] = 0x44;
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_MALFORMED,
		  "ihl 4: malformed");
	pkt[0] = 0x4f;
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_MALFORMED,
		  "ihl past the bytes available: malformed");
	h = ip_hdr(pkt, 5, 16, 6, 0, CLIENT, VIP);
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_MALFORMED,
		  "total length shorter than the header: malformed");
	h = ip_hdr(pkt, 5, 22, 6, 0, CLIENT, VIP);
	ports(pkt + h, 1, 2);
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_MALFORMED,
		  "tcp ports beyond the total length (link padding not read): malformed");
	h = ip_hdr(pkt, 5, 40, 6, 0, CLIENT, VIP);
	tap_check(nlb_parse_ipv4(pkt, 23, &f) == NLB_PARSE_MALFORMED,
		  "tcp ports beyond the bytes available: malformed");

	/* Fragments: keyed by source only, whatever the offset */
	h = ip_hdr(pkt, 5, 1500, 17, 0x2000, CLIENT, VIP);
	ports(pkt + h, 5353, 53);
	tap_check(nlb_parse_ipv4(pkt, 100, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 0, VIP, 0, 17, NLB_FLOW_F_FRAGMENT),
		  "first fragment: no ports, fragment flag");
	h = ip_hdr(pkt, 5, 1500, 17, 185, CLIENT, VIP);
	tap_check(nlb_parse_ipv4(pkt, 100, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 0, VIP, 0, 17, NLB_FLOW_F_FRAGMENT),
		  "later fragment: no ports, fragment flag");
	nlb_parse_ipv4(pkt, 100, &f);
	h = ip_hdr(pkt, 5, 1500, 17, 0x2000, CLIENT, VIP);
	nlb_parse_ipv4(pkt, 100, &g);
	tap_check(nlb_flow_hash(&key, &f, NLB_AFFINITY_NONE) ==
		  nlb_flow_hash(&key, &g, NLB_AFFINITY_NONE),
		  "all fragments of a datagram hash alike");

	/* ICMP echo: keyed by source */
	h = ip_hdr(pkt, 5, 28, 1, 0, CLIENT, VIP);
	pkt[h] = 8;
	tap_check(nlb_parse_ipv4(pkt, 28, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 0, VIP, 0, 1, 0),
		  "icmp echo: keyed by source, no ports");

	/*
	 * ICMP error (fragmentation needed) from a router about a packet the
	 * cluster sent to the client: keyed by the quoted flow turned around.
	 */
	h = ip_hdr(pkt, 5, 20 + 8 + 28, 1, 0, "203.0.113.1", VIP);
	pkt[h] = 3;
	pkt[h + 1] = 4;
	i = ip_hdr(pkt + h + 8, 5, 1500, 6, 0x4000, VIP, CLIENT);
	ports(pkt + h + 8 + i, 80, 40000);
	tap_check(nlb_parse_ipv4(pkt, 56, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 40000, VIP, 80, 6,
			  NLB_FLOW_F_PORTS | NLB_FLOW_F_ICMP_ERROR),
		  "icmp error: keyed by the quoted flow, turned around");
	h = ip_hdr(pkt + 100, 5, 40, 6, 0, CLIENT, VIP);
	ports(pkt + 100 + h, 40000, 80);
	nlb_parse_ipv4(pkt + 100, 40, &g);
	tap_check(nlb_flow_hash(&key, &f, NLB_AFFINITY_NONE) ==
		  nlb_flow_hash(&key, &g, NLB_AFFINITY_NONE),
		  "icmp error reaches the owner of the flow it is about");
	tap_check(nlb_parse_ipv4(pkt, 40, &f) == NLB_PARSE_OK &&
		  flow_is(&f, "203.0.113.1", 0, VIP, 0, 1, 0),
		  "icmp error with a truncated quote: keyed by its source");
	h = ip_hdr(pkt, 5, 20 + 8 + 24, 1, 0, "203.0.113.1", VIP);
	pkt[h] = 11;
	i = ip_hdr(pkt + h + 8, 6, 1500, 17, 0, VIP, CLIENT);
	tap_check(nlb_parse_ipv4(pkt, 52, &f) == NLB_PARSE_OK &&
		  flow_is(&f, CLIENT, 0, VIP, 0, 17, NLB_FLOW_F_ICMP_ERROR),
		  "icmp error quoting too little for ports: addresses only");

	/* Affinity */
	h = ip_hdr(pkt, 5, 40, 6, 0, CLIENT, VIP);
	ports(pkt + h, 40000, 80);
	nlb_parse_ipv4(pkt, 40, &f);
	g = f;
	differ = 0;
	for (i = 1; i <= 16; i++) {
		g.sport = htons(40000 + i);
		if (nlb_flow_hash(&key, &g, NLB_AFFINITY_NONE) !=
		    nlb_flow_hash(&key, &f, NLB_AFFINITY_NONE))
			differ++;
		if (nlb_flow_hash(&key, &g, NLB_AFFINITY_SINGLE) !=
		    nlb_flow_hash(&key, &f, NLB_AFFINITY_SINGLE))
			differ += 100;
	}
	tap_check(differ == 16,
		  "affinity none hashes the source port, single does not");
	g = f;
	g.daddr = inet_addr("10.0.0.101");
	g.dport = htons(443);
	g.proto = 17;
	tap_check(nlb_flow_hash(&key, &g, NLB_AFFINITY_NONE) ==
		  nlb_flow_hash(&key, &f, NLB_AFFINITY_NONE),
		  "destination and protocol are not hashed");
	g = f;
	g.saddr = inet_addr("198.51.100.250");
	g.sport = htons(1);
	tap_check(nlb_flow_hash(&key, &g, NLB_AFFINITY_NETWORK) ==
		  nlb_flow_hash(&key, &f, NLB_AFFINITY_NETWORK) &&
		  nlb_flow_hash(&key, &g, NLB_AFFINITY_SINGLE) !=
		  nlb_flow_hash(&key, &f, NLB_AFFINITY_SINGLE),
		  "affinity network hashes the source /24 only");
	g.saddr = inet_addr("198.51.101.7");
	tap_check(nlb_flow_hash(&key, &g, NLB_AFFINITY_NETWORK) !=
		  nlb_flow_hash(&key, &f, NLB_AFFINITY_NETWORK),
		  "affinity network: another /24 hashes differently");
	{
		struct nlb_key k2 = key;

		k2.k1 ^= 1;
		tap_check(nlb_flow_hash(&k2, &f, NLB_AFFINITY_NONE) !=
			  nlb_flow_hash(&key, &f, NLB_AFFINITY_NONE),
			  "the hash depends on the cluster key");
	}
	return tap_end();
}
