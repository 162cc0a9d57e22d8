/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nlb: Windows-NLB-style cluster load distribution for Linux.
 *
 * Generic netlink interface of the "nlb" family, shared by the kernel module
 * and nlbctl.  Every request is answered by the kernel with an ack carrying an
 * extack message on error.  All commands that change state need
 * CAP_NET_ADMIN in the user namespace owning the network namespace.
 *
 * Commands:
 *
 *  NLB_CMD_CLUSTER_GET   dump (or doit with NLB_A_IFINDEX/NLB_A_IFNAME) of the
 *                        clusters of the caller's namespace: configuration,
 *                        members with their bucket counts, and counters.
 *  NLB_CMD_CLUSTER_NEW   create a cluster on a device (NLB_A_IFINDEX or
 *                        NLB_A_IFNAME, NLB_A_VIPS, NLB_A_MODE, NLB_A_NODE_ID,
 *                        optional NLB_A_BUCKETS, NLB_A_SEED).
 *  NLB_CMD_CLUSTER_DEL   delete the cluster of a device.
 *  NLB_CMD_MEMBER_SET    replace the static member set (NLB_A_MEMBERS, each
 *                        NLB_A_MEMBER with NLB_A_MEMBER_ID and optionally
 *                        NLB_A_MEMBER_WEIGHT).
 *  NLB_CMD_QUERY         which node owns a flow (NLB_A_FLOW), and whether this
 *                        node accepts it.  Answered with NLB_A_FLOW_* results.
 *  NLB_CMD_VERSION       module version string (NLB_A_VERSION).
 *  NLB_CMD_CLUSTER_SET   change the heartbeat settings of a cluster
 *                        (NLB_A_HB_INTERVAL, NLB_A_HB_TOLERANCE, NLB_A_KEY or
 *                        NLB_A_KEY_CLEAR, NLB_A_WEIGHT) or control this
 *                        node (NLB_A_ADMIN_STATE: enum nlb_admin_op).  All
 *                        or nothing.
 *  NLB_CMD_FLOW_GET      dump of the flows this node holds on a device
 *                        (NLB_A_IFINDEX or NLB_A_IFNAME): one message per
 *                        flow, NLB_A_FLOW with NLB_FLOW_STATE/AGE/BUCKET.
 *  NLB_CMD_BUCKET_GET    dump of the buckets of a device's cluster
 *                        (NLB_A_IFINDEX or NLB_A_IFNAME): messages of
 *                        NLB_A_BUCKET nests (NLB_BUCKET_*), in bucket order:
 *                        owner, flows held and started per bucket.
 *  NLB_CMD_RULE_ADD      add a port rule (NLB_A_RULE: NLB_RULE_*) to a
 *                        device's cluster; with NLB_A_REPLACE, replace the
 *                        rule of the same VIP, ports and protocol (or add
 *                        it).  A rule that overlaps another is refused.
 *  NLB_CMD_RULE_DEL      delete the rule of a device's cluster with the VIP,
 *                        ports and protocol of NLB_A_RULE.
 *  NLB_CMD_RULE_GET      the port rules of a device's cluster (doit), or of
 *                        every cluster (dump, one message per cluster):
 *                        NLB_A_RULES, a nest of NLB_A_RULE (NLB_RULE_*) in
 *                        lookup order, with this node's settings for each,
 *                        and per-rule counters.
 *  NLB_CMD_RULE_SET      change this node's own settings for one rule of a
 *                        device's cluster (NLB_RULE_NODE_WEIGHT, _PRIORITY,
 *                        _STATE in NLB_A_RULE).  The rule is the one with
 *                        NLB_RULE_VIP (absent: all VIPs) and PORT_LO, and,
 *                        if given, PORT_HI and PROTO: exactly one must
 *                        match.  All or nothing.
 *  NLB_CMD_EVENT         only sent, to the NLB_MCGRP_EVENTS multicast group:
 *                        NLB_A_EVENT with NLB_A_IFNAME, NLB_A_IFINDEX and,
 *                        by event, NLB_A_PEER_NODE, NLB_A_STATE,
 *                        NLB_A_MEMBER_MASK, NLB_A_MAP_GENERATION.
 *
 * Membership: a cluster learns its members from heartbeats (ethertype
 * NLB_HB_ETHERTYPE, see Documentation/heartbeat.md) on its heartbeat device
 * and, as a backup path, on the cluster device.  NLB_CMD_MEMBER_SET with a
 * member list overrides that with a static set; with no NLB_A_MEMBERS (or an
 * empty one) membership is dynamic again.
 */
