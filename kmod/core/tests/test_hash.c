// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SipHash-2-4 against the reference vectors of the SipHash paper (key
 * 00 01 .. 0f, message 00 01 .. len-1), and the VIP-derived seed.
 */
#include <inttypes.h>
#include <arpa/inet.h>
#include "../nlb_core.h"
#include "tap.h"

static const struct {
	size_t len;
	u64 want;
} vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ULL },
	{ 1, 0x74f839c593dc67fdULL },
	{ 2, 0x0d6c8009d9a94f5aULL },
	{ 3, 0x85676696d7fb7e2dULL },
	{ 4, 0xcf2794e0277187b7ULL },
	{ 8, 0x93f5f5799a932462ULL },
	{ 15, 0xa129ca6149be45e5ULL },
	{ 63, 0x958a324ceb064572ULL },
};

int main(void)
{
	u8 seed[NLB_CORE_SEED_LEN], msg[64], s1[16], s2[16], s3[16];
	struct nlb_key key;
	__be32 a[3], b[3];
	unsigned int i;
	u64 got;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i;
	nlb_key_from_seed(&key, seed);
	tap_check(key.k0 == 0x0706050403020100ULL &&
		  key.k1 == 0x0f0e0d0c0b0a0908ULL,
		  "key is the seed read as two little-endian words");

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		got = nlb_siphash(&key, msg, vectors[i].len);
		if (!tap_check(got == vectors[i].want,
			       "siphash-2-4 reference vector, %zu bytes",
			       vectors[i].len))
			tap_diag("got %016" PRIx64 " want %016" PRIx64, got,
				 vectors[i].want);
	}

	/* Unaligned input gives the same hash. */
	{
		u8 buf[80];

		memcpy(buf + 3, msg, 63);
		tap_check(nlb_siphash(&key, buf + 3, 63) ==
			  0x958a324ceb064572ULL, "unaligned input");
	}

	a[0] = inet_addr("10.0.0.100");
	a[1] = inet_addr("10.0.0.101");
	a[2] = inet_addr("192.168.1.1");
	b[0] = a[2];
	b[1] = a[0];
	b[2] = a[1];
	nlb_seed_from_vips(s1, a, 3);
	nlb_seed_from_vips(s2, b, 3);
	tap_check(!memcmp(s1, s2, 16),
		  "seed from VIPs does not depend on their order");
	nlb_seed_from_vips(s3, a, 2);
	tap_check(memcmp(s1, s3, 16) != 0,
		  "seed from VIPs depends on the set of VIPs");
	a[0] = inet_addr("10.0.0.100");
	nlb_seed_from_vips(s3, a, 1);
	a[0] = inet_addr("10.0.0.200");
	nlb_seed_from_vips(s2, a, 1);
	tap_check(memcmp(s2, s3, 16) != 0,
		  "different VIPs give different seeds");
	return tap_end();
}
