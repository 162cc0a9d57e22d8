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
 * A rule set of @r (@n rules, valid: nlb_rules_validate()), sorted into
 * lookup order, with the counters of the rules @old has too.
 */
struct nlb_rules *nlb_rules_create(const struct nlb_rule *r, unsigned int n,
				   const struct nlb_rules *old)
{
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
		for (j = i; j > 0 && nlb_rule_cmp(&rules->rule[j - 1], &tmp) > 0;
		     j--)
			rules->rule[j] = rules->rule[j - 1];
		rules->rule[j] = tmp;
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
 * Add @rule (@add), replacing the rule of the same VIP, ports and protocol
 * if @replace, or delete the rule of @rule's VIP, ports and protocol.
 * All or nothing: a refused change leaves the rules untouched.
 */
int nlb_rules_change(struct nlb_cluster *cl, const struct nlb_rule *rule,
		     bool add, bool replace, struct netlink_ext_ack *extack)
{
	const struct nlb_rules *cur = rtnl_dereference(cl->rules);
	struct nlb_rule r[NLB_MAX_RULES + 1];
	struct nlb_rules *rules;
	unsigned int i, n = 0, bad;
	const char *why;
	bool found = false;

	ASSERT_RTNL();
	for (i = 0; i < cur->n; i++) {
		if (nlb_rule_same(&cur->rule[i], rule)) {
			found = true;
			if (!add || replace)
				continue;
		}
		r[n++] = cur->rule[i];
	}
	if (!add && !found) {
		NL_SET_ERR_MSG(extack,
			       "no rule with this VIP, port range and protocol");
		return -ENOENT;
	}
	if (add) {
		if (found && !replace) {
			NL_SET_ERR_MSG(extack,
				       "a rule with this VIP, port range and protocol exists (use replace)");
			return -EEXIST;
		}
		if (n >= NLB_MAX_RULES) {
			NL_SET_ERR_MSG(extack, "too many port rules (at most 64)");
			return -ENOSPC;
		}
		r[n++] = *rule;
		/* The new rule last: a conflict is reported against it. */
		if (nlb_rules_validate(r, n, &bad, &why)) {
			if (bad == n - 1 && !strncmp(why, "overlaps", 8))
				NL_SET_ERR_MSG(extack,
					       "the rule overlaps another rule of the same VIP and protocol");
			else if (extack)
				extack->_msg = why;	/* static, from core */
			return -EINVAL;
		}
	}
	rules = nlb_rules_create(r, n, cur);
	if (IS_ERR(rules)) {
		NL_SET_ERR_MSG(extack, "cannot build the rule table");
		return PTR_ERR(rules);
	}
	/* Membership reads the digest under cl->lock. */
	mutex_lock(&cl->lock);
	nlb_rules_publish(cl, rules);
	mutex_unlock(&cl->lock);
	return 0;
}
