// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: port rules (../rules.c).  The input is a rule count
 * byte, then 9 bytes per rule (VIP selector, lo, hi, proto, mode,
 * affinity, equal), then 4 bytes per packet (VIP selector, protocol
 * selector, port).  nlb_rules_validate() must agree with a brute-force
 * reference (verdict, index and message); a valid set must compile into
 * exactly nlb_rules_table_size() bytes (AddressSanitizer watches the end)
 * and look up, for the fuzzer's packets and for the edges of every rule,
 * what a linear scan finds; an invalid one must not compile.  The digest
 * must not depend on the rules' order.
 */
#include <stdio.h>
#include <stdlib.h>
#include "../nlb_rules.h"

#define REC_LEN	9
#define PKT_LEN	4

static __be32 vip_of(u8 sel)
{
	/* Mostly a few VIPs (and all), so that rules collide. */
	if (sel >= 0xf0)
		return cpu_to_be32(0xffffff00u | sel);
	if (!(sel & 3))
		return 0;
	return cpu_to_be32(0x0a000000u | (sel & 3));
}

static int ref_overlap(const struct nlb_rule *a, const struct nlb_rule *b)
{
	unsigned int lo = a->lo > b->lo ? a->lo : b->lo;
	unsigned int hi = a->hi < b->hi ? a->hi : b->hi;

	return a->vip == b->vip && lo <= hi && (a->proto & b->proto);
}

static const char *ref_check(const struct nlb_rule *x)
{
	if (x->lo > x->hi)
		return "port range start is above its end";
	if (x->proto < 1 || x->proto > 3)
		return "unknown protocol (tcp, udp or both)";
	if (x->mode < 1 || x->mode > 3)
		return "unknown filtering mode (multiple, single or disabled)";
	if (x->affinity > 2)
		return "unknown affinity (none, single or network)";
	if (x->mode != 1 && x->affinity)
		return "affinity applies only to multiple-host rules";
	if (x->mode != 1 && x->equal)
		return "equal load weight applies only to multiple-host rules";
	return NULL;
}

static int ref_validate(const struct nlb_rule *r, unsigned int n,
			unsigned int *bad, char *msg, size_t len)
{
	unsigned int i, j;
	const char *m;

	if (n > NLB_MAX_RULES) {
		*bad = NLB_MAX_RULES;
		snprintf(msg, len, "too many port rules (at most 64)");
		return -1;
	}
	for (i = 0; i < n; i++) {
		m = ref_check(&r[i]);
		if (m) {
			*bad = i;
			snprintf(msg, len, "%s", m);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (ref_overlap(&r[i], &r[j])) {
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
	int spec = -1, all = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!(r[i].proto & bit) || port < r[i].lo || port > r[i].hi)
			continue;
		if (!r[i].vip) {
			if (all >= 0)
				abort();
			all = i;
		} else if (r[i].vip == vip) {
			if (spec >= 0)
				abort();
			spec = i;
		}
	}
	return spec >= 0 ? spec : all;
}

static void check_packet(const struct nlb_rule_table *t,
			 const struct nlb_rule *r, unsigned int n, __be32 vip,
			 u8 proto, u16 port)
{
	if (nlb_rules_lookup(t, vip, proto, port) !=
	    ref_lookup(r, n, vip, proto, port))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 protos[] = { 6, 17, 6, 17, 1, 0, 47, 255 };
	struct nlb_rule r[NLB_MAX_RULES + 2], rev[NLB_MAX_RULES + 2];
	unsigned int n, i, k, bad, rbad, nent = 0;
	const struct nlb_rule_table *t;
	const u8 *p, *pkt, *end = data + size;
	const char *why;
	char rmsg[96];
	int rc, rrc;
	size_t need;
	void *mem;
	u8 proto;

	if (!size)
		return 0;
	n = data[0] % (NLB_MAX_RULES + 3);
	if (n > (size - 1) / REC_LEN)
		n = (size - 1) / REC_LEN;
	memset(r, 0, sizeof(r));
	for (i = 0, p = data + 1; i < n; i++, p += REC_LEN) {
		r[i].vip = vip_of(p[0]);
		r[i].lo = nlb_load_be16(p + 1);
		r[i].hi = nlb_load_be16(p + 3);
		r[i].proto = p[5];
		r[i].mode = p[6];
		r[i].affinity = p[7];
		r[i].equal = p[8] & 1;
		rev[n - 1 - i] = r[i];
	}
	pkt = p;

	/* A digest covers at most NLB_MAX_RULES: larger sets are invalid. */
	if (n <= NLB_MAX_RULES &&
	    nlb_rules_digest(r, n) != nlb_rules_digest(rev, n))
		abort();

	bad = rbad = ~0u;
	why = NULL;
	rc = nlb_rules_validate(r, n, &bad, &why);
	rrc = ref_validate(r, n, &rbad, rmsg, sizeof(rmsg));
	if ((rc == 0) != (rrc == 0))
		abort();
	need = nlb_rules_table_size(n);
	mem = malloc(need ? need : 1);
	if (!mem)
		return 0;
	if (rc) {
		if (rc != -EINVAL || bad != rbad || !why || strcmp(why, rmsg) ||
		    nlb_rules_compile(mem, need, r, n) != -EINVAL)
			abort();
		free(mem);
		return 0;
	}
	if (nlb_rules_compile(mem, need, r, n))
		abort();
	t = mem;
	for (i = 0; i < n; i++)
		nent += (r[i].proto & 1) + (r[i].proto >> 1);
	if (t->nrules != n || t->nent != nent)
		abort();
	for (i = 0; i < t->nent; i++)
		if (i && t->ent[i - 1].key >= t->ent[i].key)
			abort();
	for (i = 0; i < n; i++)
		if (memcmp(nlb_rules_table_rule(t, i), &r[i], sizeof(r[i])))
			abort();

	/* The edges of every rule, for each VIP of the pool and protocol. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < 8; k++) {
			proto = k & 1 ? 17 : 6;
			check_packet(t, r, n, vip_of(k >> 1), proto, r[i].lo);
			check_packet(t, r, n, vip_of(k >> 1), proto, r[i].hi);
			check_packet(t, r, n, vip_of(k >> 1), proto,
				     (u16)(r[i].lo - 1));
			check_packet(t, r, n, vip_of(k >> 1), proto,
				     (u16)(r[i].hi + 1));
		}
		check_packet(t, r, n, r[i].vip, 1, r[i].lo);
	}
	/* The fuzzer's packets. */
	for (; end - pkt >= PKT_LEN; pkt += PKT_LEN)
		check_packet(t, r, n, vip_of(pkt[0]), protos[pkt[1] & 7],
			     nlb_load_be16(pkt + 2));
	free(mem);
	return 0;
}
