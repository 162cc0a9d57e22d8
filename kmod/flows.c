// SPDX-License-Identifier: GPL-2.0
/*
 * The flows a node holds (Windows NLB's connection descriptors), so that a
 * connection survives its bucket moving to another node: the node keeps
 * serving it while the new owner takes only new flows there.
 *
 *  - One rhashtable per cluster, keyed by the 5-tuple, looked up under RCU
 *    from the ingress hook, and only for buckets where this node holds
 *    something (a per-bucket count says so), so the drop path of buckets
 *    without held flows costs one array read.
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

	if (!atomic_read(&cl->flows.bucket_count[cslot]))
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
	atomic_inc(&fl->bucket_count[cslot]);
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
	atomic_dec(&fl->bucket_count[c->cslot]);
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
 * Does this node hold flows in bucket @b that it would not take as new
 * ones (@active: it is active)?  Flows are counted per (affinity, bucket),
 * so a bucket is held when one of the arrays that flows of a held
 * affinity use there is not this node's.  Any context.
 */
bool nlb_flows_bucket_held(struct nlb_cluster *cl, const struct nlb_map *map,
			   u32 b, bool active)
{
	const atomic_t *count = cl->flows.bucket_count;
	u32 k, a, mask = 0;

	for (k = 0; k < NLB_HASH_KINDS; k++)
		if (atomic_read(&count[k * map->buckets + b]))
			mask |= BIT(k);
	if (!mask)
		return false;
	if (!active)
		return true;
	for (a = 0; a < map->narrays; a++)
		if ((map->array_aff[a] & mask) &&
		    map->owner[a * map->buckets + b] != cl->node_id)
			return true;
	return false;
}

/*
 * The buckets where this node holds flows but takes no new ones, as bytes
 * (bit b % 8 of byte b / 8); false if there is none.  Any context.
 * Peers learn buckets, not slots (nlb_flows_bucket_held()).
 */
bool nlb_flows_held_buckets(struct nlb_cluster *cl,
			    const struct nlb_map *map, u8 *bits)
{
	u8 state = READ_ONCE(cl->state);
	bool active = state == NLB_STATE_ACTIVE, any = false;
	u32 b;

	memset(bits, 0, map->buckets / 8);
	if (!atomic_read(&cl->flows.count) ||
	    (!active && state != NLB_STATE_DRAINING))
		return false;
	for (b = 0; b < map->buckets; b++) {
		if (!nlb_flows_bucket_held(cl, map, b, active))
			continue;
		bits[b / 8] |= 1 << (b % 8);
		any = true;
	}
	return any;
}

/*
 * The held flows' share of NLB_A_MEMORY: the per-count-slot counters, the flow
 * objects (at the slab cache's object size), and the hash table's bucket
 * array (two while the table is being resized).  Any context.
 */
void nlb_flows_memory(struct nlb_cluster *cl, struct nlb_mem *m)
{
	struct nlb_flows *fl = &cl->flows;
	const struct bucket_table *tbl;
	u32 slots = NLB_HASH_KINDS * cl->buckets;

	m->flow_counters =
		nlb_kvbytes(fl->bucket_count, slots * sizeof(atomic_t)) +
		nlb_kvbytes(fl->bucket_started, slots * sizeof(atomic_long_t));
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

int nlb_flows_init(struct nlb_cluster *cl, u32 buckets,
		   const struct nlb_cluster_params *p)
{
	struct nlb_flows *fl = &cl->flows;
	int err;

	fl->max = p->max_flows;
	fl->tcp_timeout = p->tcp_timeout;
	fl->close_timeout = p->close_timeout;
	fl->udp_timeout = p->udp_timeout;
	/* Per count slot: NLB_HASH_KINDS times @buckets. */
	fl->bucket_count = kvcalloc(NLB_HASH_KINDS * buckets, sizeof(atomic_t),
				    GFP_KERNEL);
	if (!fl->bucket_count)
		return -ENOMEM;
	fl->bucket_started = kvcalloc(NLB_HASH_KINDS * buckets,
				      sizeof(atomic_long_t), GFP_KERNEL);
	if (!fl->bucket_started) {
		err = -ENOMEM;
		goto err_count;
	}
	err = rhashtable_init(&fl->ht, &nlb_conn_params);
	if (err)
		goto err_started;
	INIT_DELAYED_WORK(&fl->gc, nlb_flows_gc);
	fl->ready = true;
	return 0;

err_started:
	kvfree(fl->bucket_started);
	fl->bucket_started = NULL;
err_count:
	kvfree(fl->bucket_count);
	fl->bucket_count = NULL;
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
	kvfree(fl->bucket_started);
	fl->bucket_started = NULL;
	kvfree(fl->bucket_count);
	fl->bucket_count = NULL;
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
