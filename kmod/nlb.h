/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlb: internal interfaces of the kernel shell around kmod/core.
 *
 * Object lifetimes and locking:
 *  - struct nlb_net is per network namespace (pernet_operations).  Its list
 *    of clusters is changed under RTNL and read under RCU (proc, ARP hook).
 *  - struct nlb_cluster is created and destroyed under RTNL.  Its identity
 *    (device, VIPs, mode, node id, buckets, seed) is fixed at creation.  It
 *    holds references on its devices and is freed after an RCU grace
 *    period, so the ingress, ARP and heartbeat handlers can use it from
 *    within their RCU read-side sections.
 *  - cl->lock (a mutex) serialises membership: the map, the member view,
 *    this node's state.  Config changes take RTNL and then cl->lock; the
 *    membership work takes cl->lock only, so RTNL holders may wait for it.
 *  - cl->peers_lock (a BH spinlock) guards the peer table, written by the
 *    heartbeat receive path and read by the membership work.
 *  - struct nlb_map is immutable once published, but for its 'holding'
 *    and 'unconfirmed' flags (WRITE_ONCE under cl->lock): a change builds
 *    a new map and swaps it with rcu_replace_pointer() under cl->lock.
 */
#ifndef _NLB_H
#define _NLB_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/slab.h>
#include <linux/u64_stats_sync.h>
#include <linux/nlb.h>

#include "core/nlb_core.h"
#include "core/nlb_rules.h"

struct crypto_shash;

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
	NLB_CNT_FLOWS_CREATED,
	NLB_CNT_FLOWS_EXPIRED,
	NLB_CNT_FLOWS_FULL,
	NLB_CNT_HELD_ACCEPTED,
	NLB_CNT_HELD_DROPPED,
	NLB_CNT_RESTARTED,
	NLB_CNT_DISABLED,
	NLB_CNT_PKT_MAX,
	/* Heartbeats; the order follows enum nlb_hb_stats_attr. */
	NLB_CNT_HB_SENT = NLB_CNT_PKT_MAX,
	NLB_CNT_HB_RECEIVED,
	NLB_CNT_HB_BAD_MAC,
	NLB_CNT_HB_REPLAYED,
	NLB_CNT_HB_MISMATCHED,
	NLB_CNT_HB_MALFORMED,
	NLB_CNT_HB_BAD_VERSION,
	NLB_CNT_HB_UNKNOWN_CLUSTER,
	NLB_CNT_HB_DUPLICATE,
	NLB_CNT_HB_SEND_ERRORS,
	NLB_CNT_MAX
};

struct nlb_pcpu_stats {
	struct u64_stats_sync syncp;
	u64_stats_t cnt[NLB_CNT_MAX];
};

/*
 * A map has one owner array per way of sharing the buckets, all over the
 * same member set: three base arrays, then one per port rule whose
 * members' own settings (struct nlb_rule_node) give it another sharing
 * than a base array's (rules that share alike share an array).  A flow's
 * slot is array * buckets + bucket.
 */
enum nlb_map_kind {
	NLB_MAP_LOAD,		/* by the members' load weights */
	NLB_MAP_EQUAL,		/* every member the same share */
	NLB_MAP_DEFAULT,	/* every bucket to the default host */
	NLB_MAP_BASE
};

#define NLB_MAP_MAX_ARRAYS	(NLB_MAP_BASE + NLB_MAX_RULES)

/*
 * Held flows are counted per (class, bucket): class 0 for the flows no
 * rule covers, and each rule has a class of its own, which it keeps for
 * as long as it exists, whatever other rules come and go or its settings
 * move it to another array.  A count slot is class << 16 | bucket.
 */
#define NLB_FLOW_CLASSES	(1 + NLB_MAX_RULES)
#define NLB_CSLOT(cls, b)	((u32)(cls) << 16 | (b))
#define NLB_CSLOT_CLASS(s)	((s) >> 16)
#define NLB_CSLOT_BUCKET(s)	((s) & 0xffff)

