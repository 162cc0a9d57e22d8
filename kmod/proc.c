// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/nlb/: the clusters of a namespace, for operators and scripts.
 *
 *  clusters  one block per cluster: configuration, members, map, counters.
 *  flows     one line per flow held, for every cluster of the namespace.
 *
 * Formats documented in Documentation/proc.md.
 */
#include <linux/proc_fs.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
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
		seq_printf(seq, "peer %u state %s weight %u priority %u", i + 1,
			   p->state <= NLB_STATE_MAX ?
			   nlb_state_names[p->state] : "unknown", p->weight,
			   p->priority);
		nlb_proc_show_age(seq, "age-hb", p, NLB_PATH_HB, now);
		nlb_proc_show_age(seq, "age-cluster", p, NLB_PATH_CLUSTER, now);
		seq_printf(seq, " %s%s%s%s%s\n",
			   nlb_peer_alive(cl, p, now) ? "alive" : "dead",
			   map->mask & BIT_ULL(i) ? " in-map" : "",
			   p->digest != READ_ONCE(cl->digest) ? " mismatch" : "",
			   p->dup ? " duplicate" : "",
			   p->held_any ? " holds-flows" : "");
	}
	spin_unlock_bh(&cl->peers_lock);
}

static const char *const nlb_proc_rule_protos[] = {
	[NLB_RULE_TCP] = "tcp", [NLB_RULE_UDP] = "udp", [NLB_RULE_BOTH] = "both",
};

static const char *const nlb_proc_rule_modes[] = {
	[NLB_RULE_MULTIPLE] = "multiple", [NLB_RULE_SINGLE] = "single",
	[NLB_RULE_DISABLED] = "disabled",
};

static const char *const nlb_proc_affinities[] = {
	[NLB_AFFINITY_NONE] = "none", [NLB_AFFINITY_SINGLE] = "single",
	[NLB_AFFINITY_NETWORK] = "network",
};

static const char *const nlb_proc_rule_states[] = {
	[NLB_RULE_ST_ENABLED] = "enabled", [NLB_RULE_ST_DRAINING] = "draining",
	[NLB_RULE_ST_DISABLED] = "disabled",
};

/*
 * One line per port rule, in lookup order, with this node's settings for
 * it and its counters.
 */
static void nlb_proc_show_rules(struct seq_file *seq, struct nlb_cluster *cl,
				const struct nlb_map *map)
{
	const struct nlb_rules *rules = rcu_dereference(cl->rules);
	u64 cnt[NLB_RULE_CNT_MAX];
	unsigned int i;

	seq_printf(seq, "rules %u digest %016llx\n", rules->n, rules->digest);
	for (i = 0; i < rules->n; i++) {
		const struct nlb_rule_node *node = &rules->node[i];
		u32 arr = nlb_map_rule_array(map, rules, i);
		const struct nlb_rule *r = &rules->rule[i];

		if (r->vip)
			seq_printf(seq, "rule vip %pI4", &r->vip);
		else
			seq_puts(seq, "rule vip all");
		seq_printf(seq, " ports %u-%u proto %s mode %s", r->lo, r->hi,
			   nlb_proc_rule_protos[r->proto],
			   nlb_proc_rule_modes[r->mode]);
		if (r->mode == NLB_RULE_MULTIPLE)
			seq_printf(seq, " affinity %s weight %s",
				   nlb_proc_affinities[r->affinity],
				   r->equal ? "equal" : "load");
		else if (r->mode == NLB_RULE_SINGLE)
			seq_printf(seq, " owner %u",
				   map->owner[arr * map->buckets]);
		/* This node's own settings, and its share. */
		if (r->mode == NLB_RULE_MULTIPLE && !r->equal) {
			if (node->weight == NLB_RULE_W_HOST)
				seq_puts(seq, " node-weight host");
			else
				seq_printf(seq, " node-weight %u", node->weight);
		} else if (r->mode == NLB_RULE_SINGLE) {
			if (!node->priority)
				seq_puts(seq, " node-priority host");
			else
				seq_printf(seq, " node-priority %u",
					   node->priority);
		}
		if (r->mode != NLB_RULE_DISABLED)
			seq_printf(seq, " state %s buckets %u",
				   nlb_proc_rule_states[node->state],
				   map->array_owned[arr]);
		nlb_rules_read(rules, i, cnt);
		seq_printf(seq, " accepted %llu dropped %llu\n",
			   cnt[NLB_RULE_CNT_ACCEPTED], cnt[NLB_RULE_CNT_DROPPED]);
	}
}

static void nlb_proc_show_memory(struct seq_file *seq, struct nlb_cluster *cl,
				 const struct nlb_map *map)
{
	struct nlb_mem m;

	nlb_cluster_memory(cl, map, rcu_dereference(cl->rules), &m);
	seq_printf(seq, "memory %llu cluster %llu percpu %llu map %llu rules %llu flow-counters %llu flows %llu flow-table %llu flow-object %llu\n",
		   m.cluster + m.percpu + m.map + m.rules + m.flow_counters +
		   m.flows + m.flow_table, m.cluster, m.percpu, m.map, m.rules,
		   m.flow_counters, m.flows, m.flow_table, m.flow_object);
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
		   map->buckets, map->array_owned[NLB_MAP_LOAD], map->generation);
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
		   READ_ONCE(cl->weight), READ_ONCE(cl->digest));
	seq_printf(seq, "priority %u default-host %u\n",
		   READ_ONCE(cl->priority), map->default_host);
	nlb_proc_show_rules(seq, cl, map);
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
	nlb_proc_show_memory(seq, cl, map);
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

