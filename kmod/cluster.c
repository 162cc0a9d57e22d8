// SPDX-License-Identifier: GPL-2.0
/*
 * nlb clusters: creation and destruction, the cluster MAC in the device's
 * address filter, the bucket map, and following the device's life through
 * the netdevice notifier.  Everything here runs under RTNL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/igmp.h>
#include <linux/inetdevice.h>
#include <linux/mm.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/arp.h>
#include <net/ip.h>

#include "nlb.h"

const char *const nlb_mode_names[] = {
	[NLB_MODE_UNICAST] = "unicast",
	[NLB_MODE_MULTICAST] = "multicast",
	[NLB_MODE_IGMP] = "igmp",
};

struct nlb_cluster *nlb_cluster_find(struct nlb_net *nn,
				     const struct net_device *dev)
{
	struct nlb_cluster *cl;

	list_for_each_entry_rcu(cl, &nn->clusters, list, lockdep_rtnl_is_held())
		if (cl->dev == dev)
			return cl;
	return NULL;
}

bool nlb_cluster_is_vip(const struct nlb_cluster *cl, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < cl->nvips; i++)
		if (cl->vips[i] == addr)
			return true;
	return false;
}

struct nlb_cluster *nlb_cluster_find_vip(struct nlb_net *nn, __be32 addr)
{
	struct nlb_cluster *cl;

	list_for_each_entry_rcu(cl, &nn->clusters, list, lockdep_rtnl_is_held())
		if (nlb_cluster_is_vip(cl, addr))
			return cl;
	return NULL;
}

/*
 * The cluster MAC is derived from the first VIP W.X.Y.Z as Windows NLB does:
 * unicast 02:bf:W:X:Y:Z, multicast 03:bf:W:X:Y:Z, and in igmp mode the MAC of
 * the group 239.255.Y.Z, 01:00:5e:7f:Y:Z.
 */
static void nlb_cluster_derive_mac(struct nlb_cluster *cl)
{
	const u8 *v = (const u8 *)&cl->vips[0];

	switch (cl->mode) {
	case NLB_MODE_UNICAST:
	case NLB_MODE_MULTICAST:
		cl->mac[0] = cl->mode == NLB_MODE_UNICAST ? 0x02 : 0x03;
		cl->mac[1] = 0xbf;
		memcpy(&cl->mac[2], v, 4);
		break;
	case NLB_MODE_IGMP:
		cl->igmp_group = htonl(0xefff0000 | (v[2] << 8) | v[3]);
		ip_eth_mc_map(cl->igmp_group, cl->mac);
		break;
	}
}

static int nlb_cluster_add_mac(struct nlb_cluster *cl,
			       struct netlink_ext_ack *extack)
{
	struct in_device *in_dev;
	int err;

	switch (cl->mode) {
	case NLB_MODE_UNICAST:
		err = dev_uc_add(cl->dev, cl->mac);
		break;
	case NLB_MODE_MULTICAST:
		err = dev_mc_add(cl->dev, cl->mac);
		break;
	default:
		/* The IPv4 stack sends the reports and answers queries. */
		in_dev = __in_dev_get_rtnl(cl->dev);
		if (!in_dev) {
			NL_SET_ERR_MSG(extack,
				       "device has no IPv4 configuration for igmp mode");
			return -EADDRNOTAVAIL;
		}
		ip_mc_inc_group(in_dev, cl->igmp_group);
		return 0;
	}
	if (err)
		NL_SET_ERR_MSG(extack,
			       "cannot add the cluster MAC to the device's filter");
	return err;
}

static void nlb_cluster_del_mac(struct nlb_cluster *cl)
{
	struct in_device *in_dev;

	switch (cl->mode) {
	case NLB_MODE_UNICAST:
		dev_uc_del(cl->dev, cl->mac);
		break;
	case NLB_MODE_MULTICAST:
		dev_mc_del(cl->dev, cl->mac);
		break;
	default:
		/* Gone already when the device is being unregistered. */
		in_dev = __in_dev_get_rtnl(cl->dev);
		if (in_dev)
			ip_mc_dec_group(in_dev, cl->igmp_group);
		break;
	}
}