#ifndef _UAPI_LINUX_NLB_H
#define _UAPI_LINUX_NLB_H

#define NLB_GENL_NAME		"nlb"
#define NLB_GENL_VERSION	1

#define NLB_MAX_NODES		64	/* node ids are 1..NLB_MAX_NODES */
#define NLB_MAX_VIPS		16
#define NLB_MIN_BUCKETS		64
#define NLB_MAX_BUCKETS		65536
#define NLB_DEFAULT_BUCKETS	4096
#define NLB_SEED_LEN		16
#define NLB_MAX_WEIGHT		100
#define NLB_MAX_PRIORITY	64	/* host priorities are 1..NLB_MAX_PRIORITY */
#define NLB_MAX_RULES		64	/* port rules per cluster */
#define NLB_DEFAULT_WEIGHT	1
#define NLB_KEY_LEN		32	/* heartbeat HMAC-SHA256 key */
#define NLB_HB_ETHERTYPE	0x88B5	/* IEEE 802 local experimental */
#define NLB_HB_DEFAULT_INTERVAL	100	/* ms */
#define NLB_HB_MIN_INTERVAL	10
#define NLB_HB_MAX_INTERVAL	10000
#define NLB_HB_DEFAULT_TOLERANCE 3	/* missed heartbeats before death */
#define NLB_HB_MIN_TOLERANCE	2
#define NLB_HB_MAX_TOLERANCE	100

#define NLB_DEFAULT_MAX_FLOWS	1000000
#define NLB_MAX_MAX_FLOWS	16000000
#define NLB_DEFAULT_TCP_TIMEOUT	3600	/* s, established and idle */
#define NLB_DEFAULT_TCP_CLOSE_TIMEOUT 10	/* s, after FIN or RST, or in SYN */
#define NLB_DEFAULT_UDP_TIMEOUT	30	/* s, idle */
#define NLB_DEFAULT_DRAIN_TIMEOUT 0	/* s; 0: until the last flow ends */
#define NLB_MAX_TIMEOUT		604800	/* one week */

#define NLB_MCGRP_EVENTS	"events"

enum nlb_cmd {
	NLB_CMD_UNSPEC,
	NLB_CMD_VERSION,
	NLB_CMD_CLUSTER_GET,
	NLB_CMD_CLUSTER_NEW,
	NLB_CMD_CLUSTER_DEL,
	NLB_CMD_MEMBER_SET,
	NLB_CMD_QUERY,
	NLB_CMD_CLUSTER_SET,
	NLB_CMD_EVENT,
	NLB_CMD_FLOW_GET,
	NLB_CMD_BUCKET_GET,
	NLB_CMD_RULE_ADD,
	NLB_CMD_RULE_DEL,
	NLB_CMD_RULE_GET,
	NLB_CMD_RULE_SET,
	__NLB_CMD_MAX
};
#define NLB_CMD_MAX (__NLB_CMD_MAX - 1)

enum nlb_mode {
	NLB_MODE_UNICAST,	/* cluster MAC 02:bf:W:X:Y:Z, dev_uc_add */
	NLB_MODE_MULTICAST,	/* cluster MAC 03:bf:W:X:Y:Z, dev_mc_add */
	NLB_MODE_IGMP,		/* 01:00:5e:7f:Y:Z, group 239.255.Y.Z joined */
	__NLB_MODE_MAX
};
#define NLB_MODE_MAX (__NLB_MODE_MAX - 1)

/*
 * State of a node, as it reports itself in heartbeats and in dumps.  Only an
 * ACTIVE node is put in the bucket map.
 */
