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

static void nlb_proc_show_cluster(struct seq_file *seq,
				  const struct nlb_cluster *cl)
{
	const struct nlb_map *map = rcu_dereference(cl->map);
	u64 v[NLB_CNT_MAX];
	unsigned int i;

	seq_printf(seq, "cluster %s ifindex %d mode %s node-id %u state %s\n",
		   cl->dev->name, cl->dev->ifindex, nlb_mode_names[cl->mode],
		   cl->node_id,
		   nlb_cluster_state(map, cl->node_id) == NLB_STATE_ACTIVE ?
		   "active" : "stopped");
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
	for (i = 0; i < NLB_CNT_MAX; i++)
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