struct nlb_map {
	struct rcu_head rcu;
	u32 buckets;
	u32 generation;
	u32 gained;			/* slots held back while converging */
	u8 default_host;		/* best host priority, 0 = none */
	bool holding;			/* gained buckets not accepted yet */
	bool unconfirmed;		/* ... nor known to be free of held
					 * flows (no agreement yet)
					 */
	unsigned int nmembers;
	u64 mask;			/* bit (id - 1) per member */
	u64 view;			/* nlb_view_digest_rules() */
	struct nlb_member members[NLB_MAX_NODES];	/* sorted by id */
	u32 member_buckets[NLB_MAX_NODES];		/* same order, load map */
	u32 narrays;			/* owner arrays */
	u64 rules_digest;		/* the rule set rule_array is for */
	unsigned int nrules;
	u8 rule_array[NLB_MAX_RULES];	/* each rule's array */
	u32 array_owned[NLB_MAP_MAX_ARRAYS];	/* buckets this node owns */
	unsigned long *hold;		/* [slots] bits: gained slots */
	size_t bytes;			/* allocated, for NLB_A_MEMORY */
	u8 owner[];			/* [slots]: node id, then hold */
};

static inline u32 nlb_map_slots(const struct nlb_map *map)
{
	return map->narrays * map->buckets;
}

/* Does this node accept new flows of slot @s under @map (RCU)? */
static inline bool nlb_map_accepts(const struct nlb_map *map, u32 s, u8 self)
{
	return map->owner[s] == self &&
	       !(READ_ONCE(map->holding) && test_bit(s, map->hold));
}

/*
 * The port rules of a cluster, immutable once published (cl->rules, RCU):
 * the rules in lookup order, their compiled table, and their counters.
 * A change builds a new set; the counters of the rules it keeps carry on.
 */
enum nlb_rule_counter {
	NLB_RULE_CNT_ACCEPTED,
	NLB_RULE_CNT_DROPPED,
	NLB_RULE_CNT_MAX
};

struct nlb_rule_pcpu {
	struct u64_stats_sync syncp;
	u64_stats_t cnt[NLB_MAX_RULES][NLB_RULE_CNT_MAX];
};

struct nlb_rules {
	struct rcu_head rcu;
	u64 digest;			/* nlb_rules_digest() */
	unsigned int n;
	bool custom;			/* a node setting is not the default */
	struct nlb_rule rule[NLB_MAX_RULES];
	struct nlb_rule_node node[NLB_MAX_RULES];	/* this node's own */
	u8 cls[NLB_MAX_RULES];		/* held-flow class, 1..64 */
	u64 base[NLB_MAX_RULES][NLB_RULE_CNT_MAX];	/* from earlier sets */
	struct nlb_rule_pcpu __percpu *stats;
	size_t bytes;			/* allocated, for NLB_A_MEMORY */
	struct nlb_rule_table *table;	/* compiled, after this struct */
};

/* How the filter treats a flow (nlb_filter_classify()). */
struct nlb_flow_class {
	int rule;			/* index in the rule set, -1: none */
	bool disabled;			/* a disabled rule: drop */
	u32 hash;
	u32 bucket;			/* hash bucket */
	u32 slot;			/* array * buckets + bucket */
	u32 cslot;			/* NLB_CSLOT(class, bucket) */
	u8 owner;			/* owner of the slot, 0: none */
};

/*
 * The array of rule @i of @rules in @map: the map's own if it was built
 * for this rule set, else the base array of the rule's kind (a map is
 * rebuilt right after its rules change).
 */
static inline u32 nlb_map_rule_array(const struct nlb_map *map,
				     const struct nlb_rules *rules,
				     unsigned int i)
{
	const struct nlb_rule *r = &rules->rule[i];

	if (map->rules_digest == rules->digest && i < map->nrules)
		return map->rule_array[i];
	if (r->mode != NLB_RULE_MULTIPLE)
		return NLB_MAP_DEFAULT;
	return r->equal ? NLB_MAP_EQUAL : NLB_MAP_LOAD;
}

