/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlb: internal interfaces of the kernel shell around kmod/core.
 *
 * Object lifetimes and locking:
 *  - struct nlb_net is per network namespace (pernet_operations).  Its list
 *    of clusters is changed under RTNL and read under RCU (proc, ARP hook).
 *  - struct nlb_cluster is created and destroyed under RTNL.  Everything in
 *    it but the map is fixed at creation.  It holds a reference on its
 *    device and is freed after an RCU grace period, so the ingress and ARP
 *    hooks can use it from within their RCU read-side sections.
 *  - struct nlb_map is immutable once published; a change builds a new map
 *    and swaps it with rcu_replace_pointer() under RTNL.
 */
#ifndef _NLB_H
#define _NLB_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/u64_stats_sync.h>
#include <linux/nlb.h>

#include "core/nlb_core.h"

#define NLB_VERSION_STR "0.1.0"

struct nlb_net {
	struct net *net;
	struct list_head clusters;	/* RTNL writers, RCU readers */
	unsigned int nclusters;		/* RTNL */
	u32 generation;			/* RTNL, bumped at every list change */
	struct proc_dir_entry *proc_dir;
	struct nf_hook_ops arp_ops;	/* registered while nclusters > 0 */
};

/* Per-CPU packet counters; the order follows enum nlb_stats_attr. */
enum nlb_counter {
	NLB_CNT_ACCEPTED,
	NLB_CNT_DROPPED,
	NLB_CNT_PASSED,
	NLB_CNT_MALFORMED,
	NLB_CNT_FRAGMENTS,
	NLB_CNT_ICMP_ERRORS,
	NLB_CNT_ARP_REPLIES,
	NLB_CNT_ARP_MANGLED,
	NLB_CNT_MAX
};

struct nlb_pcpu_stats {
	struct u64_stats_sync syncp;
	u64_stats_t cnt[NLB_CNT_MAX];
};

struct nlb_map {
	struct rcu_head rcu;
	u32 buckets;
	u32 generation;
	u32 owned;			/* buckets owned by this node */
	unsigned int nmembers;
	struct nlb_member members[NLB_MAX_NODES];	/* sorted by id */
	u32 member_buckets[NLB_MAX_NODES];		/* same order */
	u8 owner[];			/* [buckets]: node id */
};

struct nlb_cluster {
	struct list_head list;		/* in nlb_net.clusters */
	struct rcu_head rcu;
	struct nlb_net *nn;
	struct net_device *dev;
	netdevice_tracker dev_tracker;

	u8 mode;			/* enum nlb_mode */
	u8 node_id;
	u8 nvips;
	bool seed_derived;
	u8 mac[ETH_ALEN];		/* cluster MAC */
	__be32 igmp_group;		/* igmp mode only */
	__be32 vips[NLB_MAX_VIPS];
	u8 seed[NLB_SEED_LEN];
	struct nlb_key key;

	struct nlb_map __rcu *map;
	struct nlb_pcpu_stats __percpu *stats;
	struct nf_hook_ops ingress_ops;
};

struct nlb_cluster_params {
	struct net_device *dev;
	u8 mode;
	u8 node_id;
	u8 nvips;
	bool have_seed;
	u32 buckets;
	__be32 vips[NLB_MAX_VIPS];
	u8 seed[NLB_SEED_LEN];
};

extern unsigned int nlb_default_buckets;

/* main.c */
struct nlb_net *nlb_net(const struct net *net);

/* cluster.c */
struct nlb_cluster *nlb_cluster_find(struct nlb_net *nn,
				     const struct net_device *dev);
struct nlb_cluster *nlb_cluster_find_vip(struct nlb_net *nn, __be32 addr);
int nlb_cluster_create(struct nlb_net *nn,
		       const struct nlb_cluster_params *p,
		       struct netlink_ext_ack *extack);
void nlb_cluster_destroy(struct nlb_cluster *cl);
void nlb_cluster_destroy_all(struct nlb_net *nn);
int nlb_cluster_set_members(struct nlb_cluster *cl,
			    const struct nlb_member *members,
			    unsigned int n, struct netlink_ext_ack *extack);
void nlb_cluster_announce(struct nlb_cluster *cl);
bool nlb_cluster_is_vip(const struct nlb_cluster *cl, __be32 addr);
u8 nlb_cluster_state(const struct nlb_map *map, u8 node_id);
int nlb_netdev_notifier_init(void);
void nlb_netdev_notifier_exit(void);

/* filter.c */
int nlb_filter_register(struct nlb_cluster *cl);
void nlb_filter_unregister(struct nlb_cluster *cl);
u8 nlb_filter_owner(const struct nlb_cluster *cl, const struct nlb_map *map,
		    const struct nlb_flow *flow, u32 *hash, u32 *bucket);

/* arp.c */
int nlb_arp_hook_get(struct nlb_net *nn);
void nlb_arp_hook_put(struct nlb_net *nn);

/* Counting from the packet path (softirq, or BH otherwise disabled). */
static inline void nlb_count(struct nlb_cluster *cl, enum nlb_counter c)
{
	struct nlb_pcpu_stats *s = this_cpu_ptr(cl->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[c]);
	u64_stats_update_end(&s->syncp);
}

/* Counting from any context. */
static inline void nlb_count_any(struct nlb_cluster *cl, enum nlb_counter c)
{
	local_bh_disable();
	nlb_count(cl, c);
	local_bh_enable();
}

void nlb_stats_read(const struct nlb_cluster *cl, u64 out[NLB_CNT_MAX]);

/* netlink.c */
int nlb_genl_init(void);
void nlb_genl_exit(void);

/* proc.c */
int nlb_proc_init_net(struct nlb_net *nn);
void nlb_proc_exit_net(struct nlb_net *nn);

extern const char *const nlb_mode_names[];
extern const char *const nlb_counter_names[];

#endif /* _NLB_H */
