// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SipHash-2-4 (Aumasson and Bernstein), written out here rather than taken
 * from the kernel: the kernel's hsiphash is a different function on 32-bit
 * and 64-bit machines, and every node of a cluster must compute the same
 * hash whatever its architecture.  Words are read little-endian.
 */
#include "nlb_core.h"

#define NLB_SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = rol64(v1, 13); v1 ^= v0; v0 = rol64(v0, 32);	\
	v2 += v3; v3 = rol64(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rol64(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rol64(v1, 17); v1 ^= v2; v2 = rol64(v2, 32);	\
} while (0)

u64 nlb_siphash(const struct nlb_key *key, const void *data, size_t len)
{
	u64 v0 = 0x736f6d6570736575ULL ^ key->k0;
	u64 v1 = 0x646f72616e646f6dULL ^ key->k1;
	u64 v2 = 0x6c7967656e657261ULL ^ key->k0;
	u64 v3 = 0x7465646279746573ULL ^ key->k1;
	const u8 *p = data, *end = p + (len & ~(size_t)7);
	u64 b = (u64)len << 56, m;
	unsigned int i;

	for (; p != end; p += 8) {
		m = nlb_get_le64(p);
		v3 ^= m;
		NLB_SIPROUND(v0, v1, v2, v3);
		NLB_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (u64)p[i] << (8 * i);

	v3 ^= b;
	NLB_SIPROUND(v0, v1, v2, v3);
	NLB_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	NLB_SIPROUND(v0, v1, v2, v3);
	NLB_SIPROUND(v0, v1, v2, v3);
	NLB_SIPROUND(v0, v1, v2, v3);
	NLB_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

void nlb_key_from_seed(struct nlb_key *key, const u8 seed[NLB_CORE_SEED_LEN])
{
	key->k0 = nlb_get_le64(seed);
	key->k1 = nlb_get_le64(seed + 8);
}

/* A public, fixed key: the derived seed is only as secret as the VIPs. */
static const struct nlb_key nlb_vip_seed_key = {
	.k0 = 0x6e6c622d73656564ULL,	/* "nlb-seed" */
	.k1 = 0x66726f6d2d766970ULL,	/* "from-vip" */
};

void nlb_seed_from_vips(u8 seed[NLB_CORE_SEED_LEN], const __be32 *vips,
			unsigned int n)
{
	u8 buf[4 * NLB_CORE_MAX_VIPS + 1];
	u32 sorted[NLB_CORE_MAX_VIPS];
	unsigned int i, j, len;
	u64 h0, h1;
	u32 v;

	if (n > NLB_CORE_MAX_VIPS)
		n = NLB_CORE_MAX_VIPS;
	/* Insertion sort by address: the seed must not depend on order. */
	for (i = 0; i < n; i++) {
		v = be32_to_cpu(vips[i]);
		for (j = i; j > 0 && sorted[j - 1] > v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}
	for (i = 0; i < n; i++) {
		buf[4 * i] = sorted[i] >> 24;
		buf[4 * i + 1] = sorted[i] >> 16;
		buf[4 * i + 2] = sorted[i] >> 8;
		buf[4 * i + 3] = sorted[i];
	}
	len = 4 * n;
	buf[len] = 0;
	h0 = nlb_siphash(&nlb_vip_seed_key, buf, len + 1);
	buf[len] = 1;
	h1 = nlb_siphash(&nlb_vip_seed_key, buf, len + 1);
	for (i = 0; i < 8; i++) {
		seed[i] = h0 >> (8 * i);
		seed[8 + i] = h1 >> (8 * i);
	}
}
