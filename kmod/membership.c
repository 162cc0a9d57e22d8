// SPDX-License-Identifier: GPL-2.0
/*
 * Membership: which nodes are in the bucket map, from heartbeats or from a
 * static set, and the convergence rule that keeps two nodes from accepting
 * the same flow while the cluster changes.
 *
 * Timers and deferred work, per cluster:
 *  - hb_timer (timer_list, softirq): every hb-interval it sends a heartbeat
 *    on each path.  It also fires earlier when a peer's dead timeout or the
 *    end of a hold comes first (the work lowers it with timer_reduce()).
 *    Every run queues the work.
 *  - work (process context, under cl->lock): marks peers dead whose last
 *    heartbeat on every path is older than hb-tolerance * hb-interval,
 *    works out this node's own state, rebuilds and publishes the map when
 *    the member set changes, ends the hold on gained buckets, and sends the
 *    events.  The receive path queues it too when a heartbeat brings news.
 *
 * The convergence rule (Documentation/design.md has the worst cases):
 *  - A node stops accepting the buckets it loses as soon as its view
 *    changes: the new map is published at once.
 *  - The buckets it gains are held back (map->holding, map->hold) until
 *    every live member reports the same member set and weights (members
 *    bitmap and VIEW digest) in its heartbeats, or one hb-interval after
 *    the change, whichever comes first.  A hold ended by that timeout
 *    leaves unknown mid-flow packets in the gained buckets to whoever may
 *    hold them (map->unconfirmed) until agreement, or one dead timeout.
 *  - A new cluster holds all its buckets until it has agreed with its
 *    peers, or, if it hears none, for four dead timeouts (at least 2 s):
 *    a node that joins a running cluster never takes a flow before the
 *    others gave it up, even when its first heartbeats are late.  So
 *    does a node that comes back into service (state active again).
 *  - With a static member set (NLB_CMD_MEMBER_SET) the map is that set's,
 *    published at once and never held; heartbeats are still exchanged and
 *    reported.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gcd.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "nlb.h"

const char *const nlb_state_names[] = {
	[NLB_STATE_ACTIVE] = "active",
	[NLB_STATE_STOPPED] = "stopped",
	[NLB_STATE_NIC_DOWN] = "nic-down",
	[NLB_STATE_DUPLICATE] = "duplicate",
	[NLB_STATE_MISMATCH] = "mismatch",
	[NLB_STATE_LEAVING] = "leaving",
	[NLB_STATE_DRAINING] = "draining",
	[NLB_STATE_SUSPENDED] = "suspended",
	[NLB_STATE_PRIORITY_TAKEN] = "priority-taken",
};

/* One short, rate-limited line per membership change, naming the node. */
#define nlb_info(cl, fmt, ...)						\
	net_info_ratelimited("%s node %u: " fmt, (cl)->dev->name,	\
			     (cl)->node_id, ##__VA_ARGS__)
#define nlb_warn(cl, fmt, ...)						\
	net_warn_ratelimited("%s node %u: " fmt, (cl)->dev->name,	\
			     (cl)->node_id, ##__VA_ARGS__)

static const char *nlb_state_name(u8 state)
{
	return state <= NLB_STATE_MAX ? nlb_state_names[state] : "unknown";
}

unsigned long nlb_dead_jiffies(const struct nlb_cluster *cl)
{
	u32 ms = READ_ONCE(cl->hb_interval) * READ_ONCE(cl->hb_tolerance);

	return max_t(unsigned long, msecs_to_jiffies(ms), 1);
}

/* How long a new cluster that hears no peer waits before serving alone. */
static unsigned long nlb_startup_hold(const struct nlb_cluster *cl)
{
	return max_t(unsigned long, 4 * nlb_dead_jiffies(cl), 2 * HZ);
}

static unsigned long nlb_interval_jiffies(const struct nlb_cluster *cl)
{
	return max_t(unsigned long,
		     msecs_to_jiffies(READ_ONCE(cl->hb_interval)), 1);
}

static bool nlb_path_alive(const struct nlb_cluster *cl,
			   const struct nlb_peer *p, enum nlb_path path,
			   unsigned long now)
{
	return p->heard[path] &&
	       time_before_eq(now, p->last_rx[path] + nlb_dead_jiffies(cl));
}

bool nlb_peer_alive(const struct nlb_cluster *cl, const struct nlb_peer *p,
		    unsigned long now)
{
	return p->known && !p->left &&
	       (nlb_path_alive(cl, p, NLB_PATH_HB, now) ||
		nlb_path_alive(cl, p, NLB_PATH_CLUSTER, now));
}

static int nlb_member_cmp(const void *a, const void *b)
{
	const struct nlb_member *x = a, *y = b;

	return x->id - y->id;
}

/* How one owner array shares the buckets. */
struct nlb_map_spec {
	bool single;			/* every bucket to winner */
	u8 winner;
	u8 n;
	struct nlb_member m[NLB_MAX_NODES];	/* weights over their gcd */
};

struct nlb_map_work {
	u64 rules_digest;
	unsigned int nrules;
	u8 rule_array[NLB_MAX_RULES];
	struct nlb_map_spec spec[NLB_MAP_MAX_ARRAYS];
	struct nlb_member tmp[NLB_MAX_NODES];
	struct nlb_rule_node params[NLB_MAX_NODES];
};

/* Buckets shared by @m (@n members): only the weights' ratios count. */
static void nlb_map_spec_shared(struct nlb_map_spec *sp,
				const struct nlb_member *m, unsigned int n)
{
	unsigned long g = 0;
	unsigned int i;

	memset(sp, 0, sizeof(*sp));
	for (i = 0; i < n; i++)
		g = gcd(g, m[i].weight);
	for (i = 0; i < n; i++) {
		sp->m[i].id = m[i].id;
		sp->m[i].weight = m[i].weight / g;
	}
	sp->n = n;
}

static void nlb_map_spec_single(struct nlb_map_spec *sp, u8 winner)
{
	memset(sp, 0, sizeof(*sp));
	sp->single = true;
	sp->winner = winner;
}

static bool nlb_map_spec_same(const struct nlb_map_spec *a,
			      const struct nlb_map_spec *b)
{
	unsigned int i;

	if (a->single != b->single)
		return false;
	if (a->single)
		return a->winner == b->winner;
	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->m[i].id != b->m[i].id ||
		    a->m[i].weight != b->m[i].weight)
			return false;
	return true;
}

/*
 * Work out the arrays of a map: the base ones, then each rule's from its
 * members' own settings (@rp), sharing an array with any rule (or base
 * array) that shares alike.  Returns the number of arrays.
 */
static u32 nlb_map_plan(struct nlb_map_work *w,
			const struct nlb_member *members, unsigned int n,
			const struct nlb_rules *rules,
			const struct nlb_rule_node *const *rp)
{
	struct nlb_map_spec *sp = w->spec;
	u32 narrays = NLB_MAP_BASE, a;
	unsigned int i, k;

	nlb_map_spec_shared(&sp[NLB_MAP_LOAD], members, n);
	for (i = 0; i < n; i++) {
		w->tmp[i] = members[i];
		w->tmp[i].weight = 1;
	}
	nlb_map_spec_shared(&sp[NLB_MAP_EQUAL], w->tmp, n);
	nlb_map_spec_single(&sp[NLB_MAP_DEFAULT], nlb_default_host(members, n));

	w->nrules = rules ? rules->n : 0;
	w->rules_digest = rules ? rules->digest : 0;
	for (i = 0; i < w->nrules; i++) {
		const struct nlb_rule *r = &rules->rule[i];

		if (r->mode == NLB_RULE_DISABLED) {
			w->rule_array[i] = NLB_MAP_DEFAULT;
			continue;
		}
		for (k = 0; k < n; k++) {
			if (rp && rp[k])
				w->params[k] = rp[k][i];
			else
				nlb_rule_node_default(&w->params[k]);
		}
		k = nlb_rule_members(r, members, w->params, n, w->tmp);
		if (r->mode == NLB_RULE_SINGLE)
			nlb_map_spec_single(&sp[narrays],
					    nlb_default_host(w->tmp, k));
		else
			nlb_map_spec_shared(&sp[narrays], w->tmp, k);
		for (a = 0; a < narrays; a++)
			if (nlb_map_spec_same(&sp[a], &sp[narrays]))
				break;
		if (a == narrays)
			narrays++;
		w->rule_array[i] = a;
	}
	return narrays;
}

/*
 * Build a map for @members (sorted by id), whose own settings for the port
 * rules @rules are @rp (see nlb_view_digest_rules()), with the cluster's
 * key: the load-weighted owners, the equal-weight owners, the default
 * host's, and the arrays of the rules that share otherwise.
 */
struct nlb_map *nlb_map_create(const struct nlb_cluster *cl, u32 buckets,
			       const struct nlb_member *members,
			       unsigned int n, u32 generation,
			       const struct nlb_rules *rules,
			       const struct nlb_rule_node *const *rp)
{
	struct nlb_map *map = NULL;
	struct nlb_map_work *w;
	u32 narrays, a, c, b;
	void *scratch = NULL;
	unsigned int i;
	size_t size;
	int err = -ENOMEM;
	u8 *owner;

	w = kvzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return ERR_PTR(-ENOMEM);
	narrays = nlb_map_plan(w, members, n, rules, rp);

	size = struct_size(map, owner, narrays * buckets) +
	       BITS_TO_LONGS(narrays * buckets) * sizeof(long);
	map = kvzalloc(size, GFP_KERNEL);
	scratch = kvmalloc(nlb_map_scratch_size(buckets, n), GFP_KERNEL);
	if (!map || !scratch)
		goto err;
	map->bytes = nlb_kvbytes(map, size);
	map->narrays = narrays;
	map->nrules = w->nrules;
	map->rules_digest = w->rules_digest;
	memcpy(map->rule_array, w->rule_array, sizeof(map->rule_array));
	/* buckets is a power of two >= 64: the bitmap is aligned. */
	map->hold = (unsigned long *)&map->owner[narrays * buckets];
	for (a = 0; a < narrays; a++) {
		const struct nlb_map_spec *sp = &w->spec[a];

		owner = &map->owner[a * buckets];
		for (c = 0; c < a; c++)
			if (nlb_map_spec_same(&w->spec[c], sp))
				break;
		if (c < a) {
			memcpy(owner, &map->owner[c * buckets], buckets);
		} else if (sp->single) {
			memset(owner, sp->winner, buckets);
		} else {
			err = nlb_map_build(owner, buckets, sp->m, sp->n,
					    &cl->key, scratch);
			if (err)
				goto err;
		}
		for (b = 0; b < buckets; b++)
			if (owner[b] == cl->node_id)
				map->array_owned[a]++;
	}
	kvfree(scratch);
	kvfree(w);

	map->default_host = nlb_default_host(members, n);
	map->buckets = buckets;
	map->generation = generation;
	map->nmembers = n;
	memcpy(map->members, members, n * sizeof(*members));
	for (i = 0; i < n; i++)
		map->mask |= BIT_ULL(members[i].id - 1);
	map->view = nlb_view_digest_rules(members, n, rp, map->nrules);
	owner = &map->owner[NLB_MAP_LOAD * buckets];
	for (b = 0; b < buckets; b++) {
		for (i = 0; i < n; i++) {
			if (owner[b] == members[i].id) {
				map->member_buckets[i]++;
				break;
			}
		}
	}
	return map;

err:
	kvfree(scratch);
	kvfree(map);
	kvfree(w);
	return ERR_PTR(err);
}

void nlb_map_free(struct nlb_map *map)
{
	kvfree(map);
}

static void nlb_map_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct nlb_map, rcu));
}

