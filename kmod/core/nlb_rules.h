/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Port rules, as in Windows NLB: which filtering mode applies to a packet
 * for a VIP, by protocol and destination port.  Pure computation on
 * caller-provided memory, like the rest of kmod/core.
 *
 * A rule covers a destination port range [lo, hi] of TCP, UDP or both, on
 * one VIP or on all of the cluster's VIPs (vip 0), and says how matching
 * traffic is filtered:
 *
 *  - NLB_RULE_MULTIPLE: load balanced over the live hosts, with affinity
 *    none, single or network, and equal load weights or each host's own
 *    load weight for the rule (per-host data, not part of the rule);
 *  - NLB_RULE_SINGLE: all to the live host with the best handling
 *    priority for the rule (per-host data too);
 *  - NLB_RULE_DISABLED: dropped.
 *
 * Traffic to a VIP that no rule covers goes to the default host (the live
 * host with the best host priority).  A rule for a specific VIP takes
 * precedence over an all-VIPs rule covering the same port and protocol, so
 * such rules may cover the same ports; rules of the same scope (the same
 * VIP, or both all-VIPs) must not overlap.  Every host must have the same
 * rules: nlb_rules_digest() covers them, whatever their order.
 *
 * The packet path looks rules up in a compiled, immutable table
 * (nlb_rules_compile()) in O(log rules), reading only: the kernel builds a
 * new table on a change and publishes it under RCU.
 */
#ifndef _NLB_RULES_H
#define _NLB_RULES_H

#include "nlb_core.h"

#define NLB_MAX_RULES		64

/* nlb_rule.proto: a bit mask */
#define NLB_RULE_TCP		1
#define NLB_RULE_UDP		2
#define NLB_RULE_BOTH		(NLB_RULE_TCP | NLB_RULE_UDP)

/* nlb_rule.mode: 0 is no mode, so that a zeroed rule is refused */
#define NLB_RULE_MULTIPLE	1
#define NLB_RULE_SINGLE		2
#define NLB_RULE_DISABLED	3

/*
 * The cluster-wide shape of a rule.  affinity and equal only mean
 * something for multiple-host rules; for the others they must be
 * NLB_AFFINITY_NONE and false, so that a rule set has exactly one
 * representation (and one digest).
 */
struct nlb_rule {
	__be32 vip;		/* 0 = all VIPs */
	u16 lo, hi;		/* destination ports, inclusive */
	u8 proto;		/* NLB_RULE_TCP, NLB_RULE_UDP, NLB_RULE_BOTH */
	u8 mode;		/* NLB_RULE_MULTIPLE, _SINGLE, _DISABLED */
	u8 affinity;		/* enum nlb_affinity, multiple-host only */
	bool equal;		/* equal load weights, multiple-host only */
};

/* The rule of a new cluster: every port, both protocols, all VIPs. */
static inline void nlb_rule_default(struct nlb_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->vip = 0;
	r->lo = 0;
	r->hi = 65535;
	r->proto = NLB_RULE_BOTH;
	r->mode = NLB_RULE_MULTIPLE;
	r->affinity = NLB_AFFINITY_SINGLE;
	r->equal = true;
}

/*
 * Do @a and @b overlap: the same VIP scope (the same specific VIP, or both
 * all-VIPs), a common protocol and a common port?  A specific-VIP rule and
 * an all-VIPs rule never overlap (the specific one wins).
 */
bool nlb_rules_overlap(const struct nlb_rule *a, const struct nlb_rule *b);

/*
 * Check a rule set.  Returns 0, or -EINVAL with *bad set to the index of
 * the offending rule and *why to a static message meant to follow
 * "rule <index>: " (either pointer may be NULL):
 *
 *  - more than NLB_MAX_RULES rules (*bad = NLB_MAX_RULES):
 *    "too many port rules (at most 64)"
 *  - lo > hi: "port range start is above its end"
 *  - proto not 1..3: "unknown protocol (tcp, udp or both)"
 *  - mode not 1..3:
 *    "unknown filtering mode (multiple, single or disabled)"
 *  - affinity not 0..2: "unknown affinity (none, single or network)"
 *  - affinity other than NONE on a single-host or disabled rule:
 *    "affinity applies only to multiple-host rules"
 *  - equal on a single-host or disabled rule:
 *    "equal load weight applies only to multiple-host rules"
 *  - an overlap (nlb_rules_overlap()) with rule N: "overlaps rule N"
 *
 * Rules are checked in index order: each one first on its own (in the
 * order above), then against the rules before it, so *bad is the first
 * rule that is wrong on its own or overlaps an earlier one, and N is the
 * first earlier rule it overlaps.  Indices are 0-based positions in @r.
 * The VIPs are not checked against the cluster's (the caller's job).
 * An empty set is valid: everything goes to the default host.
 */
