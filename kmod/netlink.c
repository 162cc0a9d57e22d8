// SPDX-License-Identifier: GPL-2.0
/*
 * The "nlb" generic netlink family: configuration and state of the clusters
 * of the caller's network namespace.  See include/uapi/linux/nlb.h.
 *
 * Every request is strictly validated; an invalid one gets an extack message
 * and changes nothing.  Requests that change state need CAP_NET_ADMIN in the
 * namespace's user namespace and run under RTNL.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nlb.h"
#include "compat.h"

static const struct nla_policy nlb_member_policy[NLB_MEMBER_MAX + 1] = {
	[NLB_MEMBER_ID] = { .type = NLA_U8 },
	[NLB_MEMBER_WEIGHT] = { .type = NLA_U32 },
};

static const struct nla_policy nlb_flow_policy[NLB_FLOW_MAX + 1] = {
	[NLB_FLOW_PROTO] = { .type = NLA_U8 },
	[NLB_FLOW_SADDR] = { .type = NLA_BE32 },
	[NLB_FLOW_DADDR] = { .type = NLA_BE32 },
	[NLB_FLOW_SPORT] = { .type = NLA_BE16 },
	[NLB_FLOW_DPORT] = { .type = NLA_BE16 },
};

static const struct nla_policy nlb_rule_policy[NLB_RULE_MAX + 1] = {
	[NLB_RULE_VIP] = { .type = NLA_BE32 },
	[NLB_RULE_PORT_LO] = { .type = NLA_U16 },
	[NLB_RULE_PORT_HI] = { .type = NLA_U16 },
	[NLB_RULE_PROTO] = { .type = NLA_U8 },
	[NLB_RULE_MODE] = { .type = NLA_U8 },
	[NLB_RULE_AFFINITY] = { .type = NLA_U8 },
	[NLB_RULE_WEIGHT] = { .type = NLA_U8 },
	[NLB_RULE_NODE_WEIGHT] = { .type = NLA_U8 },
	[NLB_RULE_NODE_PRIORITY] = NLA_POLICY_MAX(NLA_U8, NLB_MAX_PRIORITY),
	[NLB_RULE_NODE_STATE] = NLA_POLICY_MAX(NLA_U8, NLB_RULE_NODE_DISABLED),
};

static struct netlink_range_validation nlb_range_flows = {
	.min = 1, .max = NLB_MAX_MAX_FLOWS,
};

static struct netlink_range_validation nlb_range_timeout = {
	.min = 1, .max = NLB_MAX_TIMEOUT,
};

static struct netlink_range_validation nlb_range_drain = {
	.min = 0, .max = NLB_MAX_TIMEOUT,
};

static const struct nla_policy nlb_policy[NLB_A_MAX + 1] = {
	[NLB_A_IFINDEX] = { .type = NLA_U32 },
	[NLB_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NLB_A_VIPS] = { .type = NLA_NESTED },
	[NLB_A_MODE] = { .type = NLA_U8 },
	[NLB_A_NODE_ID] = { .type = NLA_U8 },
	[NLB_A_BUCKETS] = { .type = NLA_U32 },
	[NLB_A_SEED] = NLA_POLICY_EXACT_LEN(NLB_SEED_LEN),
	[NLB_A_MEMBERS] = { .type = NLA_NESTED_ARRAY },
	[NLB_A_FLOW] = NLA_POLICY_NESTED(nlb_flow_policy),
	[NLB_A_HB_IFINDEX] = { .type = NLA_U32 },
	[NLB_A_HB_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NLB_A_HB_INTERVAL] = NLA_POLICY_RANGE(NLA_U32, NLB_HB_MIN_INTERVAL,
					       NLB_HB_MAX_INTERVAL),
	[NLB_A_HB_TOLERANCE] = NLA_POLICY_RANGE(NLA_U32, NLB_HB_MIN_TOLERANCE,
						NLB_HB_MAX_TOLERANCE),
	[NLB_A_KEY] = NLA_POLICY_EXACT_LEN(NLB_KEY_LEN),
	[NLB_A_KEY_CLEAR] = { .type = NLA_FLAG },
	[NLB_A_WEIGHT] = NLA_POLICY_RANGE(NLA_U32, 1, NLB_MAX_WEIGHT),
	[NLB_A_ADMIN_STATE] = NLA_POLICY_MAX(NLA_U8, NLB_ADMIN_OP_MAX),
	[NLB_A_MAX_FLOWS] = NLA_POLICY_FULL_RANGE(NLA_U32, &nlb_range_flows),
	[NLB_A_TCP_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &nlb_range_timeout),
	[NLB_A_TCP_CLOSE_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &nlb_range_timeout),
	[NLB_A_UDP_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						    &nlb_range_timeout),
	[NLB_A_DRAIN_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &nlb_range_drain),
	[NLB_A_PRIORITY] = NLA_POLICY_RANGE(NLA_U8, 1, NLB_MAX_PRIORITY),
	[NLB_A_RULE] = NLA_POLICY_NESTED(nlb_rule_policy),
	[NLB_A_REPLACE] = { .type = NLA_FLAG },
};

static const struct genl_multicast_group nlb_mcgrps[] = {
	{ .name = NLB_MCGRP_EVENTS },
};

static struct genl_family nlb_genl_family;

/* Resolve NLB_A_IFINDEX or NLB_A_IFNAME in the caller's namespace. */
static struct net_device *nlb_nl_dev(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct net_device *dev = NULL;

	if (info->attrs[NLB_A_IFINDEX]) {
		dev = __dev_get_by_index(net,
					 nla_get_u32(info->attrs[NLB_A_IFINDEX]));
	} else if (info->attrs[NLB_A_IFNAME]) {
		dev = __dev_get_by_name(net,
					nla_data(info->attrs[NLB_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(info->extack, "missing device (dev)");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

/* The cluster on the request's device, with RTNL held. */
static struct nlb_cluster *nlb_nl_cluster(struct genl_info *info)
{
	struct net_device *dev = nlb_nl_dev(info);
	struct nlb_cluster *cl;

	if (IS_ERR(dev))
		return ERR_CAST(dev);
	cl = nlb_cluster_find(nlb_net(dev_net(dev)), dev);
	if (!cl) {
		NL_SET_ERR_MSG(info->extack, "no cluster on this device");
		return ERR_PTR(-ENOENT);
	}
	return cl;
}

static int nlb_nl_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nlb_genl_family, 0,
				NLB_CMD_VERSION);
	if (!hdr || nla_put_string(msg, NLB_A_VERSION, NLB_VERSION_STR)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* enum nlb_counter -> enum nlb_stats_attr, for the packet counters. */
static const u16 nlb_stats_attr[NLB_CNT_PKT_MAX] = {
	[NLB_CNT_ACCEPTED] = NLB_STATS_ACCEPTED,
	[NLB_CNT_DROPPED] = NLB_STATS_DROPPED,
	[NLB_CNT_PASSED] = NLB_STATS_PASSED,
	[NLB_CNT_MALFORMED] = NLB_STATS_MALFORMED,
	[NLB_CNT_FRAGMENTS] = NLB_STATS_FRAGMENTS,
	[NLB_CNT_ICMP_ERRORS] = NLB_STATS_ICMP_ERRORS,
	[NLB_CNT_ARP_REPLIES] = NLB_STATS_ARP_REPLIES,
	[NLB_CNT_ARP_MANGLED] = NLB_STATS_ARP_MANGLED,
	[NLB_CNT_FLOWS_CREATED] = NLB_STATS_FLOWS_CREATED,
	[NLB_CNT_FLOWS_EXPIRED] = NLB_STATS_FLOWS_EXPIRED,
	[NLB_CNT_FLOWS_FULL] = NLB_STATS_FLOWS_FULL,
	[NLB_CNT_HELD_ACCEPTED] = NLB_STATS_HELD_ACCEPTED,
	[NLB_CNT_HELD_DROPPED] = NLB_STATS_HELD_DROPPED,
	[NLB_CNT_RESTARTED] = NLB_STATS_RESTARTED,
	[NLB_CNT_DISABLED] = NLB_STATS_DISABLED,
};

static int nlb_nl_put_stats(struct sk_buff *msg, struct nlb_cluster *cl)
{
	u64 v[NLB_CNT_MAX];
	struct nlattr *nest;
	unsigned int i;

	nlb_stats_read(cl, v);
	nest = nla_nest_start(msg, NLB_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < NLB_CNT_PKT_MAX; i++)
		if (nla_put_u64_64bit(msg, nlb_stats_attr[i], v[i],
				      NLB_STATS_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, NLB_A_HB_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = NLB_CNT_PKT_MAX; i < NLB_CNT_MAX; i++)
		if (nla_put_u64_64bit(msg,
				      NLB_HB_STATS_SENT + i - NLB_CNT_PKT_MAX,
				      v[i], NLB_HB_STATS_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int nlb_nl_put_members(struct sk_buff *msg,
			      struct nlb_cluster *cl,
			      const struct nlb_map *map)
{
	struct nlattr *members, *m;
	unsigned int i;

	members = nla_nest_start(msg, NLB_A_MEMBERS);
	if (!members)
		return -EMSGSIZE;
	for (i = 0; i < map->nmembers; i++) {
		m = nla_nest_start(msg, NLB_A_MEMBER);
		if (!m ||
		    nla_put_u8(msg, NLB_MEMBER_ID, map->members[i].id) ||
		    nla_put_u32(msg, NLB_MEMBER_WEIGHT,
				map->members[i].weight) ||
		    nla_put_u32(msg, NLB_MEMBER_BUCKETS,
				map->member_buckets[i]) ||
		    (map->members[i].id == cl->node_id &&
		     nla_put_flag(msg, NLB_MEMBER_SELF)))
			return -EMSGSIZE;
		nla_nest_end(msg, m);
	}
	nla_nest_end(msg, members);
	return 0;
}

/* Buckets peer @i reports holding flows in; cl->lock held. */
static u32 nlb_peer_held_count(struct nlb_cluster *cl, unsigned int i)
{
	u32 len = cl->buckets / 8, n = 0, j;
	const u8 *bits = cl->peer_held + i * len;

	if (!cl->snap[i].held_any)
		return 0;
	spin_lock_bh(&cl->peers_lock);
	for (j = 0; j < len; j++)
		n += hweight8(bits[j]);
	spin_unlock_bh(&cl->peers_lock);
	return n;
}

static u32 nlb_age_ms(unsigned long then, unsigned long now)
{
	return jiffies_to_msecs(now - then);
}

/* The peer table; cl->lock held (cl->snap is ours to use). */
static int nlb_nl_put_peers(struct sk_buff *msg, struct nlb_cluster *cl,
			    const struct nlb_map *map)
{
	unsigned long now = jiffies;
	struct nlattr *peers, *pn;
	unsigned int i;

	spin_lock_bh(&cl->peers_lock);
	memcpy(cl->snap, cl->peers, sizeof(cl->snap));
	spin_unlock_bh(&cl->peers_lock);

	peers = nla_nest_start(msg, NLB_A_PEERS);
	if (!peers)
		return -EMSGSIZE;
	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *p = &cl->snap[i];
		bool alive = nlb_peer_alive(cl, p, now);

		if (!p->known)
			continue;
		pn = nla_nest_start(msg, NLB_A_PEER);
		if (!pn ||
		    nla_put_u8(msg, NLB_PEER_ID, i + 1) ||
		    nla_put_u8(msg, NLB_PEER_STATE, p->state) ||
		    nla_put_u32(msg, NLB_PEER_WEIGHT, p->weight) ||
		    nla_put_u8(msg, NLB_PEER_PRIORITY, p->priority) ||
		    (p->heard[NLB_PATH_HB] &&
		     nla_put_u32(msg, NLB_PEER_AGE_HB,
				 nlb_age_ms(p->last_rx[NLB_PATH_HB], now))) ||
		    (p->heard[NLB_PATH_CLUSTER] &&
		     nla_put_u32(msg, NLB_PEER_AGE_CLUSTER,
				 nlb_age_ms(p->last_rx[NLB_PATH_CLUSTER],
					    now))) ||
		    nla_put_u8(msg, NLB_PEER_ALIVE, alive) ||
		    nla_put_u8(msg, NLB_PEER_IN_MAP,
			       !!(map->mask & BIT_ULL(i))) ||
		    nla_put_u8(msg, NLB_PEER_MISMATCH,
			       p->digest != READ_ONCE(cl->digest)) ||
		    nla_put_u8(msg, NLB_PEER_DUPLICATE,
			       !!(cl->dup_mask & BIT_ULL(i))) ||
		    nla_put_u64_64bit(msg, NLB_PEER_DIGEST, p->digest,
				      NLB_PEER_PAD) ||
		    nla_put_u64_64bit(msg, NLB_PEER_MEMBER_MASK, p->members,
				      NLB_PEER_PAD) ||
		    nla_put(msg, NLB_PEER_MAC, ETH_ALEN, p->mac) ||
		    nla_put_u32(msg, NLB_PEER_HELD_BUCKETS,
				nlb_peer_held_count(cl, i)))
			return -EMSGSIZE;
		nla_nest_end(msg, pn);
	}
	nla_nest_end(msg, peers);
	return 0;
}

/* Held flows: settings, counts by state, held buckets, drain. */
static int nlb_nl_put_flows(struct sk_buff *msg, struct nlb_cluster *cl,
			    const struct nlb_map *map)
{
	bool active = READ_ONCE(cl->state) == NLB_STATE_ACTIVE;
	const struct nlb_flows *fl = &cl->flows;
	unsigned long until;
	struct nlattr *nest;
	u32 held, i;

	/* Buckets, as peers learn them. */
	rcu_read_lock();
	held = nlb_flows_held_scan(cl, map, rcu_dereference(cl->rules), active,
				   NULL);
	rcu_read_unlock();
	if (nla_put_u32(msg, NLB_A_MAX_FLOWS, READ_ONCE(fl->max)) ||
	    nla_put_u32(msg, NLB_A_TCP_TIMEOUT, READ_ONCE(fl->tcp_timeout)) ||
	    nla_put_u32(msg, NLB_A_TCP_CLOSE_TIMEOUT,
			READ_ONCE(fl->close_timeout)) ||
	    nla_put_u32(msg, NLB_A_UDP_TIMEOUT, READ_ONCE(fl->udp_timeout)) ||
	    nla_put_u32(msg, NLB_A_DRAIN_TIMEOUT,
			READ_ONCE(cl->drain_timeout)) ||
	    nla_put_u32(msg, NLB_A_FLOWS, atomic_read(&fl->count)) ||
	    nla_put_u32(msg, NLB_A_HELD_BUCKETS, held))
		return -EMSGSIZE;
	until = cl->drain_start + (unsigned long)cl->drain_timeout * HZ;
	if (cl->admin == NLB_ADMIN_DRAINING && cl->drain_timeout &&
	    nla_put_u32(msg, NLB_A_DRAIN_LEFT, time_after(until, jiffies) ?
			jiffies_to_msecs(until - jiffies) : 0))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, NLB_A_FLOW_STATES);
	if (!nest)
		return -EMSGSIZE;
	for (i = NLB_CONN_SYN; i <= NLB_CONN_MAX; i++)
		if (nla_put_u32(msg, i, atomic_read(&fl->states[i])))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int nlb_nl_put_memory(struct sk_buff *msg, struct nlb_cluster *cl,
			     const struct nlb_map *map)
{
	struct nlattr *nest;
	struct nlb_mem m;

	nlb_cluster_memory(cl, map, rtnl_dereference(cl->rules), &m);
	nest = nla_nest_start(msg, NLB_A_MEMORY);
	if (!nest ||
	    nla_put_u64_64bit(msg, NLB_MEM_CLUSTER, m.cluster, NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_PERCPU, m.percpu, NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_MAP, m.map, NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_RULES, m.rules, NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_FLOW_COUNTERS, m.flow_counters,
			      NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_FLOWS, m.flows, NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_FLOW_TABLE, m.flow_table,
			      NLB_MEM_PAD) ||
	    nla_put_u64_64bit(msg, NLB_MEM_FLOW_OBJECT, m.flow_object,
			      NLB_MEM_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int nlb_nl_put_membership(struct sk_buff *msg, struct nlb_cluster *cl,
				 const struct nlb_map *map)
{
	struct net_device *hb_dev = nlb_cluster_hb_dev(cl);

	if (nla_put_u32(msg, NLB_A_HB_IFINDEX, hb_dev->ifindex) ||
	    nla_put_string(msg, NLB_A_HB_IFNAME, hb_dev->name) ||
	    nla_put_u32(msg, NLB_A_HB_INTERVAL, READ_ONCE(cl->hb_interval)) ||
	    nla_put_u32(msg, NLB_A_HB_TOLERANCE,
			READ_ONCE(cl->hb_tolerance)) ||
	    nla_put_u8(msg, NLB_A_AUTH, !!rtnl_dereference(cl->auth)) ||
	    nla_put_u32(msg, NLB_A_WEIGHT, READ_ONCE(cl->weight)) ||
	    nla_put_u8(msg, NLB_A_PRIORITY, READ_ONCE(cl->priority)) ||
	    nla_put_u8(msg, NLB_A_DEFAULT_HOST, map->default_host) ||
	    nla_put_u64_64bit(msg, NLB_A_RULES_DIGEST,
			      rtnl_dereference(cl->rules)->digest, NLB_A_PAD) ||
	    nla_put_u8(msg, NLB_A_ADMIN_STATE, cl->admin) ||
	    nla_put_u8(msg, NLB_A_MEMBERSHIP,
		       cl->static_members ? NLB_MEMBERSHIP_STATIC :
					    NLB_MEMBERSHIP_DYNAMIC) ||
	    nla_put_u64_64bit(msg, NLB_A_DIGEST, READ_ONCE(cl->digest),
			      NLB_A_PAD) ||
	    nla_put_u8(msg, NLB_A_CONVERGED, cl->converged) ||
	    nlb_nl_put_flows(msg, cl, map))
		return -EMSGSIZE;
	return nlb_nl_put_peers(msg, cl, map);
}

static int __nlb_nl_put_cluster(struct sk_buff *msg, struct nlb_cluster *cl,
				const struct nlb_map *map, u32 portid,
				u32 seq, int flags)
{
	struct nlattr *vips;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &nlb_genl_family, flags,
			  NLB_CMD_CLUSTER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, NLB_A_IFINDEX, cl->dev->ifindex) ||
	    nla_put_string(msg, NLB_A_IFNAME, cl->dev->name) ||
	    nla_put_u8(msg, NLB_A_MODE, cl->mode) ||
	    nla_put_u8(msg, NLB_A_NODE_ID, cl->node_id) ||
	    nla_put_u8(msg, NLB_A_STATE, READ_ONCE(cl->state)) ||
	    nla_put_u32(msg, NLB_A_BUCKETS, map->buckets) ||
	    nla_put(msg, NLB_A_SEED, NLB_SEED_LEN, cl->seed) ||
	    (cl->seed_derived && nla_put_flag(msg, NLB_A_SEED_DERIVED)) ||
	    nla_put(msg, NLB_A_CLUSTER_MAC, ETH_ALEN, cl->mac) ||
	    (cl->mode == NLB_MODE_IGMP &&
	     nla_put_in_addr(msg, NLB_A_IGMP_GROUP, cl->igmp_group)) ||
	    nla_put_u32(msg, NLB_A_OWNED_BUCKETS, map->array_owned[NLB_MAP_LOAD]) ||
	    nla_put_u32(msg, NLB_A_MAP_GENERATION, map->generation) ||
	    nla_put_u64_64bit(msg, NLB_A_MAP_VIEW, map->view, NLB_A_PAD))
		goto err_cancel;

	vips = nla_nest_start(msg, NLB_A_VIPS);
	if (!vips)
		goto err_cancel;
	for (i = 0; i < cl->nvips; i++)
		if (nla_put_in_addr(msg, NLB_VIP_ADDR, cl->vips[i]))
			goto err_cancel;
	nla_nest_end(msg, vips);

	if (nlb_nl_put_members(msg, cl, map) || nlb_nl_put_stats(msg, cl) ||
	    nlb_nl_put_memory(msg, cl, map) ||
	    nlb_nl_put_membership(msg, cl, map))
		goto err_cancel;
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* RTNL held: the cluster list and the devices do not change. */
static int nlb_nl_put_cluster(struct sk_buff *msg, struct nlb_cluster *cl,
			      u32 portid, u32 seq, int flags)
{
	const struct nlb_map *map;
	int err;

	mutex_lock(&cl->lock);
	map = rcu_dereference_protected(cl->map, lockdep_is_held(&cl->lock));
	err = __nlb_nl_put_cluster(msg, cl, map, portid, seq, flags);
	mutex_unlock(&cl->lock);
	return err;
}

/* Puts one cluster's answer (RTNL held). */
typedef int (*nlb_nl_put_t)(struct sk_buff *msg, struct nlb_cluster *cl,
			    u32 portid, u32 seq, int flags);

/* A doit answering for the cluster of the request's device. */
static int nlb_nl_get_one(struct genl_info *info, size_t size,
			  nlb_nl_put_t put)
{
	struct nlb_cluster *cl;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto err_unlock;
	}
	err = put(msg, cl, info->snd_portid, info->snd_seq, 0);
	if (err)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

/* A dump of every cluster, one message each; cb->args[0]: clusters sent. */
static int nlb_nl_dump_all(struct sk_buff *skb, struct netlink_callback *cb,
			   nlb_nl_put_t put)
{
	struct nlb_net *nn = nlb_net(sock_net(skb->sk));
	long idx = 0, start = cb->args[0];
	struct nlb_cluster *cl;
	int err = 0;

	rtnl_lock();
	/* Dumps interrupted by a change are flagged NLM_F_DUMP_INTR. */
	cb->seq = nn->generation;
	list_for_each_entry(cl, &nn->clusters, list) {
		if (idx++ < start)
			continue;
		err = put(skb, cl, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	}
	rtnl_unlock();
	cb->args[0] = idx;
	/* A full skb asks for another round; an empty one ends the dump. */
	return err && idx == start ? err : skb->len;
}

/*
 * A cluster's answer with 64 members and 63 peers (about 150 bytes each)
 * does not fit in NLMSG_GOODSIZE: size the doit's message, and the dump's
 * skbs, for the most.
 */
#define NLB_NL_CLUSTER_SIZE	(NLB_MAX_NODES * 192 + 4096)

static int nlb_nl_cluster_get(struct sk_buff *skb, struct genl_info *info)
{
	return nlb_nl_get_one(info, NLB_NL_CLUSTER_SIZE, nlb_nl_put_cluster);
}

static int nlb_nl_cluster_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = NLB_NL_CLUSTER_SIZE;
	return 0;
}

static int nlb_nl_cluster_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return nlb_nl_dump_all(skb, cb, nlb_nl_put_cluster);
}

/* NLB_A_VIPS: a nest of NLB_VIP_ADDR attributes, one per VIP. */
static int nlb_nl_parse_vips(struct nlb_cluster_params *p,
			     const struct nlattr *vips,
			     struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	unsigned int i;
	__be32 addr;
	int rem;

	nla_for_each_nested(nla, vips, rem) {
		if (nla_type(nla) != NLB_VIP_ADDR || nla_len(nla) != 4) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "malformed VIP attribute");
			return -EINVAL;
		}
		addr = nla_get_in_addr(nla);
		if (ipv4_is_zeronet(addr) || ipv4_is_loopback(addr) ||
		    ipv4_is_multicast(addr) || ipv4_is_lbcast(addr)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "VIP is not a unicast IPv4 address");
			return -EINVAL;
		}
		for (i = 0; i < p->nvips; i++) {
			if (p->vips[i] == addr) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "duplicate VIP");
				return -EINVAL;
			}
		}
		if (p->nvips == NLB_MAX_VIPS) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "too many VIPs (at most 16)");
			return -E2BIG;
		}
		p->vips[p->nvips++] = addr;
	}
	if (!p->nvips) {
		NL_SET_ERR_MSG(extack, "at least one VIP is needed");
		return -EINVAL;
	}
	return 0;
}

/* *v = the attribute's value if present; true if it was. */
static bool nlb_nl_get_u32(u32 *v, const struct nlattr *nla)
{
	if (!nla)
		return false;
	*v = nla_get_u32(nla);
	return true;
}

/* NLB_A_HB_IFINDEX or NLB_A_HB_IFNAME, in the caller's namespace; RTNL. */
static int nlb_nl_hb_dev(struct genl_info *info, struct net_device *dev,
			 struct net_device **hb_dev)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;

	*hb_dev = NULL;
	if (attrs[NLB_A_HB_IFINDEX])
		*hb_dev = __dev_get_by_index(net,
					     nla_get_u32(attrs[NLB_A_HB_IFINDEX]));
	else if (attrs[NLB_A_HB_IFNAME])
		*hb_dev = __dev_get_by_name(net,
					    nla_data(attrs[NLB_A_HB_IFNAME]));
	else
		return 0;
	if (!*hb_dev) {
		NL_SET_ERR_MSG(info->extack, "no such heartbeat device");
		return -ENODEV;
	}
	if ((*hb_dev)->type != ARPHRD_ETHER ||
	    (*hb_dev)->addr_len != ETH_ALEN ||
	    ((*hb_dev)->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG(info->extack,
			       "heartbeat device is not an Ethernet device");
		return -EOPNOTSUPP;
	}
	if (*hb_dev == dev)
		*hb_dev = NULL;
	return 0;
}

static int nlb_nl_cluster_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlb_cluster_params p = {
		.buckets = nlb_default_buckets,
		.hb_interval = NLB_HB_DEFAULT_INTERVAL,
		.hb_tolerance = NLB_HB_DEFAULT_TOLERANCE,
		.weight = NLB_DEFAULT_WEIGHT,
		.max_flows = NLB_DEFAULT_MAX_FLOWS,
		.tcp_timeout = NLB_DEFAULT_TCP_TIMEOUT,
		.close_timeout = NLB_DEFAULT_TCP_CLOSE_TIMEOUT,
		.udp_timeout = NLB_DEFAULT_UDP_TIMEOUT,
		.drain_timeout = NLB_DEFAULT_DRAIN_TIMEOUT,
	};
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct nlb_net *nn;
	unsigned int i;
	int err;

	if (!attrs[NLB_A_VIPS] || !attrs[NLB_A_MODE] ||
	    !attrs[NLB_A_NODE_ID]) {
		NL_SET_ERR_MSG(extack, "vip, mode and node-id are required");
		return -EINVAL;
	}
	err = nlb_nl_parse_vips(&p, attrs[NLB_A_VIPS], extack);
	if (err)
		return err;
	p.mode = nla_get_u8(attrs[NLB_A_MODE]);
	if (p.mode > NLB_MODE_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[NLB_A_MODE],
				    "unknown mode (unicast, multicast or igmp)");
		return -EINVAL;
	}
	p.node_id = nla_get_u8(attrs[NLB_A_NODE_ID]);
	if (p.node_id < 1 || p.node_id > NLB_MAX_NODES) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[NLB_A_NODE_ID],
				    "node id must be 1..64");
		return -EINVAL;
	}
	if (attrs[NLB_A_BUCKETS])
		p.buckets = nla_get_u32(attrs[NLB_A_BUCKETS]);
	if (p.buckets < NLB_MIN_BUCKETS || p.buckets > NLB_MAX_BUCKETS ||
	    !is_power_of_2(p.buckets)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[NLB_A_BUCKETS],
				    "buckets must be a power of two from 64 to 65536");
		return -EINVAL;
	}
	if (attrs[NLB_A_SEED]) {
		p.have_seed = true;
		nla_memcpy(p.seed, attrs[NLB_A_SEED], NLB_SEED_LEN);
	}
	if (attrs[NLB_A_HB_INTERVAL])
		p.hb_interval = nla_get_u32(attrs[NLB_A_HB_INTERVAL]);
	if (attrs[NLB_A_HB_TOLERANCE])
		p.hb_tolerance = nla_get_u32(attrs[NLB_A_HB_TOLERANCE]);
	if (attrs[NLB_A_WEIGHT])
		p.weight = nla_get_u32(attrs[NLB_A_WEIGHT]);
	if (attrs[NLB_A_PRIORITY])
		p.priority = nla_get_u8(attrs[NLB_A_PRIORITY]);
	if (attrs[NLB_A_KEY]) {
		p.have_key = true;
		nla_memcpy(p.key, attrs[NLB_A_KEY], NLB_KEY_LEN);
	}
	nlb_nl_get_u32(&p.max_flows, attrs[NLB_A_MAX_FLOWS]);
	nlb_nl_get_u32(&p.tcp_timeout, attrs[NLB_A_TCP_TIMEOUT]);
	nlb_nl_get_u32(&p.close_timeout, attrs[NLB_A_TCP_CLOSE_TIMEOUT]);
	nlb_nl_get_u32(&p.udp_timeout, attrs[NLB_A_UDP_TIMEOUT]);
	nlb_nl_get_u32(&p.drain_timeout, attrs[NLB_A_DRAIN_TIMEOUT]);
	if (attrs[NLB_A_KEY_CLEAR] || attrs[NLB_A_ADMIN_STATE]) {
		NL_SET_ERR_MSG(extack,
			       "key clearing and stop/start belong to cluster set");
		return -EINVAL;
	}

	rtnl_lock();
	p.dev = nlb_nl_dev(info);
	if (IS_ERR(p.dev)) {
		err = PTR_ERR(p.dev);
		goto out;
	}
	if (p.dev->type != ARPHRD_ETHER || p.dev->addr_len != ETH_ALEN ||
	    (p.dev->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG(extack, "device is not an Ethernet device");
		err = -EOPNOTSUPP;
		goto out;
	}
	err = nlb_nl_hb_dev(info, p.dev, &p.hb_dev);
	if (err)
		goto out;
	nn = nlb_net(dev_net(p.dev));
	if (nlb_cluster_find(nn, p.dev)) {
		NL_SET_ERR_MSG(extack, "a cluster already exists on this device");
		err = -EEXIST;
		goto out;
	}
	for (i = 0; i < p.nvips; i++) {
		if (nlb_cluster_find_vip(nn, p.vips[i])) {
			NL_SET_ERR_MSG(extack,
				       "VIP already used by another cluster in this namespace");
			err = -EADDRINUSE;
			goto out;
		}
	}
	err = nlb_cluster_create(nn, &p, extack);
out:
	rtnl_unlock();
	memzero_explicit(p.key, sizeof(p.key));
	return err;
}