static struct nlb_map *nlb_map_locked(const struct nlb_cluster *cl)
{
	return rcu_dereference_protected(cl->map, lockdep_is_held(&cl->lock));
}

/* Rules change under RTNL and cl->lock (rules.c), or before membership. */
static const struct nlb_rules *nlb_rules_locked(const struct nlb_cluster *cl)
{
	return rcu_dereference_protected(cl->rules,
					 lockdep_is_held(&cl->lock) ||
					 lockdep_rtnl_is_held());
}

void nlb_map_publish(struct nlb_cluster *cl, struct nlb_map *map)
{
	struct nlb_map *old;

	old = rcu_replace_pointer(cl->map, map, lockdep_is_held(&cl->lock));
	if (old)
		call_rcu(&old->rcu, nlb_map_free_rcu);
}

/*
 * Hold back, in array @a of @map, the buckets this node owns that it did
 * not accept in array @o of @old (NULL: none): not its own there, or its
 * own but still held back.
 */
static void nlb_map_hold_array(struct nlb_map *map, u32 a,
			       const struct nlb_map *old, u32 o, u8 self)
{
	u32 b, s;

	for (b = 0; b < map->buckets; b++) {
		s = a * map->buckets + b;
		if (map->owner[s] != self || test_bit(s, map->hold))
			continue;
		if (old && nlb_map_accepts(old, o * old->buckets + b, self))
			continue;
		__set_bit(s, map->hold);
		map->gained++;
	}
}