int nlb_rules_validate(const struct nlb_rule *r, unsigned int n,
		       unsigned int *bad, const char **why);

/*
 * A compiled rule table: one entry per (rule, protocol), sorted by key
 * (VIP in host order << 24 | protocol bit << 16 | lo).  Within a (VIP,
 * protocol) the ranges are disjoint, so the only candidate for a port is
 * the last entry whose key is at most the packet's.  A copy of the rules
 * follows the entries (nlb_rules_table_rule()), so an index returned by
 * nlb_rules_lookup() is read from the same table.
 */
struct nlb_rule_ent {
	u64 key;
	u16 hi;
	u16 rule;		/* index into the rules */
};

struct nlb_rule_table {
	u32 nrules;
	u32 nent;
	struct nlb_rule_ent ent[];
};

/* Bytes nlb_rules_compile() needs for @n rules (0 if @n > NLB_MAX_RULES). */
size_t nlb_rules_table_size(unsigned int n);

/*
 * Build the table for @r (@n rules) at @mem (@size bytes, aligned as
 * kmalloc() or malloc() memory is).  Returns 0; -EINVAL if the rules are
 * not valid (nlb_rules_validate()) or @mem is misaligned; -ENOSPC if @size
 * is below nlb_rules_table_size(@n).
 */
int nlb_rules_compile(void *mem, size_t size, const struct nlb_rule *r,
		      unsigned int n);

/*
 * The index of the rule for a packet to @vip, IP protocol @ipproto, port
 * @dport (host order): the specific-VIP rule covering it if any, else the
 * all-VIPs rule covering it, else -1 (the default host).  -1 too for a
 * protocol other than TCP (6) and UDP (17): rules do not cover those.
 * @t is a table nlb_rules_compile() built (an empty one for no rules); it
 * is only read, so concurrent lookups need no lock.
 */
int nlb_rules_lookup(const struct nlb_rule_table *t, __be32 vip, u8 ipproto,
		     u16 dport);

static inline const struct nlb_rule *
nlb_rules_table_rule(const struct nlb_rule_table *t, unsigned int i)
{
	return (const struct nlb_rule *)(t->ent + t->nent) + i;
}

/*
 * The members that share rule @r's new flows, and by what, into @out
 * (room for @n); returns how many.  @params[i] is members[i]'s own
 * setting for the rule (@params NULL: all default).  A member whose state
 * for the rule is not enabled takes none.  Otherwise:
 *  - multiple host, equal weights: the member, at weight 1;
 *  - multiple host, load weights: the member, at its weight for the rule
 *    (its host load weight if it follows it), unless that is 0;
 *  - single host: the member, at its host weight, with its handling
 *    priority for the rule (its host priority if it follows it) as
 *    priority: nlb_default_host() of the result owns the rule;
 *  - disabled: nobody.
 * The order of @members is kept.
 */
unsigned int nlb_rule_members(const struct nlb_rule *r,
			      const struct nlb_member *members,
			      const struct nlb_rule_node *params,
			      unsigned int n, struct nlb_member *out);

#define NLB_RULES_DIGEST_VERSION	1

/*
 * 64-bit digest of a rule set, independent of the rules' order: SipHash-2-4
 * (nlb_siphash) under the fixed key k0 = 0x6e6c622d72756c2d ("nlb-rul-"),
 * k1 = 0x6469676573742d31 ("digest-1"), of the bytes "nlb-rul", the
 * version byte, the count (be16) and each rule as 12 bytes: vip (network
 * order), lo, hi (be16), proto, mode, affinity, equal (0 or 1), the records
 * sorted bytewise.  At most NLB_MAX_RULES rules are covered.
 */
u64 nlb_rules_digest(const struct nlb_rule *r, unsigned int n);

#endif /* _NLB_RULES_H */