static int nlb_nl_cluster_set(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlb_cluster_settings s = {};
	struct nlattr **attrs = info->attrs;
	struct nlb_cluster *cl;
	int err;

	if (attrs[NLB_A_HB_INTERVAL]) {
		s.set_interval = true;
		s.hb_interval = nla_get_u32(attrs[NLB_A_HB_INTERVAL]);
	}
	if (attrs[NLB_A_HB_TOLERANCE]) {
		s.set_tolerance = true;
		s.hb_tolerance = nla_get_u32(attrs[NLB_A_HB_TOLERANCE]);
	}
	if (attrs[NLB_A_WEIGHT]) {
		s.set_weight = true;
		s.weight = nla_get_u32(attrs[NLB_A_WEIGHT]);
	}
	if (attrs[NLB_A_PRIORITY]) {
		s.set_priority = true;
		s.priority = nla_get_u8(attrs[NLB_A_PRIORITY]);
	}
	if (attrs[NLB_A_ADMIN_STATE]) {
		s.set_admin = true;
		s.admin_op = nla_get_u8(attrs[NLB_A_ADMIN_STATE]);
	}
	if (attrs[NLB_A_KEY] && attrs[NLB_A_KEY_CLEAR]) {
		NL_SET_ERR_MSG(extack, "a key and no key at once");
		return -EINVAL;
	}
	if (attrs[NLB_A_KEY]) {
		s.set_key = true;
		nla_memcpy(s.key, attrs[NLB_A_KEY], NLB_KEY_LEN);
	}
	s.clear_key = attrs[NLB_A_KEY_CLEAR];
	s.set_max_flows = nlb_nl_get_u32(&s.max_flows, attrs[NLB_A_MAX_FLOWS]);
	s.set_tcp_timeout = nlb_nl_get_u32(&s.tcp_timeout,
					   attrs[NLB_A_TCP_TIMEOUT]);
	s.set_close_timeout = nlb_nl_get_u32(&s.close_timeout,
					     attrs[NLB_A_TCP_CLOSE_TIMEOUT]);
	s.set_udp_timeout = nlb_nl_get_u32(&s.udp_timeout,
					   attrs[NLB_A_UDP_TIMEOUT]);
	s.set_drain_timeout = nlb_nl_get_u32(&s.drain_timeout,
					     attrs[NLB_A_DRAIN_TIMEOUT]);
	if (!s.set_interval && !s.set_tolerance && !s.set_weight &&
	    !s.set_priority && !s.set_admin && !s.set_key && !s.clear_key && !s.set_max_flows &&
	    !s.set_tcp_timeout && !s.set_close_timeout &&
	    !s.set_udp_timeout && !s.set_drain_timeout) {
		NL_SET_ERR_MSG(extack, "nothing to change");
		return -EINVAL;
	}
	if (attrs[NLB_A_VIPS] || attrs[NLB_A_MODE] || attrs[NLB_A_NODE_ID] ||
	    attrs[NLB_A_BUCKETS] || attrs[NLB_A_SEED] ||
	    attrs[NLB_A_HB_IFINDEX] || attrs[NLB_A_HB_IFNAME]) {
		NL_SET_ERR_MSG(extack,
			       "vip, mode, node-id, buckets, seed and hb-dev are fixed: delete and add the cluster");
		return -EOPNOTSUPP;
	}

	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl))
		err = PTR_ERR(cl);
	else
		err = nlb_cluster_change(cl, &s, extack);
	rtnl_unlock();
	memzero_explicit(s.key, sizeof(s.key));
	return err;
}

