// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bucket map: which member owns each of B buckets.
 *
 * Every (bucket, member) pair gets a keyed pseudo-random score; both sides
 * prefer low scores.  Each member may own a quota of buckets proportional
 * to its weight (largest-remainder apportionment, so the shares are exact
 * to one bucket).  The map is the stable matching of buckets to members
 * under those quotas: no bucket and member both prefer each other to what
 * they got.  Because buckets and members rank pairs by the same score the
 * stable matching is unique, so the map is a function of (key, B, members
 * and weights) alone, whatever the order of the member list or of the
 * events that led to it.  It is built by bucket-proposing deferred
 * acceptance: each unmatched bucket proposes to its next-best member; a
 * member over its quota releases its worst bucket.
 *
 * With unequal weights a pair's score is an exponential variate divided by
 * the member's weight (weighted rendezvous), so a bucket's first choice
 * falls on a member with probability proportional to its weight, as its
 * quota does: fewer buckets are pushed past a full member, and fewer move
 * when the member set changes.  With equal weights the raw hash is the
 * score (the same order, without the arithmetic).
 *
 * Balance is exact (quotas).  A member leaving frees only its own buckets;
 * they move to their next choices, and a few others move on where a
 * member's quota is exceeded (see Documentation/design-map.md for the
 * measured figures).
 */
#include "nlb_core.h"

struct nlb_heap_ent {
	u64 score;
	u32 bucket;
};

struct nlb_map_scratch_hdr {
	u32 quota[NLB_CORE_MAX_NODES];
	u32 count[NLB_CORE_MAX_NODES];
	u32 heap_off[NLB_CORE_MAX_NODES];
	u32 sw[NLB_CORE_MAX_NODES];	/* score weights */
};

static inline u64 nlb_fmix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Keyed pseudo-random 64 bits of a (bucket, node id) pair. */
static inline u64 nlb_pair_hash(const struct nlb_key *key, u32 bucket, u8 id)
{
	u64 x = key->k0 ^ nlb_fmix64(key->k1 + bucket * 0x9e3779b97f4a7c15ULL);

	return nlb_fmix64(x + id * 0xc2b2ae3d27d4eb4fULL);
}

#define NLB_LOG_FRAC	24	/* fraction bits of nlb_neg_log2() */