/* Gratuitous ARP for every VIP; the ARP hook puts the cluster MAC in. */
void nlb_cluster_announce(struct nlb_cluster *cl)
{
	unsigned int i;

	if (!netif_running(cl->dev))
		return;
	for (i = 0; i < cl->nvips; i++)
		arp_send(ARPOP_REQUEST, ETH_P_ARP, cl->vips[i], cl->dev,
			 cl->vips[i], NULL, cl->dev->dev_addr, NULL);
}

struct net_device *nlb_cluster_hb_dev(const struct nlb_cluster *cl)
{
	struct net_device *hb_dev = rcu_dereference_rtnl(cl->hb_dev);

	return hb_dev ?: cl->dev;
}

/*
 * What @cl's memory goes to (NLB_A_MEMORY), with @map and @rules the ones
 * in use: worked out from what was allocated, so it costs nothing until
 * asked.  Not counted: the HMAC transform of the key.
 */
void nlb_cluster_memory(struct nlb_cluster *cl, const struct nlb_map *map,
			const struct nlb_rules *rules, struct nlb_mem *m)
{
	const struct nlb_held *held;
	u32 len = cl->buckets / 8;

	m->cluster = nlb_kvbytes(cl, sizeof(*cl)) +
		     nlb_kvbytes(cl->peer_held, NLB_MAX_NODES * len) +
		     nlb_kvbytes(cl->tx_held, len) +
		     nlb_kvbytes(cl->peer_rules, NLB_MAX_NODES *
				 NLB_MAX_RULES * sizeof(*cl->peer_rules)) +
		     nlb_kvbytes(cl->member_rules,
				 sizeof(*cl->member_rules)) +
		     kmalloc_size_roundup(NLB_HB_TX_TLV_LEN);
	rcu_read_lock();
	held = rcu_dereference(cl->held);
	m->cluster += nlb_kvbytes(held, sizeof(*held) + len);
	rcu_read_unlock();
	m->percpu = (u64)num_possible_cpus() *
		    (sizeof(struct nlb_pcpu_stats) + sizeof(struct nlb_rule_pcpu));
	m->map = map->bytes;
	m->rules = rules->bytes;
	nlb_flows_memory(cl, m);
}

static void nlb_cluster_free(struct nlb_cluster *cl)
{
	struct net_device *hb_dev = rcu_dereference_protected(cl->hb_dev, true);
	struct nlb_map *map = rcu_dereference_protected(cl->map, true);

	if (map)
		nlb_map_free(map);
	nlb_rules_free(rcu_dereference_protected(cl->rules, true));
	kvfree(rcu_dereference_protected(cl->held, true));
	kvfree(cl->peer_held);
	kvfree(cl->tx_held);
	kvfree(cl->peer_rules);
	kvfree(cl->member_rules);
	kfree(cl->tx_tlv);
	if (hb_dev)
		netdev_put(hb_dev, &cl->hb_dev_tracker);
	free_percpu(cl->stats);
	netdev_put(cl->dev, &cl->dev_tracker);
	kvfree(cl);
}

static void nlb_cluster_free_rcu(struct rcu_head *head)
{
	nlb_cluster_free(container_of(head, struct nlb_cluster, rcu));
}

/* Heartbeats go to 03:bf and the first VIP, on both paths. */
static int nlb_cluster_add_hb_mac(struct nlb_cluster *cl,
				  struct netlink_ext_ack *extack)
{
	struct net_device *hb_dev = rtnl_dereference(cl->hb_dev);
	int err;

	err = dev_mc_add(cl->dev, cl->hb_mac);
	if (err)
		goto err;
	if (hb_dev) {
		err = dev_mc_add(hb_dev, cl->hb_mac);
		if (err) {
			dev_mc_del(cl->dev, cl->hb_mac);
			goto err;
		}
	}
	return 0;
err:
	NL_SET_ERR_MSG(extack,
		       "cannot add the heartbeat MAC to the device's filter");
	return err;
}

static void nlb_cluster_del_hb_mac(struct nlb_cluster *cl)
{
	struct net_device *hb_dev = rtnl_dereference(cl->hb_dev);

	dev_mc_del(cl->dev, cl->hb_mac);
	if (hb_dev)
		dev_mc_del(hb_dev, cl->hb_mac);
}