static int nlb_nl_cluster_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlb_cluster *cl;
	int err = 0;

	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl))
		err = PTR_ERR(cl);
	else
		nlb_cluster_destroy(cl);
	rtnl_unlock();
	return err;
}

static int nlb_nl_parse_members(struct nlb_member *members, unsigned int *n,
				const struct nlattr *list,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NLB_MEMBER_MAX + 1];
	const struct nlattr *nla;
	int rem, err;

	*n = 0;
	nla_for_each_nested(nla, list, rem) {
		err = nla_parse_nested(tb, NLB_MEMBER_MAX, nla,
				       nlb_member_policy, extack);
		if (err)
			return err;
		if (!tb[NLB_MEMBER_ID]) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "member without node id");
			return -EINVAL;
		}
		if (*n == NLB_MAX_NODES) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "too many members (at most 64)");
			return -E2BIG;
		}
		members[*n].id = nla_get_u8(tb[NLB_MEMBER_ID]);
		members[*n].weight = tb[NLB_MEMBER_WEIGHT] ?
			nla_get_u32(tb[NLB_MEMBER_WEIGHT]) : NLB_DEFAULT_WEIGHT;
		(*n)++;
	}
	return 0;
}

static int nlb_nl_member_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlb_member members[NLB_MAX_NODES];
	struct nlb_cluster *cl;
	unsigned int n = 0;
	int err;

	/* No list, or an empty one: membership from heartbeats again. */
	if (info->attrs[NLB_A_MEMBERS]) {
		err = nlb_nl_parse_members(members, &n,
					   info->attrs[NLB_A_MEMBERS],
					   info->extack);
		if (err)
			return err;
	}

	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl))
		err = PTR_ERR(cl);
	else if (!n)
		nlb_membership_set_dynamic(cl);
	else
		err = nlb_membership_set_static(cl, members, n, info->extack);
	rtnl_unlock();
	return err;
}