enum nlb_state {
	NLB_STATE_ACTIVE,	/* a member: owns its share of the buckets */
	NLB_STATE_STOPPED,	/* stopped by the admin, or not in the static set */
	NLB_STATE_NIC_DOWN,	/* cluster device without carrier or unheard */
	NLB_STATE_DUPLICATE,	/* another, earlier node has the same node id */
	NLB_STATE_MISMATCH,	/* configuration differs from the cluster's */
	NLB_STATE_LEAVING,	/* the cluster is being deleted (graceful) */
	NLB_STATE_DRAINING,	/* serves the flows it holds, takes no new ones */
	NLB_STATE_SUSPENDED,	/* stopped, and start is refused until resume */
	NLB_STATE_PRIORITY_TAKEN, /* an earlier node has the same host priority */
	__NLB_STATE_MAX
};
#define NLB_STATE_MAX (__NLB_STATE_MAX - 1)

enum nlb_attr {
	NLB_A_UNSPEC,
	NLB_A_VERSION,		/* string */
	NLB_A_IFINDEX,		/* u32 */
	NLB_A_IFNAME,		/* string */
	NLB_A_VIPS,		/* nest of NLB_A_VIP */
	NLB_A_MODE,		/* u8, enum nlb_mode */
	NLB_A_NODE_ID,		/* u8, 1..NLB_MAX_NODES */
	NLB_A_BUCKETS,		/* u32, power of two in [MIN, MAX]_BUCKETS */
	NLB_A_SEED,		/* binary, NLB_SEED_LEN bytes */
	NLB_A_SEED_DERIVED,	/* flag: seed was derived from the VIPs */
	NLB_A_CLUSTER_MAC,	/* binary, 6 bytes */
	NLB_A_IGMP_GROUP,	/* be32, only in igmp mode */
	NLB_A_MEMBERS,		/* nest of NLB_A_MEMBER */
	NLB_A_STATS,		/* nest of NLB_STATS_* */
	NLB_A_FLOW,		/* nest of NLB_FLOW_* */
	NLB_A_OWNED_BUCKETS,	/* u32: buckets this node owns */
	NLB_A_MAP_GENERATION,	/* u32: bumped at every map change */
	NLB_A_STATE,		/* u8, enum nlb_state */
	NLB_A_PAD,
	NLB_A_HB_IFINDEX,	/* u32: heartbeat device (default: the cluster's) */
	NLB_A_HB_IFNAME,	/* string */
	NLB_A_HB_INTERVAL,	/* u32: ms between heartbeats */
	NLB_A_HB_TOLERANCE,	/* u32: heartbeats missed before a peer is dead */
	NLB_A_KEY,		/* binary, NLB_KEY_LEN bytes; never dumped */
	NLB_A_KEY_CLEAR,	/* flag: in CLUSTER_SET, remove the key */
	NLB_A_AUTH,		/* u8 in dumps: 1 if heartbeats are authenticated */
	NLB_A_WEIGHT,		/* u32: this node's load weight, 1..NLB_MAX_WEIGHT */
	NLB_A_ADMIN_STATE,	/* u8: enum nlb_admin_op in CLUSTER_SET,
				 * enum nlb_admin in dumps
				 */
	NLB_A_MEMBERSHIP,	/* u8 in dumps: enum nlb_membership */
	NLB_A_DIGEST,		/* u64 in dumps: configuration digest */
	NLB_A_CONVERGED,	/* u8 in dumps: 1 once every live peer agrees */
	NLB_A_PEERS,		/* nest of NLB_A_PEER (NLB_PEER_*), in dumps */
	NLB_A_HB_STATS,		/* nest of NLB_HB_STATS_*, in dumps */
	NLB_A_EVENT,		/* u8, enum nlb_event */
	NLB_A_PEER_NODE,	/* u8: the peer an event is about */
	NLB_A_MEMBER_MASK,	/* u64: bit (id - 1) set for each map member */
	NLB_A_MAX_FLOWS,	/* u32: flows held at most, 1..NLB_MAX_MAX_FLOWS */
	NLB_A_TCP_TIMEOUT,	/* u32 s: idle established TCP flow forgotten */
	NLB_A_TCP_CLOSE_TIMEOUT, /* u32 s: linger after FIN/RST, SYN answered */
	NLB_A_UDP_TIMEOUT,	/* u32 s: idle UDP flow forgotten */
	NLB_A_DRAIN_TIMEOUT,	/* u32 s: drainstop ends after; 0 = no limit */
	NLB_A_FLOWS,		/* u32 in dumps: flows held */
	NLB_A_HELD_BUCKETS,	/* u32 in dumps: held buckets owned by others */
	NLB_A_DRAIN_LEFT,	/* u32 in dumps: ms left of the drain timeout */
	NLB_A_FLOW_STATES,	/* nest in dumps: u32 per enum nlb_conn_state */
	NLB_A_BUCKET,		/* nest of NLB_BUCKET_*, in NLB_CMD_BUCKET_GET */
	NLB_A_PRIORITY,		/* u8: this node's host priority, 1..NLB_MAX_PRIORITY
				 * (1 is best; default: the node id)
				 */
	NLB_A_DEFAULT_HOST,	/* u8 in dumps: the live member with the best host
				 * priority (0 = none): takes what no rule covers
				 */
	NLB_A_RULE,		/* nest of NLB_RULE_*, in RULE_ADD and RULE_DEL */
	NLB_A_REPLACE,		/* flag: in RULE_ADD, replace the same rule */
	NLB_A_RULES,		/* nest of NLB_A_RULE, in RULE_GET answers */
	NLB_A_RULES_DIGEST,	/* u64 in dumps: nlb_rules_digest() */
	NLB_A_MEMORY,		/* nest of NLB_MEM_*, in dumps */
	NLB_A_MAP_VIEW,		/* u64 in dumps: the map's view digest (its
				 * members, their weights and priorities, and
				 * their own port rule settings), as heartbeats
				 * carry it: nodes that agree report the same
				 */
	__NLB_A_MAX
};
#define NLB_A_MAX (__NLB_A_MAX - 1)