static void nlb_cluster_set_identity(struct nlb_cluster *cl,
				     const struct nlb_cluster_params *p)
{
	cl->cluster_id = cl->vips[0];
	cl->hb_mac[0] = 0x03;
	cl->hb_mac[1] = 0xbf;
	memcpy(&cl->hb_mac[2], &cl->vips[0], 4);
	cl->nonce = get_random_u64();
	/* Counters start at the birth time: they rise across restarts. */
	cl->birth = ktime_get_real_ns();
	atomic64_set(&cl->counter, cl->birth);
	cl->hb_interval = p->hb_interval;
	cl->hb_tolerance = p->hb_tolerance;
	cl->weight = p->weight;
	cl->priority = p->priority ? p->priority : p->node_id;
	cl->buckets = p->buckets;
	cl->drain_timeout = p->drain_timeout;
}

int nlb_cluster_create(struct nlb_net *nn,
		       const struct nlb_cluster_params *p,
		       struct netlink_ext_ack *extack)
{
	struct nlb_auth *auth = NULL;
	struct nlb_rules *rules;
	struct nlb_cluster *cl;
	struct nlb_rule rule;
	int err;

	ASSERT_RTNL();
	if (p->have_key) {
		err = nlb_auth_create(&auth, p->key);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot set up HMAC-SHA256 for the key");
			return err;
		}
	}
	cl = kvzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl) {
		err = -ENOMEM;
		goto err_auth;
	}
	cl->stats = netdev_alloc_pcpu_stats(struct nlb_pcpu_stats);
	if (!cl->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	cl->nn = nn;
	cl->dev = p->dev;
	netdev_hold(cl->dev, &cl->dev_tracker, GFP_KERNEL);
	if (p->hb_dev && p->hb_dev != p->dev) {
		netdev_hold(p->hb_dev, &cl->hb_dev_tracker, GFP_KERNEL);
		RCU_INIT_POINTER(cl->hb_dev, p->hb_dev);
	}
	cl->mode = p->mode;
	cl->node_id = p->node_id;
	cl->nvips = p->nvips;
	memcpy(cl->vips, p->vips, p->nvips * sizeof(p->vips[0]));
	if (p->have_seed) {
		memcpy(cl->seed, p->seed, NLB_SEED_LEN);
	} else {
		nlb_seed_from_vips(cl->seed, cl->vips, cl->nvips);
		cl->seed_derived = true;
	}
	nlb_key_from_seed(&cl->key, cl->seed);
	nlb_cluster_derive_mac(cl);
	nlb_cluster_set_identity(cl, p);
	RCU_INIT_POINTER(cl->auth, auth);
	auth = NULL;
	/* Windows NLB's default rule: everything balanced, single affinity. */
	nlb_rule_default(&rule);
	rules = nlb_rules_create(&rule, NULL, 1, NULL);
	if (IS_ERR(rules)) {
		err = PTR_ERR(rules);
		NL_SET_ERR_MSG(extack, "cannot build the rule table");
		goto err_put;
	}
	nlb_rules_publish(cl, rules);

	err = nlb_membership_init(cl, p->buckets);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot build the bucket map");
		goto err_put;
	}
	spin_lock_init(&cl->tx_lock);
	cl->peer_held = kvzalloc(NLB_MAX_NODES * (p->buckets / 8), GFP_KERNEL);
	cl->tx_held = kvzalloc(p->buckets / 8, GFP_KERNEL);
	cl->peer_rules = kvcalloc(NLB_MAX_NODES * NLB_MAX_RULES,
				  sizeof(*cl->peer_rules), GFP_KERNEL);
	cl->member_rules = kvzalloc(sizeof(*cl->member_rules), GFP_KERNEL);
	cl->tx_tlv = kzalloc(NLB_HB_TX_TLV_LEN, GFP_KERNEL);
	if (!cl->peer_held || !cl->tx_held || !cl->peer_rules ||
	    !cl->member_rules || !cl->tx_tlv) {
		err = -ENOMEM;
		goto err_put;
	}
	err = nlb_flows_init(cl, p->buckets, p);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot set up the flow table");
		goto err_put;
	}
	err = nlb_arp_hook_get(nn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the ARP hook");
		goto err_put;
	}
	err = nlb_cluster_add_mac(cl, extack);
	if (err)
		goto err_arp;
	err = nlb_cluster_add_hb_mac(cl, extack);
	if (err)
		goto err_mac;
	err = nlb_filter_register(cl);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the ingress hook");
		goto err_hb_mac;
	}

	list_add_tail_rcu(&cl->list, &nn->clusters);
	nn->nclusters++;
	nn->generation++;
	nlb_membership_start(cl);
	nlb_flows_start(cl);
	nlb_cluster_announce(cl);
	return 0;