static int nlb_nl_parse_flow(struct nlb_flow *flow, struct genl_info *info)
{
	struct nlattr *tb[NLB_FLOW_MAX + 1];
	int err;

	if (!info->attrs[NLB_A_FLOW]) {
		NL_SET_ERR_MSG(info->extack, "missing flow");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, NLB_FLOW_MAX, info->attrs[NLB_A_FLOW],
			       nlb_flow_policy, info->extack);
	if (err)
		return err;
	if (!tb[NLB_FLOW_PROTO] || !tb[NLB_FLOW_SADDR] || !tb[NLB_FLOW_DADDR]) {
		NL_SET_ERR_MSG(info->extack,
			       "flow needs proto, source and destination");
		return -EINVAL;
	}
	memset(flow, 0, sizeof(*flow));
	flow->proto = nla_get_u8(tb[NLB_FLOW_PROTO]);
	flow->saddr = nla_get_in_addr(tb[NLB_FLOW_SADDR]);
	flow->daddr = nla_get_in_addr(tb[NLB_FLOW_DADDR]);
	if (flow->proto == IPPROTO_TCP || flow->proto == IPPROTO_UDP) {
		if (!tb[NLB_FLOW_SPORT] || !tb[NLB_FLOW_DPORT]) {
			NL_SET_ERR_MSG(info->extack,
				       "tcp and udp flows need both ports");
			return -EINVAL;
		}
		flow->sport = nla_get_be16(tb[NLB_FLOW_SPORT]);
		flow->dport = nla_get_be16(tb[NLB_FLOW_DPORT]);
		flow->flags = NLB_FLOW_F_PORTS;
	} else if (tb[NLB_FLOW_SPORT] || tb[NLB_FLOW_DPORT]) {
		NL_SET_ERR_MSG(info->extack, "ports only go with tcp and udp");
		return -EINVAL;
	}
	return 0;
}

