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
	u8 tcp_flags;	/* TCP only, 0 when the header is cut short */
};

#define NLB_TCP_FIN	0x01
#define NLB_TCP_SYN	0x02
#define NLB_TCP_RST	0x04
#define NLB_TCP_ACK	0x10

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
	u8 priority;	/* host priority, 1 is best; 0: the id (default) */
};

/* A member's host priority: its own, or its id when it has none. */
static inline u8 nlb_member_priority(const struct nlb_member *m)
{
	return m->priority ? m->priority : m->id;
}

/*
 * A member's own settings for one port rule (Windows NLB's per-host port
 * rule parameters).  They are per node, not part of the rules' digest:
 * heartbeats carry them (NLB_HB_TLV_RULES) and the view digest covers them.
 *  - weight: its load weight for a multiple-host rule with load weights,
 *    0..100 (0: none of the rule's new flows), or NLB_RULE_W_HOST
 *    to follow its host load weight;
 *  - priority: its handling priority for a single-host rule, 1..64 (1 is
 *    best), or 0 to follow its host priority;
 *  - state: enabled; draining (no new flows of the rule, its flows held go
 *    on); disabled (no new flows, and the node drops its flows of the rule).
 */
#define NLB_RULE_W_HOST	255

enum nlb_rule_st {
	NLB_RULE_ST_ENABLED,
	NLB_RULE_ST_DRAINING,
	NLB_RULE_ST_DISABLED,
	NLB_RULE_ST_MAX = NLB_RULE_ST_DISABLED
};

struct nlb_rule_node {
	u8 weight;
	u8 priority;
	u8 state;
};

static inline void nlb_rule_node_default(struct nlb_rule_node *p)
{
	p->weight = NLB_RULE_W_HOST;
	p->priority = 0;
	p->state = NLB_RULE_ST_ENABLED;
}

static inline bool nlb_rule_node_is_default(const struct nlb_rule_node *p)
{
	return p->weight == NLB_RULE_W_HOST && !p->priority &&
	       p->state == NLB_RULE_ST_ENABLED;
}

static inline bool nlb_rule_node_valid(const struct nlb_rule_node *p)
{
	return (p->weight <= NLB_CORE_MAX_WEIGHT ||
		p->weight == NLB_RULE_W_HOST) &&
	       p->priority <= NLB_CORE_MAX_NODES &&
	       p->state <= NLB_RULE_ST_MAX;
}

/*
 * The default host of a member set: the member with the best (lowest) host
 * priority, the lower id on a tie; NLB_NODE_NONE for no member.
 */
u8 nlb_default_host(const struct nlb_member *members, unsigned int n);

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

/*
 * Heartbeat frames (Documentation/heartbeat.md): the payload after the
 * Ethernet header (ethertype 0x88B5, built and checked by the shell).
 * Multi-byte fields are big-endian on the wire.
 */
#define NLB_HB_VERSION		1
#define NLB_HB_HDR_LEN		64	/* fixed part of the payload */
#define NLB_HB_MAC_LEN		32	/* HMAC-SHA256, at the end when NLB_HB_F_MAC */
#define NLB_HB_MAX_LEN		1400	/* largest payload we build or accept */
#define NLB_HB_TLV_HDR_LEN	4	/* be16 type, be16 value length */
#define NLB_HB_TYPE_HEARTBEAT	1
#define NLB_HB_TYPE_LEAVE	2	/* graceful: the sender leaves the cluster now */
#define NLB_HB_F_MAC		0x01	/* payload ends with an HMAC-SHA256 */
#define NLB_HB_F_BACKUP		0x02	/* sent on the cluster device (backup path) */
#define NLB_HB_F_HELD		0x08	/* holds flows in buckets it does not own:
					 * NLB_HB_TLV_HELD follow
					 */
#define NLB_HB_F_CARRIER	0x04	/* the sender's cluster device has carrier */
/*
 * TLV NLB_HB_TLV_HELD: be16 window w, then the bitmap of buckets
 * [w * 8192, (w + 1) * 8192) the sender holds flows in (bit b % 8 of byte
 * (b / 8) % 1024), min(1024, buckets / 8) bytes.  With NLB_HB_F_HELD set,
 * the sender sends every window in each interval, one per frame; without
 * it, the sender holds nothing.
 */