err_hb_mac:
	nlb_cluster_del_hb_mac(cl);
err_mac:
	nlb_cluster_del_mac(cl);
err_arp:
	nlb_arp_hook_put(nn);
err_put:
	nlb_flows_destroy(cl);
	nlb_auth_free(rcu_dereference_protected(cl->auth, true));
	nlb_cluster_free(cl);
	return err;

err_free:
	kvfree(cl);
err_auth:
	nlb_auth_free(auth);
	return err;
}

void nlb_cluster_destroy(struct nlb_cluster *cl)
{
	struct nlb_net *nn = cl->nn;

	ASSERT_RTNL();
	/* Graceful: the peers take over now, not after the dead timeout. */
	nlb_hb_send(cl, NLB_HB_TYPE_LEAVE);
	list_del_rcu(&cl->list);
	nn->nclusters--;
	nn->generation++;
	nlb_membership_stop(cl);
	nlb_filter_unregister(cl);
	/* The hook is gone (nf_unregister_net_hook() waited for it). */
	nlb_flows_destroy(cl);
	nlb_cluster_del_hb_mac(cl);
	nlb_cluster_del_mac(cl);
	nlb_arp_hook_put(nn);
	/* No reader is left since nlb_membership_stop()'s grace period. */
	nlb_auth_free(rcu_dereference_protected(cl->auth, true));
	RCU_INIT_POINTER(cl->auth, NULL);
	/* Hooks already running may still see @cl until a grace period. */
	call_rcu(&cl->rcu, nlb_cluster_free_rcu);
}

void nlb_cluster_destroy_all(struct nlb_net *nn)
{
	struct nlb_cluster *cl, *tmp;

	list_for_each_entry_safe(cl, tmp, &nn->clusters, list)
		nlb_cluster_destroy(cl);
}

static u8 nlb_admin_next(u8 admin, u8 op)
{
	switch (op) {
	case NLB_ADMIN_OP_START:
		return NLB_ADMIN_STARTED;
	case NLB_ADMIN_OP_STOP:
		return admin == NLB_ADMIN_SUSPENDED ? admin : NLB_ADMIN_STOPPED;
	case NLB_ADMIN_OP_SUSPEND:
		return NLB_ADMIN_SUSPENDED;
	case NLB_ADMIN_OP_DRAINSTOP:
		return admin == NLB_ADMIN_STARTED ? NLB_ADMIN_DRAINING : admin;
	default:
		return admin == NLB_ADMIN_SUSPENDED ? NLB_ADMIN_STOPPED : admin;
	}
}

/* NLB_CMD_CLUSTER_SET, validated by the caller: all of it or nothing. */
int nlb_cluster_change(struct nlb_cluster *cl,
		       const struct nlb_cluster_settings *s,
		       struct netlink_ext_ack *extack)
{
	struct nlb_auth *auth = NULL, *old = NULL;
	int err;