/*
 * Hold back the slots @map gives this node that it did not accept under
 * @old, comparing the arrays that each kind of traffic uses in both:
 * traffic without ports, traffic no rule covers, and each rule of @rules
 * (the rule set @map is for).
 */
static void nlb_map_hold_gains(struct nlb_map *map, const struct nlb_map *old,
			       const struct nlb_rules *rules, u8 self)
{
	unsigned int i;

	nlb_map_hold_array(map, NLB_MAP_LOAD, old, NLB_MAP_LOAD, self);
	nlb_map_hold_array(map, NLB_MAP_DEFAULT, old, NLB_MAP_DEFAULT, self);
	for (i = 0; rules && i < map->nrules; i++) {
		if (rules->rule[i].mode == NLB_RULE_DISABLED)
			continue;
		nlb_map_hold_array(map, map->rule_array[i], old,
				   old ? nlb_map_rule_array(old, rules, i) : 0,
				   self);
	}
	map->holding = map->gained > 0;
	map->unconfirmed = map->holding;
}

static bool nlb_map_same_members(const struct nlb_map *map,
				 const struct nlb_member *m, unsigned int n)
{
	unsigned int i;

	if (map->nmembers != n)
		return false;
	for (i = 0; i < n; i++)
		if (map->members[i].id != m[i].id ||
		    map->members[i].weight != m[i].weight ||
		    nlb_member_priority(&map->members[i]) !=
		    nlb_member_priority(&m[i]))
			return false;
	return true;
}