#define NLB_HB_TLV_HELD		1
/*
 * TLV NLB_HB_TLV_VIEW: be64 nlb_view_digest() of the sender's bucket map
 * (its members and their weights).  Nodes agree on a change when they
 * report the same members bitmap and, if they send it, the same view.
 */
#define NLB_HB_TLV_VIEW		2
#define NLB_HB_VIEW_LEN		8
/*
 * TLV NLB_HB_TLV_RULES: the sender's own settings for each port rule
 * (struct nlb_rule_node), 3 bytes per rule in the rules' lookup order
 * (which the rules alone decide): weight, priority, state.  Sent when any
 * of them is not the default; without it, every rule's are.
 */
#define NLB_HB_TLV_RULES	3
#define NLB_HB_RULE_NODE_LEN	3
#define NLB_HB_HELD_WINDOW	1024	/* bytes: 8192 buckets */
#define NLB_HB_MAX_STATE	15

struct nlb_hb {
	u8 type;
	u8 node_id;		/* 1..64 */
	u8 state;		/* enum nlb_state of the uapi; the codec accepts 0..15 */
	u8 flags;
	u8 priority;		/* 0 = none (port rules, later) */
	u16 weight;
	u16 interval_ms;
	__be32 cluster_id;	/* the cluster's first VIP, network order as on the wire */
	u64 nonce;		/* random per incarnation */
	u64 counter;		/* strictly increasing per sender, across incarnations */
	u64 birth;		/* ns since the epoch when this incarnation started */
	u64 digest;		/* configuration digest, nlb_config_digest() */
	u64 members;		/* bit (id-1): node id in the sender's bucket map */
	u64 cpath;		/* bit (id-1): peer heard by the sender on its cluster device */
	const u8 *tlv;		/* optional TLVs after the fixed part */
	u16 tlv_len;
};

enum nlb_hb_result {
	NLB_HB_OK = 0,
	NLB_HB_MALFORMED,	/* truncated, bad length, bad TLVs, bad node id, unknown type */
	NLB_HB_BAD_VERSION,	/* version byte is not NLB_HB_VERSION */
};

/*
 * Encode @hb into @buf (@size bytes).  Returns the payload length, which
 * includes NLB_HB_MAC_LEN zero bytes at the end when hb->flags has
 * NLB_HB_F_MAC (the caller computes the MAC and writes it there), or 0 if it
 * does not fit or @hb is not something nlb_hb_decode() would accept (bad
 * type, node id, state, malformed or too large TLVs).
 */
u32 nlb_hb_encode(u8 *buf, u32 size, const struct nlb_hb *hb);

/*
 * Decode the payload at @buf, @len bytes available (may include Ethernet
 * padding after the length the frame declares: the length field is
 * authoritative, bytes past it are ignored).  Never reads past @len.  On
 * NLB_HB_OK fills @hb; hb->tlv points into @buf (NULL when tlv_len is 0).
 * Version is checked first (a frame of another version is BAD_VERSION as
 * long as at least 1 byte is there).
 */
enum nlb_hb_result nlb_hb_decode(const u8 *buf, u32 len, struct nlb_hb *hb);

/*
 * Write a RULES TLV for the @n rule settings at @p (n <= 64) into @tlv,
 * which has room for NLB_HB_TLV_HDR_LEN + 3 * 64 bytes; returns its length.
 */
u16 nlb_hb_put_rules(u8 *tlv, const struct nlb_rule_node *p, unsigned int n);

/*
 * Read a RULES TLV's value (@vlen bytes at @val) into @p (room for 64):
 * returns the number of rules, or -1 if the value is malformed (not a
 * whole number of settings, more than 64, or a setting out of range:
 * nlb_rule_node_valid()).
 */
int nlb_hb_get_rules(const u8 *val, u16 vlen, struct nlb_rule_node *p);

/*
 * Walk TLVs: returns 1 and sets *type, *vlen, *val for the next one, 0 at
 * the end; *pos is the cursor (start at 0).  Only valid on TLVs that decode
 * accepted.
 */
int nlb_hb_tlv_next(const struct nlb_hb *hb, u16 *pos, u16 *type, u16 *vlen,
		    const u8 **val);

/* What the configuration digest covers (all nodes of a cluster must agree). */
struct nlb_config {
	u8 mode;
	u32 buckets;
	const u8 *seed;		/* NLB_CORE_SEED_LEN bytes */
	const __be32 *vips;
	unsigned int nvips;	/* at most NLB_CORE_MAX_VIPS are covered */
	u64 rules;		/* nlb_rules_digest() of the port rules */
};