	ASSERT_RTNL();
	if (s->set_admin && s->admin_op == NLB_ADMIN_OP_START &&
	    cl->admin == NLB_ADMIN_SUSPENDED) {
		NL_SET_ERR_MSG(extack, "the node is suspended: resume it first");
		return -EBUSY;
	}
	if (s->set_admin && s->admin_op == NLB_ADMIN_OP_DRAINSTOP &&
	    cl->admin != NLB_ADMIN_STARTED) {
		NL_SET_ERR_MSG(extack, "only a started node can drain");
		return -EINVAL;
	}
	if (s->set_key) {
		err = nlb_auth_create(&auth, s->key);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot set up HMAC-SHA256 for the key");
			return err;
		}
	}
	if (s->set_interval)
		WRITE_ONCE(cl->hb_interval, s->hb_interval);
	if (s->set_tolerance)
		WRITE_ONCE(cl->hb_tolerance, s->hb_tolerance);
	if (s->set_weight)
		WRITE_ONCE(cl->weight, s->weight);
	if (s->set_priority)
		WRITE_ONCE(cl->priority, s->priority);
	if (s->set_max_flows)
		WRITE_ONCE(cl->flows.max, s->max_flows);
	if (s->set_tcp_timeout)
		WRITE_ONCE(cl->flows.tcp_timeout, s->tcp_timeout);
	if (s->set_close_timeout)
		WRITE_ONCE(cl->flows.close_timeout, s->close_timeout);
	if (s->set_udp_timeout)
		WRITE_ONCE(cl->flows.udp_timeout, s->udp_timeout);
	if (s->set_drain_timeout)
		WRITE_ONCE(cl->drain_timeout, s->drain_timeout);
	if (s->set_admin) {
		mutex_lock(&cl->lock);
		if (s->admin_op == NLB_ADMIN_OP_DRAINSTOP)
			cl->drain_start = jiffies;
		WRITE_ONCE(cl->admin, nlb_admin_next(cl->admin, s->admin_op));
		mutex_unlock(&cl->lock);
	}
	if (s->set_key || s->clear_key) {
		old = rcu_replace_pointer(cl->auth, auth,
					  lockdep_rtnl_is_held());
		synchronize_net();
		nlb_auth_free(old);
	}
	nlb_membership_kick(cl);
	return 0;
}

/* A heartbeat device goes away: its clusters keep the backup path only. */
static void nlb_cluster_hb_dev_gone(struct nlb_net *nn, struct net_device *dev)
{
	struct nlb_cluster *cl;

	list_for_each_entry(cl, &nn->clusters, list) {
		if (rtnl_dereference(cl->hb_dev) != dev)
			continue;
		pr_warn("%s: heartbeat device %s going away, heartbeats on %s only\n",
			cl->dev->name, dev->name, cl->dev->name);
		dev_mc_del(dev, cl->hb_mac);
		RCU_INIT_POINTER(cl->hb_dev, NULL);
		synchronize_net();
		netdev_put(dev, &cl->hb_dev_tracker);
		nlb_membership_kick(cl);
	}
}

/*
 * Set (under RTNL) when the module goes away: unregistering the notifier
 * replays NETDEV_UNREGISTER for every device, and the clusters are then
 * left to the pernet exit rather than reported as lost devices.
 */
static bool nlb_notifier_closing;

static int nlb_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nlb_net *nn = nlb_net(dev_net(dev));
	struct nlb_cluster *cl;

	if (nlb_notifier_closing)
		return NOTIFY_DONE;
	if (event == NETDEV_UNREGISTER)
		nlb_cluster_hb_dev_gone(nn, dev);
	cl = nlb_cluster_find(nn, dev);
	if (!cl)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		/* Also the way out of a namespace: the cluster goes away. */
		pr_info("%s: device going away, cluster deleted\n", dev->name);
		nlb_cluster_destroy(cl);
		break;
	case NETDEV_UP:
	case NETDEV_CHANGEADDR:
		/* The stack's own ARP state is gone: tell the segment again. */
		nlb_cluster_announce(cl);
		nlb_membership_kick(cl);
		break;
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		/* Carrier or up/down: this node's state may change. */
		nlb_membership_kick(cl);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block nlb_netdev_notifier = {
	.notifier_call = nlb_netdev_event,
};

int nlb_netdev_notifier_init(void)
{
	return register_netdevice_notifier(&nlb_netdev_notifier);
}

void nlb_netdev_notifier_exit(void)
{
	rtnl_lock();
	nlb_notifier_closing = true;
	rtnl_unlock();
	unregister_netdevice_notifier(&nlb_netdev_notifier);
}
