// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nlb/: the clusters of a namespace, for operators and scripts.
 *
 *  clusters  one block per cluster: configuration, members, map, counters.
 *            Format documented in Documentation/proc.md.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "nlb.h"

/* "age-hb 12" or "age-hb -" (never heard on that path), in ms. */
static void nlb_proc_show_age(struct seq_file *seq, const char *name,
			      const struct nlb_peer *p, enum nlb_path path,
			      unsigned long now)
{
	if (p->heard[path])
		seq_printf(seq, " %s %u", name,
			   jiffies_to_msecs(now - p->last_rx[path]));
	else
		seq_printf(seq, " %s -", name);
}

static void nlb_proc_show_peers(struct seq_file *seq, struct nlb_cluster *cl,
				const struct nlb_map *map)
{
	unsigned long now = jiffies;
	unsigned int i;

	spin_lock_bh(&cl->peers_lock);
	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *p = &cl->peers[i];

		if (!p->known)
			continue;
		seq_printf(seq, "peer %u state %s weight %u", i + 1,
			   p->state <= NLB_STATE_MAX ?
			   nlb_state_names[p->state] : "unknown", p->weight);
		nlb_proc_show_age(seq, "age-hb", p, NLB_PATH_HB, now);
		nlb_proc_show_age(seq, "age-cluster", p, NLB_PATH_CLUSTER, now);
		seq_printf(seq, " %s%s%s%s%s\n",
			   nlb_peer_alive(cl, p, now) ? "alive" : "dead",
			   map->mask & BIT_ULL(i) ? " in-map" : "",
			   p->digest != cl->digest ? " mismatch" : "",
			   p->dup ? " duplicate" : "",
			   p->held_any ? " holds-flows" : "");
	}
	spin_unlock_bh(&cl->peers_lock);
}

static void nlb_proc_show_cluster(struct seq_file *seq,
				  struct nlb_cluster *cl)
{
	const struct nlb_map *map = rcu_dereference(cl->map);
	struct net_device *hb_dev = rcu_dereference(cl->hb_dev) ?: cl->dev;
	u8 state = READ_ONCE(cl->state);
	u64 v[NLB_CNT_MAX];
	unsigned int i;

	seq_printf(seq, "cluster %s ifindex %d mode %s node-id %u state %s\n",
		   cl->dev->name, cl->dev->ifindex, nlb_mode_names[cl->mode],
		   cl->node_id, nlb_state_names[state]);
	seq_puts(seq, "vips");
	for (i = 0; i < cl->nvips; i++)
		seq_printf(seq, " %pI4", &cl->vips[i]);
	seq_printf(seq, "\ncluster-mac %pM\n", cl->mac);
	if (cl->mode == NLB_MODE_IGMP)
		seq_printf(seq, "igmp-group %pI4\n", &cl->igmp_group);
	seq_printf(seq, "buckets %u owned %u map-generation %u\n",
		   map->buckets, map->owned, map->generation);
	seq_printf(seq, "seed %*phN%s\n", NLB_SEED_LEN, cl->seed,
		   cl->seed_derived ? " derived" : "");
	seq_puts(seq, "members");
	for (i = 0; i < map->nmembers; i++)
		seq_printf(seq, " %u:%u:%u", map->members[i].id,
			   map->members[i].weight, map->member_buckets[i]);
	seq_puts(seq, "\nstats");
	nlb_stats_read(cl, v);
	for (i = 0; i < NLB_CNT_PKT_MAX; i++)
		seq_printf(seq, " %s %llu", nlb_counter_names[i], v[i]);
	seq_printf(seq, "\nheartbeat dev %s interval %u tolerance %u auth %s membership %s converged %s weight %u digest %016llx\n",
		   hb_dev->name, READ_ONCE(cl->hb_interval),
		   READ_ONCE(cl->hb_tolerance),
		   rcu_access_pointer(cl->auth) ? "hmac-sha256" : "none",
		   READ_ONCE(cl->static_members) ? "static" : "dynamic",
		   READ_ONCE(cl->converged) ? "yes" : "no",
		   READ_ONCE(cl->weight), cl->digest);
	seq_printf(seq, "flows %d syn %d established %d closing %d udp %d max %u timeouts %u %u %u drain-timeout %u\n",
		   atomic_read(&cl->flows.count),
		   atomic_read(&cl->flows.states[NLB_CONN_SYN]),
		   atomic_read(&cl->flows.states[NLB_CONN_ESTABLISHED]),
		   atomic_read(&cl->flows.states[NLB_CONN_CLOSING]),
		   atomic_read(&cl->flows.states[NLB_CONN_UDP]),
		   READ_ONCE(cl->flows.max), READ_ONCE(cl->flows.tcp_timeout),
		   READ_ONCE(cl->flows.close_timeout),
		   READ_ONCE(cl->flows.udp_timeout),
		   READ_ONCE(cl->drain_timeout));
	nlb_proc_show_peers(seq, cl, map);
	seq_puts(seq, "heartbeat-stats");
	for (i = NLB_CNT_PKT_MAX; i < NLB_CNT_MAX; i++)
		seq_printf(seq, " %s %llu", nlb_counter_names[i], v[i]);
	seq_puts(seq, "\n");
}

static int nlb_proc_clusters_show(struct seq_file *seq, void *v)
{
	struct nlb_net *nn = nlb_net(seq_file_single_net(seq));
	struct nlb_cluster *cl;
	bool first = true;

	rcu_read_lock();
	list_for_each_entry_rcu(cl, &nn->clusters, list) {
		if (!first)
			seq_puts(seq, "\n");
		nlb_proc_show_cluster(seq, cl);
		first = false;
	}
	rcu_read_unlock();
	return 0;
}

int nlb_proc_init_net(struct nlb_net *nn)
{
	nn->proc_dir = proc_net_mkdir(nn->net, "nlb", nn->net->proc_net);
	if (!nn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("clusters", 0444, nn->proc_dir,
				    nlb_proc_clusters_show, NULL)) {
		remove_proc_entry("nlb", nn->net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void nlb_proc_exit_net(struct nlb_net *nn)
{
	remove_proc_subtree("nlb", nn->net->proc_net);
}