static int nlb_nl_put_query(struct sk_buff *msg, struct nlb_cluster *cl,
			    const struct nlb_flow *flow)
{
	bool is_vip = nlb_cluster_is_vip(cl, flow->daddr), accept, by_peer;
	const struct nlb_map *map;
	struct nlb_flow_class v;
	struct nlattr *nest;
	struct nlb_conn *c;
	u8 held = NLB_CONN_NONE;
	u32 age = 0;

	rcu_read_lock();
	map = rcu_dereference(cl->map);
	nlb_filter_classify(cl, map, rcu_dereference(cl->rules), flow, &v);
	accept = nlb_filter_accepts(cl, map, &v);
	c = nlb_flows_lookup(cl, flow, v.cslot);
	if (c) {
		held = READ_ONCE(c->state);
		age = jiffies_to_msecs(jiffies - READ_ONCE(c->seen));
	}
	by_peer = nlb_held_by_peer(cl, v.bucket);
	rcu_read_unlock();
	if (nla_put_u32(msg, NLB_A_IFINDEX, cl->dev->ifindex) ||
	    nla_put_string(msg, NLB_A_IFNAME, cl->dev->name))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, NLB_A_FLOW);
	if (!nest ||
	    nla_put_u8(msg, NLB_FLOW_PROTO, flow->proto) ||
	    nla_put_in_addr(msg, NLB_FLOW_SADDR, flow->saddr) ||
	    nla_put_in_addr(msg, NLB_FLOW_DADDR, flow->daddr) ||
	    ((flow->flags & NLB_FLOW_F_PORTS) &&
	     (nla_put_be16(msg, NLB_FLOW_SPORT, flow->sport) ||
	      nla_put_be16(msg, NLB_FLOW_DPORT, flow->dport))) ||
	    nla_put_u32(msg, NLB_FLOW_HASH, v.hash) ||
	    nla_put_u32(msg, NLB_FLOW_BUCKET, v.bucket) ||
	    nla_put_u8(msg, NLB_FLOW_OWNER, v.owner) ||
	    nla_put_u8(msg, NLB_FLOW_ACCEPT, is_vip && accept) ||
	    nla_put_u8(msg, NLB_FLOW_IS_VIP, is_vip) ||
	    nla_put_u8(msg, NLB_FLOW_STATE, held) ||
	    (held && nla_put_u32(msg, NLB_FLOW_AGE, age)) ||
	    nla_put_u8(msg, NLB_FLOW_HELD_BY_PEER, by_peer))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* One held flow, in a NLB_CMD_FLOW_GET dump. */
