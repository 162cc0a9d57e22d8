// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Map quality: balance and movement of three ways to divide B buckets
 * among N equal nodes, computed in userspace (no guest):
 *
 *   nlb     kmod/core/map.c itself (the stable matching with quotas), built
 *           from the very same source as nlb.ko;
 *   modulo  what ipt_CLUSTERIP, xt_cluster and nft "jhash ... mod N" do:
 *           bucket b goes to the (b mod n)-th live node, nodes renumbered
 *           after a leave (b is the flow hash reduced to B buckets);
 *   maglev  a Maglev lookup table (Eisenbud et al., NSDI 2016, section
 *           3.4, "Pseudo-code 1"), written here from the paper: table size
 *           M = the smallest prime >= B, node i's permutation
 *           offset_i + j * skip_i mod M, with offset and skip from two
 *           keyed hashes of the node's id; nodes take turns filling their
 *           next preferred empty slot.
 *
 * For each N and B: balance = max share / mean share (1 is perfect); a
 * leave: the nodes 1..N lose node j, the entries that change owner as a
 * multiple of the minimum (the entries node j had); a join: node j comes
 * back to the N-1 others, the entries that change owner as a multiple of
 * the entries node j gets.  j runs over up to four ids spread over 1..N;
 * runs/median/min/max are over those j.
 *
 * Output: a table on stdout; with -j FILE one JSON object per scenario and
 * line in FILE (bench/run gathers them into bench/results.json).
 *
 *   mapq [-t] [-j FILE] [-n N,N,...] [-b B,B,...]
 *     -t  tiny: N = 3,8 and B = 256,4096 (make check)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "nlb_core.h"

#define MAX_TABLE	65537	/* smallest prime >= 65536 */

enum { M_NLB, M_MOD, M_MAGLEV, M_COUNT };
static const char *const mname[M_COUNT] = { "nlb", "modulo", "maglev" };

static const u8 seed[NLB_CORE_SEED_LEN] = "nlb-bench-mapq!";
static struct nlb_key key, mkey1, mkey2;
static void *scratch;
static FILE *jf;

/* A table: owner id (0 = none) per entry. */
struct table {
	u32 size;
	u8 owner[MAX_TABLE];
};

static u32 next_prime(u32 n)
{
	u32 d;

	for (;; n++) {
		if (n < 2)
			continue;
		for (d = 2; d * d <= n; d++)
			if (n % d == 0)
				break;
		if (d * d > n)
			return n;
	}
}

/* ids[0..n-1]: the live node ids, ascending. */
static void build(int method, struct table *t, u32 buckets, const u8 *ids,
		  unsigned int n)
{
	struct nlb_member mem[NLB_CORE_MAX_NODES];
	unsigned int i;
	u32 b;

	switch (method) {
	case M_NLB:
		for (i = 0; i < n; i++) {
			mem[i].id = ids[i];
			mem[i].weight = 1;
		}
		t->size = buckets;
		if (nlb_map_build(t->owner, buckets, mem, n, &key, scratch)) {
			fprintf(stderr, "mapq: nlb_map_build failed\n");
			exit(1);
		}
		break;
	case M_MOD:
		t->size = buckets;
		for (b = 0; b < buckets; b++)
			t->owner[b] = ids[b % n];
		break;
	case M_MAGLEV: {
		static u32 offset[NLB_CORE_MAX_NODES], skip[NLB_CORE_MAX_NODES],
			   next[NLB_CORE_MAX_NODES];
		u32 m = next_prime(buckets), filled = 0, c;

		t->size = m;
		memset(t->owner, 0, m);
		for (i = 0; i < n; i++) {
			offset[i] = nlb_siphash(&mkey1, &ids[i], 1) % m;
			skip[i] = nlb_siphash(&mkey2, &ids[i], 1) % (m - 1) + 1;
			next[i] = 0;
		}
		for (;;) {
			for (i = 0; i < n; i++) {
				do {
					c = (u32)(((u64)offset[i] +
						   (u64)next[i] * skip[i]) % m);
					next[i]++;
				} while (t->owner[c]);
				t->owner[c] = ids[i];
				if (++filled == m)
					goto done;
			}
		}
done:
		break;
	}
	}
}

static double balance(const struct table *t, unsigned int n)
{
	u32 count[NLB_CORE_MAX_NODES + 1] = { 0 }, max = 0, e;
	unsigned int i;

	for (e = 0; e < t->size; e++)
		count[t->owner[e]]++;
	for (i = 0; i <= NLB_CORE_MAX_NODES; i++)
		if (count[i] > max)
			max = count[i];
	return (double)max / ((double)t->size / n);
}

