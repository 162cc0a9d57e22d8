// SPDX-License-Identifier: GPL-2.0
/*
 * The flows a node holds (Windows NLB's connection descriptors), so that a
 * connection survives its bucket moving to another node: the node keeps
 * serving it while the new owner takes only new flows there.
 *
 *  - One rhashtable per cluster, keyed by the 5-tuple, looked up under RCU
 *    from the ingress hook, and only for buckets where this node holds
 *    something of the packet's rule (a count per rule and bucket says
 *    so), so the drop path of buckets without held flows costs one array
 *    read.
 *  - A flow is created by the packet that starts it (kmod/core/conn.c): one
 *    GFP_ATOMIC allocation from a slab cache per new flow; packets of known
 *    flows take no lock and allocate nothing.  At most max-flows are held:
 *    beyond, new flows are still accepted by their bucket's owner but not
 *    held (counted as flows_full), so they are not protected across a
 *    membership change.
 *  - The gc work forgets idle and closed flows every second, walking the
 *    table without stopping the packet path.
 *  - held buckets: the buckets where this node holds flows but no longer
 *    takes new ones.  Heartbeats carry them (NLB_HB_TLV_HELD), and the
 *    owner of such a bucket leaves unknown non-SYN packets in it to us.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "nlb.h"

static struct kmem_cache *nlb_conn_cache __read_mostly;

static const struct rhashtable_params nlb_conn_params = {
	.head_offset = offsetof(struct nlb_conn, node),
	.key_offset = offsetof(struct nlb_conn, key),
	.key_len = sizeof(struct nlb_conn_key),
	.automatic_shrinking = true,
};

static void nlb_conn_key(struct nlb_conn_key *key, const struct nlb_flow *f)
{
	memset(key, 0, sizeof(*key));
	key->saddr = f->saddr;
	key->daddr = f->daddr;
	key->sport = f->sport;
	key->dport = f->dport;
	key->proto = f->proto;
}

/* RCU read side: the held flow of @f (of count slot @cslot), or NULL. */
struct nlb_conn *nlb_flows_lookup(struct nlb_cluster *cl,
				  const struct nlb_flow *f, u32 cslot)
{
	struct nlb_conn_key key;

	if (!atomic_read(&cl->flows.class_count[NLB_CSLOT_CLASS(cslot)]
				[NLB_CSLOT_BUCKET(cslot)]))
		return NULL;
	nlb_conn_key(&key, f);
	return rhashtable_lookup(&cl->flows.ht, &key, nlb_conn_params);
}

static void nlb_conn_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(nlb_conn_cache, container_of(head, struct nlb_conn, rcu));
}

/* Start holding @f in count slot @cslot (packet path). */
void nlb_flows_add(struct nlb_cluster *cl, const struct nlb_flow *f,
		   u32 cslot)
{
	struct nlb_flows *fl = &cl->flows;
	struct nlb_conn *c;
	int err;

	if (atomic_inc_return(&fl->count) > READ_ONCE(fl->max)) {
		atomic_dec(&fl->count);
		nlb_count(cl, NLB_CNT_FLOWS_FULL);
		return;
	}
	c = kmem_cache_alloc(nlb_conn_cache, GFP_ATOMIC);
	if (!c)
		goto err;
	nlb_conn_key(&c->key, f);
	c->cslot = cslot;
	c->state = nlb_conn_next(NLB_CONN_NONE, f);
	c->seen = jiffies;
	err = rhashtable_lookup_insert_fast(&fl->ht, &c->node,
					    nlb_conn_params);
	if (err) {
		/* -EEXIST: another CPU was first with this flow. */
		kmem_cache_free(nlb_conn_cache, c);
		if (err != -EEXIST)
			goto err;
		atomic_dec(&fl->count);
		return;
	}
	atomic_inc(&fl->class_count[NLB_CSLOT_CLASS(cslot)]
				   [NLB_CSLOT_BUCKET(cslot)]);
	atomic_inc(&fl->states[c->state]);
	nlb_count(cl, NLB_CNT_FLOWS_CREATED);
	return;

err:
	atomic_dec(&fl->count);
	nlb_count(cl, NLB_CNT_FLOWS_FULL);
}