/* log2(1 + i / 256) for i = 0..256, NLB_LOG_FRAC fraction bits, rounded. */
static const u32 nlb_log2_tab[257] = {
	0x0000000, 0x001709c, 0x002dfca, 0x0044d8c, 0x005b9e6, 0x00724d9,
	0x0088e69, 0x009f698, 0x00b5d6a, 0x00cc2e0, 0x00e26fd, 0x00f89c5,
	0x010eb39, 0x0124b5b, 0x013aa30, 0x01507b8, 0x01663f7, 0x017beef,
	0x01918a1, 0x01a7112, 0x01bc842, 0x01d1e35, 0x01e72ec, 0x01fc66a,
	0x02118b1, 0x02269c3, 0x023b9a3, 0x0250853, 0x02655d4, 0x027a229,
	0x028ed54, 0x02a3757, 0x02b8034, 0x02cc7ee, 0x02e0e86, 0x02f53fe,
	0x0309858, 0x031db96, 0x0331dba, 0x0345ec6, 0x0359ebc, 0x036dd9e,
	0x0381b6e, 0x039582c, 0x03a93dd, 0x03bce80, 0x03d0818, 0x03e40a6,
	0x03f782d, 0x040aeaf, 0x041e42b, 0x04318a6, 0x0444c1f, 0x0457e9a,
	0x046b017, 0x047e098, 0x049101f, 0x04a3ead, 0x04b6c44, 0x04c98e6,
	0x04dc493, 0x04eef4f, 0x0501919, 0x05141f4, 0x05269e1, 0x05390e2,
	0x054b6f8, 0x055dc24, 0x0570069, 0x05823c7, 0x0594640, 0x05a67d5,
	0x05b8887, 0x05ca859, 0x05dc74b, 0x05ee55f, 0x0600296, 0x0611ef1,
	0x0623a72, 0x063551a, 0x0646eea, 0x06587e4, 0x066a009, 0x067b75a,
	0x068cdd8, 0x069e385, 0x06af862, 0x06c0c70, 0x06d1fb0, 0x06e3223,
	0x06f43cc, 0x07054aa, 0x07164bf, 0x072740c, 0x0738292, 0x0749053,
	0x0759d50, 0x076a989, 0x077b4ff, 0x078bfb5, 0x079c9ab, 0x07ad2e1,
	0x07bdb5a, 0x07ce316, 0x07dea16, 0x07ef05b, 0x07ff5e6, 0x080fab9,
	0x081fed4, 0x0830239, 0x08404e8, 0x08506e2, 0x0860828, 0x08708bc,
	0x088089e, 0x08907cf, 0x08a0650, 0x08b0422, 0x08c0146, 0x08cfdbe,
	0x08df989, 0x08ef4a9, 0x08fef1f, 0x090e8eb, 0x091e20f, 0x092da8b,
	0x093d260, 0x094c990, 0x095c01a, 0x096b601, 0x097ab44, 0x0989fe4,
	0x09993e3, 0x09a8742, 0x09b7a00, 0x09c6c1f, 0x09d5da0, 0x09e4e83,
	0x09f3eca, 0x0a02e74, 0x0a11d84, 0x0a20bf9, 0x0a2f9d5, 0x0a3e718,
	0x0a4d3c2, 0x0a5bfd6, 0x0a6ab53, 0x0a7963a, 0x0a8808c, 0x0a96a4a,
	0x0aa5374, 0x0ab3c0c, 0x0ac2411, 0x0ad0b85, 0x0adf268, 0x0aed8bc,
	0x0afbe80, 0x0b0a3b5, 0x0b1885c, 0x0b26c77, 0x0b35004, 0x0b43306,
	0x0b5157d, 0x0b5f769, 0x0b6d8cb, 0x0b7b9a4, 0x0b899f5, 0x0b979bd,
	0x0ba58ff, 0x0bb37b9, 0x0bc15ee, 0x0bcf39d, 0x0bdd0c8, 0x0bead6e,
	0x0bf8991, 0x0c06531, 0x0c1404f, 0x0c21aeb, 0x0c2f506, 0x0c3cea0,
	0x0c4a7ba, 0x0c58055, 0x0c65872, 0x0c73010, 0x0c80731, 0x0c8ddd4,
	0x0c9b3fb, 0x0ca89a7, 0x0cb5ed7, 0x0cc338c, 0x0cd07c7, 0x0cddb88,
	0x0ceaed0, 0x0cf819f, 0x0d053f7, 0x0d125d7, 0x0d1f740, 0x0d2c832,
	0x0d398af, 0x0d468b6, 0x0d53848, 0x0d60765, 0x0d6d60f, 0x0d7a446,
	0x0d87209, 0x0d93f5a, 0x0da0c3a, 0x0dad8a8, 0x0dba4a4, 0x0dc7031,
	0x0dd3b4e, 0x0de05fb, 0x0ded039, 0x0df9a09, 0x0e0636a, 0x0e12c5e,
	0x0e1f4e5, 0x0e2bcff, 0x0e384ad, 0x0e44bf0, 0x0e512c7, 0x0e5d933,
	0x0e69f35, 0x0e764cd, 0x0e829fb, 0x0e8eec1, 0x0e9b31e, 0x0ea7712,
	0x0eb3a9f, 0x0ebfdc5, 0x0ecc083, 0x0ed82db, 0x0ee44cd, 0x0ef065a,
	0x0efc781, 0x0f08843, 0x0f148a1, 0x0f2089b, 0x0f2c832, 0x0f38765,
	0x0f44636, 0x0f504a4, 0x0f5c2b0, 0x0f6805a, 0x0f73da4, 0x0f7fa8c,
	0x0f8b714, 0x0f9733c, 0x0fa2f04, 0x0faea6d, 0x0fba578, 0x0fc6023,
	0x0fd1a71, 0x0fdd460, 0x0fe8df2, 0x0ff4728, 0x1000000,
};

/*
 * -log2(1 - h / 2^64) in fixed point (NLB_LOG_FRAC fraction bits), from
 * the top 52 bits of @h: an exponential variate.  Integer arithmetic only
 * (a table of log2 over the top 8 mantissa bits, interpolated linearly,
 * within 2^-18 of the exact value), so that every build and architecture
 * computes the same value.
 */
static u64 nlb_neg_log2(u64 h)
{
	u64 y = (1ULL << 52) - (h >> 12);	/* 1 .. 2^52 */
	u32 e = fls64(y) - 1, m, i, lo, hi;

	m = e >= 31 ? y >> (e - 31) : y << (31 - e);	/* [2^31, 2^32) */
	i = (m >> 23) & 0xff;
	lo = nlb_log2_tab[i];
	hi = nlb_log2_tab[i + 1];
	return ((u64)(52 - e) << NLB_LOG_FRAC) - lo -
	       (((u64)(hi - lo) * (m & 0x7fffff)) >> 23);
}