/* Entries that change owner from @a to @b, over the entries @id has in @ref. */
static double moved(const struct table *a, const struct table *b, u8 id,
		    const struct table *ref)
{
	u32 e, changed = 0, min = 0;

	for (e = 0; e < a->size; e++) {
		changed += a->owner[e] != b->owner[e];
		min += ref->owner[e] == id;
	}
	return min ? (double)changed / min : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void emit(const char *name, int method, unsigned int n, u32 buckets,
		 u32 size, double *v, unsigned int runs, const char *unit)
{
	double med;
	unsigned int i;

	if (!jf)
		return;
	med = median(v, runs);
	fprintf(jf, "{\"name\":\"%s\",\"variant\":\"%s\",\"params\":{\"members\":%u,"
		"\"buckets\":%u,\"table_size\":%u},\"runs\":%u,\"median\":%.4f,"
		"\"min\":%.4f,\"max\":%.4f,\"unit\":\"%s\",\"reference\":null,"
		"\"ratio\":null,\"status\":\"ok\",\"samples\":[",
		name, mname[method], n, buckets, size, runs, med, v[0],
		v[runs - 1], unit);
	for (i = 0; i < runs; i++)
		fprintf(jf, "%s%.4f", i ? "," : "", v[i]);
	fprintf(jf, "]}\n");
}

static struct table full, less;

static void cell(unsigned int n, u32 buckets, double res[M_COUNT][3])
{
	u8 ids[NLB_CORE_MAX_NODES], sub[NLB_CORE_MAX_NODES];
	double leave[4], join[4], bal;
	unsigned int i, k, nl, method;
	u8 leavers[4];

	for (i = 0; i < n; i++)
		ids[i] = i + 1;
	nl = n < 4 ? n : 4;
	for (i = 0; i < nl; i++)
		leavers[i] = nl == n ? i + 1 : 1 + i * (n - 1) / (nl - 1);

	for (method = 0; method < M_COUNT; method++) {
		build(method, &full, buckets, ids, n);
		bal = balance(&full, n);
		for (i = 0; i < nl; i++) {
			for (k = 0; k < n - 1; k++)
				sub[k] = ids[k + 1 < leavers[i] ? k : k + 1];
			build(method, &less, buckets, sub, n - 1);
			/* leave: full -> less; join: less -> full */
			leave[i] = moved(&full, &less, leavers[i], &full);
			join[i] = moved(&less, &full, leavers[i], &full);
		}
		emit("map-balance", method, n, buckets, full.size, &bal, 1,
		     "max/mean share");
		emit("map-leave", method, n, buckets, full.size, leave, nl,
		     "x minimum");
		emit("map-join", method, n, buckets, full.size, join, nl,
		     "x minimum");
		res[method][0] = bal;
		res[method][1] = median(leave, nl);
		res[method][2] = median(join, nl);
	}
}

static unsigned int parse_list(const char *s, u32 *out, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	while (*s && n < max) {
		out[n++] = strtoul(s, &end, 10);
		if (*end != ',' && *end)
			return 0;
		s = *end ? end + 1 : end;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const u32 def_n[] = { 2, 3, 4, 5, 8, 16, 32, 64 };
	static const u32 def_b[] = { 256, 1024, 4096, 16384, 65536 };
	u32 nn[64], bb[16];
	unsigned int nN, nB, i, j, method;
	double res[M_COUNT][3];
	struct timespec t0, t1;
	u8 s2[NLB_CORE_SEED_LEN];
	int opt;

	memcpy(nn, def_n, sizeof(def_n));
	memcpy(bb, def_b, sizeof(def_b));
	nN = sizeof(def_n) / sizeof(def_n[0]);
	nB = sizeof(def_b) / sizeof(def_b[0]);
	while ((opt = getopt(argc, argv, "tj:n:b:")) != -1) {
		switch (opt) {
		case 't':
			nn[0] = 3; nn[1] = 8; nN = 2;
			bb[0] = 256; bb[1] = 4096; nB = 2;
			break;
		case 'j':
			jf = fopen(optarg, "w");
			if (!jf) {
				perror(optarg);
				return 1;
			}
			break;
		case 'n':
			nN = parse_list(optarg, nn, 64);
			break;
		case 'b':
			nB = parse_list(optarg, bb, 16);
			break;
		default:
			fprintf(stderr, "usage: mapq [-t] [-j FILE] [-n N,...] [-b B,...]\n");
			return 2;
		}
	}
	for (i = 0; i < nN; i++)
		if (nn[i] < 2 || nn[i] > NLB_CORE_MAX_NODES) {
			fprintf(stderr, "mapq: members must be 2..64\n");
			return 2;
		}
	for (i = 0; i < nB; i++)
		if (bb[i] < NLB_CORE_MIN_BUCKETS || bb[i] > NLB_CORE_MAX_BUCKETS ||
		    (bb[i] & (bb[i] - 1))) {
			fprintf(stderr, "mapq: buckets must be a power of two, 64..65536\n");
			return 2;
		}
	if (!nN || !nB)
		return 2;

	nlb_key_from_seed(&key, seed);
	memcpy(s2, seed, sizeof(s2));
	s2[0] ^= 1;
	nlb_key_from_seed(&mkey1, s2);
	s2[0] ^= 3;
	nlb_key_from_seed(&mkey2, s2);
	scratch = malloc(nlb_map_scratch_size(NLB_CORE_MAX_BUCKETS,
					      NLB_CORE_MAX_NODES));
	if (!scratch)
		return 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("Map quality: balance = max/mean share (1.00 is exact); leave/join = owners changed\n"
	       "as a multiple of the minimum (median over up to 4 leavers); maglev table = next prime >= B\n\n");
	printf("%5s %6s | %-20s | %-20s | %-20s\n", "", "",
	       "balance", "leave (x min)", "join (x min)");
	printf("%5s %6s |", "N", "B");
	for (j = 0; j < 3; j++)
		printf(" %6s %6s %6s |", "nlb", "modulo", "maglev");
	printf("\n");
	for (i = 0; i < nN; i++) {
		for (j = 0; j < nB; j++) {
			cell(nn[i], bb[j], res);
			printf("%5u %6u |", nn[i], bb[j]);
			for (int k = 0; k < 3; k++) {
				for (method = 0; method < M_COUNT; method++)
					printf(" %6.2f", res[method][k]);
				printf(" |");
			}
			printf("\n");
			fflush(stdout);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("\n(%u cells in %.1f s)\n", nN * nB,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (jf)
		fclose(jf);
	free(scratch);
	return 0;
}