static int nlb_nl_put_conn(struct sk_buff *msg, const struct nlb_cluster *cl,
			   const struct nlb_conn *c, u32 portid, u32 seq)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &nlb_genl_family, NLM_F_MULTI,
			  NLB_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, NLB_A_IFINDEX, cl->dev->ifindex))
		goto err_cancel;
	nest = nla_nest_start(msg, NLB_A_FLOW);
	if (!nest ||
	    nla_put_u8(msg, NLB_FLOW_PROTO, c->key.proto) ||
	    nla_put_in_addr(msg, NLB_FLOW_SADDR, c->key.saddr) ||
	    nla_put_in_addr(msg, NLB_FLOW_DADDR, c->key.daddr) ||
	    nla_put_be16(msg, NLB_FLOW_SPORT, c->key.sport) ||
	    nla_put_be16(msg, NLB_FLOW_DPORT, c->key.dport) ||
	    nla_put_u32(msg, NLB_FLOW_BUCKET, NLB_CSLOT_BUCKET(c->cslot)) ||
	    nla_put_u8(msg, NLB_FLOW_STATE, READ_ONCE(c->state)) ||
	    nla_put_u32(msg, NLB_FLOW_AGE,
			jiffies_to_msecs(jiffies - READ_ONCE(c->seen))))
		goto err_cancel;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/*
 * The cluster a dump is for (NLB_A_IFINDEX or NLB_A_IFNAME); RTNL held,
 * which keeps it alive.
 */
static struct nlb_cluster *nlb_nl_dump_cluster(struct sk_buff *skb,
					       struct netlink_callback *cb)
{
	struct nlattr **attrs = nlb_dump_attrs(cb);
	struct net *net = sock_net(skb->sk);
	struct net_device *dev = NULL;
	struct nlb_cluster *cl;

	if (attrs[NLB_A_IFINDEX])
		dev = __dev_get_by_index(net, nla_get_u32(attrs[NLB_A_IFINDEX]));
	else if (attrs[NLB_A_IFNAME])
		dev = __dev_get_by_name(net, nla_data(attrs[NLB_A_IFNAME]));
	if (!dev) {
		NL_SET_ERR_MSG(cb->extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	cl = nlb_cluster_find(nlb_net(net), dev);
	if (!cl) {
		NL_SET_ERR_MSG(cb->extack, "no cluster on this device");
		return ERR_PTR(-ENOENT);
	}
	return cl;
}

/*
 * The flows held on one device.  cb->args[0]: flows already sent.  Each
 * round walks the table from the start (a walker cannot outlive RTNL,
 * which keeps the cluster alive), so listing a very large table is slow;
 * the counts in NLB_CMD_CLUSTER_GET are not.
 */
static int nlb_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct rhashtable_iter iter;
	struct nlb_cluster *cl;
	struct nlb_conn *c;
	int err = 0;

	rtnl_lock();
	cl = nlb_nl_dump_cluster(skb, cb);
	if (IS_ERR(cl)) {
		rtnl_unlock();
		return PTR_ERR(cl);
	}
	rhashtable_walk_enter(&cl->flows.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if (idx++ < start)
			continue;
		err = nlb_nl_put_conn(skb, cl, c, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq);
		if (err) {
			idx--;
			break;
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	rtnl_unlock();
	cb->args[0] = idx;
	return err && idx == start ? err : skb->len;
}

/*
 * Bucket @b: its owner and whether this node takes new flows there in the
 * load-weighted map, and the flows held and started there under any rule.
 */
static int nlb_nl_put_bucket(struct sk_buff *msg, struct nlb_cluster *cl,
			     const struct nlb_map *map, u32 b)
{
	struct nlattr *nest = nla_nest_start(msg, NLB_A_BUCKET);
	const struct nlb_flows *fl = &cl->flows;
	u32 flows = 0, k;
	u64 started = 0;

	for (k = 0; k < NLB_FLOW_CLASSES; k++)
		if (fl->class_count[k])
			flows += atomic_read(&fl->class_count[k][b]);
	started = atomic_long_read(&fl->started[b]);
	if (!nest ||
	    nla_put_u32(msg, NLB_BUCKET_ID, b) ||
	    nla_put_u8(msg, NLB_BUCKET_OWNER, map->owner[b]) ||
	    nla_put_u8(msg, NLB_BUCKET_ACCEPTING,
		       nlb_map_accepts(map, b, cl->node_id) &&
		       READ_ONCE(cl->state) == NLB_STATE_ACTIVE) ||
	    nla_put_u32(msg, NLB_BUCKET_FLOWS, flows) ||
	    nla_put_u64_64bit(msg, NLB_BUCKET_STARTED, started,
			      NLB_BUCKET_PAD) ||
	    nla_put_u8(msg, NLB_BUCKET_HELD_BY_PEER, nlb_held_by_peer(cl, b))) {
		if (nest)
			nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * The buckets of one device's cluster, as many per message as fit.
 * cb->args[0]: the next bucket to send.  The map may change between
 * messages; each bucket is reported from the map current when it is sent.
 */
static int nlb_nl_bucket_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 b = cb->args[0], sent = 0;
	const struct nlb_map *map;
	struct nlb_cluster *cl;
	void *hdr;

	rtnl_lock();
	cl = nlb_nl_dump_cluster(skb, cb);
	if (IS_ERR(cl)) {
		rtnl_unlock();
		return PTR_ERR(cl);
	}
	rcu_read_lock();
	map = rcu_dereference(cl->map);
	if (b >= map->buckets)
		goto out;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &nlb_genl_family, NLM_F_MULTI, NLB_CMD_BUCKET_GET);
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, NLB_A_IFINDEX, cl->dev->ifindex) ||
	    nla_put_string(skb, NLB_A_IFNAME, cl->dev->name)) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	for (; b < map->buckets; b++, sent++)
		if (nlb_nl_put_bucket(skb, cl, map, b))
			break;
	if (!sent) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	genlmsg_end(skb, hdr);
	cb->args[0] = b;
out:
	rcu_read_unlock();
	rtnl_unlock();
	return skb->len;
}

static int nlb_nl_query(struct sk_buff *skb, struct genl_info *info)
{
	struct nlb_cluster *cl;
	struct nlb_flow flow;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = nlb_nl_parse_flow(&flow, info);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nlb_genl_family, 0, NLB_CMD_QUERY);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl))
		err = PTR_ERR(cl);
	else
		err = nlb_nl_put_query(msg, cl, &flow);
	rtnl_unlock();
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/*
 * This node's own settings for a rule, in NLB_A_RULE @tb of a RULE_ADD or
 * RULE_SET request.  Whether they apply to the rule is nlb_rules_*()'s to
 * check.
 */
