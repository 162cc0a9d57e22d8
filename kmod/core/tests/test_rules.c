// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the port rules (../rules.c): validation and its messages,
 * the compiled table against a brute-force lookup, the digest, and the
 * members that share a rule (nlb_rule_members()).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../nlb_rules.h"

#define VIP_A	htonl(0x0a000001)	/* 10.0.0.1 */
#define VIP_B	htonl(0x0a000002)
#define VIP_C	htonl(0x0a000003)
#define VIP_X	htonl(0x0a000009)	/* no rule names it */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u32 rnd_below(u32 n)
{
	return (u32)(rnd() % n);
}

static struct nlb_rule mk(__be32 vip, u16 lo, u16 hi, u8 proto, u8 mode)
{
	struct nlb_rule r;

	memset(&r, 0, sizeof(r));
	r.vip = vip;
	r.lo = lo;
	r.hi = hi;
	r.proto = proto;
	r.mode = mode;
	if (mode == NLB_RULE_MULTIPLE) {
		r.affinity = NLB_AFFINITY_SINGLE;
		r.equal = true;
	}
	return r;
}

/* Table memory: aligned, large enough for any valid set. */
static u64 table_mem[4096 / 8];

static const struct nlb_rule_table *compile(const struct nlb_rule *r,
					    unsigned int n)
{
	if (nlb_rules_compile(table_mem, sizeof(table_mem), r, n))
		return NULL;
	return (const struct nlb_rule_table *)table_mem;
}

/* ---- reference implementations, written independently ---- */

static int ref_overlap(const struct nlb_rule *a, const struct nlb_rule *b)
{
	unsigned int lo = a->lo > b->lo ? a->lo : b->lo;
	unsigned int hi = a->hi < b->hi ? a->hi : b->hi;

	return a->vip == b->vip && lo <= hi && (a->proto & b->proto) != 0;
}

/* Returns 0 if valid, else fills *bad and msg (a buffer). */
static int ref_validate(const struct nlb_rule *r, unsigned int n,
			unsigned int *bad, char *msg, size_t len)
{
	unsigned int i, j;
	const struct nlb_rule *x;
	const char *m;

	if (n > NLB_MAX_RULES) {
		*bad = NLB_MAX_RULES;
		snprintf(msg, len, "too many port rules (at most %d)",
			 NLB_MAX_RULES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		x = &r[i];
		m = NULL;
		if (x->lo > x->hi)
			m = "port range start is above its end";
		else if (x->proto != 1 && x->proto != 2 && x->proto != 3)
			m = "unknown protocol (tcp, udp or both)";
		else if (x->mode != 1 && x->mode != 2 && x->mode != 3)
			m = "unknown filtering mode (multiple, single or disabled)";
		else if (x->affinity > 2)
			m = "unknown affinity (none, single or network)";
		else if (x->mode != 1 && x->affinity)
			m = "affinity applies only to multiple-host rules";
		else if (x->mode != 1 && x->equal)
			m = "equal load weight applies only to multiple-host rules";
		if (m) {
			*bad = i;
			snprintf(msg, len, "%s", m);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (ref_overlap(x, &r[j])) {
				*bad = i;
				snprintf(msg, len, "overlaps rule %u", j);
				return -1;
			}
		}
	}
	return 0;
}

static int ref_lookup(const struct nlb_rule *r, unsigned int n, __be32 vip,
		      u8 ipproto, u16 port)
{
	int bit = ipproto == 6 ? 1 : ipproto == 17 ? 2 : 0;
	int spec = -1, all = -1, nspec = 0, nall = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!(r[i].proto & bit) || port < r[i].lo || port > r[i].hi)
			continue;
		if (r[i].vip == 0) {
			all = i;
			nall++;
		} else if (r[i].vip == vip) {
			spec = i;
			nspec++;
		}
	}
	if (nspec > 1 || nall > 1)
		return -2;	/* the set was not valid */
	return spec >= 0 ? spec : all;
}

/* ---- validation ---- */

static int expect_invalid(const struct nlb_rule *r, unsigned int n,
			  unsigned int want_bad, const char *want_why,
			  const char *what)
{
	unsigned int bad = 12345;
	const char *why = NULL;
	int rc = nlb_rules_validate(r, n, &bad, &why);
	int ok = rc == -EINVAL && bad == want_bad && why &&
		 !strcmp(why, want_why);

	if (!tap_check(ok, "%s: rule %u: %s", what, want_bad, want_why))
		tap_diag("got rc %d, rule %u: %s", rc, bad, why ? why : "-");
	return ok;
}

static int valid(const struct nlb_rule *r, unsigned int n)
{
	unsigned int bad = 0;
	const char *why = NULL;
	int rc = nlb_rules_validate(r, n, &bad, &why);

	if (rc)
		tap_diag("refused: rule %u: %s", bad, why);
	return rc == 0;
}