static void nlb_log_members(struct nlb_cluster *cl, const char *why,
			    const struct nlb_map *map)
{
	char buf[3 * NLB_MAX_NODES + 1];
	unsigned int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < map->nmembers && len < sizeof(buf); i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%u",
				 i ? "," : "", map->members[i].id);
	nlb_info(cl, "%s, members %s (generation %u)\n", why,
		 len ? buf : "none", map->generation);
}

/* Copy the peer table and find when the next peer would die. */
static void nlb_membership_snapshot(struct nlb_cluster *cl, unsigned long now,
				    bool *self_dup, unsigned long *next)
{
	unsigned long dead = nlb_dead_jiffies(cl);
	unsigned int i, p;

	spin_lock_bh(&cl->peers_lock);
	memcpy(cl->snap, cl->peers, sizeof(cl->snap));
	*self_dup = cl->self_dup &&
		    time_before_eq(now, cl->self_dup_seen + dead);
	spin_unlock_bh(&cl->peers_lock);

	for (i = 0; i < NLB_MAX_NODES; i++) {
		struct nlb_peer *s = &cl->snap[i];

		if (!nlb_peer_alive(cl, s, now))
			continue;
		for (p = 0; p < NLB_PATH_MAX; p++) {
			unsigned long t = s->last_rx[p] + dead + 1;

			if (nlb_path_alive(cl, s, p, now) && time_before(t, *next))
				*next = t;
		}
	}
}

/*
 * Is this node's configuration the odd one out?  Live nodes are grouped by
 * configuration digest; the largest group (on a tie, the one with the
 * smaller digest) is the cluster, and a node of any other group keeps out
 * of it.  Every node decides the same way from the same view, so two
 * configurations never both serve the VIPs.
 */
static bool nlb_membership_outvoted(struct nlb_cluster *cl, unsigned long now)
{
	unsigned int i, j, mine = 1, n;

	for (i = 0; i < NLB_MAX_NODES; i++)
		if (nlb_peer_alive(cl, &cl->snap[i], now) &&
		    cl->snap[i].digest == cl->digest)
			mine++;
	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];

		if (!nlb_peer_alive(cl, s, now) || s->digest == cl->digest)
			continue;
		n = 0;
		for (j = 0; j < NLB_MAX_NODES; j++)
			if (nlb_peer_alive(cl, &cl->snap[j], now) &&
			    cl->snap[j].digest == s->digest)
				n++;
		if (n > mine || (n == mine && s->digest < cl->digest))
			return true;
	}
	return false;
}

/* Does @s come before @t (earlier birth, lower id on a tie)? */
static bool nlb_peer_earlier(u64 birth_s, u8 id_s, u64 birth_t, u8 id_t)
{
	return birth_s < birth_t || (birth_s == birth_t && id_s < id_t);
}

/* Is a live, serving peer of our configuration earlier with our priority? */
static bool nlb_membership_priority_taken(struct nlb_cluster *cl,
					  unsigned long now)
{
	u8 prio = READ_ONCE(cl->priority);
	unsigned int i;

	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];

		if (i + 1 == cl->node_id || !nlb_peer_alive(cl, s, now) ||
		    s->digest != cl->digest || s->priority != prio ||
		    (s->state != NLB_STATE_ACTIVE &&
		     s->state != NLB_STATE_DRAINING))
			continue;
		if (nlb_peer_earlier(s->birth, i + 1, cl->birth, cl->node_id))
			return true;
	}
	return false;
}