/* A packet of held flow @c (packet path). */
void nlb_flows_touch(struct nlb_cluster *cl, struct nlb_conn *c,
		     const struct nlb_flow *f)
{
	unsigned long now = jiffies;
	u32 old = READ_ONCE(c->state), new;

	if (READ_ONCE(c->seen) != now)
		WRITE_ONCE(c->seen, now);
	if (f->flags & NLB_FLOW_F_ICMP_ERROR)
		return;
	new = nlb_conn_next(old, f);
	if (new != old && cmpxchg(&c->state, old, new) == old) {
		atomic_dec(&cl->flows.states[old]);
		atomic_inc(&cl->flows.states[new]);
	}
}

/* Forget @c; any context.  Only the caller that removes it frees it. */
void nlb_flows_forget(struct nlb_cluster *cl, struct nlb_conn *c)
{
	struct nlb_flows *fl = &cl->flows;

	if (rhashtable_remove_fast(&fl->ht, &c->node, nlb_conn_params))
		return;
	atomic_dec(&fl->count);
	atomic_dec(&fl->class_count[NLB_CSLOT_CLASS(c->cslot)]
				   [NLB_CSLOT_BUCKET(c->cslot)]);
	atomic_dec(&fl->states[READ_ONCE(c->state)]);
	call_rcu(&c->rcu, nlb_conn_free_rcu);
}

/*
 * How @c's packets are filtered now (RCU read side): its flow classified
 * under @map and @rules, as its next packet will be.
 */
void nlb_flows_class(const struct nlb_cluster *cl, const struct nlb_map *map,
		     const struct nlb_rules *rules, const struct nlb_conn *c,
		     struct nlb_flow_class *v)
{
	struct nlb_flow f = {
		.saddr = c->key.saddr,
		.daddr = c->key.daddr,
		.sport = c->key.sport,
		.dport = c->key.dport,
		.proto = c->key.proto,
		.flags = NLB_FLOW_F_PORTS,
	};

	nlb_filter_classify(cl, map, rules, &f, v);
}

/*
 * Forget every flow (@rule < 0), or those of rule @rule of @rules
 * (process context, @rules published or about to be).
 */
static void nlb_flows_forget_rule(struct nlb_cluster *cl,
				  const struct nlb_rules *rules, int rule)
{
	struct rhashtable_iter iter;
	struct nlb_conn *c;

	rhashtable_walk_enter(&cl->flows.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c))
			continue;
		if (rule >= 0 &&
		    nlb_rules_lookup(rules->table, c->key.daddr, c->key.proto,
				     ntohs(c->key.dport)) != rule)
			continue;
		nlb_flows_forget(cl, c);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

void nlb_flows_flush(struct nlb_cluster *cl)
{
	nlb_flows_forget_rule(cl, NULL, -1);
}

/* Forget the flows of rule @rule (>= 0) of @rules: the node disabled it. */
void nlb_flows_flush_rule(struct nlb_cluster *cl,
			  const struct nlb_rules *rules, int rule)
{
	if (rule >= 0)
		nlb_flows_forget_rule(cl, rules, rule);
}

unsigned long nlb_conn_timeout(const struct nlb_cluster *cl, u32 state)
{
	const struct nlb_flows *fl = &cl->flows;
	u32 s;

	switch (state) {
	case NLB_CONN_ESTABLISHED:
		s = READ_ONCE(fl->tcp_timeout);
		break;
	case NLB_CONN_UDP:
		s = READ_ONCE(fl->udp_timeout);
		break;
	default:
		s = READ_ONCE(fl->close_timeout);
		break;
	}
	return (unsigned long)s * HZ;
}