enum nlb_path {
	NLB_PATH_HB,		/* the heartbeat device */
	NLB_PATH_CLUSTER,	/* the cluster device (backup path) */
	NLB_PATH_MAX
};

/* What this node knows of a peer, from its heartbeats (cl->peers_lock). */
struct nlb_peer {
	u64 nonce;
	u64 counter[NLB_PATH_MAX];	/* last accepted, per sending path */
	u64 birth;
	u64 digest;
	u64 members;
	u64 view;			/* if has_view: its map's view digest */
	u64 cpath;
	unsigned long last_rx[NLB_PATH_MAX];	/* jiffies; valid if heard */
	unsigned long dup_seen;		/* jiffies: another node, same id */
	bool heard[NLB_PATH_MAX];
	bool known;
	bool left;			/* sent LEAVE since last heartbeat */
	bool held_any;			/* cl->peer_held[id - 1] not empty */
	bool has_view;			/* its last heartbeat had a VIEW TLV */
	bool dup;			/* dup_seen is valid */
	u8 state;
	u8 flags;
	u16 weight;
	u8 priority;			/* its host priority (1..64) */
	u8 nrules;			/* its rule settings in cl->peer_rules */
	u8 mac[ETH_ALEN];
};

/* A held flow (flows.c): 56 bytes on 64-bit. */
struct nlb_conn_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 pad[3];
};

struct nlb_conn {
	struct rhash_head node;
	struct nlb_conn_key key;
	u32 cslot;			/* NLB_CSLOT(class, bucket) */
	u32 state;			/* enum nlb_conn_state, cmpxchg */
	unsigned long seen;		/* jiffies of the last packet */
	struct rcu_head rcu;
};

struct nlb_flows {
	struct rhashtable ht;
	atomic_t count;
	atomic_t states[NLB_CONN_MAX + 1];
	/*
	 * Held flows per class and bucket: [buckets] each, allocated (under
	 * RTNL) before rules of the class are published, freed with the
	 * cluster.
	 */
	atomic_t *class_count[NLB_FLOW_CLASSES];
	atomic_long_t *started;		/* [buckets] flows accepted as new */
	u32 max;			/* READ_ONCE */
	u32 tcp_timeout;		/* s, READ_ONCE */
	u32 close_timeout;		/* s, READ_ONCE */
	u32 udp_timeout;		/* s, READ_ONCE */
	bool ready;
	struct delayed_work gc;
};

/* The members' own settings for the port rules, for nlb_map_create(). */
struct nlb_member_rules {
	const struct nlb_rule_node *rp[NLB_MAX_NODES];	/* of m[i], or NULL */
	struct nlb_rule_node node[NLB_MAX_NODES][NLB_MAX_RULES];	/* by id */
};

/* The TLVs of one heartbeat: VIEW, RULES and one HELD window. */
#define NLB_HB_TX_TLV_LEN	(NLB_HB_TLV_HDR_LEN + NLB_HB_VIEW_LEN + \
				 NLB_HB_TLV_HDR_LEN + \
				 NLB_HB_RULE_NODE_LEN * NLB_MAX_RULES + \
				 NLB_HB_TLV_HDR_LEN + 2 + NLB_HB_HELD_WINDOW)

/* Buckets held by live peers: bit b % 8 of bits[b / 8]. */
struct nlb_held {
	struct rcu_head rcu;
	u8 bits[];
};

/* The HMAC-SHA256 transform keyed with the cluster's key. */
struct nlb_auth {
	struct crypto_shash *tfm;
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
	struct nlb_rules __rcu *rules;		/* RTNL writers */
	struct nlb_pcpu_stats __percpu *stats;
	struct nf_hook_ops ingress_ops;