/*
 * /proc/net/nlb/flows walks the flow tables under RTNL, which keeps the
 * clusters and their tables alive, from start() to stop(); a walk is
 * resumed by position, so a table that changes between two reads may show
 * a flow twice or not at all, as netlink dumps may.
 */
static const char *const nlb_proc_flow_states[] = {
	[NLB_CONN_NONE] = "none",
	[NLB_CONN_SYN] = "syn",
	[NLB_CONN_ESTABLISHED] = "established",
	[NLB_CONN_CLOSING] = "closing",
	[NLB_CONN_UDP] = "udp",
};

struct nlb_proc_flows {
	struct seq_net_private p;	/* first, for seq_file_net() */
	struct rhashtable_iter iter;
	struct nlb_cluster *cl;		/* being walked */
};

static void nlb_proc_flows_enter(struct nlb_proc_flows *st,
				 struct nlb_cluster *cl)
{
	st->cl = cl;
	rhashtable_walk_enter(&cl->flows.ht, &st->iter);
	rhashtable_walk_start(&st->iter);
}

static void nlb_proc_flows_leave(struct nlb_proc_flows *st)
{
	rhashtable_walk_stop(&st->iter);
	rhashtable_walk_exit(&st->iter);
	st->cl = NULL;
}

/* The next flow, moving on to the next cluster at the end of one. */
static struct nlb_conn *nlb_proc_flows_step(struct seq_file *seq)
{
	struct nlb_net *nn = nlb_net(seq_file_net(seq));
	struct nlb_proc_flows *st = seq->private;
	struct nlb_cluster *next;
	struct nlb_conn *c;

	while (st->cl) {
		c = rhashtable_walk_next(&st->iter);
		if (c == ERR_PTR(-EAGAIN))
			continue;	/* resized: the walk goes on */
		if (!IS_ERR_OR_NULL(c))
			return c;
		next = list_is_last(&st->cl->list, &nn->clusters) ? NULL :
		       list_next_entry(st->cl, list);
		nlb_proc_flows_leave(st);
		if (next)
			nlb_proc_flows_enter(st, next);
	}
	return NULL;
}

static void *nlb_proc_flows_start(struct seq_file *seq, loff_t *pos)
{
	struct nlb_net *nn = nlb_net(seq_file_net(seq));
	struct nlb_proc_flows *st = seq->private;
	struct nlb_cluster *cl;
	struct nlb_conn *c;
	loff_t i;

	rtnl_lock();
	st->cl = NULL;
	cl = list_first_entry_or_null(&nn->clusters, struct nlb_cluster, list);
	if (!cl)
		return NULL;
	nlb_proc_flows_enter(st, cl);
	for (i = 0; (c = nlb_proc_flows_step(seq)) && i < *pos; i++)
		;
	return c;
}

static void *nlb_proc_flows_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	return nlb_proc_flows_step(seq);
}

static void nlb_proc_flows_stop(struct seq_file *seq, void *v)
{
	struct nlb_proc_flows *st = seq->private;

	if (st->cl)
		nlb_proc_flows_leave(st);
	rtnl_unlock();
}

static int nlb_proc_flows_show(struct seq_file *seq, void *v)
{
	struct nlb_proc_flows *st = seq->private;
	const struct nlb_cluster *cl = st->cl;
	const struct nlb_conn *c = v;
	/* rhashtable_walk_start() holds rcu_read_lock(). */
	const struct nlb_map *map = rcu_dereference(cl->map);
	u32 state = READ_ONCE(c->state);
	struct nlb_flow_class fc;

	nlb_flows_class(cl, map, rcu_dereference(cl->rules), c, &fc);

	seq_printf(seq, "flow dev %s proto %s src %pI4:%u dst %pI4:%u bucket %u owner %u state %s idle-ms %u\n",
		   cl->dev->name, c->key.proto == IPPROTO_TCP ? "tcp" : "udp",
		   &c->key.saddr, ntohs(c->key.sport),
		   &c->key.daddr, ntohs(c->key.dport),
		   fc.bucket, fc.owner,
		   state <= NLB_CONN_MAX ? nlb_proc_flow_states[state] : "?",
		   jiffies_to_msecs(jiffies - READ_ONCE(c->seen)));
	return 0;
}

static const struct seq_operations nlb_proc_flows_ops = {
	.start = nlb_proc_flows_start,
	.next = nlb_proc_flows_next,
	.stop = nlb_proc_flows_stop,
	.show = nlb_proc_flows_show,
};

int nlb_proc_init_net(struct nlb_net *nn)
{
	nn->proc_dir = proc_net_mkdir(nn->net, "nlb", nn->net->proc_net);
	if (!nn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("clusters", 0444, nn->proc_dir,
				    nlb_proc_clusters_show, NULL) ||
	    !proc_create_net("flows", 0444, nn->proc_dir, &nlb_proc_flows_ops,
			     sizeof(struct nlb_proc_flows))) {
		remove_proc_subtree("nlb", nn->net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void nlb_proc_exit_net(struct nlb_net *nn)
{
	remove_proc_subtree("nlb", nn->net->proc_net);
}
