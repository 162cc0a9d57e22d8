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

u8 nlb_cluster_state(const struct nlb_map *map, u8 node_id)
{
	unsigned int i;

	for (i = 0; i < map->nmembers; i++)
		if (map->members[i].id == node_id)
			return NLB_STATE_ACTIVE;
	return NLB_STATE_STOPPED;
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

static int nlb_member_cmp(const void *a, const void *b)
{
	const struct nlb_member *x = a, *y = b;

	return x->id - y->id;
}

/* Build a map for @members (sorted by id) with the cluster's key. */
static struct nlb_map *nlb_map_create(const struct nlb_cluster *cl,
				      u32 buckets,
				      const struct nlb_member *members,
				      unsigned int n, u32 generation)
{
	struct nlb_map *map;
	void *scratch;
	unsigned int i;
	u32 b;
	int err;

	map = kvzalloc(struct_size(map, owner, buckets), GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	scratch = kvmalloc(nlb_map_scratch_size(buckets, n), GFP_KERNEL);
	if (!scratch) {
		kvfree(map);
		return ERR_PTR(-ENOMEM);
	}
	err = nlb_map_build(map->owner, buckets, members, n, &cl->key, scratch);
	kvfree(scratch);
	if (err) {
		kvfree(map);
		return ERR_PTR(err);
	}

	map->buckets = buckets;
	map->generation = generation;
	map->nmembers = n;
	memcpy(map->members, members, n * sizeof(*members));
	for (b = 0; b < buckets; b++) {
		for (i = 0; i < n; i++) {
			if (map->owner[b] == members[i].id) {
				map->member_buckets[i]++;
				break;
			}
		}
		if (map->owner[b] == cl->node_id)
			map->owned++;
	}
	return map;
}

static void nlb_map_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct nlb_map, rcu));
}

static void nlb_map_publish(struct nlb_cluster *cl, struct nlb_map *map)
{
	struct nlb_map *old;

	old = rcu_replace_pointer(cl->map, map, lockdep_rtnl_is_held());
	if (old)
		call_rcu(&old->rcu, nlb_map_free_rcu);
}

int nlb_cluster_set_members(struct nlb_cluster *cl,
			    const struct nlb_member *members,
			    unsigned int n, struct netlink_ext_ack *extack)
{
	struct nlb_member sorted[NLB_MAX_NODES];
	const struct nlb_map *cur;
	struct nlb_map *map;
	unsigned int i;

	ASSERT_RTNL();
	if (n > NLB_MAX_NODES) {
		NL_SET_ERR_MSG(extack, "too many members (at most 64)");
		return -E2BIG;
	}
	memcpy(sorted, members, n * sizeof(*members));
	sort(sorted, n, sizeof(*sorted), nlb_member_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (sorted[i].id < 1 || sorted[i].id > NLB_MAX_NODES) {
			NL_SET_ERR_MSG(extack, "member node id must be 1..64");
			return -EINVAL;
		}
		if (sorted[i].weight < 1 || sorted[i].weight > NLB_MAX_WEIGHT) {
			NL_SET_ERR_MSG(extack, "member weight must be 1..100");
			return -EINVAL;
		}
		if (i && sorted[i].id == sorted[i - 1].id) {
			NL_SET_ERR_MSG(extack, "duplicate member node id");
			return -EINVAL;
		}
	}

	cur = rtnl_dereference(cl->map);
	map = nlb_map_create(cl, cur->buckets, sorted, n, cur->generation + 1);
	if (IS_ERR(map)) {
		NL_SET_ERR_MSG(extack, "cannot build the bucket map");
		return PTR_ERR(map);
	}
	nlb_map_publish(cl, map);
	return 0;
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

static void nlb_cluster_free(struct nlb_cluster *cl)
{
	kvfree(rcu_dereference_protected(cl->map, true));
	free_percpu(cl->stats);
	netdev_put(cl->dev, &cl->dev_tracker);
	kfree(cl);
}

static void nlb_cluster_free_rcu(struct rcu_head *head)
{
	nlb_cluster_free(container_of(head, struct nlb_cluster, rcu));
}

int nlb_cluster_create(struct nlb_net *nn,
		       const struct nlb_cluster_params *p,
		       struct netlink_ext_ack *extack)
{
	struct nlb_member self = { .id = p->node_id,
				   .weight = NLB_DEFAULT_WEIGHT };
	struct nlb_cluster *cl;
	struct nlb_map *map;
	int err;

	ASSERT_RTNL();
	cl = kzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl)
		return -ENOMEM;
	cl->stats = netdev_alloc_pcpu_stats(struct nlb_pcpu_stats);
	if (!cl->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	cl->nn = nn;
	cl->dev = p->dev;
	netdev_hold(cl->dev, &cl->dev_tracker, GFP_KERNEL);
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

	/* Until told otherwise this node is the only member. */
	map = nlb_map_create(cl, p->buckets, &self, 1, 1);
	if (IS_ERR(map)) {
		NL_SET_ERR_MSG(extack, "cannot build the bucket map");
		err = PTR_ERR(map);
		goto err_put;
	}
	RCU_INIT_POINTER(cl->map, map);

	err = nlb_arp_hook_get(nn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the ARP hook");
		goto err_put;
	}
	err = nlb_cluster_add_mac(cl, extack);
	if (err)
		goto err_arp;
	err = nlb_filter_register(cl);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the ingress hook");
		goto err_mac;
	}

	list_add_tail_rcu(&cl->list, &nn->clusters);
	nn->nclusters++;
	nn->generation++;
	nlb_cluster_announce(cl);
	return 0;

err_mac:
	nlb_cluster_del_mac(cl);
err_arp:
	nlb_arp_hook_put(nn);
err_put:
	nlb_cluster_free(cl);
	return err;

err_free:
	kfree(cl);
	return err;
}

void nlb_cluster_destroy(struct nlb_cluster *cl)
{
	struct nlb_net *nn = cl->nn;

	ASSERT_RTNL();
	list_del_rcu(&cl->list);
	nn->nclusters--;
	nn->generation++;
	nlb_filter_unregister(cl);
	nlb_cluster_del_mac(cl);
	nlb_arp_hook_put(nn);
	/* Hooks already running may still see @cl until a grace period. */
	call_rcu(&cl->rcu, nlb_cluster_free_rcu);
}

void nlb_cluster_destroy_all(struct nlb_net *nn)
{
	struct nlb_cluster *cl, *tmp;

	list_for_each_entry_safe(cl, tmp, &nn->clusters, list)
		nlb_cluster_destroy(cl);
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
