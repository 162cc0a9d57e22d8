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
#include <math.h>
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
	u32 w[NLB_CORE_MAX_NODES], sw[NLB_CORE_MAX_NODES];
	u32 sw_of[NLB_CORE_MAX_NODES + 1] = { 0 };
	unsigned int i;
	u32 b;
	u64 s;

	for (i = 0; i < n; i++)
		w[i] = mem[i].weight;
	nlb_map_score_weights(sw, w, n);
	for (i = 0; i < n; i++)
		sw_of[mem[i].id] = sw[i];
	for (b = 0; b < buckets; b++) {
		s = nlb_pair_score(&key, b, m[b], sw_of[m[b]]);
		if (s > worst[m[b]])
			worst[m[b]] = s;
	}
	for (b = 0; b < buckets; b++) {
		u64 mine = nlb_pair_score(&key, b, m[b], sw_of[m[b]]);

		for (i = 0; i < n; i++) {
			s = nlb_pair_score(&key, b, mem[i].id, sw[i]);
			if (mem[i].id != m[b] && s < mine &&
			    s < worst[mem[i].id])
				return 0;
		}
	}
	return 1;
}

/* Weight of node @id in the weighted movement runs: 1..10. */
static u32 weight_of(unsigned int id, int weighted)
{
	return weighted ? (id * 7) % 10 + 1 : 1;
}

/* nlb_neg_log2() against libm, over pseudo-random and extreme inputs. */
static int test_neg_log2(void)
{
	static const u64 edge[] = { 0, 1, 0xfffULL, 0x1000ULL,
		0x8000000000000000ULL, 0xfffffffffffff000ULL,
		0xffffffffffffffffULL };
	u64 h = 0x243f6a8885a308d3ULL;
	double want, got, u;
	unsigned int i, n = sizeof(edge) / sizeof(edge[0]);

	for (i = 0; i < n + 1000000; i++) {
		h = i < n ? edge[i] : nlb_fmix64(h + i);
		u = (double)(h >> 12) / 4503599627370496.0;	/* 2^52 */
		want = -log2(1.0 - u);
		got = (double)nlb_neg_log2(h) / (1 << NLB_LOG_FRAC);
		if (fabs(got - want) > 1.0 / (1 << 18)) {
			tap_diag("h %016" PRIx64 ": %.9f, libm %.9f", h, got, want);
			return 0;
		}
	}
	return 1;
}

/*
 * With weighted scores the member a bucket ranks first is drawn in
 * proportion to the weights (weighted rendezvous): over 65536 buckets and
 * 24 members weighted 1..10, every member's count of first choices is
 * within 6 standard deviations of B * w / W.
 */
static int test_first_choice(void)
{
	u32 w[24], sw[24], first[24] = { 0 }, total = 0, b;
	unsigned int i, best;
	u64 s, low;
	double mean, sd;

	for (i = 0; i < 24; i++) {
		w[i] = weight_of(i + 1, 1);
		total += w[i];
	}
	nlb_map_score_weights(sw, w, 24);
	for (b = 0; b < NLB_CORE_MAX_BUCKETS; b++) {
		low = ~0ULL;
		best = 0;
		for (i = 0; i < 24; i++) {
			s = nlb_pair_score(&key, b, i + 1, sw[i]);
			if (s < low) {
				low = s;
				best = i;
			}
		}
		first[best]++;
	}
	for (i = 0; i < 24; i++) {
		mean = (double)NLB_CORE_MAX_BUCKETS * w[i] / total;
		sd = sqrt(mean * (1.0 - (double)w[i] / total));
		if (fabs(first[i] - mean) > 6 * sd) {
			tap_diag("member %u weight %u: %u first choices, expected %.0f",
				 i + 1, w[i], first[i], mean);
			return 0;
		}
	}
	return 1;
}

/* Members 1..@n except @skip, weighted or not. */
static unsigned int members_w(struct nlb_member *m, unsigned int n,
			      unsigned int skip, int weighted)
{
	unsigned int i, k = 0;

	for (i = 1; i <= n; i++) {
		if (i == skip)
			continue;
		m[k].id = i;
		m[k].weight = weight_of(i, weighted);
		k++;
	}
	return k;
}

struct movement {
	double leave_avg, leave_worst, join_avg, join_worst;
	u32 leaver_kept;
};

