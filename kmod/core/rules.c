// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Port rules (nlb_rules.h): validation, the compiled lookup table and the
 * digest.
 *
 * The table has one entry per (rule, protocol): a rule for both protocols
 * gives a TCP entry and a UDP entry.  Entries are sorted by a 56-bit key,
 * VIP (host order, 0 for all VIPs) << 24 | protocol bit << 16 | lo, so that
 * the entries of one (VIP, protocol) are contiguous and sorted by port.
 * Validation guarantees that their ranges are disjoint, so a port is
 * covered by the last entry whose key is at most (VIP, protocol, port), if
 * by any: one binary search for the packet's VIP, then one for all VIPs.
 * Building is O(n^2) on at most 2 * NLB_MAX_RULES entries, on the
 * configuration path only.
 */
#include "nlb_rules.h"

/* Static, for netlink extack; NULL past the end if NLB_MAX_RULES grows. */
static const char *const nlb_rules_overlap_msg[NLB_MAX_RULES - 1] = {
	"overlaps rule 0", "overlaps rule 1", "overlaps rule 2",
	"overlaps rule 3", "overlaps rule 4", "overlaps rule 5",
	"overlaps rule 6", "overlaps rule 7", "overlaps rule 8",
	"overlaps rule 9", "overlaps rule 10", "overlaps rule 11",
	"overlaps rule 12", "overlaps rule 13", "overlaps rule 14",
	"overlaps rule 15", "overlaps rule 16", "overlaps rule 17",
	"overlaps rule 18", "overlaps rule 19", "overlaps rule 20",
	"overlaps rule 21", "overlaps rule 22", "overlaps rule 23",
	"overlaps rule 24", "overlaps rule 25", "overlaps rule 26",
	"overlaps rule 27", "overlaps rule 28", "overlaps rule 29",
	"overlaps rule 30", "overlaps rule 31", "overlaps rule 32",
	"overlaps rule 33", "overlaps rule 34", "overlaps rule 35",
	"overlaps rule 36", "overlaps rule 37", "overlaps rule 38",
	"overlaps rule 39", "overlaps rule 40", "overlaps rule 41",
	"overlaps rule 42", "overlaps rule 43", "overlaps rule 44",
	"overlaps rule 45", "overlaps rule 46", "overlaps rule 47",
	"overlaps rule 48", "overlaps rule 49", "overlaps rule 50",
	"overlaps rule 51", "overlaps rule 52", "overlaps rule 53",
	"overlaps rule 54", "overlaps rule 55", "overlaps rule 56",
	"overlaps rule 57", "overlaps rule 58", "overlaps rule 59",
	"overlaps rule 60", "overlaps rule 61", "overlaps rule 62",
};

bool nlb_rules_overlap(const struct nlb_rule *a, const struct nlb_rule *b)
{
	return a->vip == b->vip && (a->proto & b->proto) &&
	       a->lo <= b->hi && b->lo <= a->hi;
}

/* The message for a rule that is wrong on its own, or NULL. */
static const char *nlb_rule_check(const struct nlb_rule *r)
{
	if (r->lo > r->hi)
		return "port range start is above its end";
	if (r->proto < NLB_RULE_TCP || r->proto > NLB_RULE_BOTH)
		return "unknown protocol (tcp, udp or both)";
	if (r->mode < NLB_RULE_MULTIPLE || r->mode > NLB_RULE_DISABLED)
		return "unknown filtering mode (multiple, single or disabled)";
	if (r->affinity > NLB_AFFINITY_NETWORK)
		return "unknown affinity (none, single or network)";
	if (r->mode != NLB_RULE_MULTIPLE && r->affinity != NLB_AFFINITY_NONE)
		return "affinity applies only to multiple-host rules";
	if (r->mode != NLB_RULE_MULTIPLE && r->equal)
		return "equal load weight applies only to multiple-host rules";
	return NULL;
}

static int nlb_rules_fail(unsigned int *bad, const char **why,
			  unsigned int i, const char *msg)
{
	if (bad)
		*bad = i;
	if (why)
		*why = msg;
	return -EINVAL;
}

int nlb_rules_validate(const struct nlb_rule *r, unsigned int n,
		       unsigned int *bad, const char **why)
{
	unsigned int i, j;
	const char *msg;

	if (n > NLB_MAX_RULES)
		return nlb_rules_fail(bad, why, NLB_MAX_RULES,
				      "too many port rules (at most 64)");
	for (i = 0; i < n; i++) {
		msg = nlb_rule_check(&r[i]);
		if (msg)
			return nlb_rules_fail(bad, why, i, msg);
		for (j = 0; j < i; j++) {
			if (!nlb_rules_overlap(&r[i], &r[j]))
				continue;
			msg = nlb_rules_overlap_msg[j];
			if (!msg)
				msg = "overlaps an earlier rule";
			return nlb_rules_fail(bad, why, i, msg);
		}
	}
	return 0;
}

size_t nlb_rules_table_size(unsigned int n)
{
	if (n > NLB_MAX_RULES)
		return 0;
	return sizeof(struct nlb_rule_table) +
	       2 * n * sizeof(struct nlb_rule_ent) +
	       n * sizeof(struct nlb_rule);
}

static inline u64 nlb_rules_key(u32 vip, u8 proto_bit, u16 port)
{
	return (u64)vip << 24 | (u64)proto_bit << 16 | port;
}