/*
 * Score of a (bucket, node id) pair; both sides prefer low scores, node
 * ids (the low byte) break ties.  @w is the member's weight divided by the
 * greatest common divisor of all weights, 0 when all weights are equal.
 */
static inline u64 nlb_pair_score(const struct nlb_key *key, u32 bucket, u8 id,
				 u32 w)
{
	u64 h = nlb_pair_hash(key, bucket, id);

	/* at most 52 << 24 (2^29.7), scaled to at most 2^55.7 */
	if (w)
		h = div_u64(nlb_neg_log2(h) << 26, w);
	return (h & ~0xffULL) | id;
}

/* Preferences computed ahead per bucket: enough for nearly every bucket. */
#define NLB_MAP_PREFS	8

static inline unsigned int nlb_map_nprefs(unsigned int nmembers)
{
	return nmembers < NLB_MAP_PREFS ? nmembers : NLB_MAP_PREFS;
}

size_t nlb_map_scratch_size(u32 buckets, unsigned int nmembers)
{
	/*
	 * header, heaps (B entries), free stack (B), per bucket: proposals
	 * made, last member proposed to and the first preferences
	 */
	return sizeof(struct nlb_map_scratch_hdr) +
	       (size_t)buckets * sizeof(struct nlb_heap_ent) +
	       (size_t)buckets * sizeof(u32) +
	       (size_t)buckets * 2 * sizeof(u8) +
	       (size_t)buckets * nlb_map_nprefs(nmembers) * sizeof(u8);
}

/* Max-heap on score: the root is the member's worst bucket. */
static void nlb_heap_push(struct nlb_heap_ent *h, u32 n, struct nlb_heap_ent e)
{
	u32 i = n, parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (h[parent].score >= e.score)
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

/* Replace the root with @e and restore the heap of @n entries. */
static void nlb_heap_replace_top(struct nlb_heap_ent *h, u32 n,
				 struct nlb_heap_ent e)
{
	u32 i = 0, child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && h[child + 1].score > h[child].score)
			child++;
		if (h[child].score <= e.score)
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = e;
}

/* Members of @m sorted by id into @ids/@w; -EINVAL on a bad set. */
static int nlb_map_members(const struct nlb_member *m, unsigned int n,
			   u8 *ids, u32 *w)
{
	u64 present = 0;
	unsigned int i, k = 0;
	u32 id;

	for (i = 0; i < n; i++) {
		if (m[i].id < 1 || m[i].id > NLB_CORE_MAX_NODES ||
		    m[i].weight < 1 || m[i].weight > NLB_CORE_MAX_WEIGHT)
			return -EINVAL;
		if (present & (1ULL << (m[i].id - 1)))
			return -EINVAL;
		present |= 1ULL << (m[i].id - 1);
	}
	for (id = 1; id <= NLB_CORE_MAX_NODES; id++) {
		if (!(present & (1ULL << (id - 1))))
			continue;
		for (i = 0; i < n; i++)
			if (m[i].id == id)
				w[k] = m[i].weight;
		ids[k++] = id;
	}
	return 0;
}

/*
 * Largest-remainder apportionment of @buckets by weight; ties of the
 * remainder go to the lower id.
 */