#define NLB_CONFIG_DIGEST_VERSION	2

/*
 * 64-bit digest; independent of the order of the VIPs.  SipHash-2-4
 * (nlb_siphash) under a fixed, documented key over a canonical, documented
 * byte string ("nlb-cfg" tag + version byte, mode, buckets be32, seed,
 * nvips, sorted VIPs, rules digest be64).
 */
u64 nlb_config_digest(const struct nlb_config *cfg);

#define NLB_VIEW_DIGEST_VERSION	2
#define NLB_VIEW_DIGEST_VERSION_RULES	3

/*
 * 64-bit digest of a bucket map's member set: SipHash-2-4 under a fixed,
 * documented key over "nlb-view", version byte, n, then (id, be32 weight,
 * host priority) per member in ascending id order, the priority as
 * nlb_member_priority() gives it.  Independent of the order of
 * @members; members with an id outside 1..NLB_CORE_MAX_NODES or weight 0 are
 * not covered (nlb_map_build() refuses them).
 */
u64 nlb_view_digest(const struct nlb_member *members, unsigned int n);

/*
 * The same, covering the members' own port rule settings too: @rp[i] is
 * members[i]'s settings for the @nrules rules in lookup order (NULL, or
 * @rp NULL: all default).  If every setting is the default, this is
 * nlb_view_digest().  Otherwise the version byte is 3, and each member's
 * record is followed by a be64: 0 if its settings are all the defaults,
 * else the SipHash-2-4, under the same key, of nrules and its settings (3
 * bytes each, as NLB_HB_TLV_RULES carries them).
 */
u64 nlb_view_digest_rules(const struct nlb_member *members, unsigned int n,
			  const struct nlb_rule_node *const *rp,
			  unsigned int nrules);

/*
 * Connection tracking: which node accepts a packet once nodes hold flows
 * (Documentation/design.md, "Existing connections").  Pure decisions; the
 * flow table itself is the kernel's.
 */
enum nlb_conn_state {
	NLB_CONN_NONE,		/* not held */
	NLB_CONN_SYN,		/* TCP, created by a SYN */
	NLB_CONN_ESTABLISHED,	/* TCP, a packet other than SYN seen */
	NLB_CONN_CLOSING,	/* TCP, FIN or RST seen: lingers briefly */
	NLB_CONN_UDP,		/* UDP */
	NLB_CONN_MAX = NLB_CONN_UDP
};

enum nlb_verdict {
	NLB_V_DROP,		/* another node owns the bucket */
	NLB_V_DROP_HELD,	/* unknown flow in a bucket a peer still holds */
	NLB_V_DROP_RESTART,	/* a new SYN for a held flow: forget it, drop */
	NLB_V_ACCEPT,		/* accept, nothing to track */
	NLB_V_ACCEPT_NEW,	/* accept and start holding the flow */
	NLB_V_ACCEPT_HELD,	/* accept: this node holds the flow */
};

/* Is @flow one the tracker holds (TCP or UDP with ports, not an error)? */
static inline bool nlb_conn_trackable(const struct nlb_flow *flow)
{
	return (flow->proto == 6 || flow->proto == 17) &&
	       (flow->flags & NLB_FLOW_F_PORTS) &&
	       !(flow->flags & NLB_FLOW_F_ICMP_ERROR);
}

/*
 * The acceptance rule.  @held: the state of the flow in this node's table
 * (NLB_CONN_NONE if not held); @owns: this node may take new flows in the
 * flow's bucket; @dirty: a live peer reports holding flows in that bucket.
 */
enum nlb_verdict nlb_conn_decide(const struct nlb_flow *flow, u8 held,
				 bool owns, bool dirty);

/* State of a flow after @flow, from @state (NLB_CONN_NONE for a new one). */
u8 nlb_conn_next(u8 state, const struct nlb_flow *flow);

/*
 * Does @flow, accepted on a flow held in state @held, open a new
 * connection on it (a SYN reusing the addresses and ports of a closing
 * flow)?  It counts as a start like NLB_V_ACCEPT_NEW.
 */
bool nlb_conn_reopens(u8 held, const struct nlb_flow *flow);

#endif /* _NLB_CORE_H */