static u8 nlb_membership_own_state(struct nlb_cluster *cl, unsigned long now,
				   bool self_dup)
{
	struct net_device *hb_dev = rcu_access_pointer(cl->hb_dev);
	const struct nlb_map *map = nlb_map_locked(cl);
	bool hb_heard = false, cl_heard = false, others_cl = false;
	u64 self = BIT_ULL(cl->node_id - 1);
	unsigned int i;

	switch (READ_ONCE(cl->admin)) {
	case NLB_ADMIN_STOPPED:
		return NLB_STATE_STOPPED;
	case NLB_ADMIN_SUSPENDED:
		return NLB_STATE_SUSPENDED;
	case NLB_ADMIN_DRAINING:
		return NLB_STATE_DRAINING;
	}
	if (self_dup)
		return NLB_STATE_DUPLICATE;
	if (!netif_running(cl->dev) || !netif_carrier_ok(cl->dev))
		return NLB_STATE_NIC_DOWN;
	/*
	 * With a separate heartbeat device: a cluster NIC that hears no peer
	 * while the peers are heard on the heartbeat NIC, and while they hear
	 * each other on their cluster NICs, is broken.  With two nodes nobody
	 * can tell which cluster NIC is at fault, and both stay.
	 */
	if (hb_dev) {
		for (i = 0; i < NLB_MAX_NODES; i++) {
			const struct nlb_peer *s = &cl->snap[i];

			if (!nlb_peer_alive(cl, s, now))
				continue;
			if (nlb_path_alive(cl, s, NLB_PATH_HB, now))
				hb_heard = true;
			if (nlb_path_alive(cl, s, NLB_PATH_CLUSTER, now))
				cl_heard = true;
			if (s->cpath & ~self)
				others_cl = true;
		}
		if (hb_heard && !cl_heard && others_cl)
			return NLB_STATE_NIC_DOWN;
	}
	if (nlb_membership_outvoted(cl, now))
		return NLB_STATE_MISMATCH;
	if (!cl->static_members && nlb_membership_priority_taken(cl, now))
		return NLB_STATE_PRIORITY_TAKEN;
	if (cl->static_members && !(map->mask & self))
		return NLB_STATE_STOPPED;
	return NLB_STATE_ACTIVE;
}

/*
 * The member set heartbeats give: this node if active, live active peers
 * of our configuration.  Of two with one host priority, the later stays
 * out (it reports itself so as soon as it hears the other).
 */
static unsigned int nlb_membership_dynamic_set(struct nlb_cluster *cl,
					       unsigned long now,
					       struct nlb_member *m)
{
	unsigned int i, j, k, n = 0;
	u64 birth[NLB_MAX_NODES];
	u64 out = 0;

	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];

		if (i + 1 == cl->node_id) {
			if (cl->state == NLB_STATE_ACTIVE) {
				birth[n] = cl->birth;
				m[n].id = i + 1;
				m[n].priority = READ_ONCE(cl->priority);
				m[n++].weight = READ_ONCE(cl->weight);
			}
			continue;
		}
		if (!nlb_peer_alive(cl, s, now) ||
		    s->state != NLB_STATE_ACTIVE || s->digest != cl->digest)
			continue;
		birth[n] = s->birth;
		m[n].id = i + 1;
		m[n].priority = s->priority;
		m[n++].weight = clamp_t(u32, s->weight, 1, NLB_MAX_WEIGHT);
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < n; k++)
			if (k != i && nlb_member_priority(&m[k]) ==
			    nlb_member_priority(&m[i]) &&
			    nlb_peer_earlier(birth[k], m[k].id, birth[i],
					     m[i].id))
				out |= BIT_ULL(i);
	for (i = 0, j = 0; i < n; i++)
		if (!(out & BIT_ULL(i)))
			m[j++] = m[i];
	return j;
}

/*
 * The members' own settings for the port rules, for nlb_map_create():
 * cl->member_rules->rp[i] for m[i], NULL for the defaults.  Ours are in @rules;
 * a peer's are what its heartbeats last said, if they are for as many
 * rules (a peer of our configuration has the same rules).
 */
static void nlb_membership_rule_params(struct nlb_cluster *cl,
				       const struct nlb_rules *rules,
				       const struct nlb_member *m,
				       unsigned int n)
{
	size_t len = rules->n * sizeof(struct nlb_rule_node);
	struct nlb_rule_node *dst;
	unsigned int i, id;

	spin_lock_bh(&cl->peers_lock);
	for (i = 0; i < n; i++) {
		id = m[i].id;
		cl->member_rules->rp[i] = NULL;
		if (id == cl->node_id) {
			if (rules->custom)
				cl->member_rules->rp[i] = rules->node;
			continue;
		}
		if (!cl->peers[id - 1].nrules ||
		    cl->peers[id - 1].nrules != rules->n)
			continue;
		dst = cl->member_rules->node[id - 1];
		memcpy(dst, cl->peer_rules + (id - 1) * NLB_MAX_RULES, len);
		cl->member_rules->rp[i] = dst;
	}
	spin_unlock_bh(&cl->peers_lock);
}