int nlb_rules_compile(void *mem, size_t size, const struct nlb_rule *r,
		      unsigned int n)
{
	struct nlb_rule_table *t = mem;
	struct nlb_rule_ent e;
	unsigned int i, j, k;
	u8 bit;

	if (nlb_rules_validate(r, n, NULL, NULL))
		return -EINVAL;
	if ((unsigned long)mem % __alignof__(struct nlb_rule_table))
		return -EINVAL;
	if (size < nlb_rules_table_size(n))
		return -ENOSPC;

	t->nrules = n;
	t->nent = 0;
	for (i = 0; i < n; i++) {
		for (bit = NLB_RULE_TCP; bit <= NLB_RULE_UDP; bit <<= 1) {
			if (!(r[i].proto & bit))
				continue;
			memset(&e, 0, sizeof(e));
			e.key = nlb_rules_key(be32_to_cpu(r[i].vip), bit,
					      r[i].lo);
			e.hi = r[i].hi;
			e.rule = i;
			/* Insertion sort; keys are distinct (no overlaps). */
			for (k = t->nent; k > 0 && t->ent[k - 1].key > e.key;
			     k--)
				t->ent[k] = t->ent[k - 1];
			t->ent[k] = e;
			t->nent++;
		}
	}
	for (j = 0; j < n; j++)
		memcpy((struct nlb_rule *)(t->ent + t->nent) + j, &r[j],
		       sizeof(r[j]));
	return 0;
}

/* The rule of the entry covering @key's port in @key's (VIP, protocol). */
static int nlb_rules_find(const struct nlb_rule_table *t, u64 key)
{
	const struct nlb_rule_ent *e;
	u32 lo = 0, hi = t->nent, mid;

	/* lo becomes the first entry whose key is above @key. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->ent[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	e = &t->ent[lo - 1];
	if (e->key >> 16 != key >> 16 || e->hi < (u16)key)
		return -1;
	return e->rule;
}

int nlb_rules_lookup(const struct nlb_rule_table *t, __be32 vip, u8 ipproto,
		     u16 dport)
{
	u32 v = be32_to_cpu(vip);
	int rule;
	u8 bit;

	if (ipproto == 6)
		bit = NLB_RULE_TCP;
	else if (ipproto == 17)
		bit = NLB_RULE_UDP;
	else
		return -1;
	if (v) {
		rule = nlb_rules_find(t, nlb_rules_key(v, bit, dport));
		if (rule >= 0)
			return rule;
	}
	return nlb_rules_find(t, nlb_rules_key(0, bit, dport));
}

static const struct nlb_key nlb_rules_digest_key = {
	.k0 = 0x6e6c622d72756c2dULL,	/* "nlb-rul-" */
	.k1 = 0x6469676573742d31ULL,	/* "digest-1" */
};

static const u8 nlb_rules_tag[7] = { 'n', 'l', 'b', '-', 'r', 'u', 'l' };

#define NLB_RULE_REC_LEN	12
#define NLB_RULES_HDR_LEN	(sizeof(nlb_rules_tag) + 1 + 2)

u64 nlb_rules_digest(const struct nlb_rule *r, unsigned int n)
{
	u8 buf[NLB_RULES_HDR_LEN + NLB_RULE_REC_LEN * NLB_MAX_RULES];
	u8 rec[NLB_RULE_REC_LEN], *recs = buf + NLB_RULES_HDR_LEN;
	unsigned int i, j;

	if (n > NLB_MAX_RULES)
		n = NLB_MAX_RULES;
	memcpy(buf, nlb_rules_tag, sizeof(nlb_rules_tag));
	buf[sizeof(nlb_rules_tag)] = NLB_RULES_DIGEST_VERSION;
	nlb_store_be16(buf + sizeof(nlb_rules_tag) + 1, n);

	/* Encode each rule, insertion-sorted bytewise: order independent. */
	for (i = 0; i < n; i++) {
		nlb_store_be32(rec, be32_to_cpu(r[i].vip));
		nlb_store_be16(rec + 4, r[i].lo);
		nlb_store_be16(rec + 6, r[i].hi);
		rec[8] = r[i].proto;
		rec[9] = r[i].mode;
		rec[10] = r[i].affinity;
		rec[11] = r[i].equal ? 1 : 0;
		for (j = i; j > 0 &&
		     memcmp(recs + (j - 1) * NLB_RULE_REC_LEN, rec,
			    NLB_RULE_REC_LEN) > 0; j--)
			memcpy(recs + j * NLB_RULE_REC_LEN,
			       recs + (j - 1) * NLB_RULE_REC_LEN,
			       NLB_RULE_REC_LEN);
		memcpy(recs + j * NLB_RULE_REC_LEN, rec, NLB_RULE_REC_LEN);
	}
	return nlb_siphash(&nlb_rules_digest_key, buf,
			   NLB_RULES_HDR_LEN + NLB_RULE_REC_LEN * n);
}

unsigned int nlb_rule_members(const struct nlb_rule *r,
			      const struct nlb_member *members,
			      const struct nlb_rule_node *params,
			      unsigned int n, struct nlb_member *out)
{
	struct nlb_rule_node dflt;
	const struct nlb_rule_node *p;
	unsigned int i, k = 0;
	u32 w;

	nlb_rule_node_default(&dflt);
	if (r->mode != NLB_RULE_MULTIPLE && r->mode != NLB_RULE_SINGLE)
		return 0;
	for (i = 0; i < n; i++) {
		p = params ? &params[i] : &dflt;
		if (p->state != NLB_RULE_ST_ENABLED)
			continue;
		out[k] = members[i];
		if (r->mode == NLB_RULE_SINGLE) {
			if (p->priority)
				out[k].priority = p->priority;
		} else if (r->equal) {
			out[k].weight = 1;
		} else {
			w = p->weight == NLB_RULE_W_HOST ?
			    members[i].weight : p->weight;
			if (!w)
				continue;
			out[k].weight = w;
		}
		k++;
	}
	return k;
}