static void nlb_map_quotas(u32 *quota, const u32 *w, unsigned int n,
			   u32 buckets)
{
	u64 total = 0, rem[NLB_CORE_MAX_NODES];
	u32 given = 0;
	unsigned int i, best;

	for (i = 0; i < n; i++)
		total += w[i];
	for (i = 0; i < n; i++) {
		quota[i] = (u32)((u64)buckets * w[i] / total);
		rem[i] = (u64)buckets * w[i] % total;
		given += quota[i];
	}
	while (given < buckets) {
		best = 0;
		for (i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		quota[best]++;
		rem[best] = 0;
		given++;
	}
}

/*
 * The weights the scores use (see nlb_pair_score()): divided by their
 * greatest common divisor, so that only their ratios matter, or all 0 when
 * they are equal.
 */
static void nlb_map_score_weights(u32 *sw, const u32 *w, unsigned int n)
{
	u32 g = 0, a, b, t;
	unsigned int i;

	for (i = 0; i < n; i++) {
		for (a = g, b = w[i]; b; a = b, b = t)
			t = a % b;
		g = a;
	}
	for (i = 0; i < n; i++)
		sw[i] = w[i] / g;
	for (i = 1; i < n && sw[i] == sw[0]; i++)
		;
	if (i == n)
		memset(sw, 0, n * sizeof(*sw));
}

/* Score with the member's index in place of its id: the same order. */
static inline u64 nlb_map_rank(const struct nlb_key *key, u32 bucket,
			       const u8 *ids, const u32 *sw, unsigned int i)
{
	return (nlb_pair_score(key, bucket, ids[i], sw[i]) & ~0xffULL) | i;
}

/*
 * The first NLB_MAP_PREFS (or @n) members of @bucket's preference list,
 * best first, into @pref.  Most buckets settle within them; the rare one
 * that needs more finds its next choice with nlb_map_next_pref().
 */
static void nlb_map_prefs(u8 *pref, const struct nlb_key *key, u32 bucket,
			  const u8 *ids, const u32 *sw, unsigned int n)
{
	u64 best[NLB_MAP_PREFS], s;
	unsigned int i, j, k = 0;

	for (i = 0; i < n; i++) {
		s = nlb_map_rank(key, bucket, ids, sw, i);
		if (k == NLB_MAP_PREFS && s > best[k - 1])
			continue;
		if (k < NLB_MAP_PREFS)
			k++;
		for (j = k - 1; j > 0 && best[j - 1] > s; j--)
			best[j] = best[j - 1];
		best[j] = s;
	}
	for (i = 0; i < k; i++)
		pref[i] = best[i] & 0xff;
}

/* The member @bucket prefers next after member @after. */
static u8 nlb_map_next_pref(const struct nlb_key *key, u32 bucket,
			    const u8 *ids, const u32 *sw, unsigned int n,
			    u8 after)
{
	u64 last = nlb_map_rank(key, bucket, ids, sw, after), best = ~0ULL, s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s = nlb_map_rank(key, bucket, ids, sw, i);
		if (s > last && s < best)
			best = s;
	}
	return best & 0xff;
}

int nlb_map_build(u8 *map, u32 buckets, const struct nlb_member *members,
		  unsigned int nmembers, const struct nlb_key *key,
		  void *scratch)
{
	struct nlb_map_scratch_hdr *hdr = scratch;
	struct nlb_heap_ent *heap, e;
	u8 ids[NLB_CORE_MAX_NODES];
	u32 w[NLB_CORE_MAX_NODES], *sw = hdr->sw;
	u32 *stack, nfree = 0, b, i;
	u8 *next, *cur, *pref;
	unsigned int m, t, np;

	if (buckets < NLB_CORE_MIN_BUCKETS || buckets > NLB_CORE_MAX_BUCKETS ||
	    (buckets & (buckets - 1)) || nmembers > NLB_CORE_MAX_NODES)
		return -EINVAL;
	if (nlb_map_members(members, nmembers, ids, w))
		return -EINVAL;
	if (!nmembers) {
		memset(map, NLB_NODE_NONE, buckets);
		return 0;
	}

	heap = (struct nlb_heap_ent *)(hdr + 1);
	stack = (u32 *)(heap + buckets);
	next = (u8 *)(stack + buckets);
	cur = next + buckets;
	pref = cur + buckets;
	np = nlb_map_nprefs(nmembers);

	nlb_map_quotas(hdr->quota, w, nmembers, buckets);
	nlb_map_score_weights(sw, w, nmembers);
	for (m = 0, i = 0; m < nmembers; m++) {
		hdr->heap_off[m] = i;
		hdr->count[m] = 0;
		i += hdr->quota[m];
	}
	for (b = 0; b < buckets; b++) {
		nlb_map_prefs(pref + (size_t)b * np, key, b, ids, sw, nmembers);
		next[b] = 0;
		stack[nfree++] = buckets - 1 - b;
	}

	/*
	 * Deferred acceptance.  Sum of quotas == buckets, so every bucket
	 * finds a member before running out of choices.
	 */
	while (nfree) {
		b = stack[--nfree];
		t = next[b]++;
		if (t < np)
			m = pref[(size_t)b * np + t];
		else
			m = nlb_map_next_pref(key, b, ids, sw, nmembers, cur[b]);
		cur[b] = m;
		e.score = nlb_pair_score(key, b, ids[m], sw[m]);
		e.bucket = b;
		heap = (struct nlb_heap_ent *)(hdr + 1) + hdr->heap_off[m];
		if (hdr->count[m] < hdr->quota[m]) {
			nlb_heap_push(heap, hdr->count[m]++, e);
		} else if (hdr->quota[m] && heap[0].score > e.score) {
			stack[nfree++] = heap[0].bucket;
			nlb_heap_replace_top(heap, hdr->count[m], e);
		} else {
			stack[nfree++] = b;
		}
	}

	for (m = 0; m < nmembers; m++) {
		heap = (struct nlb_heap_ent *)(hdr + 1) + hdr->heap_off[m];
		for (i = 0; i < hdr->count[m]; i++)
			map[heap[i].bucket] = ids[m];
	}
	return 0;
}