/* Report peers that came, went, changed state, mismatch or collide. */
static void nlb_membership_peer_events(struct nlb_cluster *cl,
				       unsigned long now, bool self_dup)
{
	u64 alive = 0, mismatch = 0, dup = 0, cpath = 0;
	unsigned long dead = nlb_dead_jiffies(cl);
	unsigned int i;

	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];
		u64 bit = BIT_ULL(i);

		if (!nlb_peer_alive(cl, s, now))
			continue;
		alive |= bit;
		if (s->digest != cl->digest)
			mismatch |= bit;
		if (s->dup && time_before_eq(now, s->dup_seen + dead))
			dup |= bit;
		if (nlb_path_alive(cl, s, NLB_PATH_CLUSTER, now))
			cpath |= bit;
	}
	if (self_dup)
		dup |= BIT_ULL(cl->node_id - 1);
	WRITE_ONCE(cl->cpath_mask, cpath);

	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];
		u64 bit = BIT_ULL(i);

		if ((alive & bit) && !(cl->alive_mask & bit)) {
			nlb_info(cl, "peer %u up (%s)\n", i + 1,
				 nlb_state_name(s->state));
			nlb_nl_event(cl, NLB_EVENT_PEER_UP, i + 1, s->state,
				     NULL);
		} else if (!(alive & bit) && (cl->alive_mask & bit)) {
			nlb_info(cl, "peer %u %s\n", i + 1,
				 s->left ? "left" : "down");
			nlb_nl_event(cl, NLB_EVENT_PEER_DOWN, i + 1, s->state,
				     NULL);
		} else if ((alive & bit) && cl->peer_state[i] != s->state) {
			nlb_info(cl, "peer %u %s\n", i + 1,
				 nlb_state_name(s->state));
			nlb_nl_event(cl, NLB_EVENT_PEER_STATE, i + 1, s->state,
				     NULL);
		}
		cl->peer_state[i] = s->state;
		if ((mismatch & bit) && !(cl->mismatch_mask & bit)) {
			nlb_warn(cl, "peer %u has another configuration (digest %016llx), kept out\n",
				 i + 1, s->digest);
			nlb_nl_event(cl, NLB_EVENT_MISMATCH, i + 1, s->state,
				     NULL);
		}
		if ((dup & bit) && !(cl->dup_mask & bit)) {
			nlb_warn(cl, "two nodes use node id %u\n", i + 1);
			nlb_nl_event(cl, NLB_EVENT_DUPLICATE, i + 1, 0, NULL);
		}
	}
	cl->alive_mask = alive;
	cl->mismatch_mask = mismatch;
	cl->dup_mask = dup;
}

/* The buckets live peers hold flows in, for the ingress hook. */
static void nlb_membership_update_held(struct nlb_cluster *cl,
				       unsigned long now)
{
	struct nlb_held *old, *h;
	u32 len = cl->buckets / 8, i, j;
	bool any = false;

	old = rcu_dereference_protected(cl->held, lockdep_is_held(&cl->lock));
	for (i = 0; i < NLB_MAX_NODES; i++)
		if (cl->snap[i].held_any && nlb_peer_alive(cl, &cl->snap[i], now))
			any = true;
	if (!any && !old)
		return;
	h = NULL;
	if (any) {
		h = kvzalloc(sizeof(*h) + len, GFP_KERNEL);
		if (!h)
			return;	/* keep the old one; next run tries again */
		spin_lock_bh(&cl->peers_lock);
		for (i = 0; i < NLB_MAX_NODES; i++) {
			const u8 *bits = cl->peer_held + i * len;

			if (!cl->peers[i].held_any ||
			    !nlb_peer_alive(cl, &cl->peers[i], now))
				continue;
			for (j = 0; j < len; j++)
				h->bits[j] |= bits[j];
		}
		spin_unlock_bh(&cl->peers_lock);
		if (old && !memcmp(old->bits, h->bits, len)) {
			kvfree(h);
			return;
		}
	}
	rcu_assign_pointer(cl->held, h);
	if (old)
		kvfree_rcu(old, rcu);
}

/* A drain ends with the last held flow, or at the drain timeout. */
static void nlb_membership_drain(struct nlb_cluster *cl, unsigned long now,
				 unsigned long *next)
{
	u32 timeout = READ_ONCE(cl->drain_timeout);
	int left = atomic_read(&cl->flows.count);
	unsigned long until;

	if (READ_ONCE(cl->admin) != NLB_ADMIN_DRAINING)
		return;
	until = cl->drain_start + (unsigned long)timeout * HZ;
	if (left && (!timeout || time_before(now, until))) {
		if (timeout && time_before(until, *next))
			*next = until;
		return;
	}
	WRITE_ONCE(cl->admin, NLB_ADMIN_STOPPED);
	if (left)
		nlb_info(cl, "drain timeout, %d flows left: stopped\n", left);
	else
		nlb_info(cl, "drained: stopped\n");
}

/*
 * Do all live members report the map's member set, and (if they send it)
 * the same view of the weights?  Also counts them.
 */