	/* Heartbeats and membership (heartbeat.c, membership.c). */
	struct net_device __rcu *hb_dev;	/* RTNL writers */
	netdevice_tracker hb_dev_tracker;
	struct nlb_auth __rcu *auth;		/* RTNL writers */
	u8 hb_mac[ETH_ALEN];			/* heartbeat destination */
	__be32 cluster_id;			/* first VIP */
	u32 buckets;				/* of every map */
	u64 digest;				/* configuration digest */
	u64 nonce;				/* random, per cluster creation */
	u64 birth;				/* ns since the epoch */
	atomic64_t counter;			/* last heartbeat counter sent */
	u32 hb_interval;			/* ms; READ_ONCE */
	u32 hb_tolerance;			/* READ_ONCE */
	u16 weight;				/* READ_ONCE */
	u8 priority;				/* host priority, READ_ONCE */
	u8 admin;				/* enum nlb_admin, RTNL */
	bool dying;				/* set before teardown */

	struct mutex lock;	/* membership: see the top of this file */
	bool static_members;	/* cl->lock: map set by NLB_CMD_MEMBER_SET */
	bool converged;		/* cl->lock */
	u8 state;		/* cl->lock writes, enum nlb_state, READ_ONCE */
	u64 alive_mask;		/* cl->lock: peers alive at the last run */
	u64 mismatch_mask;	/* cl->lock: peers reported as mismatched */
	u64 cpath_mask;		/* cl->lock writes: peers heard on cl->dev */
	u8 peer_state[NLB_MAX_NODES];	/* cl->lock: as last reported */
	u64 dup_mask;		/* cl->lock: ids reported as duplicated */
	unsigned long changed;	/* cl->lock: jiffies of the last map change */
	unsigned long hold_until;	/* cl->lock: no gains alone before */

	spinlock_t peers_lock;
	unsigned long self_dup_seen;	/* peers_lock: our id, other node */
	bool self_dup;			/* peers_lock */
	struct nlb_peer peers[NLB_MAX_NODES];	/* peers_lock, [id - 1] */
	struct nlb_peer snap[NLB_MAX_NODES];	/* cl->lock: copy of peers */

	/* Held flows (flows.c) and the buckets peers hold. */
	struct nlb_flows flows;
	u32 drain_timeout;		/* s, 0: none; READ_ONCE */
	unsigned long drain_start;	/* jiffies; cl->lock */
	u8 *peer_held;			/* peers_lock: [64][buckets / 8] */
	struct nlb_rule_node *peer_rules;	/* peers_lock: [64][64] */
	struct nlb_member_rules *member_rules;	/* cl->lock */
	struct nlb_held __rcu *held;	/* cl->lock writes */
	spinlock_t tx_lock;		/* one heartbeat built at a time */
	u8 *tx_held;			/* tx_lock: [buckets / 8] */
	u8 *tx_tlv;			/* tx_lock: [NLB_HB_TX_TLV_LEN] */

	unsigned long next_send;	/* jiffies; timer only */
	struct timer_list hb_timer;
	struct work_struct work;
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
	struct net_device *hb_dev;	/* NULL: the cluster device */
	u32 hb_interval;
	u32 hb_tolerance;
	u32 weight;
	u8 priority;			/* 0: the node id */
	bool have_key;
	u8 key[NLB_KEY_LEN];
	u32 max_flows;
	u32 tcp_timeout;
	u32 close_timeout;
	u32 udp_timeout;
	u32 drain_timeout;
};