/*
 * Buckets that change owner when one member leaves (several leavers per N)
 * or joins, as a multiple of the minimum: the leaver's buckets, the
 * joiner's share.
 */
static struct movement measure_movement(int weighted)
{
	struct nlb_member mem[NLB_CORE_MAX_NODES];
	struct movement mv = { 0 };
	unsigned int n, leaver, k, samples = 0;
	u32 b, moved, minimum;
	double r;

	for (n = 2; n <= NLB_CORE_MAX_NODES; n++) {
		k = members_w(mem, n, 0, weighted);
		build(map, B, mem, k);
		for (leaver = 1; leaver <= n; leaver += (n + 3) / 4) {
			k = members_w(mem, n, leaver, weighted);
			build(map2, B, mem, k);
			moved = minimum = 0;
			for (b = 0; b < B; b++) {
				mv.leaver_kept += map2[b] == leaver;
				minimum += map[b] == leaver;
				moved += map[b] != map2[b];
			}
			r = (double)moved / minimum;
			mv.leave_avg += r;
			if (r > mv.leave_worst)
				mv.leave_worst = r;
			samples++;
		}
	}
	mv.leave_avg /= samples;

	for (n = 1; n < NLB_CORE_MAX_NODES; n++) {
		k = members_w(mem, n, 0, weighted);
		build(map, B, mem, k);
		k = members_w(mem, n + 1, 0, weighted);
		build(map2, B, mem, k);
		moved = minimum = 0;
		for (b = 0; b < B; b++) {
			minimum += map2[b] == n + 1;
			moved += map[b] != map2[b];
		}
		r = (double)moved / minimum;
		mv.join_avg += r;
		if (r > mv.join_worst)
			mv.join_worst = r;
	}
	mv.join_avg /= NLB_CORE_MAX_NODES - 1;
	return mv;
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
	unsigned int n, i, ok;
	int weighted;

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
	mem[0] = (struct nlb_member){ .id = 1, .weight = 50 };
	mem[1] = (struct nlb_member){ .id = 2, .weight = 30 };
	mem[2] = (struct nlb_member){ .id = 3, .weight = 20 };
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

	tap_check(test_neg_log2(),
		  "integer -log2(1 - u) within 2^-18 of libm's, over 10^6 values and the extremes");
	tap_check(test_first_choice(),
		  "weights 1..10: a bucket's first choice falls on each member in proportion to its weight");

	for (weighted = 0; weighted <= 1; weighted++) {
		struct movement mv = measure_movement(weighted);
		const char *what = weighted ? "weights 1..10" : "equal weights";

		tap_check(mv.leaver_kept == 0,
			  "%s: a member that left owns no bucket", what);
		tap_diag("%s: leave moves %.2fx the minimum on average, %.2fx at worst",
			 what, mv.leave_avg, mv.leave_worst);
		tap_diag("%s: join moves %.2fx the minimum on average, %.2fx at worst",
			 what, mv.join_avg, mv.join_worst);
		/*
		 * Measured: equal 1.41x/1.41x, weights 1..10 1.45x/1.48x
		 * (leave/join, average).  With uniform scores instead of
		 * weighted ones the weighted runs gave 1.51x/1.53x.  A light
		 * member's share is small, so the worst case is higher.
		 */
		tap_check(mv.leave_avg <= 1.5 &&
			  mv.leave_worst < (weighted ? 3.5 : 2.5),
			  "%s: a member leaving moves on average at most 1.5x the buckets it owned (B=4096, N=2..64)",
			  what);
		tap_check(mv.join_avg <= 1.5 &&
			  mv.join_worst < (weighted ? 3.5 : 2.5),
			  "%s: a member joining moves on average at most 1.5x the buckets it takes (B=4096, N=1..63)",
			  what);
	}

	/* Pinned output */
	members(mem, 4, 0);
	build(map, B, mem, 4);
	{
		u64 h = fnv1a(map, B);

		if (!tap_check(h == 0x7ed0de373f2dc333ULL,
			       "pinned map for 4 members, B=4096 (cluster-wide agreement across versions)"))
			tap_diag("fnv1a %016" PRIx64, h);
	}
	for (i = 0; i < 4; i++)
		mem[i].weight = i + 1;
	build(map, B, mem, 4);
	{
		u64 h = fnv1a(map, B);

		if (!tap_check(h == 0x04942b5b816169ecULL,
			       "pinned map for 4 members weighted 1:2:3:4, B=4096"))
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
