// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bucket map: argument checks, exact balance, independence from member
 * order, stability (checked pair by pair), movement when a member leaves or
 * joins, and a pinned checksum so that a change of the algorithm (which
 * would split a cluster of mixed versions) cannot go unnoticed.
 *
 * map.c is included rather than linked so that the stability check can use
 * its pair scores.
 */
#include <inttypes.h>
#include <stdlib.h>
#include "../map.c"
#include "tap.h"

#define B	4096

static u8 map[NLB_CORE_MAX_BUCKETS], map2[NLB_CORE_MAX_BUCKETS];
static void *scratch;
static const struct nlb_key key = { 0x6e6c622d74657374ULL, 0x0123456789abcdefULL };

static int build(u8 *m, u32 buckets, const struct nlb_member *mem,
		 unsigned int n)
{
	return nlb_map_build(m, buckets, mem, n, &key, scratch);
}

static void members(struct nlb_member *m, unsigned int n, unsigned int skip)
{
	unsigned int i, k = 0;

	for (i = 1; i <= n; i++) {
		if (i == skip)
			continue;
		m[k].id = i;
		m[k].weight = 1;
		k++;
	}
}

static void count(const u8 *m, u32 buckets, u32 *c)
{
	u32 b;

	memset(c, 0, sizeof(u32) * (NLB_CORE_MAX_NODES + 1));
	for (b = 0; b < buckets; b++)
		c[m[b]]++;
}

/* No bucket and member both prefer each other to what they have. */
static int is_stable(const u8 *m, u32 buckets, const struct nlb_member *mem,
		     unsigned int n)
{
	u64 worst[NLB_CORE_MAX_NODES + 1] = { 0 };
	unsigned int i;
	u32 b;
	u64 s;

	for (b = 0; b < buckets; b++) {
		s = nlb_pair_score(&key, b, m[b]);
		if (s > worst[m[b]])
			worst[m[b]] = s;
	}
	for (b = 0; b < buckets; b++) {
		u64 mine = nlb_pair_score(&key, b, m[b]);

		for (i = 0; i < n; i++) {
			s = nlb_pair_score(&key, b, mem[i].id);
			if (mem[i].id != m[b] && s < mine &&
			    s < worst[mem[i].id])
				return 0;
		}
	}
	return 1;
}