enum nlb_vip_attr {
	NLB_VIP_UNSPEC,
	NLB_VIP_ADDR,		/* be32 */
	__NLB_VIP_MAX
};
#define NLB_VIP_MAX (__NLB_VIP_MAX - 1)

enum nlb_member_attr {
	NLB_MEMBER_UNSPEC,
	NLB_MEMBER_ID,		/* u8 */
	NLB_MEMBER_WEIGHT,	/* u32, 1..NLB_MAX_WEIGHT */
	NLB_MEMBER_BUCKETS,	/* u32, in dumps: buckets owned */
	NLB_MEMBER_SELF,	/* flag, in dumps: this node */
	__NLB_MEMBER_MAX
};
#define NLB_MEMBER_MAX (__NLB_MEMBER_MAX - 1)

/* Nested in NLB_A_MEMBERS: one per member. */
#define NLB_A_MEMBER 1

/* Node control, as Windows NLB has it (nlbctl start/stop/suspend/resume). */
enum nlb_admin_op {
	NLB_ADMIN_OP_START,	/* take traffic again; refused when suspended */
	NLB_ADMIN_OP_STOP,	/* leave the map now, keep the configuration */
	NLB_ADMIN_OP_SUSPEND,	/* stop, and refuse start until resume */
	NLB_ADMIN_OP_RESUME,	/* suspended -> stopped */
	NLB_ADMIN_OP_DRAINSTOP,	/* no new flows; stopped when the last ends */
	__NLB_ADMIN_OP_MAX
};
#define NLB_ADMIN_OP_MAX (__NLB_ADMIN_OP_MAX - 1)

enum nlb_admin {
	NLB_ADMIN_STARTED,
	NLB_ADMIN_STOPPED,
	NLB_ADMIN_SUSPENDED,
	NLB_ADMIN_DRAINING,
};

/* A held flow's state (NLB_FLOW_STATE, NLB_A_FLOW_STATES). */
enum nlb_flow_state {
	NLB_FLOW_STATE_NONE,
	NLB_FLOW_STATE_SYN,		/* TCP: SYN seen */
	NLB_FLOW_STATE_ESTABLISHED,	/* TCP: more than a SYN seen */
	NLB_FLOW_STATE_CLOSING,		/* TCP: FIN or RST seen, lingering */
	NLB_FLOW_STATE_UDP,
	__NLB_FLOW_STATE_MAX
};
#define NLB_FLOW_STATE_MAX (__NLB_FLOW_STATE_MAX - 1)

