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

/* Keyed score of a (bucket, node id) pair; node ids break ties. */
static inline u64 nlb_pair_score(const struct nlb_key *key, u32 bucket, u8 id)
{
	u64 x = key->k0 ^ nlb_fmix64(key->k1 + bucket * 0x9e3779b97f4a7c15ULL);

	return (nlb_fmix64(x + id * 0xc2b2ae3d27d4eb4fULL) & ~0xffULL) | id;
}

size_t nlb_map_scratch_size(u32 buckets, unsigned int nmembers)
{
	/* header, heaps (B entries), free stack (B), per-bucket next (B) */
	return sizeof(struct nlb_map_scratch_hdr) +
	       (size_t)buckets * sizeof(struct nlb_heap_ent) +
	       (size_t)buckets * sizeof(u32) +
	       (size_t)buckets * sizeof(u8) +
	       (size_t)buckets * nmembers * sizeof(u8);
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

/* Sort the members by score for @bucket into @pref (insertion sort). */
static void nlb_map_prefs(u8 *pref, const struct nlb_key *key, u32 bucket,
			  const u8 *ids, unsigned int n)
{
	u64 score[NLB_CORE_MAX_NODES];
	unsigned int i, j;
	u64 s;

	for (i = 0; i < n; i++) {
		s = nlb_pair_score(key, bucket, ids[i]);
		for (j = i; j > 0 && score[j - 1] > s; j--) {
			score[j] = score[j - 1];
			pref[j] = pref[j - 1];
		}
		score[j] = s;
		pref[j] = i;
	}
}

int nlb_map_build(u8 *map, u32 buckets, const struct nlb_member *members,
		  unsigned int nmembers, const struct nlb_key *key,
		  void *scratch)
{
	struct nlb_map_scratch_hdr *hdr = scratch;
	struct nlb_heap_ent *heap, e;
	u8 ids[NLB_CORE_MAX_NODES];
	u32 w[NLB_CORE_MAX_NODES];
	u32 *stack, nfree = 0, b, i;
	u8 *next, *pref;
	unsigned int m;

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
	pref = next + buckets;

	nlb_map_quotas(hdr->quota, w, nmembers, buckets);
	for (m = 0, i = 0; m < nmembers; m++) {
		hdr->heap_off[m] = i;
		hdr->count[m] = 0;
		i += hdr->quota[m];
	}
	for (b = 0; b < buckets; b++) {
		nlb_map_prefs(pref + (size_t)b * nmembers, key, b, ids,
			      nmembers);
		next[b] = 0;
		stack[nfree++] = buckets - 1 - b;
	}

	/*
	 * Deferred acceptance.  Sum of quotas == buckets, so every bucket
	 * finds a member before running out of choices.
	 */
	while (nfree) {
		b = stack[--nfree];
		m = pref[(size_t)b * nmembers + next[b]++];
		e.score = nlb_pair_score(key, b, ids[m]);
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