static u64 fnv1a(const u8 *p, size_t len)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int main(void)
{
	struct nlb_member mem[NLB_CORE_MAX_NODES], sh[NLB_CORE_MAX_NODES];
	u32 c[NLB_CORE_MAX_NODES + 1];
	unsigned int n, i, ok, leaver, samples;
	double ratio, sum, worst_ratio;
	u32 b, moved, stolen;

	scratch = malloc(nlb_map_scratch_size(NLB_CORE_MAX_BUCKETS,
					      NLB_CORE_MAX_NODES));
	if (!scratch)
		return 2;

	/* Arguments */
	members(mem, 4, 0);
	tap_check(build(map, 100, mem, 4) == -EINVAL &&
		  build(map, 32, mem, 4) == -EINVAL &&
		  build(map, 131072, mem, 4) == -EINVAL,
		  "bucket count must be a power of two in [64, 65536]");
	mem[1].id = 0;
	tap_check(build(map, B, mem, 4) == -EINVAL, "node id 0 refused");
	mem[1].id = 65;
	tap_check(build(map, B, mem, 4) == -EINVAL, "node id 65 refused");
	mem[1].id = 1;
	tap_check(build(map, B, mem, 4) == -EINVAL, "duplicate node id refused");
	members(mem, 4, 0);
	mem[2].weight = 0;
	tap_check(build(map, B, mem, 4) == -EINVAL, "weight 0 refused");
	mem[2].weight = 101;
	tap_check(build(map, B, mem, 4) == -EINVAL, "weight 101 refused");
	memset(map, 0xaa, B);
	tap_check(build(map, B, mem, 0) == 0 && map[0] == NLB_NODE_NONE &&
		  map[B - 1] == NLB_NODE_NONE,
		  "no members: every bucket unowned");

	/* Exact balance, equal weights, every cluster size */
	ok = 1;
	for (n = 1; n <= NLB_CORE_MAX_NODES && ok; n++) {
		members(mem, n, 0);
		if (build(map, B, mem, n)) {
			ok = 0;
			break;
		}
		count(map, B, c);
		for (i = 1; i <= n; i++)
			if (c[i] != B / n && c[i] != B / n + 1)
				ok = 0;
		if (!ok)
			tap_diag("n=%u: node %u has %u buckets", n, i, c[i]);
	}
	tap_check(ok, "equal weights: every member owns floor or ceil of B/N, N=1..64");

	/* Weights: largest-remainder shares */
	mem[0] = (struct nlb_member){ 1, 50 };
	mem[1] = (struct nlb_member){ 2, 30 };
	mem[2] = (struct nlb_member){ 3, 20 };
	build(map, B, mem, 3);
	count(map, B, c);
	if (!tap_check(c[1] == 2048 && c[2] == 1229 && c[3] == 819,
		       "weights 50/30/20 of 4096: 2048, 1229, 819 buckets"))
		tap_diag("got %u %u %u", c[1], c[2], c[3]);
	tap_check(is_stable(map, B, mem, 3), "weighted map is a stable matching");

	mem[0].weight = 2;
	mem[1].weight = 2;
	build(map, 256, mem, 2);
	mem[0].weight = 1;
	mem[1].weight = 1;
	build(map2, 256, mem, 2);
	tap_check(!memcmp(map, map2, 256), "only weight ratios matter");

	/* Order independence */
	for (n = 0; n < 24; n++) {
		sh[n].id = (n * 7) % 61 + 2;
		sh[n].weight = n % 5 + 1;
	}
	build(map, B, sh, 24);
	for (i = 0; i < 24; i++)
		mem[i] = sh[23 - i];
	build(map2, B, mem, 24);
	ok = !memcmp(map, map2, B);
	srand(1);
	for (n = 0; n < 20 && ok; n++) {
		for (i = 23; i > 0; i--) {
			unsigned int j = rand() % (i + 1);
			struct nlb_member t = mem[i];

			mem[i] = mem[j];
			mem[j] = t;
		}
		build(map2, B, mem, 24);
		ok = !memcmp(map, map2, B);
	}
	tap_check(ok, "the map does not depend on the order of members");
	tap_check(is_stable(map, B, sh, 24), "24 weighted members: stable matching");

	/*
	 * A member leaves: its buckets must move; others should mostly stay.
	 * The minimum is B/N moves (the leaver's); report the ratio.
	 */
	sum = 0;
	samples = 0;
	worst_ratio = 0;
	ok = 1;
	for (n = 2; n <= NLB_CORE_MAX_NODES; n++) {
		members(mem, n, 0);
		build(map, B, mem, n);
		for (leaver = 1; leaver <= n; leaver += (n + 3) / 4) {
			members(mem, n, leaver);
			build(map2, B, mem, n - 1);
			moved = 0;
			for (b = 0; b < B; b++) {
				if (map2[b] == leaver)
					ok = 0;
				if (map[b] != map2[b])
					moved++;
			}
			ratio = (double)moved / ((double)B / n);
			sum += ratio;
			samples++;
			if (ratio > worst_ratio)
				worst_ratio = ratio;
		}
	}
	tap_check(ok, "a member that left owns no bucket");
	tap_diag("leave: %.2fx the minimum on average, %.2fx at worst",
		 sum / samples, worst_ratio);
	tap_check(sum / samples < 1.5 && worst_ratio < 2.5,
		  "a member leaving moves on average under 1.5x, at worst under 2.5x the buckets it owned (B=4096, N=2..64)");

	/* A member joins: the buckets that move mostly go to it. */
	worst_ratio = 0;
	for (n = 1; n < NLB_CORE_MAX_NODES; n++) {
		members(mem, n, 0);
		build(map, B, mem, n);
		members(mem, n + 1, 0);
		build(map2, B, mem, n + 1);
		moved = stolen = 0;
		for (b = 0; b < B; b++) {
			if (map[b] != map2[b])
				moved++;
			if (map2[b] == n + 1)
				stolen++;
		}
		ratio = (double)moved / stolen;
		if (ratio > worst_ratio)
			worst_ratio = ratio;
	}
	tap_diag("join: %.2fx the minimum at worst", worst_ratio);
	tap_check(worst_ratio < 2.0,
		  "a member joining moves under 2x the buckets it takes (B=4096, N=1..63)");

	/* Pinned output */
	members(mem, 4, 0);
	build(map, B, mem, 4);
	{
		u64 h = fnv1a(map, B);

		if (!tap_check(h == 0x7ed0de373f2dc333ULL,
			       "pinned map for 4 members, B=4096 (cluster-wide agreement across versions)"))
			tap_diag("fnv1a %016" PRIx64, h);
	}
	members(mem, 64, 0);
	build(map, NLB_CORE_MAX_BUCKETS, mem, 64);
	count(map, NLB_CORE_MAX_BUCKETS, c);
	tap_check(c[1] == 1024 && c[64] == 1024,
		  "65536 buckets over 64 members: 1024 each");

	free(scratch);
	return tap_end();
}