/* One bucket of a cluster (NLB_CMD_BUCKET_GET). */
enum nlb_bucket_attr {
	NLB_BUCKET_UNSPEC,
	NLB_BUCKET_ID,		/* u32 */
	NLB_BUCKET_OWNER,	/* u8: owner in this node's map, 0 = none */
	NLB_BUCKET_ACCEPTING,	/* u8: 1 if this node takes new flows there */
	NLB_BUCKET_FLOWS,	/* u32: flows this node holds there */
	NLB_BUCKET_STARTED,	/* u64: flows this node accepted as new there */
	NLB_BUCKET_HELD_BY_PEER, /* u8: 1 if a live peer holds flows there */
	NLB_BUCKET_PAD,
	__NLB_BUCKET_MAX
};
#define NLB_BUCKET_MAX (__NLB_BUCKET_MAX - 1)

/*
 * A port rule (NLB_A_RULE).  It covers destination ports PORT_LO..PORT_HI
 * of PROTO on VIP (0 or absent: every VIP of the cluster).  A rule for one
 * VIP takes precedence over an all-VIPs rule; rules of the same scope must
 * not overlap.  TCP and UDP traffic to a VIP that no rule covers goes to
 * the default host (NLB_A_DEFAULT_HOST).
 */
enum nlb_rule_attr {
	NLB_RULE_UNSPEC,
	NLB_RULE_VIP,		/* be32, 0 = all VIPs */
	NLB_RULE_PORT_LO,	/* u16 */
	NLB_RULE_PORT_HI,	/* u16, >= PORT_LO (default: PORT_LO) */
	NLB_RULE_PROTO,		/* u8, enum nlb_rule_proto (default: both) */
	NLB_RULE_MODE,		/* u8, enum nlb_rule_mode (required to add) */
	NLB_RULE_AFFINITY,	/* u8, enum nlb_affinity_type, multiple only
				 * (default: single, as in Windows NLB)
				 */
	NLB_RULE_WEIGHT,	/* u8, enum nlb_rule_weight, multiple only
				 * (default: equal)
				 */
	NLB_RULE_OWNER,		/* u8 in answers: for single-host rules, the
				 * node that takes the traffic (0 = none)
				 */
	NLB_RULE_ACCEPTED,	/* u64 in answers: packets accepted here */
	NLB_RULE_DROPPED,	/* u64 in answers: packets dropped here (another
				 * node's, or a disabled rule)
				 */
	NLB_RULE_PAD,
	/*
	 * This node's own settings for the rule (Windows NLB's per-host port
	 * rule parameters): in RULE_ADD and RULE_SET, and in answers.  They
	 * are not part of the rule: each node has its own, and its peers learn
	 * them from its heartbeats.
	 */
	NLB_RULE_NODE_WEIGHT,	/* u8: load weight for a multiple-host rule
				 * with load weights, 0..100 (0: none of its
				 * new flows), or NLB_RULE_HOST_WEIGHT
				 * (default): this node's load weight
				 */
	NLB_RULE_NODE_PRIORITY,	/* u8: handling priority for a single-host
				 * rule, 1..64, 1 is best; 0 (default): this
				 * node's host priority
				 */
	NLB_RULE_NODE_STATE,	/* u8, enum nlb_rule_node_state (default:
				 * enabled); not for disabled-mode rules
				 */
	NLB_RULE_NODE_BUCKETS,	/* u32 in answers: buckets of the rule this
				 * node takes new flows in, out of NLB_A_BUCKETS
				 */
	__NLB_RULE_MAX
};
#define NLB_RULE_MAX (__NLB_RULE_MAX - 1)

#define NLB_RULE_HOST_WEIGHT	255	/* NLB_RULE_NODE_WEIGHT: the host's */

enum nlb_rule_node_state {
	NLB_RULE_NODE_ENABLED,		/* takes its share of new flows */
	NLB_RULE_NODE_DRAINING,		/* no new flows; those it holds go on */
	NLB_RULE_NODE_DISABLED,		/* no new flows; those it held are
					 * dropped
					 */
};

enum nlb_rule_proto {
	NLB_RULE_PROTO_TCP = 1,
	NLB_RULE_PROTO_UDP = 2,
	NLB_RULE_PROTO_BOTH = 3,
};

enum nlb_rule_mode {
	NLB_RULE_MODE_MULTIPLE = 1,	/* balanced over the members */
	NLB_RULE_MODE_SINGLE = 2,	/* all to the best handling priority */
	NLB_RULE_MODE_DISABLED = 3,	/* dropped by every node */
};