/* Settings NLB_CMD_CLUSTER_SET may change; a field is set if its flag is. */
struct nlb_cluster_settings {
	bool set_interval, set_tolerance, set_weight, set_key, clear_key;
	bool set_admin;
	bool set_max_flows, set_tcp_timeout, set_close_timeout;
	bool set_udp_timeout, set_drain_timeout, set_priority;
	u32 max_flows;
	u32 tcp_timeout;
	u32 close_timeout;
	u32 udp_timeout;
	u32 drain_timeout;
	u32 hb_interval;
	u32 hb_tolerance;
	u32 weight;
	u8 priority;
	u8 admin_op;			/* enum nlb_admin_op */
	u8 key[NLB_KEY_LEN];
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
int nlb_cluster_change(struct nlb_cluster *cl,
		       const struct nlb_cluster_settings *s,
		       struct netlink_ext_ack *extack);
void nlb_cluster_announce(struct nlb_cluster *cl);
bool nlb_cluster_is_vip(const struct nlb_cluster *cl, __be32 addr);
struct net_device *nlb_cluster_hb_dev(const struct nlb_cluster *cl);
int nlb_netdev_notifier_init(void);
void nlb_netdev_notifier_exit(void);

/* What a cluster's memory goes to, in bytes (NLB_A_MEMORY, NLB_MEM_*). */
struct nlb_mem {
	u64 cluster;
	u64 percpu;
	u64 map;
	u64 rules;
	u64 flow_counters;
	u64 flows;
	u64 flow_table;
	u64 flow_object;
};

/* Bytes kvmalloc(@size) took at @p: its kmalloc size class, or pages. */
static inline size_t nlb_kvbytes(const void *p, size_t size)
{
	if (!p)
		return 0;
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) :
				    kmalloc_size_roundup(size);
}

/* cluster.c */
void nlb_cluster_memory(struct nlb_cluster *cl, const struct nlb_map *map,
			const struct nlb_rules *rules, struct nlb_mem *m);

/* filter.c */
int nlb_filter_register(struct nlb_cluster *cl);
void nlb_filter_unregister(struct nlb_cluster *cl);
void nlb_filter_classify(const struct nlb_cluster *cl,
			 const struct nlb_map *map,
			 const struct nlb_rules *rules,
			 const struct nlb_flow *flow, struct nlb_flow_class *v);
bool nlb_filter_accepts(const struct nlb_cluster *cl,
			const struct nlb_map *map, const struct nlb_flow_class *v);

/* rules.c */

/* This node's settings for a rule in a request: each one if its flag is. */
struct nlb_rule_node_req {
	bool set_weight, set_priority, set_state;
	struct nlb_rule_node node;
};

/* Which rule a RULE_SET request means: vip and lo, hi and proto if set. */
struct nlb_rule_match {
	__be32 vip;
	u16 lo, hi;
	u8 proto;
	bool have_hi, have_proto;
};

struct nlb_rules *nlb_rules_create(const struct nlb_rule *r,
				   const struct nlb_rule_node *node,
				   unsigned int n, const struct nlb_rules *old);
void nlb_rules_free(struct nlb_rules *rules);
void nlb_rules_publish(struct nlb_cluster *cl, struct nlb_rules *rules);
void nlb_rules_read(const struct nlb_rules *rules, unsigned int i,
		    u64 out[NLB_RULE_CNT_MAX]);
int nlb_rules_change(struct nlb_cluster *cl, const struct nlb_rule *rule,
		     const struct nlb_rule_node_req *req, bool add,
		     bool replace, struct netlink_ext_ack *extack);
int nlb_rules_set_node(struct nlb_cluster *cl, const struct nlb_rule_match *m,
		       const struct nlb_rule_node_req *req,
		       struct netlink_ext_ack *extack);
u64 nlb_cluster_digest(const struct nlb_cluster *cl, u64 rules_digest);

/* Count @c for rule @i of @rules (packet path). */
static inline void nlb_rule_count(struct nlb_rules *rules, int i,
				  enum nlb_rule_counter c)
{
	struct nlb_rule_pcpu *s;

	if (i < 0)
		return;
	s = this_cpu_ptr(rules->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->cnt[i][c]);
	u64_stats_update_end(&s->syncp);
}

