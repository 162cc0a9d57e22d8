// SPDX-License-Identifier: GPL-2.0
/*
 * Port rules: the kernel side of kmod/core/rules.c.
 *
 * A cluster's rules are an immutable struct nlb_rules published under RCU
 * (cl->rules): the rules in lookup order, the compiled table the ingress
 * hook searches, and per-rule, per-CPU counters.  A change (NLB_CMD_RULE_*,
 * under RTNL) builds a whole new set, checks it, and only then publishes
 * it, so a refused change leaves the rules in force untouched.  The rules
 * are part of the configuration digest: a node with other rules is held
 * out of the cluster, as Windows NLB refuses to converge with them.
 *
 * Each rule also has this node's own settings for it (struct
 * nlb_rule_node: load weight, handling priority, enabled, draining or
 * disabled), which are not part of the digest: heartbeats carry them, and
 * membership builds each rule's owner array from every member's.
 * NLB_CMD_RULE_SET changes them alone, the same way: a new set is built
 * and published.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "nlb.h"

/* Lookup order: by VIP, then first port, then protocol. */
static int nlb_rule_cmp(const struct nlb_rule *a, const struct nlb_rule *b)
{
	u32 va = be32_to_cpu(a->vip), vb = be32_to_cpu(b->vip);

	if (va != vb)
		return va < vb ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

static bool nlb_rule_same(const struct nlb_rule *a, const struct nlb_rule *b)
{
	return a->vip == b->vip && a->lo == b->lo && a->hi == b->hi &&
	       a->proto == b->proto;
}

void nlb_rules_free(struct nlb_rules *rules)
{
	if (!rules)
		return;
	free_percpu(rules->stats);
	kfree(rules);
}

static void nlb_rules_free_rcu(struct rcu_head *head)
{
	nlb_rules_free(container_of(head, struct nlb_rules, rcu));
}

void nlb_rules_read(const struct nlb_rules *rules, unsigned int i,
		    u64 out[NLB_RULE_CNT_MAX])
{
	unsigned int cpu, c, start;

	for (c = 0; c < NLB_RULE_CNT_MAX; c++)
		out[c] = rules->base[i][c];
	for_each_possible_cpu(cpu) {
		const struct nlb_rule_pcpu *s = per_cpu_ptr(rules->stats, cpu);
		u64 v[NLB_RULE_CNT_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (c = 0; c < NLB_RULE_CNT_MAX; c++)
				v[c] = u64_stats_read(&s->cnt[i][c]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (c = 0; c < NLB_RULE_CNT_MAX; c++)
			out[c] += v[c];
	}
}

/*
 * Give each rule of @rules its held-flow class (1..64): the one it had in
 * @old, or one no rule of @rules has, preferring one no rule of @old had
 * either (flows of a deleted rule may still count in its class).
 */
static void nlb_rules_classes(struct nlb_rules *rules,
			      const struct nlb_rules *old)
{
	DECLARE_BITMAP(used, NLB_FLOW_CLASSES);
	DECLARE_BITMAP(was, NLB_FLOW_CLASSES);
	unsigned int i, j;

	bitmap_zero(used, NLB_FLOW_CLASSES);
	bitmap_zero(was, NLB_FLOW_CLASSES);
	__set_bit(0, used);
	for (j = 0; old && j < old->n; j++)
		__set_bit(old->cls[j], was);
	for (i = 0; i < rules->n; i++) {
		for (j = 0; old && j < old->n; j++) {
			if (nlb_rule_same(&rules->rule[i], &old->rule[j])) {
				rules->cls[i] = old->cls[j];
				__set_bit(rules->cls[i], used);
				break;
			}
		}
	}
	for (i = 0; i < rules->n; i++) {
		if (rules->cls[i])
			continue;
		for (j = 0; j < NLB_FLOW_CLASSES; j++)
			if (!test_bit(j, used) && !test_bit(j, was))
				break;
		if (j == NLB_FLOW_CLASSES)
			j = find_first_zero_bit(used, NLB_FLOW_CLASSES);
		rules->cls[i] = j;
		__set_bit(j, used);
	}
}

/*
 * A rule set of @r (@n rules, valid: nlb_rules_validate()) with this
 * node's settings @node (NULL: the defaults), sorted into lookup order,
 * with the counters of the rules @old has too.
 */
struct nlb_rules *nlb_rules_create(const struct nlb_rule *r,
				   const struct nlb_rule_node *node,
				   unsigned int n, const struct nlb_rules *old)
{
	struct nlb_rule_node tnode;
	size_t head = ALIGN(sizeof(struct nlb_rules), 8);
	size_t tsize = nlb_rules_table_size(n);
	struct nlb_rules *rules;
	struct nlb_rule tmp;
	unsigned int i, j;

	if (!tsize)
		return ERR_PTR(-EINVAL);
	rules = kzalloc(head + tsize, GFP_KERNEL);
	if (!rules)
		return ERR_PTR(-ENOMEM);
	rules->bytes = kmalloc_size_roundup(head + tsize);
	rules->stats = alloc_percpu(struct nlb_rule_pcpu);
	if (!rules->stats) {
		kfree(rules);
		return ERR_PTR(-ENOMEM);
	}
	for_each_possible_cpu(i)
		u64_stats_init(&per_cpu_ptr(rules->stats, i)->syncp);

	for (i = 0; i < n; i++) {
		tmp = r[i];
		if (node)
			tnode = node[i];
		else
			nlb_rule_node_default(&tnode);
		for (j = i; j > 0 && nlb_rule_cmp(&rules->rule[j - 1], &tmp) > 0;
		     j--) {
			rules->rule[j] = rules->rule[j - 1];
			rules->node[j] = rules->node[j - 1];
		}
		rules->rule[j] = tmp;
		rules->node[j] = tnode;
		if (!nlb_rule_node_is_default(&tnode))
			rules->custom = true;
	}
	rules->n = n;
	rules->table = (struct nlb_rule_table *)((u8 *)rules + head);
	if (nlb_rules_compile(rules->table, tsize, rules->rule, n)) {
		nlb_rules_free(rules);
		return ERR_PTR(-EINVAL);
	}
	rules->digest = nlb_rules_digest(rules->rule, n);

	for (i = 0; old && i < n; i++)
		for (j = 0; j < old->n; j++)
			if (nlb_rule_same(&rules->rule[i], &old->rule[j]))
				nlb_rules_read(old, j, rules->base[i]);
	nlb_rules_classes(rules, old);
	return rules;
}

/* The configuration digest of @cl with rules of digest @rules_digest. */
u64 nlb_cluster_digest(const struct nlb_cluster *cl, u64 rules_digest)
{
	struct nlb_config cfg = {
		.mode = cl->mode,
		.buckets = cl->buckets,
		.seed = cl->seed,
		.vips = cl->vips,
		.nvips = cl->nvips,
		.rules = rules_digest,
	};

	return nlb_config_digest(&cfg);
}

/*
 * Publish @rules (RTNL, and cl->lock once membership runs) and the
 * configuration digest that goes with them:
 * peers with the old rules now mismatch, and membership keeps the odd
 * nodes out.
 */
void nlb_rules_publish(struct nlb_cluster *cl, struct nlb_rules *rules)
{
	struct nlb_rules *old;

	old = rcu_replace_pointer(cl->rules, rules, lockdep_rtnl_is_held());
	WRITE_ONCE(cl->digest, nlb_cluster_digest(cl, rules->digest));
	if (old) {
		nlb_membership_kick(cl);
		call_rcu(&old->rcu, nlb_rules_free_rcu);
	}
}

/*
 * Check that this node's settings @req apply to rule @r: a weight to a
 * multiple-host rule with load weights, a priority to a single-host rule,
 * a state to any but a disabled rule.
 */
static int nlb_rule_node_check(const struct nlb_rule *r,
			       const struct nlb_rule_node_req *req,
			       struct netlink_ext_ack *extack)
{
	if (req->set_weight &&
	    (r->mode != NLB_RULE_MULTIPLE || r->equal)) {
		NL_SET_ERR_MSG(extack,
			       "a node weight applies only to multiple-host rules with load weights");
		return -EINVAL;
	}
	if (req->set_priority && r->mode != NLB_RULE_SINGLE) {
		NL_SET_ERR_MSG(extack,
			       "a handling priority applies only to single-host rules");
		return -EINVAL;
	}
	if (req->set_state && r->mode == NLB_RULE_DISABLED) {
		NL_SET_ERR_MSG(extack,
			       "a disabled rule has no per-node state: every node drops its traffic");
		return -EINVAL;
	}
	return 0;
}

/*
 * This node's settings for rule @r: @req's where given, else @old's (NULL:
 * the defaults) as far as they still apply to @r.
 */
static void nlb_rule_node_apply(struct nlb_rule_node *out,
				const struct nlb_rule *r,
				const struct nlb_rule_node *old,
				const struct nlb_rule_node_req *req)
{
	nlb_rule_node_default(out);
	if (old) {
		if (r->mode == NLB_RULE_MULTIPLE && !r->equal)
			out->weight = old->weight;
		if (r->mode == NLB_RULE_SINGLE)
			out->priority = old->priority;
		if (r->mode != NLB_RULE_DISABLED)
			out->state = old->state;
	}
	if (req && req->set_weight)
		out->weight = req->node.weight;
	if (req && req->set_priority)
		out->priority = req->node.priority;
	if (req && req->set_state)
		out->state = req->node.state;
}

/*
 * Publish @rules in place of @cur (RTNL held), and forget the flows of
 * the rules this node has newly disabled for itself.  On failure (no
 * memory for a new rule's held-flow counters) @rules is freed and @cur
 * stays.
 */
static int nlb_rules_replace(struct nlb_cluster *cl, struct nlb_rules *rules,
			     const struct nlb_rules *cur,
			     struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(flush, NLB_MAX_RULES);
	unsigned int i, j;
	int err;

	err = nlb_flows_prepare(cl, rules);
	if (err) {
		nlb_rules_free(rules);
		NL_SET_ERR_MSG(extack, "cannot allocate the rule's flow counters");
		return err;
	}

	/* Before publishing: @cur is freed after the next grace period. */
	bitmap_zero(flush, NLB_MAX_RULES);
	for (i = 0; i < rules->n; i++) {
		if (rules->node[i].state != NLB_RULE_ST_DISABLED)
			continue;
		for (j = 0; j < cur->n; j++)
			if (nlb_rule_same(&rules->rule[i], &cur->rule[j]))
				break;
		if (j == cur->n || cur->node[j].state != NLB_RULE_ST_DISABLED)
			__set_bit(i, flush);
	}
	/*
	 * Membership reads the digest under cl->lock; this node's map follows
	 * the rules before the request returns.
	 */
	mutex_lock(&cl->lock);
	nlb_rules_publish(cl, rules);
	nlb_membership_update(cl);
	mutex_unlock(&cl->lock);
	for_each_set_bit(i, flush, NLB_MAX_RULES)
		nlb_flows_flush_rule(cl, rules, i);
	return 0;
}

/*
 * Add @rule (@add) with this node's settings @req, replacing the rule of
 * the same VIP, ports and protocol if @replace (whose settings it keeps
 * where @req has none and they still apply), or delete the rule of
 * @rule's VIP, ports and protocol.  All or nothing: a refused change
 * leaves the rules untouched.
 */
int nlb_rules_change(struct nlb_cluster *cl, const struct nlb_rule *rule,
		     const struct nlb_rule_node_req *req, bool add,
		     bool replace, struct netlink_ext_ack *extack)
{
	const struct nlb_rules *cur = rtnl_dereference(cl->rules);
	struct nlb_rule_node node[NLB_MAX_RULES + 1];
	const struct nlb_rule_node *old = NULL;
	struct nlb_rule r[NLB_MAX_RULES + 1];
	struct nlb_rules *rules;
	unsigned int i, n = 0, bad;
	const char *why;
	int err;

	ASSERT_RTNL();
	for (i = 0; i < cur->n; i++) {
		if (nlb_rule_same(&cur->rule[i], rule)) {
			old = &cur->node[i];
			if (!add || replace)
				continue;
		}
		node[n] = cur->node[i];
		r[n++] = cur->rule[i];
	}
	if (!add && !old) {
		NL_SET_ERR_MSG(extack,
			       "no rule with this VIP, port range and protocol");
		return -ENOENT;
	}
	if (add) {
		if (old && !replace) {
			NL_SET_ERR_MSG(extack,
				       "a rule with this VIP, port range and protocol exists (use replace)");
			return -EEXIST;
		}
		if (n >= NLB_MAX_RULES) {
			NL_SET_ERR_MSG(extack, "too many port rules (at most 64)");
			return -ENOSPC;
		}
		r[n] = *rule;
		nlb_rule_node_apply(&node[n], rule, old, req);
		n++;
		/* The new rule last: a conflict is reported against it. */
		if (nlb_rules_validate(r, n, &bad, &why)) {
			if (bad == n - 1 && !strncmp(why, "overlaps", 8))
				NL_SET_ERR_MSG(extack,
					       "the rule overlaps another rule of the same VIP and protocol");
			else if (extack)
				extack->_msg = why;	/* static, from core */
			return -EINVAL;
		}
		if (req) {
			err = nlb_rule_node_check(rule, req, extack);
			if (err)
				return err;
		}
	}
	rules = nlb_rules_create(r, node, n, cur);
	if (IS_ERR(rules)) {
		NL_SET_ERR_MSG(extack, "cannot build the rule table");
		return PTR_ERR(rules);
	}
	return nlb_rules_replace(cl, rules, cur, extack);
}

static bool nlb_rule_matches(const struct nlb_rule *r,
			     const struct nlb_rule_match *m)
{
	return r->vip == m->vip && r->lo == m->lo &&
	       (!m->have_hi || r->hi == m->hi) &&
	       (!m->have_proto || r->proto == m->proto);
}

/*
 * Change this node's own settings @req for the one rule @m names.  All or
 * nothing; the rules themselves, and so the digest, stay.
 */
int nlb_rules_set_node(struct nlb_cluster *cl, const struct nlb_rule_match *m,
		       const struct nlb_rule_node_req *req,
		       struct netlink_ext_ack *extack)
{
	const struct nlb_rules *cur = rtnl_dereference(cl->rules);
	struct nlb_rule_node node[NLB_MAX_RULES];
	unsigned int i, found = 0, at = 0;
	struct nlb_rules *rules;
	int err;

	ASSERT_RTNL();
	for (i = 0; i < cur->n; i++) {
		if (nlb_rule_matches(&cur->rule[i], m)) {
			found++;
			at = i;
		}
	}
	if (!found) {
		NL_SET_ERR_MSG(extack, "no rule with this VIP and ports");
		return -ENOENT;
	}
	if (found > 1) {
		NL_SET_ERR_MSG(extack,
			       "several rules have this VIP and first port: give the protocol or the port range");
		return -EINVAL;
	}
	err = nlb_rule_node_check(&cur->rule[at], req, extack);
	if (err)
		return err;
	memcpy(node, cur->node, cur->n * sizeof(node[0]));
	nlb_rule_node_apply(&node[at], &cur->rule[at], &cur->node[at], req);
	rules = nlb_rules_create(cur->rule, node, cur->n, cur);
	if (IS_ERR(rules)) {
		NL_SET_ERR_MSG(extack, "cannot build the rule table");
		return PTR_ERR(rules);
	}
	return nlb_rules_replace(cl, rules, cur, extack);
}