/* Which part of the client's address a multiple-host rule balances on. */
enum nlb_affinity_type {
	NLB_AFFINITY_TYPE_NONE,		/* source address and port */
	NLB_AFFINITY_TYPE_SINGLE,	/* source address */
	NLB_AFFINITY_TYPE_NETWORK,	/* source /24 */
};

/* The load weights a multiple-host rule shares its buckets by. */
enum nlb_rule_weight {
	NLB_RULE_WEIGHT_EQUAL,		/* every member the same share */
	NLB_RULE_WEIGHT_LOAD,		/* each member's load weight
					 * (NLB_A_WEIGHT)
					 */
};

/* Nested in NLB_A_RULES: one per rule. */
#define NLB_A_RULES_RULE 1

enum nlb_membership {
	NLB_MEMBERSHIP_DYNAMIC,	/* from heartbeats */
	NLB_MEMBERSHIP_STATIC,	/* set by NLB_CMD_MEMBER_SET */
};

/* A peer heard on the heartbeat or on the cluster device. */
enum nlb_peer_attr {
	NLB_PEER_UNSPEC,
	NLB_PEER_ID,		/* u8 */
	NLB_PEER_STATE,		/* u8, enum nlb_state, as the peer reports */
	NLB_PEER_WEIGHT,	/* u32 */
	NLB_PEER_AGE_HB,	/* u32 ms since heard on the heartbeat device */
	NLB_PEER_AGE_CLUSTER,	/* u32 ms since heard on the cluster device */
	NLB_PEER_ALIVE,		/* u8: 1 if heard within the dead timeout */
	NLB_PEER_IN_MAP,	/* u8: 1 if in this node's bucket map */
	NLB_PEER_MISMATCH,	/* u8: 1 if its configuration digest differs */
	NLB_PEER_DUPLICATE,	/* u8: 1 if two nodes use this id */
	NLB_PEER_DIGEST,	/* u64 */
	NLB_PEER_MEMBER_MASK,	/* u64: the map members the peer reports */
	NLB_PEER_MAC,		/* binary, 6 bytes: source MAC */
	NLB_PEER_HELD_BUCKETS,	/* u32: buckets it reports holding flows in */
	NLB_PEER_PAD,
	NLB_PEER_PRIORITY,	/* u8: its host priority */
	__NLB_PEER_MAX
};
#define NLB_PEER_MAX (__NLB_PEER_MAX - 1)

/* Nested in NLB_A_PEERS: one per peer. */
#define NLB_A_PEER 1

enum nlb_hb_stats_attr {
	NLB_HB_STATS_UNSPEC,
	NLB_HB_STATS_SENT,		/* u64: heartbeats sent, all paths */
	NLB_HB_STATS_RECEIVED,		/* u64: heartbeats accepted */
	NLB_HB_STATS_BAD_MAC,		/* u64: wrong or missing HMAC */
	NLB_HB_STATS_REPLAYED,		/* u64: counter not above the last */
	NLB_HB_STATS_MISMATCHED,	/* u64: configuration digest differs */
	NLB_HB_STATS_MALFORMED,		/* u64: truncated or inconsistent */
	NLB_HB_STATS_BAD_VERSION,	/* u64: unknown version */
	NLB_HB_STATS_UNKNOWN_CLUSTER,	/* u64: for no cluster of ours */
	NLB_HB_STATS_DUPLICATE,		/* u64: from a second node with an id */
	NLB_HB_STATS_SEND_ERRORS,	/* u64: could not be sent */
	NLB_HB_STATS_PAD,
	__NLB_HB_STATS_MAX
};
#define NLB_HB_STATS_MAX (__NLB_HB_STATS_MAX - 1)

enum nlb_event {
	NLB_EVENT_UNSPEC,
	NLB_EVENT_PEER_UP,	/* a peer was heard for the first time, or again */
	NLB_EVENT_PEER_DOWN,	/* a peer missed its heartbeats, or left */
	NLB_EVENT_PEER_STATE,	/* a peer reports another state */
	NLB_EVENT_MAP,		/* the bucket map changed (NLB_A_MEMBER_MASK) */
	NLB_EVENT_CONVERGED,	/* every live peer reports the same members */
	NLB_EVENT_MISMATCH,	/* a peer's configuration differs */
	NLB_EVENT_DUPLICATE,	/* two nodes with one node id */
	NLB_EVENT_STATE,	/* this node's state changed (NLB_A_STATE) */
	__NLB_EVENT_MAX
};
#define NLB_EVENT_MAX (__NLB_EVENT_MAX - 1)

