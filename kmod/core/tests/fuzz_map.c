// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: nlb_map_build() on arbitrary member sets, weights and
 * bucket counts.  Valid input must give a map in which every bucket has a
 * member, each member owns its exact largest-remainder share (to within
 * one bucket of B*w/W), and the same map comes out for the members in
 * reverse order.  Invalid input must be refused without writing the map.
 */
#include <stdlib.h>
#include "../nlb_core.h"

static u8 map[NLB_CORE_MAX_BUCKETS], map2[NLB_CORE_MAX_BUCKETS];

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct nlb_member m[NLB_CORE_MAX_NODES], r[NLB_CORE_MAX_NODES];
	u32 count[256] = { 0 };
	struct nlb_key key;
	unsigned int n, i;
	u64 total = 0;
	u32 buckets, b;
	void *scratch;
	int err;

	if (size < 17)
		return 0;
	memcpy(&key, data, sizeof(key));
	buckets = 1u << (data[16] % 12 + 5);	/* 32 .. 65536 */
	if (data[16] & 0x80)
		buckets += data[16] & 0x3;	/* sometimes not a power of 2 */
	data += 17;
	size -= 17;
	n = size / 2;
	if (n > NLB_CORE_MAX_NODES)
		n = NLB_CORE_MAX_NODES;
	for (i = 0; i < n; i++) {
		m[i].id = data[2 * i];
		m[i].weight = data[2 * i + 1];
		r[n - 1 - i] = m[i];
	}
	scratch = malloc(nlb_map_scratch_size(buckets, n));
	if (!scratch)
		return 0;
	memset(map, 0xee, sizeof(map));
	err = nlb_map_build(map, buckets, m, n, &key, scratch);
	if (err) {
		for (b = 0; b < sizeof(map); b++)
			if (map[b] != 0xee)
				abort();
		goto out;
	}
	for (b = 0; b < buckets; b++)
		count[map[b]]++;
	for (i = 0; i < n; i++)
		total += m[i].weight;
	if (!n && count[NLB_NODE_NONE] != buckets)
		abort();
	for (i = 0; i < n; i++) {
		u64 share = (u64)buckets * m[i].weight;
		u64 lo = share / total, hi = (share + total - 1) / total;

		if (count[m[i].id] < lo || count[m[i].id] > hi)
			abort();
	}
	if (n && count[NLB_NODE_NONE])
		abort();
	if (nlb_map_build(map2, buckets, r, n, &key, scratch) ||
	    memcmp(map, map2, buckets))
		abort();
out:
	free(scratch);
	return 0;
}