/* membership.c */
struct nlb_map *nlb_map_create(const struct nlb_cluster *cl, u32 buckets,
			       const struct nlb_member *members,
			       unsigned int n, u32 generation,
			       const struct nlb_rules *rules,
			       const struct nlb_rule_node *const *rp);
void nlb_map_publish(struct nlb_cluster *cl, struct nlb_map *map);
void nlb_map_free(struct nlb_map *map);
int nlb_membership_init(struct nlb_cluster *cl, u32 buckets);
void nlb_membership_start(struct nlb_cluster *cl);
void nlb_membership_stop(struct nlb_cluster *cl);
int nlb_membership_set_static(struct nlb_cluster *cl,
			      const struct nlb_member *members,
			      unsigned int n, struct netlink_ext_ack *extack);
void nlb_membership_set_dynamic(struct nlb_cluster *cl);
void nlb_membership_kick(struct nlb_cluster *cl);
void nlb_membership_update(struct nlb_cluster *cl);
unsigned long nlb_dead_jiffies(const struct nlb_cluster *cl);
bool nlb_peer_alive(const struct nlb_cluster *cl, const struct nlb_peer *p,
		    unsigned long now);
extern const char *const nlb_state_names[];

/* flows.c */
struct nlb_conn *nlb_flows_lookup(struct nlb_cluster *cl,
				  const struct nlb_flow *f, u32 cslot);
void nlb_flows_add(struct nlb_cluster *cl, const struct nlb_flow *f,
		   u32 cslot);
void nlb_flows_touch(struct nlb_cluster *cl, struct nlb_conn *c,
		     const struct nlb_flow *f);
void nlb_flows_forget(struct nlb_cluster *cl, struct nlb_conn *c);
void nlb_flows_flush(struct nlb_cluster *cl);
void nlb_flows_flush_rule(struct nlb_cluster *cl,
			  const struct nlb_rules *rules, int rule);
int nlb_flows_prepare(struct nlb_cluster *cl, const struct nlb_rules *rules);
void nlb_flows_class(const struct nlb_cluster *cl, const struct nlb_map *map,
		     const struct nlb_rules *rules, const struct nlb_conn *c,
		     struct nlb_flow_class *v);
u32 nlb_flows_held_scan(struct nlb_cluster *cl, const struct nlb_map *map,
			const struct nlb_rules *rules, bool active, u8 *bits);
unsigned long nlb_conn_timeout(const struct nlb_cluster *cl, u32 state);
bool nlb_flows_held_buckets(struct nlb_cluster *cl,
			    const struct nlb_map *map, u8 *bits);
void nlb_flows_memory(struct nlb_cluster *cl, struct nlb_mem *m);
int nlb_flows_init(struct nlb_cluster *cl, u32 buckets,
		   const struct nlb_cluster_params *p);
void nlb_flows_start(struct nlb_cluster *cl);
void nlb_flows_destroy(struct nlb_cluster *cl);
int nlb_flows_module_init(void);
void nlb_flows_module_exit(void);

/* Does a live peer hold flows in bucket @b?  RCU read side. */
static inline bool nlb_held_by_peer(const struct nlb_cluster *cl, u32 b)
{
	const struct nlb_held *h = rcu_dereference(cl->held);

	return h && (h->bits[b / 8] & (1 << (b % 8)));
}

/* heartbeat.c */
int nlb_hb_init(void);
void nlb_hb_exit(void);
void nlb_hb_send(struct nlb_cluster *cl, u8 type);
int nlb_auth_create(struct nlb_auth **out, const u8 key[NLB_KEY_LEN]);
void nlb_auth_free(struct nlb_auth *auth);

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
void nlb_nl_event(struct nlb_cluster *cl, u8 event, u8 peer, u8 state,
		  const struct nlb_map *map);

/* proc.c */
int nlb_proc_init_net(struct nlb_net *nn);
void nlb_proc_exit_net(struct nlb_net *nn);

extern const char *const nlb_mode_names[];
extern const char *const nlb_counter_names[];

#endif /* _NLB_H */