enum nlb_stats_attr {
	NLB_STATS_UNSPEC,
	NLB_STATS_ACCEPTED,	/* u64: packets to a VIP this node accepted */
	NLB_STATS_DROPPED,	/* u64: packets to a VIP owned by another node */
	NLB_STATS_PASSED,	/* u64: packets not for a VIP, left alone */
	NLB_STATS_MALFORMED,	/* u64: packets to a VIP too broken to key */
	NLB_STATS_FRAGMENTS,	/* u64: fragments keyed by source address */
	NLB_STATS_ICMP_ERRORS,	/* u64: ICMP errors keyed by their inner flow */
	NLB_STATS_ARP_REPLIES,	/* u64: VIP ARP answered with the cluster MAC */
	NLB_STATS_ARP_MANGLED,	/* u64: other outgoing VIP ARP rewritten */
	NLB_STATS_PAD,
	NLB_STATS_FLOWS_CREATED,	/* u64: flows this node started holding */
	NLB_STATS_FLOWS_EXPIRED,	/* u64: flows forgotten (idle, closed) */
	NLB_STATS_FLOWS_FULL,		/* u64: flows not held: table full */
	NLB_STATS_HELD_ACCEPTED,	/* u64: packets accepted as held flows in
					 * buckets another node owns
					 */
	NLB_STATS_HELD_DROPPED,		/* u64: unknown packets left to a peer
					 * that holds their bucket
					 */
	NLB_STATS_RESTARTED,		/* u64: held flows dropped for a new SYN */
	NLB_STATS_DISABLED,		/* u64: packets dropped by a disabled rule */
	__NLB_STATS_MAX
};
#define NLB_STATS_MAX (__NLB_STATS_MAX - 1)

/*
 * What a cluster's memory goes to (NLB_A_MEMORY), in bytes as the
 * allocators hand them out (kmalloc size classes, vmalloc pages); each a
 * u64.  Not counted: the HMAC transform of the key, and the slab's own
 * overhead per flow object.
 */
enum nlb_mem_attr {
	NLB_MEM_UNSPEC,
	NLB_MEM_CLUSTER,	/* the cluster and its held-bucket bitmaps */
	NLB_MEM_PERCPU,		/* per-CPU counters, all possible CPUs */
	NLB_MEM_MAP,		/* the bucket map in use */
	NLB_MEM_RULES,		/* the port rules and their lookup table */
	NLB_MEM_FLOW_COUNTERS,	/* held counts per rule class and bucket,
				 * started counts per bucket
				 */
	NLB_MEM_FLOWS,		/* held flows: their objects */
	NLB_MEM_FLOW_TABLE,	/* held flows: the hash table's buckets */
	NLB_MEM_FLOW_OBJECT,	/* bytes of one held flow's object */
	NLB_MEM_PAD,
	__NLB_MEM_MAX
};
#define NLB_MEM_MAX (__NLB_MEM_MAX - 1)

enum nlb_flow_attr {
	NLB_FLOW_UNSPEC,
	NLB_FLOW_PROTO,		/* u8: IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	NLB_FLOW_SADDR,		/* be32 */
	NLB_FLOW_DADDR,		/* be32 */
	NLB_FLOW_SPORT,		/* be16 */
	NLB_FLOW_DPORT,		/* be16 */
	/* results */
	NLB_FLOW_HASH,		/* u32 */
	NLB_FLOW_BUCKET,	/* u32 */
	NLB_FLOW_OWNER,		/* u8: owning node id, 0 if none */
	NLB_FLOW_ACCEPT,	/* u8: 1 if this node would accept */
	NLB_FLOW_IS_VIP,	/* u8: 1 if the destination is a VIP */
	NLB_FLOW_STATE,		/* u8, enum nlb_flow_state: held here if not 0 */
	NLB_FLOW_AGE,		/* u32 ms since its last packet */
	NLB_FLOW_HELD_BY_PEER,	/* u8: 1 if a live peer holds the bucket */
	__NLB_FLOW_MAX
};
#define NLB_FLOW_MAX (__NLB_FLOW_MAX - 1)

#endif /* _UAPI_LINUX_NLB_H */