static int nlb_nl_parse_rule_node(struct nlattr **tb,
				  struct nlb_rule_node_req *req,
				  struct netlink_ext_ack *extack)
{
	memset(req, 0, sizeof(*req));
	nlb_rule_node_default(&req->node);
	if (tb[NLB_RULE_NODE_WEIGHT]) {
		req->node.weight = nla_get_u8(tb[NLB_RULE_NODE_WEIGHT]);
		if (req->node.weight > NLB_MAX_WEIGHT &&
		    req->node.weight != NLB_RULE_HOST_WEIGHT) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NLB_RULE_NODE_WEIGHT],
					    "a node weight is 0..100, or the host's");
			return -EINVAL;
		}
		req->set_weight = true;
	}
	if (tb[NLB_RULE_NODE_PRIORITY]) {
		req->node.priority = nla_get_u8(tb[NLB_RULE_NODE_PRIORITY]);
		req->set_priority = true;
	}
	if (tb[NLB_RULE_NODE_STATE]) {
		req->node.state = nla_get_u8(tb[NLB_RULE_NODE_STATE]);
		req->set_state = true;
	}
	return 0;
}

/* Parse NLB_A_RULE into @tb, with the rule's VIP checked into *@vip. */
static int nlb_nl_parse_rule_attrs(struct nlb_cluster *cl, struct nlattr **tb,
				   __be32 *vip, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nla = info->attrs[NLB_A_RULE];
	int err;

	if (!nla) {
		NL_SET_ERR_MSG(extack, "no rule given");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, NLB_RULE_MAX, nla, nlb_rule_policy, extack);
	if (err)
		return err;
	if (!tb[NLB_RULE_PORT_LO]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "a rule needs its ports");
		return -EINVAL;
	}
	*vip = tb[NLB_RULE_VIP] ? nla_get_in_addr(tb[NLB_RULE_VIP]) : 0;
	if (*vip && !nlb_cluster_is_vip(cl, *vip)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLB_RULE_VIP],
				    "not a VIP of this cluster");
		return -EINVAL;
	}
	return 0;
}

/*
 * NLB_A_RULE of a RULE_ADD (@add) or RULE_DEL request, and this node's
 * settings for the rule (@req, RULE_ADD).  What the rule set as a whole
 * allows (ranges, overlaps) is checked by nlb_rules_change().
 */
static int nlb_nl_parse_rule(struct nlb_cluster *cl, struct nlb_rule *r,
			     struct nlb_rule_node_req *req, bool add,
			     struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nla = info->attrs[NLB_A_RULE];
	struct nlattr *tb[NLB_RULE_MAX + 1];
	int err;

	memset(r, 0, sizeof(*r));
	err = nlb_nl_parse_rule_attrs(cl, tb, &r->vip, info);
	if (err)
		return err;
	r->lo = nla_get_u16(tb[NLB_RULE_PORT_LO]);
	r->hi = tb[NLB_RULE_PORT_HI] ? nla_get_u16(tb[NLB_RULE_PORT_HI]) :
				       r->lo;
	r->proto = tb[NLB_RULE_PROTO] ? nla_get_u8(tb[NLB_RULE_PROTO]) :
					NLB_RULE_BOTH;
	if (!add)
		return 0;
	err = nlb_nl_parse_rule_node(tb, req, extack);
	if (err)
		return err;
	if (!tb[NLB_RULE_MODE]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "a rule needs a filtering mode");
		return -EINVAL;
	}
	r->mode = nla_get_u8(tb[NLB_RULE_MODE]);
	if (r->mode < NLB_RULE_MULTIPLE || r->mode > NLB_RULE_DISABLED) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NLB_RULE_MODE],
				    "unknown filtering mode (multiple, single or disabled)");
		return -EINVAL;
	}
	if (r->mode != NLB_RULE_MULTIPLE &&
	    (tb[NLB_RULE_AFFINITY] || tb[NLB_RULE_WEIGHT])) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "affinity and load weight apply only to multiple-host rules");
		return -EINVAL;
	}
	if (r->mode != NLB_RULE_MULTIPLE)
		return 0;
	r->affinity = tb[NLB_RULE_AFFINITY] ?
		      nla_get_u8(tb[NLB_RULE_AFFINITY]) : NLB_AFFINITY_SINGLE;
	r->equal = true;
	if (tb[NLB_RULE_WEIGHT]) {
		switch (nla_get_u8(tb[NLB_RULE_WEIGHT])) {
		case NLB_RULE_WEIGHT_EQUAL:
			break;
		case NLB_RULE_WEIGHT_LOAD:
			r->equal = false;
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, tb[NLB_RULE_WEIGHT],
					    "unknown load weight (equal or load)");
			return -EINVAL;
		}
	}
	return 0;
}

static int nlb_nl_rule_change(struct genl_info *info, bool add)
{
	struct nlb_rule_node_req req;
	struct nlb_cluster *cl;
	struct nlb_rule rule;
	int err;

	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto out;
	}
	err = nlb_nl_parse_rule(cl, &rule, &req, add, info);
	if (!err)
		err = nlb_rules_change(cl, &rule, add ? &req : NULL, add,
				       add && info->attrs[NLB_A_REPLACE],
				       info->extack);
out:
	rtnl_unlock();
	return err;
}

static int nlb_nl_rule_add(struct sk_buff *skb, struct genl_info *info)
{
	return nlb_nl_rule_change(info, true);
}

static int nlb_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	return nlb_nl_rule_change(info, false);
}

/* RULE_SET: this node's own settings for one rule. */
static int nlb_nl_rule_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NLB_RULE_MAX + 1];
	struct nlb_rule_node_req req;
	struct nlb_rule_match m;
	struct nlb_cluster *cl;
	int err;

	rtnl_lock();
	cl = nlb_nl_cluster(info);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	err = nlb_nl_parse_rule_attrs(cl, tb, &m.vip, info);
	if (err)
		goto out;
	m.lo = nla_get_u16(tb[NLB_RULE_PORT_LO]);
	if (tb[NLB_RULE_PORT_HI]) {
		m.hi = nla_get_u16(tb[NLB_RULE_PORT_HI]);
		m.have_hi = true;
	}
	if (tb[NLB_RULE_PROTO]) {
		m.proto = nla_get_u8(tb[NLB_RULE_PROTO]);
		m.have_proto = true;
	}
	err = nlb_nl_parse_rule_node(tb, &req, info->extack);
	if (err)
		goto out;
	if (!req.set_weight && !req.set_priority && !req.set_state) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NLB_A_RULE],
				    "nothing to set: a node weight, priority or state");
		err = -EINVAL;
		goto out;
	}
	err = nlb_rules_set_node(cl, &m, &req, info->extack);
out:
	rtnl_unlock();
	return err;
}

