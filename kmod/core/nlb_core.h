/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nlb decision logic: flow keys, keyed hashing and the bucket map.
 *
 * Everything here is pure computation on caller-provided memory: no
 * allocation, no locking, no kernel-only dependency.  It is compiled into
 * nlb.ko and into the userspace unit tests and fuzzers (kmod/core/tests/).
 */
#ifndef _NLB_CORE_H
#define _NLB_CORE_H

#include "nlb_types.h"

#define NLB_CORE_MAX_NODES	64
#define NLB_CORE_MIN_BUCKETS	64
#define NLB_CORE_MAX_BUCKETS	65536
#define NLB_CORE_SEED_LEN	16
#define NLB_CORE_MAX_VIPS	16
#define NLB_CORE_MAX_WEIGHT	100
#define NLB_NODE_NONE		0

/* 128-bit SipHash key, shared cluster-wide. */
struct nlb_key {
	u64 k0, k1;
};

void nlb_key_from_seed(struct nlb_key *key, const u8 seed[NLB_CORE_SEED_LEN]);
/* Seed derived from the VIP list (order independent) when none is given. */
void nlb_seed_from_vips(u8 seed[NLB_CORE_SEED_LEN], const __be32 *vips,
			unsigned int n);

/* SipHash-2-4 of @len bytes, identical on every architecture. */
u64 nlb_siphash(const struct nlb_key *key, const void *data, size_t len);

enum nlb_affinity {
	NLB_AFFINITY_NONE,	/* source address and port */
	NLB_AFFINITY_SINGLE,	/* source address */
	NLB_AFFINITY_NETWORK,	/* source /24 */
};

#define NLB_FLOW_F_PORTS	0x01	/* sport/dport are valid */
#define NLB_FLOW_F_FRAGMENT	0x02	/* a fragment: keyed by source only */
#define NLB_FLOW_F_ICMP_ERROR	0x04	/* keyed by the embedded flow */

/*
 * The flow as nlb sees it, from the client's point of view: saddr/sport are
 * the client, daddr/dport the VIP side.  For an ICMP error sent by a client
 * (or a router on its path) about a packet the cluster sent, this is the
 * embedded flow turned around, so the error reaches the flow's owner.
 */
struct nlb_flow {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 flags;
};

enum nlb_parse_result {
	NLB_PARSE_OK = 0,
	NLB_PARSE_MALFORMED,	/* drop and count */
};

/* Bytes of an IPv4 packet nlb_parse_ipv4() may look at. */
#define NLB_PARSE_MAX_BYTES	136

/*
 * Parse an IPv4 packet starting at its IP header.  @len is the number of
 * bytes available at @pkt (at most the packet's length).  Never reads past
 * @len.  Fills @flow on NLB_PARSE_OK.
 */
enum nlb_parse_result nlb_parse_ipv4(const u8 *pkt, u32 len,
				     struct nlb_flow *flow);

/* Keyed hash of the part of @flow selected by @aff (and by flow->flags). */
u32 nlb_flow_hash(const struct nlb_key *key, const struct nlb_flow *flow,
		  enum nlb_affinity aff);

static inline u32 nlb_bucket_of(u32 hash, u32 buckets)
{
	return hash & (buckets - 1);
}

struct nlb_member {
	u8 id;		/* 1..NLB_CORE_MAX_NODES */
	u32 weight;	/* > 0 */
};

/* Bytes of scratch memory nlb_map_build() needs. */
size_t nlb_map_scratch_size(u32 buckets, unsigned int nmembers);

/*
 * Build the bucket map: map[b] = owning node id for b in [0, buckets).  The
 * result depends only on (@key, @buckets, the set of (id, weight) pairs),
 * never on the order of @members.  With no members every bucket maps to
 * NLB_NODE_NONE.  Returns 0, or -EINVAL for bad arguments (duplicate or
 * out-of-range id, zero weight, buckets not a power of two in range).
 */
int nlb_map_build(u8 *map, u32 buckets, const struct nlb_member *members,
		  unsigned int nmembers, const struct nlb_key *key,
		  void *scratch);

#endif /* _NLB_CORE_H */