static void test_validate(void)
{
	struct nlb_rule r[NLB_MAX_RULES + 1], d;
	unsigned int i, bad = 7;
	const char *why = "x";

	nlb_rule_default(&d);
	tap_check(d.vip == 0 && d.lo == 0 && d.hi == 65535 &&
		  d.proto == NLB_RULE_BOTH && d.mode == NLB_RULE_MULTIPLE &&
		  d.affinity == NLB_AFFINITY_SINGLE && d.equal && valid(&d, 1),
		  "the default rule is valid and as documented");
	tap_check(nlb_rules_validate(NULL, 0, &bad, &why) == 0 && bad == 7 &&
		  !strcmp(why, "x"), "an empty set is valid, outputs untouched");

	r[0] = mk(0, 80, 80, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	r[1] = mk(0, 443, 443, NLB_RULE_TCP, NLB_RULE_SINGLE);
	r[2] = mk(0, 1000, 999, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	expect_invalid(r, 3, 2, "port range start is above its end", "lo > hi");
	r[2] = mk(0, 65535, 0, NLB_RULE_UDP, NLB_RULE_DISABLED);
	expect_invalid(r, 3, 2, "port range start is above its end",
		       "65535-0");

	r[2] = mk(0, 53, 53, 0, NLB_RULE_MULTIPLE);
	expect_invalid(r, 3, 2, "unknown protocol (tcp, udp or both)",
		       "proto 0");
	r[2].proto = 4;
	expect_invalid(r, 3, 2, "unknown protocol (tcp, udp or both)",
		       "proto 4");
	r[2].proto = 0xff;
	expect_invalid(r, 3, 2, "unknown protocol (tcp, udp or both)",
		       "proto 255");

	r[2] = mk(0, 53, 53, NLB_RULE_UDP, 0);
	expect_invalid(r, 3, 2,
		       "unknown filtering mode (multiple, single or disabled)",
		       "mode 0");
	r[2].mode = 4;
	expect_invalid(r, 3, 2,
		       "unknown filtering mode (multiple, single or disabled)",
		       "mode 4");

	r[2] = mk(0, 53, 53, NLB_RULE_UDP, NLB_RULE_MULTIPLE);
	r[2].affinity = 3;
	expect_invalid(r, 3, 2, "unknown affinity (none, single or network)",
		       "affinity 3");
	r[2].affinity = NLB_AFFINITY_NETWORK;
	r[2].equal = false;
	tap_check(valid(r, 3), "network affinity, per-host weights: valid");

	r[2] = mk(0, 53, 53, NLB_RULE_UDP, NLB_RULE_SINGLE);
	r[2].affinity = NLB_AFFINITY_SINGLE;
	expect_invalid(r, 3, 2, "affinity applies only to multiple-host rules",
		       "affinity on a single-host rule");
	r[2].mode = NLB_RULE_DISABLED;
	r[2].affinity = NLB_AFFINITY_NETWORK;
	expect_invalid(r, 3, 2, "affinity applies only to multiple-host rules",
		       "affinity on a disabled rule");
	r[2].affinity = NLB_AFFINITY_NONE;
	r[2].equal = true;
	expect_invalid(r, 3, 2,
		       "equal load weight applies only to multiple-host rules",
		       "equal on a disabled rule");
	r[2].mode = NLB_RULE_SINGLE;
	expect_invalid(r, 3, 2,
		       "equal load weight applies only to multiple-host rules",
		       "equal on a single-host rule");
	r[2].equal = false;
	tap_check(valid(r, 3), "single-host rule with affinity none: valid");

	/* Errors are reported in index order, own checks before overlaps. */
	r[0] = mk(0, 80, 80, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	r[1] = mk(0, 1, 0, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	r[2] = mk(0, 80, 80, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	expect_invalid(r, 3, 1, "port range start is above its end",
		       "the first bad rule is reported");
	r[1] = mk(0, 80, 80, NLB_RULE_TCP, 9);
	expect_invalid(r, 3, 1,
		       "unknown filtering mode (multiple, single or disabled)",
		       "a bad rule that also overlaps: its own error");

	/* Overlaps. */
	r[0] = mk(0, 100, 200, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	r[1] = mk(0, 300, 400, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	r[2] = mk(0, 150, 150, NLB_RULE_UDP, NLB_RULE_MULTIPLE);
	r[3] = mk(0, 200, 300, NLB_RULE_TCP, NLB_RULE_SINGLE);
	expect_invalid(r, 4, 3, "overlaps rule 0",
		       "overlap with the first of two rules");
	r[3] = mk(0, 201, 300, NLB_RULE_TCP, NLB_RULE_SINGLE);
	expect_invalid(r, 4, 3, "overlaps rule 1",
		       "touching at one port is an overlap");
	r[3] = mk(0, 201, 299, NLB_RULE_TCP, NLB_RULE_SINGLE);
	tap_check(valid(r, 4), "adjacent ranges do not overlap");
	r[3] = mk(0, 150, 150, NLB_RULE_BOTH, NLB_RULE_DISABLED);
	expect_invalid(r, 4, 3, "overlaps rule 0",
		       "a both-protocol rule overlaps a TCP one");
	r[3] = mk(0, 350, 350, NLB_RULE_UDP, NLB_RULE_DISABLED);
	expect_invalid(r, 4, 3, "overlaps rule 1",
		       "a UDP rule overlaps a both-protocol one");
	tap_check(valid(r, 3), "TCP and UDP rules on the same ports: valid");
	r[3] = mk(0, 0, 65535, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	expect_invalid(r, 4, 3, "overlaps rule 0",
		       "all ports overlaps everything");

	r[0] = mk(VIP_A, 80, 80, NLB_RULE_TCP, NLB_RULE_SINGLE);
	r[1] = mk(VIP_B, 80, 80, NLB_RULE_TCP, NLB_RULE_SINGLE);
	r[2] = mk(0, 0, 65535, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	tap_check(valid(r, 3),
		  "specific-VIP and all-VIPs rules on one port do not overlap");
	r[3] = mk(VIP_B, 1, 100, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	expect_invalid(r, 4, 3, "overlaps rule 1",
		       "two rules for the same VIP overlap");
	r[3] = mk(0, 80, 80, NLB_RULE_UDP, NLB_RULE_MULTIPLE);
	expect_invalid(r, 4, 3, "overlaps rule 2",
		       "two all-VIPs rules overlap");

	/* 64 accepted, 65 refused, the last overlap message. */
	for (i = 0; i < NLB_MAX_RULES + 1; i++)
		r[i] = mk(0, i * 10, i * 10 + 9, NLB_RULE_BOTH,
			  NLB_RULE_MULTIPLE);
	tap_check(valid(r, NLB_MAX_RULES), "64 rules accepted");
	expect_invalid(r, NLB_MAX_RULES + 1, NLB_MAX_RULES,
		       "too many port rules (at most 64)", "65 rules refused");
	tap_check(nlb_rules_validate(r, NLB_MAX_RULES + 1, NULL, NULL) ==
		  -EINVAL, "NULL bad/why are allowed");
	r[63] = mk(0, 629, 629, NLB_RULE_UDP, NLB_RULE_DISABLED);
	expect_invalid(r, NLB_MAX_RULES, 63, "overlaps rule 62",
		       "overlap of the last two of 64");
	r[63] = mk(0, 5, 5, NLB_RULE_UDP, NLB_RULE_DISABLED);
	expect_invalid(r, NLB_MAX_RULES, 63, "overlaps rule 0",
		       "the first earlier rule overlapped is named");
	for (i = 0; i < NLB_MAX_RULES; i++)
		r[i] = mk(0, 7, 7, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	expect_invalid(r, NLB_MAX_RULES, 1, "overlaps rule 0",
		       "64 identical rules: the second overlaps the first");
}

/* ---- the compiled table ---- */

static void test_compile(void)
{
	struct nlb_rule r[NLB_MAX_RULES + 1];
	const struct nlb_rule_table *t;
	static u64 small[64];
	unsigned int i;
	size_t need;

	tap_check(nlb_rules_table_size(NLB_MAX_RULES + 1) == 0 &&
		  nlb_rules_table_size(0) == sizeof(struct nlb_rule_table) &&
		  nlb_rules_table_size(NLB_MAX_RULES) <= sizeof(table_mem),
		  "table sizes");

	r[0] = mk(0, 10, 5, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	tap_check(nlb_rules_compile(table_mem, sizeof(table_mem), r, 1) ==
		  -EINVAL, "an invalid set does not compile");
	for (i = 0; i < NLB_MAX_RULES + 1; i++)
		r[i] = mk(0, i, i, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	tap_check(nlb_rules_compile(table_mem, sizeof(table_mem), r,
				    NLB_MAX_RULES + 1) == -EINVAL,
		  "65 rules do not compile");
	need = nlb_rules_table_size(3);
	tap_check(nlb_rules_compile(small, need - 1, r, 3) == -ENOSPC &&
		  nlb_rules_compile(small, need, r, 3) == 0,
		  "compile needs exactly nlb_rules_table_size() bytes");
	tap_check(nlb_rules_compile((u8 *)table_mem + 4, sizeof(table_mem) - 4,
				    r, 3) == -EINVAL,
		  "misaligned memory is refused");

	t = compile(NULL, 0);
	tap_check(t && t->nrules == 0 && t->nent == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 80) == -1 &&
		  nlb_rules_lookup(t, 0, 17, 0) == -1,
		  "no rules: everything to the default host");

	nlb_rule_default(&r[0]);
	t = compile(r, 1);
	tap_check(t && t->nent == 2 &&
		  nlb_rules_lookup(t, VIP_A, 6, 0) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 17, 65535) == 0 &&
		  nlb_rules_lookup(t, VIP_X, 6, 12345) == 0 &&
		  nlb_rules_lookup(t, 0, 17, 1) == 0,
		  "the default rule covers every TCP and UDP port of any VIP");
	tap_check(t && nlb_rules_lookup(t, VIP_A, 1, 0) == -1 &&
		  nlb_rules_lookup(t, VIP_A, 47, 80) == -1 &&
		  nlb_rules_lookup(t, VIP_A, 132, 80) == -1,
		  "ICMP, GRE, SCTP: no rule (the caller's policy)");
	tap_check(t && !memcmp(nlb_rules_table_rule(t, 0), &r[0],
			       sizeof(r[0])),
		  "the table carries a copy of the rules");

	/* Precedence. */
	r[0] = mk(0, 0, 65535, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	r[1] = mk(VIP_A, 80, 80, NLB_RULE_TCP, NLB_RULE_SINGLE);
	r[2] = mk(VIP_A, 1000, 1999, NLB_RULE_BOTH, NLB_RULE_DISABLED);
	r[3] = mk(VIP_B, 0, 65535, NLB_RULE_UDP, NLB_RULE_SINGLE);
	t = compile(r, 4);
	tap_check(t && nlb_rules_lookup(t, VIP_A, 6, 80) == 1 &&
		  nlb_rules_lookup(t, VIP_A, 6, 1500) == 2 &&
		  nlb_rules_lookup(t, VIP_A, 17, 1000) == 2 &&
		  nlb_rules_lookup(t, VIP_A, 17, 1999) == 2,
		  "a specific-VIP rule beats the all-VIPs rule");
	tap_check(t && nlb_rules_lookup(t, VIP_A, 17, 80) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 79) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 81) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 999) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 2000) == 0,
		  "outside the specific rule: the all-VIPs rule");
	tap_check(t && nlb_rules_lookup(t, VIP_B, 6, 80) == 0 &&
		  nlb_rules_lookup(t, VIP_B, 17, 80) == 3 &&
		  nlb_rules_lookup(t, VIP_X, 6, 80) == 0 &&
		  nlb_rules_lookup(t, VIP_C, 17, 1500) == 0,
		  "another VIP's specific rule does not apply");
	r[0] = mk(VIP_A, 80, 80, NLB_RULE_TCP, NLB_RULE_SINGLE);
	r[1] = mk(0, 443, 443, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	t = compile(r, 2);
	tap_check(t && nlb_rules_lookup(t, VIP_B, 6, 80) == -1 &&
		  nlb_rules_lookup(t, VIP_A, 6, 443) == 1 &&
		  nlb_rules_lookup(t, VIP_A, 6, 80) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 17, 80) == -1,
		  "no rule covering the port: the default host (-1)");

	/* Boundaries. */
	r[0] = mk(0, 0, 0, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	r[1] = mk(0, 65535, 65535, NLB_RULE_BOTH, NLB_RULE_SINGLE);
	r[2] = mk(0, 2, 65534, NLB_RULE_UDP, NLB_RULE_DISABLED);
	r[3] = mk(VIP_A, 0, 0, NLB_RULE_UDP, NLB_RULE_DISABLED);
	r[4] = mk(VIP_A, 65535, 65535, NLB_RULE_TCP, NLB_RULE_DISABLED);
	t = compile(r, 5);
	tap_check(t && nlb_rules_lookup(t, VIP_B, 6, 0) == 0 &&
		  nlb_rules_lookup(t, VIP_B, 6, 1) == -1 &&
		  nlb_rules_lookup(t, VIP_B, 17, 0) == -1 &&
		  nlb_rules_lookup(t, VIP_B, 17, 1) == -1 &&
		  nlb_rules_lookup(t, VIP_B, 17, 2) == 2 &&
		  nlb_rules_lookup(t, VIP_B, 17, 65534) == 2 &&
		  nlb_rules_lookup(t, VIP_B, 17, 65535) == 1 &&
		  nlb_rules_lookup(t, VIP_B, 6, 65535) == 1 &&
		  nlb_rules_lookup(t, VIP_B, 6, 65534) == -1,
		  "ports 0 and 65535, lo == hi, all VIPs");
	tap_check(t && nlb_rules_lookup(t, VIP_A, 17, 0) == 3 &&
		  nlb_rules_lookup(t, VIP_A, 6, 0) == 0 &&
		  nlb_rules_lookup(t, VIP_A, 6, 65535) == 4 &&
		  nlb_rules_lookup(t, VIP_A, 17, 65535) == 1,
		  "ports 0 and 65535 on a specific VIP");
	r[0] = mk(htonl(0xffffffff), 0, 65535, NLB_RULE_BOTH,
		  NLB_RULE_SINGLE);
	r[1] = mk(htonl(1), 0, 65535, NLB_RULE_BOTH, NLB_RULE_MULTIPLE);
	t = compile(r, 2);
	tap_check(t && nlb_rules_lookup(t, htonl(0xffffffff), 6, 65535) == 0 &&
		  nlb_rules_lookup(t, htonl(0xffffffff), 17, 0) == 0 &&
		  nlb_rules_lookup(t, htonl(1), 17, 0) == 1 &&
		  nlb_rules_lookup(t, htonl(0xfffffffe), 6, 0) == -1 &&
		  nlb_rules_lookup(t, htonl(2), 6, 65535) == -1,
		  "extreme VIPs");
}

/* A random rule; dense ports so that sets collide. */
static struct nlb_rule rnd_rule(int any)
{
	__be32 vips[4] = { 0, VIP_A, VIP_B, VIP_C };
	struct nlb_rule r;
	u32 lo, w;

	memset(&r, 0, sizeof(r));
	r.vip = vips[rnd_below(4)];
	switch (rnd_below(5)) {
	case 0:
		w = 0;
		break;
	case 1:
	case 2:
		w = rnd_below(20);
		break;
	case 3:
		w = rnd_below(500);
		break;
	default:
		w = rnd_below(65536);
		break;
	}
	lo = rnd_below(4) ? rnd_below(2000) : rnd_below(65536);
	if (rnd_below(8) == 0)
		lo = 65535 - w;
	if (lo + w > 65535)
		lo = 65535 - w;
	r.lo = lo;
	r.hi = lo + w;
	r.proto = 1 + rnd_below(3);
	r.mode = 1 + rnd_below(3);
	if (r.mode == NLB_RULE_MULTIPLE) {
		r.affinity = rnd_below(3);
		r.equal = rnd_below(2);
	}
	if (any) {
		/* Now and then a field out of range. */
		switch (rnd_below(12)) {
		case 0:
			if (r.hi) {
				r.lo = r.hi;
				r.hi = rnd_below(r.lo);
			}
			break;
		case 1:
			r.proto = rnd_below(2) ? 0 : 4 + rnd_below(252);
			break;
		case 2:
			r.mode = rnd_below(2) ? 0 : 4 + rnd_below(252);
			break;
		case 3:
			r.affinity = rnd_below(256);
			break;
		case 4:
			r.equal = true;
			break;
		default:
			break;
		}
	}
	return r;
}

/* A valid set of up to @max rules, grown by tries. */
static unsigned int rnd_valid_set(struct nlb_rule *r, unsigned int max)
{
	unsigned int n = 0, tries, j;
	struct nlb_rule c;

	for (tries = 0; tries < 400 && n < max; tries++) {
		c = rnd_rule(0);
		for (j = 0; j < n; j++)
			if (ref_overlap(&c, &r[j]))
				break;
		if (j == n)
			r[n++] = c;
	}
	return n;
}

static void test_random(void)
{
	const __be32 vips[] = { 0, VIP_A, VIP_B, VIP_C, VIP_X };
	static const u8 protos[] = { 6, 17, 6, 17, 1 };
	unsigned int set, n, i, k, bad, rbad, sets = 0, lookups = 0;
	unsigned int valid_mismatch = 0, lookup_mismatch = 0, nvalid = 0;
	struct nlb_rule r[NLB_MAX_RULES + 2], *x;
	const struct nlb_rule_table *t;
	char rmsg[128];
	const char *why;
	int got, want, rc, rrc;
	__be32 vip;
	u8 proto;
	u16 port;

	for (set = 0; set < 3000; set++) {
		n = rnd_valid_set(r, 1 + rnd_below(NLB_MAX_RULES));
		sets++;
		bad = 0;
		why = NULL;
		if (nlb_rules_validate(r, n, &bad, &why)) {
			if (!valid_mismatch++)
				tap_diag("set %u refused: rule %u: %s", set,
					 bad, why);
			continue;
		}
		t = compile(r, n);
		if (!t) {
			if (!valid_mismatch++)
				tap_diag("set %u does not compile", set);
			continue;
		}
		for (i = 0; i < 400; i++) {
			vip = vips[rnd_below(5)];
			proto = protos[rnd_below(5)];
			if (rnd_below(2)) {
				port = rnd_below(65536);
			} else {
				x = &r[rnd_below(n)];
				k = rnd_below(4);
				port = k == 0 ? x->lo - 1 : k == 1 ? x->lo :
				       k == 2 ? x->hi : x->hi + 1;
			}
			got = nlb_rules_lookup(t, vip, proto, port);
			want = ref_lookup(r, n, vip, proto, port);
			lookups++;
			if (got != want && !lookup_mismatch++)
				tap_diag("set %u: %08x/%u/%u: got %d want %d",
					 set, ntohl(vip), proto, port, got,
					 want);
		}
	}
	tap_check(!valid_mismatch, "%u random valid sets are accepted", sets);
	tap_check(!lookup_mismatch,
		  "lookup == brute force on %u packets (%u mismatches)",
		  lookups, lookup_mismatch);

	/* Arbitrary sets (overlaps, bad fields): validate == reference. */
	valid_mismatch = 0;
	for (set = 0; set < 20000; set++) {
		n = rnd_below(8) ? rnd_below(12) : rnd_below(NLB_MAX_RULES + 3);
		if (rnd_below(2)) {
			for (i = 0; i < n; i++)
				r[i] = rnd_rule(1);
		} else {
			/* Mostly valid, one rule perturbed. */
			n = rnd_valid_set(r, n ? n : 1);
			if (n && rnd_below(4))
				r[rnd_below(n)] = rnd_rule(1);
		}
		bad = rbad = 99999;
		why = NULL;
		rc = nlb_rules_validate(r, n, &bad, &why);
		rrc = ref_validate(r, n, &rbad, rmsg, sizeof(rmsg));
		if (!rrc)
			nvalid++;
		if ((rc == 0) != (rrc == 0) ||
		    (rc && (rc != -EINVAL || bad != rbad || !why ||
			    strcmp(why, rmsg)))) {
			if (!valid_mismatch++)
				tap_diag("set %u (n %u): rc %d rule %u: %s; "
					 "want rule %u: %s", set, n, rc, bad,
					 why ? why : "-", rbad,
					 rrc ? rmsg : "valid");
		}
	}
	tap_check(!valid_mismatch,
		  "validate == reference on 20000 arbitrary sets (%u valid)",
		  nvalid);
}

/* ---- digest ---- */

static u64 ref_digest(const struct nlb_rule *r, unsigned int n)
{
	static const struct nlb_key key = {
		.k0 = 0x6e6c622d72756c2dULL, .k1 = 0x6469676573742d31ULL,
	};
	u8 buf[10 + 12 * NLB_MAX_RULES], rec[NLB_MAX_RULES][12], tmp[12];
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		rec[i][0] = ntohl(r[i].vip) >> 24;
		rec[i][1] = ntohl(r[i].vip) >> 16;
		rec[i][2] = ntohl(r[i].vip) >> 8;
		rec[i][3] = ntohl(r[i].vip);
		rec[i][4] = r[i].lo >> 8;
		rec[i][5] = r[i].lo;
		rec[i][6] = r[i].hi >> 8;
		rec[i][7] = r[i].hi;
		rec[i][8] = r[i].proto;
		rec[i][9] = r[i].mode;
		rec[i][10] = r[i].affinity;
		rec[i][11] = r[i].equal;
	}
	/* Selection sort, unlike the implementation. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (memcmp(rec[j], rec[i], 12) < 0) {
				memcpy(tmp, rec[i], 12);
				memcpy(rec[i], rec[j], 12);
				memcpy(rec[j], tmp, 12);
			}
	memcpy(buf, "nlb-rul", 7);
	buf[7] = 1;
	buf[8] = n >> 8;
	buf[9] = n;
	for (i = 0; i < n; i++)
		memcpy(buf + 10 + 12 * i, rec[i], 12);
	return nlb_siphash(&key, buf, 10 + 12 * n);
}

static void test_digest(void)
{
	struct nlb_rule r[NLB_MAX_RULES + 1], s[NLB_MAX_RULES], c;
	unsigned int n, i, j, f, round, order_bad = 0, ref_bad = 0;
	unsigned int field_bad[7] = { 0 };
	static const char *const fields[7] = {
		"vip", "lo", "hi", "proto", "mode", "affinity", "equal"
	};
	u64 d, d2;

	nlb_rule_default(&r[0]);
	tap_check(nlb_rules_digest(r, 1) == ref_digest(r, 1) &&
		  nlb_rules_digest(NULL, 0) == ref_digest(NULL, 0),
		  "digests of the default rule and of none: as documented");
	tap_check(nlb_rules_digest(r, 1) != nlb_rules_digest(NULL, 0),
		  "no rules and the default rule differ");

	for (round = 0; round < 2000; round++) {
		n = rnd_valid_set(r, 1 + rnd_below(NLB_MAX_RULES));
		d = nlb_rules_digest(r, n);
		if (d != ref_digest(r, n))
			ref_bad++;
		/* A random permutation. */
		memcpy(s, r, n * sizeof(r[0]));
		for (i = n; i > 1; i--) {
			j = rnd_below(i);
			c = s[i - 1];
			s[i - 1] = s[j];
			s[j] = c;
		}
		if (nlb_rules_digest(s, n) != d)
			order_bad++;
		/* Every field of one rule. */
		i = rnd_below(n);
		for (f = 0; f < 7; f++) {
			memcpy(s, r, n * sizeof(r[0]));
			switch (f) {
			case 0:
				s[i].vip ^= htonl(1u << rnd_below(32));
				break;
			case 1:
				s[i].lo ^= 1u << rnd_below(16);
				break;
			case 2:
				s[i].hi ^= 1u << rnd_below(16);
				break;
			case 3:
				s[i].proto ^= 1u << rnd_below(8);
				break;
			case 4:
				s[i].mode ^= 1u << rnd_below(8);
				break;
			case 5:
				s[i].affinity ^= 1u << rnd_below(8);
				break;
			default:
				s[i].equal = !s[i].equal;
				break;
			}
			d2 = nlb_rules_digest(s, n);
			if (d2 == d)
				field_bad[f]++;
		}
		/* One rule more or less. */
		if (nlb_rules_digest(r, n - 1) == d)
			order_bad++;
	}
	tap_check(!ref_bad, "digest == the documented encoding (2000 sets)");
	tap_check(!order_bad,
		  "digest independent of order, sensitive to the count");
	for (f = 0; f < 7; f++)
		tap_check(!field_bad[f], "digest changes with %s", fields[f]);

	for (i = 0; i < NLB_MAX_RULES + 1; i++)
		r[i] = mk(0, i, i, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	tap_check(nlb_rules_digest(r, NLB_MAX_RULES + 1) ==
		  nlb_rules_digest(r, NLB_MAX_RULES),
		  "at most 64 rules are covered");
}

/* ---- the members of a rule ---- */

static struct nlb_rule_node rp_(u8 weight, u8 priority, u8 state)
{
	struct nlb_rule_node p = {
		.weight = weight, .priority = priority, .state = state,
	};

	return p;
}

static struct nlb_member mb(u8 id, u32 weight, u8 priority)
{
	struct nlb_member m = {
		.id = id, .weight = weight, .priority = priority,
	};

	return m;
}

/* nlb_rule_members() into a poisoned @out, compared with @want. */
static int expect_members(const struct nlb_rule *r,
			  const struct nlb_member *m,
			  const struct nlb_rule_node *params, unsigned int n,
			  const struct nlb_member *want, unsigned int nwant,
			  const char *what)
{
	struct nlb_member out[NLB_CORE_MAX_NODES];
	unsigned int k, i;
	int ok;

	memset(out, 0xa5, sizeof(out));
	k = nlb_rule_members(r, m, params, n, out);
	ok = k == nwant;
	for (i = 0; ok && i < k; i++)
		ok = out[i].id == want[i].id &&
		     out[i].weight == want[i].weight &&
		     out[i].priority == want[i].priority;
	if (!tap_check(ok, "rule members: %s", what)) {
		tap_diag("got %u, want %u:", k, nwant);
		for (i = 0; i < k && i < n; i++)
			tap_diag("  id %u weight %u priority %u", out[i].id,
				 out[i].weight, out[i].priority);
	}
	return ok;
}

static void test_rule_members(void)
{
	/* Not in id order, so that keeping the order shows. */
	static const struct nlb_member ms[4] = {
		{ .id = 3, .weight = 30, .priority = 3 },
		{ .id = 1, .weight = 10, .priority = 1 },
		{ .id = 4, .weight = 40000, .priority = 0 },
		{ .id = 2, .weight = 20, .priority = 2 },
	};
	struct nlb_rule_node p[4], d[4];
	struct nlb_member want[4], out[4], s[3];
	struct nlb_rule multi, load, single, off;
	unsigned int i;

	multi = mk(0, 80, 80, NLB_RULE_TCP, NLB_RULE_MULTIPLE);
	load = multi;
	load.equal = false;
	single = mk(0, 443, 443, NLB_RULE_TCP, NLB_RULE_SINGLE);
	off = mk(0, 53, 53, NLB_RULE_UDP, NLB_RULE_DISABLED);
	for (i = 0; i < 4; i++)
		nlb_rule_node_default(&d[i]);

	/* Multiple host, equal weights. */
	for (i = 0; i < 4; i++)
		want[i] = mb(ms[i].id, 1, ms[i].priority);
	expect_members(&multi, ms, d, 4, want, 4,
		       "equal: every enabled member at weight 1, in order");
	memcpy(p, d, sizeof(p));
	p[0].weight = 50;
	p[1].weight = 0;
	p[2].priority = 9;
	expect_members(&multi, ms, p, 4, want, 4,
		       "equal: the rule weights (0 too) do not count");
	p[1].state = NLB_RULE_ST_DRAINING;
	p[2].state = NLB_RULE_ST_DISABLED;
	want[1] = want[3];
	expect_members(&multi, ms, p, 4, want, 2,
		       "equal: draining and disabled members are left out");
	memcpy(p, d, sizeof(p));
	for (i = 0; i < 4; i++)
		p[i].state = i & 1 ? NLB_RULE_ST_DISABLED :
				     NLB_RULE_ST_DRAINING;
	expect_members(&multi, ms, p, 4, want, 0,
		       "equal: nobody enabled, nobody");

	/* Multiple host, load weights. */
	p[0] = rp_(50, 0, NLB_RULE_ST_ENABLED);
	p[1] = rp_(NLB_RULE_W_HOST, 7, NLB_RULE_ST_ENABLED);
	p[2] = rp_(NLB_RULE_W_HOST, 0, NLB_RULE_ST_ENABLED);
	p[3] = rp_(100, 0, NLB_RULE_ST_ENABLED);
	want[0] = mb(3, 50, 3);
	want[1] = mb(1, 10, 1);
	want[2] = mb(4, 40000, 0);
	want[3] = mb(2, 100, 2);
	expect_members(&load, ms, p, 4, want, 4,
		       "load: the rule weight, or the host weight (255)");
	p[0].weight = 0;
	want[0] = want[1];
	want[1] = want[2];
	want[2] = want[3];
	expect_members(&load, ms, p, 4, want, 3,
		       "load: rule weight 0 leaves the member out");
	p[0].weight = 1;
	p[1].state = NLB_RULE_ST_DRAINING;
	p[3].state = NLB_RULE_ST_DISABLED;
	want[0] = mb(3, 1, 3);
	want[1] = mb(4, 40000, 0);
	expect_members(&load, ms, p, 4, want, 2,
		       "load: draining and disabled members are left out");
	memcpy(s, ms, sizeof(s));
	s[1].weight = 0;
	want[0] = mb(3, 30, 3);
	want[1] = mb(4, 40000, 0);
	expect_members(&load, s, d, 3, want, 2,
		       "load: following a host weight of 0 leaves it out");

	/* Single host. */
	s[0] = mb(1, 10, 1);
	s[1] = mb(2, 20, 2);
	s[2] = mb(3, 30, 3);
	p[0] = rp_(0, 3, NLB_RULE_ST_ENABLED);
	p[1] = rp_(NLB_RULE_W_HOST, 1, NLB_RULE_ST_ENABLED);
	p[2] = rp_(7, 2, NLB_RULE_ST_ENABLED);
	want[0] = mb(1, 10, 3);
	want[1] = mb(2, 20, 1);
	want[2] = mb(3, 30, 2);
	expect_members(&single, s, p, 3, want, 3,
		       "single: every member, the rule priority, host weight");
	tap_check(nlb_default_host(s, 3) == 1 &&
		  nlb_rule_members(&single, s, p, 3, out) == 3 &&
		  nlb_default_host(out, 3) == 2,
		  "rule members: single: the best rule priority owns it");
	p[1].state = NLB_RULE_ST_DISABLED;
	tap_check(nlb_rule_members(&single, s, p, 3, out) == 2 &&
		  nlb_default_host(out, 2) == 3,
		  "rule members: single: the best one disabled, the next");
	p[1].state = NLB_RULE_ST_DRAINING;
	want[1] = want[2];
	expect_members(&single, s, p, 3, want, 2,
		       "single: a draining member is left out");
	p[0].priority = 0;
	p[1] = rp_(NLB_RULE_W_HOST, 0, NLB_RULE_ST_ENABLED);
	p[2].priority = 0;
	expect_members(&single, s, p, 3, s, 3,
		       "single: rule priority 0 keeps the host priority");
	tap_check(nlb_rule_members(&single, s, p, 3, out) == 3 &&
		  nlb_default_host(out, 3) == 1,
		  "rule members: single: then the best host priority owns it");
	for (i = 0; i < 4; i++)
		want[i] = ms[i];
	p[0] = rp_(0, 0, NLB_RULE_ST_ENABLED);
	p[1] = rp_(0, 0, NLB_RULE_ST_ENABLED);
	p[2] = rp_(0, 0, NLB_RULE_ST_ENABLED);
	p[3] = rp_(0, 0, NLB_RULE_ST_ENABLED);
	expect_members(&single, ms, p, 4, want, 4,
		       "single: rule weight 0 does not count, priority 0 kept");
	p[2].priority = 1;
	want[2].priority = 1;
	tap_check(expect_members(&single, ms, p, 4, want, 4,
				 "single: a member of priority 0 (its id) gets "
				 "the rule's") &&
		  nlb_rule_members(&single, ms, p, 4, out) == 4 &&
		  nlb_default_host(out, 4) == 1,
		  "rule members: single: a tie goes to the lower id");

	/* Disabled. */
	tap_check(nlb_rule_members(&off, ms, d, 4, out) == 0 &&
		  nlb_rule_members(&off, ms, NULL, 4, out) == 0,
		  "rule members: a disabled rule has none");

	/* params NULL: everyone at the default. */
	for (i = 0; i < 4; i++)
		want[i] = mb(ms[i].id, 1, ms[i].priority);
	expect_members(&multi, ms, NULL, 4, want, 4,
		       "params NULL, equal: everyone at weight 1");
	for (i = 0; i < 4; i++)
		want[i] = ms[i];
	expect_members(&load, ms, NULL, 4, want, 4,
		       "params NULL, load: everyone at the host weight");
	expect_members(&single, ms, NULL, 4, want, 4,
		       "params NULL, single: everyone at the host priority");
	tap_check(nlb_rule_members(&single, ms, NULL, 4, out) == 4 &&
		  nlb_default_host(out, 4) == 1 &&
		  nlb_rule_members(&multi, ms, NULL, 0, out) == 0,
		  "rule members: params NULL: the default host; 0 members");
}

/* An independent reference of nlb_rule_members(), on random inputs. */
static void test_rule_members_random(void)
{
	struct nlb_member m[NLB_CORE_MAX_NODES], out[NLB_CORE_MAX_NODES];
	struct nlb_member want[NLB_CORE_MAX_NODES];
	struct nlb_rule_node p[NLB_CORE_MAX_NODES];
	unsigned int round, n, i, k, nw, bad = 0;
	struct nlb_rule r;
	int use_p;
	u32 w;

	for (round = 0; round < 5000; round++) {
		n = rnd_below(NLB_CORE_MAX_NODES + 1);
		r = mk(0, 1, 1, NLB_RULE_BOTH, 1 + rnd_below(3));
		if (r.mode == NLB_RULE_MULTIPLE)
			r.equal = rnd_below(2);
		use_p = rnd_below(5) != 0;
		for (i = 0; i < n; i++) {
			m[i] = mb(1 + i, 1 + rnd_below(1000), rnd_below(65));
			p[i].weight = rnd_below(3) ? rnd_below(101) :
				      NLB_RULE_W_HOST;
			p[i].priority = rnd_below(2) ? 0 : rnd_below(65);
			p[i].state = rnd_below(4) ? NLB_RULE_ST_ENABLED :
				     rnd_below(3);
		}
		for (nw = 0, i = 0; i < n && r.mode != NLB_RULE_DISABLED;
		     i++) {
			struct nlb_rule_node q = use_p ? p[i] :
				rp_(NLB_RULE_W_HOST, 0, NLB_RULE_ST_ENABLED);

			if (q.state)
				continue;
			want[nw] = m[i];
			if (r.mode == NLB_RULE_SINGLE) {
				if (q.priority)
					want[nw].priority = q.priority;
			} else {
				w = r.equal ? 1 : q.weight == 255 ?
				    m[i].weight : q.weight;
				if (!w)
					continue;
				want[nw].weight = w;
			}
			nw++;
		}
		k = nlb_rule_members(&r, m, use_p ? p : NULL, n, out);
		for (i = 0; k == nw && i < k; i++)
			if (out[i].id != want[i].id ||
			    out[i].weight != want[i].weight ||
			    out[i].priority != want[i].priority)
				break;
		if (k != nw || i < k) {
			if (!bad++)
				tap_diag("round %u: mode %u equal %u n %u: "
					 "got %u want %u", round, r.mode,
					 r.equal, n, k, nw);
		}
	}
	tap_check(!bad, "rule members: == a reference (5000 random sets)");
}

int main(void)
{
	test_validate();
	test_compile();
	test_random();
	test_digest();
	test_rule_members();
	test_rule_members_random();
	return tap_end();
}