static bool nlb_membership_agreed(struct nlb_cluster *cl, unsigned long now,
				  const struct nlb_map *map,
				  unsigned int *npeers)
{
	bool agreed = true;
	unsigned int i;

	*npeers = 0;
	for (i = 0; i < NLB_MAX_NODES; i++) {
		const struct nlb_peer *s = &cl->snap[i];

		if (i + 1 == cl->node_id || !(map->mask & BIT_ULL(i)))
			continue;
		if (!nlb_peer_alive(cl, s, now))
			continue;
		(*npeers)++;
		if (s->members != map->mask ||
		    (s->has_view && s->view != map->view))
			agreed = false;
	}
	return agreed;
}

/* One run of the membership logic; cl->lock held. */
static void nlb_membership_run(struct nlb_cluster *cl)
{
	struct nlb_member m[NLB_MAX_NODES];
	const struct nlb_rules *rules;
	unsigned long now = jiffies, next, until;
	struct nlb_map *map, *cur;
	bool self_dup, agreed, send = false;
	unsigned int n, npeers;
	u64 view;
	u8 state;

	next = now + 10 * HZ;
	nlb_membership_snapshot(cl, now, &self_dup, &next);
	nlb_membership_peer_events(cl, now, self_dup);
	nlb_membership_update_held(cl, now);
	nlb_membership_drain(cl, now, &next);

	state = nlb_membership_own_state(cl, now, self_dup);
	/*
	 * Out of service but for a drain: the flows held are dropped, as
	 * Windows NLB's stop does; their buckets' owners take over.
	 */
	if (state != cl->state && state != NLB_STATE_ACTIVE &&
	    state != NLB_STATE_DRAINING)
		nlb_flows_flush(cl);
	if (state != cl->state) {
		nlb_info(cl, "%s\n", nlb_state_name(state));
		/*
		 * Back in service (after a mismatch fixed by a rule change, a
		 * stop, a NIC down...): hold the gains as a new cluster does,
		 * until the peers agree, since they may not have taken this
		 * node in yet.
		 */
		if (state == NLB_STATE_ACTIVE)
			cl->hold_until = now + nlb_startup_hold(cl);
		WRITE_ONCE(cl->state, state);
		nlb_nl_event(cl, NLB_EVENT_STATE, 0, state, NULL);
		send = true;
	}

	cur = nlb_map_locked(cl);
	rules = nlb_rules_locked(cl);
	if (cl->static_members && cur->rules_digest != rules->digest) {
		/* The same members, the arrays of the new rules. */
		map = nlb_map_create(cl, cur->buckets, cur->members,
				     cur->nmembers, cur->generation + 1, rules,
				     NULL);
		if (!IS_ERR(map)) {
			nlb_map_publish(cl, map);
			nlb_nl_event(cl, NLB_EVENT_MAP, 0, 0, map);
			cur = map;
		}
	}
	if (!cl->static_members) {
		n = nlb_membership_dynamic_set(cl, now, m);
		nlb_membership_rule_params(cl, rules, m, n);
		view = nlb_view_digest_rules(m, n, cl->member_rules->rp, rules->n);
		if (!nlb_map_same_members(cur, m, n) || cur->view != view ||
		    cur->rules_digest != rules->digest) {
			map = nlb_map_create(cl, cur->buckets, m, n,
					     cur->generation + 1, rules,
					     cl->member_rules->rp);
			if (IS_ERR(map)) {
				/* Keep the old map; try again next time. */
				nlb_warn(cl, "cannot build the map (%ld)\n",
					 PTR_ERR(map));
				next = min(next, now + nlb_interval_jiffies(cl));
			} else {
				nlb_map_hold_gains(map, cur, rules, cl->node_id);
				nlb_map_publish(cl, map);
				cl->changed = now;
				cl->converged = false;
				nlb_log_members(cl, "map changed", map);
				nlb_nl_event(cl, NLB_EVENT_MAP, 0, 0, map);
				cur = map;
				send = true;
			}
		}
	}

	agreed = nlb_membership_agreed(cl, now, cur, &npeers);
	if (cur->holding) {
		until = max(cl->changed + nlb_interval_jiffies(cl),
			    cl->hold_until);
		if ((agreed && npeers) || time_after_eq(now, until))
			WRITE_ONCE(cur->holding, false);
		else if (time_before(until, next))
			next = until;
	}
	/*
	 * A hold ended by its timeout rather than by agreement may have come
	 * before the old owner's report of the flows it keeps there: until
	 * agreement, or a dead timeout, unknown mid-flow packets in gained
	 * buckets are still left to whoever holds them.
	 */
	if (cur->unconfirmed && !cur->holding) {
		until = cl->changed + nlb_dead_jiffies(cl);
		if ((agreed && npeers) || time_after_eq(now, until))
			WRITE_ONCE(cur->unconfirmed, false);
		else if (time_before(until, next))
			next = until;
	}
	if (!cur->holding && (agreed || cl->static_members) && !cl->converged) {
		cl->converged = true;
		nlb_nl_event(cl, NLB_EVENT_CONVERGED, 0, 0, cur);
	} else if (!agreed && !cl->static_members) {
		cl->converged = false;
	}

	if (!READ_ONCE(cl->dying))
		timer_reduce(&cl->hb_timer, next);
	/* Tell the peers now rather than at the next interval. */
	if (send)
		nlb_hb_send(cl, NLB_HB_TYPE_HEARTBEAT);
}