static void nlb_flows_gc(struct work_struct *work)
{
	struct nlb_cluster *cl = container_of(to_delayed_work(work),
					      struct nlb_cluster, flows.gc);
	struct rhashtable_iter iter;
	unsigned long now = jiffies;
	struct nlb_conn *c;

	rhashtable_walk_enter(&cl->flows.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if (time_after(now, READ_ONCE(c->seen) +
				    nlb_conn_timeout(cl, READ_ONCE(c->state)))) {
			nlb_flows_forget(cl, c);
			nlb_count_any(cl, NLB_CNT_FLOWS_EXPIRED);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	/* A drain ends with its last flow. */
	if (READ_ONCE(cl->admin) == NLB_ADMIN_DRAINING)
		nlb_membership_kick(cl);
	if (!READ_ONCE(cl->dying))
		queue_delayed_work(system_power_efficient_wq, &cl->flows.gc, HZ);
}

/*
 * Count, and mark in @bits (bit b % 8 of byte b / 8; NULL: count only),
 * the buckets where this node holds flows that it would not take as new
 * ones: a class's flows in a bucket the class's array does not give it
 * (every bucket when it is not @active).  The classes are those of @rules
 * and class 0 (no rule); flows of a rule since deleted are not found by
 * the filter any more either.  Any context, RCU read side.
 */
u32 nlb_flows_held_scan(struct nlb_cluster *cl, const struct nlb_map *map,
			const struct nlb_rules *rules, bool active, u8 *bits)
{
	const atomic_t *count[NLB_FLOW_CLASSES];
	u8 arr[NLB_FLOW_CLASSES];
	u32 bsz = map->buckets, n = 0, b, k, nc = 0;
	const atomic_t *c;
	unsigned int i;

	if (cl->flows.class_count[0]) {
		count[nc] = cl->flows.class_count[0];
		arr[nc++] = NLB_MAP_DEFAULT;
	}
	for (i = 0; i < rules->n; i++) {
		c = cl->flows.class_count[rules->cls[i]];
		if (rules->rule[i].mode == NLB_RULE_DISABLED || !c)
			continue;
		count[nc] = c;
		arr[nc++] = nlb_map_rule_array(map, rules, i);
	}
	for (b = 0; b < bsz; b++) {
		for (k = 0; k < nc; k++)
			if (atomic_read(&count[k][b]) &&
			    (!active ||
			     map->owner[arr[k] * bsz + b] != cl->node_id))
				break;
		if (k == nc)
			continue;
		n++;
		if (bits)
			bits[b / 8] |= 1 << (b % 8);
	}
	return n;
}

/*
 * The buckets where this node holds flows but takes no new ones, as bytes
 * (bit b % 8 of byte b / 8); false if there is none.  Any context, RCU
 * read side.  Peers learn buckets, not classes or arrays.
 */
bool nlb_flows_held_buckets(struct nlb_cluster *cl,
			    const struct nlb_map *map, u8 *bits)
{
	u8 state = READ_ONCE(cl->state);
	bool active = state == NLB_STATE_ACTIVE;

	memset(bits, 0, map->buckets / 8);
	if (!atomic_read(&cl->flows.count) ||
	    (!active && state != NLB_STATE_DRAINING))
		return false;
	return nlb_flows_held_scan(cl, map, rcu_dereference(cl->rules), active,
				   bits) > 0;
}

/*
 * The held flows' share of NLB_A_MEMORY: the counters (per class and per
 * bucket), the flow objects (at the slab cache's object size), and the
 * hash table's bucket array (two while the table is being resized).  Any
 * context.
 */
void nlb_flows_memory(struct nlb_cluster *cl, struct nlb_mem *m)
{
	struct nlb_flows *fl = &cl->flows;
	const struct bucket_table *tbl;
	unsigned int k;

	m->flow_counters = nlb_kvbytes(fl->started, cl->buckets *
				       sizeof(atomic_long_t));
	for (k = 0; k < NLB_FLOW_CLASSES; k++)
		m->flow_counters += nlb_kvbytes(READ_ONCE(fl->class_count[k]),
						cl->buckets * sizeof(atomic_t));
	m->flow_object = kmem_cache_size(nlb_conn_cache);
	m->flows = (u64)max(atomic_read(&fl->count), 0) * m->flow_object;
	m->flow_table = 0;
	if (!fl->ready)
		return;
	rcu_read_lock();
	for (tbl = rcu_dereference(fl->ht.tbl); tbl;
	     tbl = rcu_dereference(tbl->future_tbl))
		m->flow_table += nlb_kvbytes(tbl, struct_size(tbl, buckets,
							     tbl->size));
	rcu_read_unlock();
}

/*
 * Make sure the held-flow counters of class 0 and of every class of
 * @rules exist (RTNL held, before @rules is published).  A class's
 * counters live as long as the cluster: a deleted rule's held flows may
 * still count there, and a reader needs no lock.
 */
int nlb_flows_prepare(struct nlb_cluster *cl, const struct nlb_rules *rules)
{
	struct nlb_flows *fl = &cl->flows;
	atomic_t *count;
	unsigned int i;
	int k;

	for (i = 0; i <= rules->n; i++) {
		k = i < rules->n ? rules->cls[i] : 0;
		if (fl->class_count[k])
			continue;
		count = kvcalloc(cl->buckets, sizeof(atomic_t), GFP_KERNEL);
		if (!count)
			return -ENOMEM;
		WRITE_ONCE(fl->class_count[k], count);
	}
	return 0;
}

static void nlb_flows_free_counters(struct nlb_flows *fl)
{
	unsigned int k;

	for (k = 0; k < NLB_FLOW_CLASSES; k++) {
		kvfree(fl->class_count[k]);
		fl->class_count[k] = NULL;
	}
	kvfree(fl->started);
	fl->started = NULL;
}

int nlb_flows_init(struct nlb_cluster *cl, u32 buckets,
		   const struct nlb_cluster_params *p)
{
	struct nlb_flows *fl = &cl->flows;
	int err;

	fl->max = p->max_flows;
	fl->tcp_timeout = p->tcp_timeout;
	fl->close_timeout = p->close_timeout;
	fl->udp_timeout = p->udp_timeout;
	fl->started = kvcalloc(buckets, sizeof(atomic_long_t), GFP_KERNEL);
	if (!fl->started)
		return -ENOMEM;
	err = nlb_flows_prepare(cl, rtnl_dereference(cl->rules));
	if (err)
		goto err_counters;
	err = rhashtable_init(&fl->ht, &nlb_conn_params);
	if (err)
		goto err_counters;
	INIT_DELAYED_WORK(&fl->gc, nlb_flows_gc);
	fl->ready = true;
	return 0;

err_counters:
	nlb_flows_free_counters(fl);
	return err;
}

void nlb_flows_start(struct nlb_cluster *cl)
{
	queue_delayed_work(system_power_efficient_wq, &cl->flows.gc, HZ);
}

static void nlb_conn_free(void *ptr, void *arg)
{
	kmem_cache_free(nlb_conn_cache, ptr);
}

/* No reader is left: the hook is gone and the timers are stopped. */
void nlb_flows_destroy(struct nlb_cluster *cl)
{
	struct nlb_flows *fl = &cl->flows;

	if (!fl->ready)
		return;
	cancel_delayed_work_sync(&fl->gc);
	rhashtable_free_and_destroy(&fl->ht, nlb_conn_free, NULL);
	nlb_flows_free_counters(fl);
	fl->ready = false;
}

int nlb_flows_module_init(void)
{
	nlb_conn_cache = kmem_cache_create("nlb_flow", sizeof(struct nlb_conn),
					   0, 0, NULL);
	return nlb_conn_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): the last call_rcu() frees have run. */
void nlb_flows_module_exit(void)
{
	kmem_cache_destroy(nlb_conn_cache);
}