static int nlb_nl_put_rule(struct sk_buff *msg, const struct nlb_rules *rules,
			   unsigned int i, const struct nlb_map *map)
{
	const struct nlb_rule_node *node = &rules->node[i];
	u32 arr = nlb_map_rule_array(map, rules, i);
	const struct nlb_rule *r = &rules->rule[i];
	struct nlattr *nest = nla_nest_start(msg, NLB_A_RULES_RULE);
	u64 cnt[NLB_RULE_CNT_MAX];

	nlb_rules_read(rules, i, cnt);
	if (!nest ||
	    nla_put_in_addr(msg, NLB_RULE_VIP, r->vip) ||
	    nla_put_u16(msg, NLB_RULE_PORT_LO, r->lo) ||
	    nla_put_u16(msg, NLB_RULE_PORT_HI, r->hi) ||
	    nla_put_u8(msg, NLB_RULE_PROTO, r->proto) ||
	    nla_put_u8(msg, NLB_RULE_MODE, r->mode) ||
	    (r->mode == NLB_RULE_MULTIPLE &&
	     (nla_put_u8(msg, NLB_RULE_AFFINITY, r->affinity) ||
	      nla_put_u8(msg, NLB_RULE_WEIGHT,
			 r->equal ? NLB_RULE_WEIGHT_EQUAL :
				    NLB_RULE_WEIGHT_LOAD))) ||
	    (r->mode == NLB_RULE_SINGLE &&
	     (nla_put_u8(msg, NLB_RULE_OWNER, map->owner[arr * map->buckets]) ||
	      nla_put_u8(msg, NLB_RULE_NODE_PRIORITY, node->priority))) ||
	    (r->mode == NLB_RULE_MULTIPLE && !r->equal &&
	     nla_put_u8(msg, NLB_RULE_NODE_WEIGHT, node->weight)) ||
	    (r->mode != NLB_RULE_DISABLED &&
	     (nla_put_u8(msg, NLB_RULE_NODE_STATE, node->state) ||
	      nla_put_u32(msg, NLB_RULE_NODE_BUCKETS,
			  map->array_owned[arr]))) ||
	    nla_put_u64_64bit(msg, NLB_RULE_ACCEPTED,
			      cnt[NLB_RULE_CNT_ACCEPTED], NLB_RULE_PAD) ||
	    nla_put_u64_64bit(msg, NLB_RULE_DROPPED,
			      cnt[NLB_RULE_CNT_DROPPED], NLB_RULE_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* The rules of @cl in one message (RTNL held). */
static int nlb_nl_put_rules(struct sk_buff *msg, struct nlb_cluster *cl,
			    u32 portid, u32 seq, int flags)
{
	const struct nlb_rules *rules = rtnl_dereference(cl->rules);
	const struct nlb_map *map;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &nlb_genl_family, flags,
			  NLB_CMD_RULE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, NLB_A_IFINDEX, cl->dev->ifindex) ||
	    nla_put_string(msg, NLB_A_IFNAME, cl->dev->name) ||
	    nla_put_u64_64bit(msg, NLB_A_RULES_DIGEST, rules->digest,
			      NLB_A_PAD))
		goto err_cancel;
	nest = nla_nest_start(msg, NLB_A_RULES);
	if (!nest)
		goto err_cancel;
	rcu_read_lock();
	map = rcu_dereference(cl->map);
	for (i = 0; i < rules->n; i++) {
		if (nlb_nl_put_rule(msg, rules, i, map)) {
			rcu_read_unlock();
			goto err_cancel;
		}
	}
	rcu_read_unlock();
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

/* Room for NLB_MAX_RULES rules with their counters, and the header. */
#define NLB_NL_RULES_SIZE	(NLB_MAX_RULES * 192 + 256)

static int nlb_nl_rule_get(struct sk_buff *skb, struct genl_info *info)
{
	return nlb_nl_get_one(info, NLB_NL_RULES_SIZE, nlb_nl_put_rules);
}

/* A cluster's rules fit in one message only if the skb has room for 64. */
static int nlb_nl_rule_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = NLB_NL_RULES_SIZE;
	return 0;
}

static int nlb_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return nlb_nl_dump_all(skb, cb, nlb_nl_put_rules);
}

/* The ops that need more than genl_small_ops has (a dump's start). */
static const struct genl_ops nlb_genl_full_ops[] = {
	{
		.cmd = NLB_CMD_CLUSTER_GET,
		.start = nlb_nl_cluster_dump_start,
		.doit = nlb_nl_cluster_get,
		.dumpit = nlb_nl_cluster_dump,
	},
	{
		.cmd = NLB_CMD_RULE_GET,
		.start = nlb_nl_rule_dump_start,
		.doit = nlb_nl_rule_get,
		.dumpit = nlb_nl_rule_dump,
	},
};

static const struct genl_small_ops nlb_genl_ops[] = {
	{
		.cmd = NLB_CMD_VERSION,
		.doit = nlb_nl_version,
	},
	{
		.cmd = NLB_CMD_CLUSTER_NEW,
		.doit = nlb_nl_cluster_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_CLUSTER_DEL,
		.doit = nlb_nl_cluster_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_MEMBER_SET,
		.doit = nlb_nl_member_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_QUERY,
		.doit = nlb_nl_query,
	},
	{
		.cmd = NLB_CMD_CLUSTER_SET,
		.doit = nlb_nl_cluster_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_FLOW_GET,
		.dumpit = nlb_nl_flow_dump,
	},
	{
		.cmd = NLB_CMD_BUCKET_GET,
		.dumpit = nlb_nl_bucket_dump,
	},
	{
		.cmd = NLB_CMD_RULE_ADD,
		.doit = nlb_nl_rule_add,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_RULE_DEL,
		.doit = nlb_nl_rule_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NLB_CMD_RULE_SET,
		.doit = nlb_nl_rule_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family nlb_genl_family __ro_after_init = {
	.name = NLB_GENL_NAME,
	.version = NLB_GENL_VERSION,
	.maxattr = NLB_A_MAX,
	.policy = nlb_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = nlb_genl_full_ops,
	.n_ops = ARRAY_SIZE(nlb_genl_full_ops),
	.small_ops = nlb_genl_ops,
	.n_small_ops = ARRAY_SIZE(nlb_genl_ops),
	.mcgrps = nlb_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nlb_mcgrps),
	/* Strict validation, reserved header fields included, everywhere. */
	.resv_start_op = NLB_CMD_VERSION,
};

/*
 * Tell listeners of the "events" group (nlbctl monitor); process context.
 * @map is given for map and convergence events.
 */
void nlb_nl_event(struct nlb_cluster *cl, u8 event, u8 peer, u8 state,
		  const struct nlb_map *map)
{
	struct net *net = dev_net(cl->dev);
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&nlb_genl_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &nlb_genl_family, 0, NLB_CMD_EVENT);
	if (!hdr ||
	    nla_put_u8(msg, NLB_A_EVENT, event) ||
	    nla_put_u32(msg, NLB_A_IFINDEX, cl->dev->ifindex) ||
	    nla_put_string(msg, NLB_A_IFNAME, cl->dev->name) ||
	    (peer && nla_put_u8(msg, NLB_A_PEER_NODE, peer)) ||
	    ((event == NLB_EVENT_STATE || event == NLB_EVENT_PEER_STATE ||
	      event == NLB_EVENT_PEER_UP || event == NLB_EVENT_PEER_DOWN) &&
	     nla_put_u8(msg, NLB_A_STATE, state)) ||
	    (map && (nla_put_u64_64bit(msg, NLB_A_MEMBER_MASK, map->mask,
				       NLB_A_PAD) ||
		     nla_put_u32(msg, NLB_A_MAP_GENERATION,
				 map->generation)))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&nlb_genl_family, net, msg, 0, 0, GFP_KERNEL);
}

int nlb_genl_init(void)
{
	return genl_register_family(&nlb_genl_family);
}

void nlb_genl_exit(void)
{
	genl_unregister_family(&nlb_genl_family);
}