static void nlb_membership_work(struct work_struct *work)
{
	struct nlb_cluster *cl = container_of(work, struct nlb_cluster, work);

	mutex_lock(&cl->lock);
	if (!READ_ONCE(cl->dying))
		nlb_membership_run(cl);
	mutex_unlock(&cl->lock);
}

/*
 * Run membership now (cl->lock held): after a change of this node's
 * rules, so that its map follows before the request returns.
 */
void nlb_membership_update(struct nlb_cluster *cl)
{
	if (!READ_ONCE(cl->dying))
		nlb_membership_run(cl);
}

void nlb_membership_kick(struct nlb_cluster *cl)
{
	if (!READ_ONCE(cl->dying))
		queue_work(system_highpri_wq, &cl->work);
}

static void nlb_hb_timer(struct timer_list *t)
{
	struct nlb_cluster *cl = from_timer(cl, t, hb_timer);
	unsigned long now = jiffies;

	if (READ_ONCE(cl->dying))
		return;
	if (time_after_eq(now, cl->next_send)) {
		nlb_hb_send(cl, NLB_HB_TYPE_HEARTBEAT);
		cl->next_send = now + nlb_interval_jiffies(cl);
	}
	queue_work(system_highpri_wq, &cl->work);
	mod_timer(&cl->hb_timer, cl->next_send);
}

/*
 * Set up membership for a new cluster (not yet visible): the map holds
 * this node alone, with all its buckets held back until it has heard the
 * cluster.
 */
int nlb_membership_init(struct nlb_cluster *cl, u32 buckets)
{
	struct nlb_member self = {
		.id = cl->node_id,
		.weight = cl->weight,
		.priority = cl->priority,
	};
	struct nlb_map *map;

	mutex_init(&cl->lock);
	spin_lock_init(&cl->peers_lock);
	INIT_WORK(&cl->work, nlb_membership_work);
	timer_setup(&cl->hb_timer, nlb_hb_timer, 0);

	map = nlb_map_create(cl, buckets, &self, 1, 1, nlb_rules_locked(cl),
			     NULL);
	if (IS_ERR(map))
		return PTR_ERR(map);
	nlb_map_hold_gains(map, NULL, nlb_rules_locked(cl), cl->node_id);
	RCU_INIT_POINTER(cl->map, map);
	cl->state = NLB_STATE_ACTIVE;
	cl->alive_mask = 0;
	cl->changed = jiffies;
	cl->hold_until = jiffies + nlb_startup_hold(cl);
	return 0;
}

void nlb_membership_start(struct nlb_cluster *cl)
{
	cl->next_send = jiffies;
	mod_timer(&cl->hb_timer, jiffies);
}

/*
 * Stop the timer and the work for good (RTNL held; the work never takes
 * RTNL).  After it, nothing but RCU readers use @cl.
 */
void nlb_membership_stop(struct nlb_cluster *cl)
{
	WRITE_ONCE(cl->dying, true);
	/* Receive handlers and timer runs that did not see 'dying' end. */
	synchronize_net();
	cancel_work_sync(&cl->work);
	del_timer_sync(&cl->hb_timer);
}

int nlb_membership_set_static(struct nlb_cluster *cl,
			      const struct nlb_member *members,
			      unsigned int n, struct netlink_ext_ack *extack)
{
	struct nlb_member sorted[NLB_MAX_NODES];
	struct nlb_map *map, *cur;
	unsigned int i;

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

	mutex_lock(&cl->lock);
	cur = nlb_map_locked(cl);
	map = nlb_map_create(cl, cur->buckets, sorted, n, cur->generation + 1,
			     nlb_rules_locked(cl), NULL);
	if (IS_ERR(map)) {
		mutex_unlock(&cl->lock);
		NL_SET_ERR_MSG(extack, "cannot build the bucket map");
		return PTR_ERR(map);
	}
	nlb_map_publish(cl, map);
	cl->static_members = true;
	cl->changed = jiffies;
	cl->converged = false;
	nlb_nl_event(cl, NLB_EVENT_MAP, 0, 0, map);
	nlb_membership_run(cl);
	mutex_unlock(&cl->lock);
	return 0;
}

void nlb_membership_set_dynamic(struct nlb_cluster *cl)
{
	mutex_lock(&cl->lock);
	cl->static_members = false;
	nlb_membership_run(cl);
	mutex_unlock(&cl->lock);
}
