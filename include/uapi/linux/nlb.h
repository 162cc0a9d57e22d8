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
#define NLB_DEFAULT_WEIGHT	1

enum nlb_cmd {
	NLB_CMD_UNSPEC,
	NLB_CMD_VERSION,
	NLB_CMD_CLUSTER_GET,
	NLB_CMD_CLUSTER_NEW,
	NLB_CMD_CLUSTER_DEL,
	NLB_CMD_MEMBER_SET,
	NLB_CMD_QUERY,
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

enum nlb_state {
	NLB_STATE_ACTIVE,	/* a member: owns its share of the buckets */
	NLB_STATE_STOPPED,	/* not in the member set: accepts nothing */
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
	__NLB_STATS_MAX
};
#define NLB_STATS_MAX (__NLB_STATS_MAX - 1)

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
	__NLB_FLOW_MAX
};
#define NLB_FLOW_MAX (__NLB_FLOW_MAX - 1)

#endif /* _UAPI_LINUX_NLB_H */
