// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The heartbeat codec against the wire format of Documentation/heartbeat.md
 * (golden bytes, every decode error, TLVs) and the configuration digest
 * (pinned value, order independence, coverage of every field).  Decoded
 * buffers are heap copies of exactly the length given, so AddressSanitizer
 * catches any read past it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include "../nlb_rules.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Documentation/heartbeat.md, "Example": the digest of the example config. */
#define GOLDEN_DIGEST	0x9d9932bfba1c27f5ULL
#define GOLDEN_RULES	0x5250fcfb0a5ab0a1ULL	/* the default rule alone */
#define GOLDEN_NO_RULES	0xc1bc11f43b58d8aaULL
/* members {1: weight 3 priority 5, 2: 1 2, 3: 1 (priority 0: 3), 64: 100 1} */
#define GOLDEN_VIEW	0x0f5eaf8e38d1bfceULL
/* The same, member 3 with weight 30 for rule 2 of 4 (version 3). */
#define GOLDEN_VIEW_RULES	0xda3d6d940ceaa219ULL

static const u8 golden[96] = {
	0x01, 0x01, 0x00, 0x60, 0x0a, 0x00, 0x00, 0x64,
	0x03, 0x00, 0x05, 0x00, 0x00, 0x32, 0x00, 0x64,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x17, 0x97, 0x9c, 0xfe, 0x36, 0x2a, 0x00, 0x29,
	0x17, 0x97, 0x9c, 0xfe, 0x36, 0x2a, 0x00, 0x00,
	0x9d, 0x99, 0x32, 0xbf, 0xba, 0x1c, 0x27, 0xf5,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b,
	/* 32 bytes left for the HMAC, zero as encoded */
};

static void golden_hb(struct nlb_hb *hb)
{
	memset(hb, 0, sizeof(*hb));
	hb->type = NLB_HB_TYPE_HEARTBEAT;
	hb->node_id = 3;
	hb->state = 0;
	hb->flags = NLB_HB_F_MAC | NLB_HB_F_CARRIER;
	hb->priority = 0;
	hb->weight = 50;
	hb->interval_ms = 100;
	hb->cluster_id = inet_addr("10.0.0.100");
	hb->nonce = 0x0123456789abcdefULL;
	hb->birth = 1700000000000000000ULL;
	hb->counter = hb->birth + 41;
	hb->digest = GOLDEN_DIGEST;
	hb->members = 0x0f;
	hb->cpath = 0x0b;
}

/* Two TLVs: 0x8001 "hi", then 0x0002 with an empty value. */
static const u8 tlvs[10] = {
	0x80, 0x01, 0x00, 0x02, 'h', 'i',
	0x00, 0x02, 0x00, 0x00,
};

static const u8 tlv_golden[74] = {
	0x01, 0x02, 0x00, 0x4a, 0xc0, 0xa8, 0x01, 0x01,
	0x40, 0x0f, 0xfe, 0xff, 0xff, 0xfe, 0xfd, 0xfc,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x80, 0x01, 0x00, 0x02, 'h', 'i',
	0x00, 0x02, 0x00, 0x00,
};

/* Every field at an extreme, TLVs, no MAC (flags 0xfe: all bits but MAC). */
static void tlv_hb(struct nlb_hb *hb)
{
	memset(hb, 0, sizeof(*hb));
	hb->type = NLB_HB_TYPE_LEAVE;
	hb->node_id = 64;
	hb->state = 15;
	hb->flags = 0xff & ~NLB_HB_F_MAC;
	hb->priority = 255;
	hb->weight = 0xfffe;
	hb->interval_ms = 0xfdfc;
	hb->cluster_id = inet_addr("192.168.1.1");
	hb->nonce = 0x8000000000000001ULL;
	hb->counter = 0xfffffffffffffffeULL;
	hb->birth = 0;
	hb->digest = 0xdeadbeef00000000ULL;
	hb->members = 0x8000000000000001ULL;
	hb->cpath = ~0ULL;
	hb->tlv = tlvs;
	hb->tlv_len = sizeof(tlvs);
}

static int hb_equal(const struct nlb_hb *a, const struct nlb_hb *b)
{
	return a->type == b->type && a->node_id == b->node_id &&
	       a->state == b->state && a->flags == b->flags &&
	       a->priority == b->priority && a->weight == b->weight &&
	       a->interval_ms == b->interval_ms &&
	       a->cluster_id == b->cluster_id && a->nonce == b->nonce &&
	       a->counter == b->counter && a->birth == b->birth &&
	       a->digest == b->digest && a->members == b->members &&
	       a->cpath == b->cpath && a->tlv_len == b->tlv_len &&
	       (!a->tlv_len || !memcmp(a->tlv, b->tlv, a->tlv_len));
}

/* Decode @len bytes of @src from a heap buffer of exactly @len bytes. */
static enum nlb_hb_result decode_exact(const u8 *src, u32 len,
				       struct nlb_hb *hb)
{
	enum nlb_hb_result r;
	u8 *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, src, len);
	r = nlb_hb_decode(p, len, hb);
	/* hb->tlv would dangle: point it at the caller's copy. */
	if (r == NLB_HB_OK && hb->tlv)
		hb->tlv = src + (hb->tlv - p);
	free(p);
	return r;
}

static void hexdiag(const char *what, const u8 *p, u32 len)
{
	char line[3 * 16 + 1];
	u32 i;

	tap_diag("%s (%u bytes):", what, len);
	for (i = 0; i < len; i++) {
		sprintf(line + 3 * (i % 16), "%02x ", p[i]);
		if (i % 16 == 15 || i == len - 1)
			tap_diag("  %s", line);
	}
}

static void test_golden(void)
{
	struct nlb_hb hb, got;
	u8 buf[NLB_HB_MAX_LEN];
	u32 n;

	golden_hb(&hb);
	memset(buf, 0xaa, sizeof(buf));
	n = nlb_hb_encode(buf, sizeof(buf), &hb);
	if (!tap_check(n == sizeof(golden) && !memcmp(buf, golden, n),
		       "golden frame: encodes to the documented 96 bytes"))
		hexdiag("got", buf, n);
	memset(&got, 0x5a, sizeof(got));
	tap_check(decode_exact(golden, sizeof(golden), &got) == NLB_HB_OK &&
		  hb_equal(&hb, &got) && !got.tlv,
		  "golden frame: decodes to every field");

	tlv_hb(&hb);
	memset(buf, 0xaa, sizeof(buf));
	n = nlb_hb_encode(buf, sizeof(buf), &hb);
	if (!tap_check(n == sizeof(tlv_golden) && !memcmp(buf, tlv_golden, n),
		       "extreme fields and TLVs: encode to the pinned 74 bytes"))
		hexdiag("got", buf, n);
	memset(&got, 0x5a, sizeof(got));
	tap_check(decode_exact(tlv_golden, sizeof(tlv_golden), &got) ==
		  NLB_HB_OK && hb_equal(&hb, &got),
		  "extreme fields and TLVs: decode to every field");
}

/* Each field alone, through encode and decode. */
static void test_round_trip(void)
{
	static const char * const names[] = {
		"type", "node_id", "state", "flags", "priority", "weight",
		"interval_ms", "cluster_id", "nonce", "counter", "birth",
		"digest", "members", "cpath", "tlv",
	};
	static const u8 one_tlv[5] = { 0x12, 0x34, 0x00, 0x01, 0x56 };
	struct nlb_hb base, hb, got;
	u8 buf[NLB_HB_MAX_LEN], ref[NLB_HB_MAX_LEN];
	unsigned int f;
	u32 n, nref;

	golden_hb(&base);
	base.flags = 0;
	nref = nlb_hb_encode(ref, sizeof(ref), &base);
	for (f = 0; f < ARRAY_SIZE(names); f++) {
		hb = base;
		switch (f) {
		case 0: hb.type = NLB_HB_TYPE_LEAVE; break;
		case 1: hb.node_id = 17; break;
		case 2: hb.state = 6; break;
		case 3: hb.flags = NLB_HB_F_BACKUP | 0x80; break;
		case 4: hb.priority = 7; break;
		case 5: hb.weight = 0x1234; break;
		case 6: hb.interval_ms = 0x4321; break;
		case 7: hb.cluster_id = inet_addr("1.2.3.4"); break;
		case 8: hb.nonce ^= 1ULL << 63; break;
		case 9: hb.counter ^= 1; break;
		case 10: hb.birth ^= 1ULL << 40; break;
		case 11: hb.digest ^= 1ULL << 20; break;
		case 12: hb.members |= 1ULL << 63; break;
		case 13: hb.cpath |= 1ULL << 32; break;
		case 14: hb.tlv = one_tlv; hb.tlv_len = 5; break;
		}
		n = nlb_hb_encode(buf, sizeof(buf), &hb);
		memset(&got, 0x5a, sizeof(got));
		tap_check(n && (n != nref || memcmp(buf, ref, n)) &&
			  decode_exact(buf, n, &got) == NLB_HB_OK &&
			  hb_equal(&hb, &got),
			  "round trip: %s changes the frame and comes back",
			  names[f]);
	}
}

static void test_encode_refuses(void)
{
	static u8 big[NLB_HB_MAX_LEN];
	u8 buf[NLB_HB_MAX_LEN + 64];
	struct nlb_hb hb;
	u32 n;

	golden_hb(&hb);
	hb.node_id = 0;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb), "encode: node id 0");
	hb.node_id = 65;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb), "encode: node id 65");
	golden_hb(&hb);
	hb.type = 0;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb), "encode: type 0");
	hb.type = 3;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb), "encode: type 3");
	golden_hb(&hb);
	hb.state = 16;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb), "encode: state 16");

	golden_hb(&hb);
	tap_check(!nlb_hb_encode(buf, 95, &hb) &&
		  nlb_hb_encode(buf, 96, &hb) == 96,
		  "encode: needs exactly the frame's size (MAC included)");
	hb.flags = 0;
	tap_check(!nlb_hb_encode(buf, 63, &hb) &&
		  nlb_hb_encode(buf, 64, &hb) == 64,
		  "encode: 64 bytes without MAC or TLVs");

	/* One TLV filling the frame up to exactly NLB_HB_MAX_LEN. */
	hb.flags = NLB_HB_F_MAC;
	hb.tlv = big;
	hb.tlv_len = NLB_HB_MAX_LEN - NLB_HB_HDR_LEN - NLB_HB_MAC_LEN;
	nlb_store_be16(big + 2, hb.tlv_len - 4);
	n = nlb_hb_encode(buf, sizeof(buf), &hb);
	tap_check(n == NLB_HB_MAX_LEN &&
		  nlb_hb_decode(buf, n, &hb) == NLB_HB_OK,
		  "encode: a frame of exactly NLB_HB_MAX_LEN is fine");
	golden_hb(&hb);
	hb.flags = NLB_HB_F_MAC;
	hb.tlv = big;
	hb.tlv_len = NLB_HB_MAX_LEN - NLB_HB_HDR_LEN - NLB_HB_MAC_LEN + 4;
	nlb_store_be16(big + 2, hb.tlv_len - 4);
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb),
		  "encode: TLVs too large for NLB_HB_MAX_LEN");

	golden_hb(&hb);
	hb.tlv = tlvs;
	hb.tlv_len = sizeof(tlvs) - 1;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb),
		  "encode: malformed TLVs");
	hb.tlv = NULL;
	hb.tlv_len = 4;
	tap_check(!nlb_hb_encode(buf, sizeof(buf), &hb),
		  "encode: tlv_len without tlv");
}

static void test_decode_errors(void)
{
	u8 buf[NLB_HB_MAX_LEN + 100], f[NLB_HB_MAX_LEN + 100];
	struct nlb_hb hb;
	unsigned int i, bad;
	u32 n;

	tap_check(decode_exact(golden, 0, &hb) == NLB_HB_MALFORMED,
		  "decode: empty");
	for (bad = 0, i = 1; i < NLB_HB_HDR_LEN; i++)
		bad += decode_exact(golden, i, &hb) != NLB_HB_MALFORMED;
	tap_check(!bad, "decode: truncated at every length 1..63");
	for (bad = 0, i = NLB_HB_HDR_LEN; i < sizeof(golden); i++)
		bad += decode_exact(golden, i, &hb) != NLB_HB_MALFORMED;
	tap_check(!bad, "decode: truncated at every length 64..95 (MAC)");

	memcpy(f, golden, sizeof(golden));
	f[0] = 2;
	tap_check(decode_exact(f, 1, &hb) == NLB_HB_BAD_VERSION &&
		  decode_exact(f, 63, &hb) == NLB_HB_BAD_VERSION &&
		  decode_exact(f, sizeof(golden), &hb) == NLB_HB_BAD_VERSION,
		  "decode: version 2 is BAD_VERSION at 1, 63 and 96 bytes");
	f[0] = 0;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_BAD_VERSION,
		  "decode: version 0 is BAD_VERSION");

	/* Without MAC: length field 63, 0, 65 (past 64 bytes), > MAX. */
	golden_hb(&hb);
	hb.flags = 0;
	n = nlb_hb_encode(f, sizeof(f), &hb);
	nlb_store_be16(f + 2, 63);
	tap_check(decode_exact(f, n, &hb) == NLB_HB_MALFORMED,
		  "decode: length field 63");
	nlb_store_be16(f + 2, 0);
	tap_check(decode_exact(f, n, &hb) == NLB_HB_MALFORMED,
		  "decode: length field 0");
	nlb_store_be16(f + 2, 65);
	tap_check(decode_exact(f, n, &hb) == NLB_HB_MALFORMED,
		  "decode: length field past the bytes there");
	memset(buf, 0, sizeof(buf));
	memcpy(buf, f, n);
	/* A 1401-byte frame: one TLV after the header, all there. */
	nlb_store_be16(buf + 2, NLB_HB_MAX_LEN + 1);
	nlb_store_be16(buf + NLB_HB_HDR_LEN + 2,
		     NLB_HB_MAX_LEN + 1 - NLB_HB_HDR_LEN - 4);
	tap_check(decode_exact(buf, NLB_HB_MAX_LEN + 50, &hb) ==
		  NLB_HB_MALFORMED, "decode: length field above NLB_HB_MAX_LEN");
	nlb_store_be16(buf + 2, NLB_HB_MAX_LEN);
	nlb_store_be16(buf + NLB_HB_HDR_LEN + 2,
		     NLB_HB_MAX_LEN - NLB_HB_HDR_LEN - 4);
	tap_check(decode_exact(buf, NLB_HB_MAX_LEN + 50, &hb) == NLB_HB_OK &&
		  hb.tlv_len == NLB_HB_MAX_LEN - NLB_HB_HDR_LEN,
		  "decode: length field NLB_HB_MAX_LEN is fine");

	/* MAC flag: the length must leave room for it. */
	memcpy(f, golden, sizeof(golden));
	for (bad = 0, i = NLB_HB_HDR_LEN; i < sizeof(golden); i++) {
		nlb_store_be16(f + 2, i);
		bad += decode_exact(f, sizeof(golden), &hb) !=
		       NLB_HB_MALFORMED;
	}
	tap_check(!bad, "decode: MAC flag with length 64..95");

	memcpy(f, golden, sizeof(golden));
	f[1] = 0;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_MALFORMED,
		  "decode: type 0");
	f[1] = 3;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_MALFORMED,
		  "decode: type 3");
	f[1] = 2;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_OK &&
		  hb.type == NLB_HB_TYPE_LEAVE, "decode: type 2 (leave)");
	memcpy(f, golden, sizeof(golden));
	f[8] = 0;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_MALFORMED,
		  "decode: node id 0");
	f[8] = 65;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_MALFORMED,
		  "decode: node id 65");
	f[8] = 64;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_OK &&
		  hb.node_id == 64, "decode: node id 64");
	memcpy(f, golden, sizeof(golden));
	f[9] = 16;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_MALFORMED,
		  "decode: state 16");
	f[9] = 15;
	tap_check(decode_exact(f, sizeof(golden), &hb) == NLB_HB_OK &&
		  hb.state == 15, "decode: state 15");
}

static void test_decode_tlvs(void)
{
	u8 f[256];
	struct nlb_hb hb;
	u32 n;

	/* tlv_golden: TLVs at 64..73, length 74. */
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	f[64 + 3] = 3;		/* first value one byte too long */
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) ==
		  NLB_HB_MALFORMED, "decode: TLV value overruns the region");
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	f[64 + 3] = 0xff;
	f[64 + 2] = 0xff;
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) ==
		  NLB_HB_MALFORMED, "decode: TLV value length 0xffff");
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	f[64 + 9] = 1;		/* last value one byte past the region */
	tap_check(decode_exact(f, sizeof(tlv_golden) + 1, &hb) ==
		  NLB_HB_MALFORMED, "decode: last TLV one byte too long");
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	f[64 + 3] = 1;		/* first value one byte short */
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) ==
		  NLB_HB_MALFORMED, "decode: TLVs do not fill the region");
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	nlb_store_be16(f + 2, 72);	/* second TLV cut to 2 bytes */
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) ==
		  NLB_HB_MALFORMED, "decode: partial TLV header");
	nlb_store_be16(f + 2, 65);
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) ==
		  NLB_HB_MALFORMED, "decode: 1-byte TLV region");
	nlb_store_be16(f + 2, 70);	/* first TLV only */
	tap_check(decode_exact(f, sizeof(tlv_golden), &hb) == NLB_HB_OK &&
		  hb.tlv_len == 6, "decode: fewer TLVs by the length field");

	/* With MAC: a TLV running into the MAC is malformed. */
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	memset(f + sizeof(tlv_golden), 0, NLB_HB_MAC_LEN);
	f[10] |= NLB_HB_F_MAC;
	n = sizeof(tlv_golden) + NLB_HB_MAC_LEN;
	nlb_store_be16(f + 2, n);
	tap_check(decode_exact(f, n, &hb) == NLB_HB_OK && hb.tlv_len == 10,
		  "decode: TLVs then MAC");
	f[64 + 9] = 2;		/* the empty TLV claims 2 bytes of the MAC */
	tap_check(decode_exact(f, n, &hb) == NLB_HB_MALFORMED,
		  "decode: TLV running into the MAC");

	/* Ethernet padding past the length field is ignored. */
	memcpy(f, tlv_golden, sizeof(tlv_golden));
	memset(f + sizeof(tlv_golden), 0xee, 40);
	tap_check(decode_exact(f, sizeof(tlv_golden) + 40, &hb) == NLB_HB_OK &&
		  hb.tlv_len == 10 && hb.tlv == f + 64,
		  "decode: padding after the TLVs is ignored");
	memcpy(f, golden, sizeof(golden));
	memset(f + sizeof(golden), 0x01, 30);
	tap_check(decode_exact(f, sizeof(golden) + 30, &hb) == NLB_HB_OK &&
		  hb.tlv_len == 0 && !hb.tlv,
		  "decode: padding after the MAC is ignored");
	golden_hb(&hb);
	hb.flags = 0;
	nlb_hb_encode(f, sizeof(f), &hb);
	memset(f + 64, 0xff, 6);	/* a runt frame is padded to 60 + 4 */
	tap_check(decode_exact(f, 70, &hb) == NLB_HB_OK && hb.tlv_len == 0,
		  "decode: padding of a 64-byte payload is ignored");
}

static void test_tlv_walk(void)
{
	struct nlb_hb hb;
	u16 pos = 0, type = 0, vlen = 0;
	const u8 *val = NULL;
	int ok;

	decode_exact(tlv_golden, sizeof(tlv_golden), &hb);
	ok = nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val) &&
	     type == 0x8001 && vlen == 2 && !memcmp(val, "hi", 2) && pos == 6;
	ok = ok && nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val) &&
	     type == 0x0002 && vlen == 0 && pos == 10;
	ok = ok && !nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val) &&
	     !nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val);
	tap_check(ok, "TLV walk: two TLVs, then the end");

	decode_exact(golden, sizeof(golden), &hb);
	pos = 0;
	tap_check(!nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val),
		  "TLV walk: no TLVs");
}

static void test_digest(void)
{
	static const char * const a[] = {
		"10.0.0.100", "10.0.0.101", "192.168.1.1", "10.0.0.1",
	};
	static const unsigned int perm[][4] = {
		{ 1, 0, 2, 3 }, { 3, 2, 1, 0 }, { 2, 3, 0, 1 },
	};
	u8 seed[NLB_CORE_SEED_LEN], s2[NLB_CORE_SEED_LEN];
	struct nlb_config cfg = { 0 }, c;
	struct nlb_rule rule;
	__be32 v[4], w[4];
	unsigned int i, j, bad;
	u64 d, base;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = i;
	/* The documented example: 10.0.0.101 then 10.0.0.100. */
	v[0] = inet_addr("10.0.0.101");
	v[1] = inet_addr("10.0.0.100");
	cfg.mode = 1;
	cfg.buckets = 4096;
	cfg.seed = seed;
	cfg.vips = v;
	cfg.nvips = 2;
	nlb_rule_default(&rule);
	cfg.rules = nlb_rules_digest(&rule, 1);
	if (!tap_check(cfg.rules == GOLDEN_RULES,
		       "digest: pinned rules digest of the default rule"))
		tap_diag("got %016" PRIx64, cfg.rules);
	tap_check(nlb_rules_digest(NULL, 0) == GOLDEN_NO_RULES,
		  "digest: pinned rules digest of no rule");
	d = nlb_config_digest(&cfg);
	if (!tap_check(d == GOLDEN_DIGEST, "digest: pinned example value"))
		tap_diag("got %016" PRIx64, d);

	for (i = 0; i < 4; i++)
		v[i] = inet_addr(a[i]);
	cfg.nvips = 4;
	base = nlb_config_digest(&cfg);
	for (bad = 0, i = 0; i < ARRAY_SIZE(perm); i++) {
		for (j = 0; j < 4; j++)
			w[j] = v[perm[i][j]];
		c = cfg;
		c.vips = w;
		bad += nlb_config_digest(&c) != base;
	}
	tap_check(!bad, "digest: independent of the order of the VIPs");

	c = cfg;
	c.mode = 2;
	tap_check(nlb_config_digest(&c) != base, "digest: covers the mode");
	c = cfg;
	c.buckets = 8192;
	tap_check(nlb_config_digest(&c) != base,
		  "digest: covers the bucket count");
	c = cfg;
	c.buckets = 4096 | 1u << 24;
	tap_check(nlb_config_digest(&c) != base,
		  "digest: covers all 32 bits of the bucket count");
	for (bad = 0, i = 0; i < sizeof(seed); i++) {
		memcpy(s2, seed, sizeof(s2));
		s2[i] ^= 0x80;
		c = cfg;
		c.seed = s2;
		bad += nlb_config_digest(&c) == base;
	}
	tap_check(!bad, "digest: covers every byte of the seed");
	c = cfg;
	c.nvips = 3;
	tap_check(nlb_config_digest(&c) != base,
		  "digest: covers the number of VIPs");
	for (bad = 0, i = 0; i < 4; i++) {
		memcpy(w, v, sizeof(w));
		w[i] ^= htonl(1);
		c = cfg;
		c.vips = w;
		bad += nlb_config_digest(&c) == base;
	}
	tap_check(!bad, "digest: covers every VIP");
	for (bad = 0, i = 0; i < 64; i++) {
		c = cfg;
		c.rules ^= 1ULL << i;
		bad += nlb_config_digest(&c) == base;
	}
	tap_check(!bad, "digest: covers every bit of the rules digest");
	c = cfg;
	c.nvips = 0;
	d = nlb_config_digest(&c);
	c.nvips = 1;
	tap_check(d != base && d != nlb_config_digest(&c),
		  "digest: no VIPs differs from one VIP");
}

static void test_view_digest(void)
{
	static const struct nlb_member m[] = {
		{ .id = 1, .weight = 3, .priority = 5 },
		{ .id = 2, .weight = 1, .priority = 2 },
		{ .id = 3, .weight = 1 },
		{ .id = 64, .weight = 100, .priority = 1 },
	};
	struct nlb_member r[4], c[4];
	u64 base = nlb_view_digest(m, 4);
	unsigned int i, bad;

	if (!tap_check(base == GOLDEN_VIEW, "view: pinned example value"))
		tap_diag("got %016" PRIx64, base);
	for (i = 0; i < 4; i++)
		r[i] = m[3 - i];
	tap_check(nlb_view_digest(r, 4) == base,
		  "view: independent of the order of the members");
	for (bad = 0, i = 0; i < 4; i++) {
		memcpy(c, m, sizeof(c));
		c[i].weight = c[i].weight == 1 ? 2 : 1;
		bad += nlb_view_digest(c, 4) == base;
	}
	tap_check(!bad, "view: covers every member's weight");
	for (bad = 0, i = 0; i < 4; i++) {
		memcpy(c, m, sizeof(c));
		c[i].priority = 7;
		bad += nlb_view_digest(c, 4) == base;
	}
	tap_check(!bad, "view: covers every member's host priority");
	memcpy(c, m, sizeof(c));
	c[2].priority = 3;
	tap_check(nlb_view_digest(c, 4) == base,
		  "view: priority 0 stands for the node id");
	tap_check(nlb_default_host(m, 4) == 64 && nlb_default_host(c, 0) == 0,
		  "default host: the best priority; none without members");
	c[0].priority = 1;
	tap_check(nlb_default_host(c, 4) == 1,
		  "default host: the lower id on a tie of priorities");
	memcpy(c, m, sizeof(c));
	c[2].id = 4;
	tap_check(nlb_view_digest(c, 4) != base, "view: covers the ids");
	tap_check(nlb_view_digest(m, 3) != base,
		  "view: covers the number of members");
	tap_check(nlb_view_digest(m, 0) != base &&
		  nlb_view_digest(m, 0) == nlb_view_digest(NULL, 0),
		  "view: an empty map has its own digest");
}

/* ---- per-node port rule settings: the view digest, the RULES TLV ---- */

static const struct nlb_key view_key = {
	.k0 = 0x6e6c622d76696577ULL,	/* "nlb-view" */
	.k1 = 0x6469676573742d31ULL,	/* "digest-1" */
};

/* The four members of GOLDEN_VIEW; member 3 (index 2) has priority 0. */
static const struct nlb_member vm[4] = {
	{ .id = 1, .weight = 3, .priority = 5 },
	{ .id = 2, .weight = 1, .priority = 2 },
	{ .id = 3, .weight = 1 },
	{ .id = 64, .weight = 100, .priority = 1 },
};

static void rules_default(struct nlb_rule_node *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		nlb_rule_node_default(&p[i]);
}

static struct nlb_rule_node rn(u8 weight, u8 priority, u8 state)
{
	struct nlb_rule_node p = {
		.weight = weight, .priority = priority, .state = state,
	};

	return p;
}

static int rn_equal(const struct nlb_rule_node *a,
		    const struct nlb_rule_node *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].weight != b[i].weight ||
		    a[i].priority != b[i].priority || a[i].state != b[i].state)
			return 0;
	return 1;
}

/* SipHash of [nrules, (weight, priority, state) * nrules], by hand. */
static u64 ref_member_rules(const struct nlb_rule_node *p,
			    unsigned int nrules)
{
	u8 b[1 + 3 * 64];
	unsigned int i;

	b[0] = nrules;
	for (i = 0; i < nrules; i++) {
		b[1 + 3 * i] = p[i].weight;
		b[2 + 3 * i] = p[i].priority;
		b[3 + 3 * i] = p[i].state;
	}
	return nlb_siphash(&view_key, b, 1 + 3 * nrules);
}

static int ref_all_default(const struct nlb_rule_node *p, unsigned int nrules)
{
	unsigned int i;

	for (i = 0; p && i < nrules; i++)
		if (p[i].weight != 255 || p[i].priority || p[i].state)
			return 0;
	return 1;
}

/*
 * The view digest written from its description (nlb_core.h, heartbeat.md
 * "The view digest"): covered members (id 1..64, weight > 0; distinct
 * ids) by ascending id, version 2 and 6-byte records when every setting
 * is the default, else version 3 and after each record a be64: the
 * SipHash of nrules and the member's settings, or 0 when they are all the
 * default (or NULL).
 */
static u64 ref_view(const struct nlb_member *m, unsigned int n,
		    const struct nlb_rule_node *const *rp, unsigned int nrules)
{
	u8 b[10 + 14 * 64];
	unsigned int idx[64], cnt = 0, i, j, t;
	int custom = 0;
	size_t len;

	for (i = 0; i < n; i++) {
		if (m[i].id < 1 || m[i].id > 64 || !m[i].weight)
			continue;
		idx[cnt++] = i;
		if (rp && !ref_all_default(rp[i], nrules))
			custom = 1;
	}
	/* Selection sort by id. */
	for (i = 0; i < cnt; i++)
		for (j = i + 1; j < cnt; j++)
			if (m[idx[j]].id < m[idx[i]].id) {
				t = idx[i];
				idx[i] = idx[j];
				idx[j] = t;
			}
	memcpy(b, "nlb-view", 8);
	b[8] = custom ? 3 : 2;
	b[9] = cnt;
	len = 10;
	for (i = 0; i < cnt; i++) {
		const struct nlb_member *x = &m[idx[i]];

		b[len++] = x->id;
		nlb_store_be32(b + len, x->weight);
		len += 4;
		b[len++] = x->priority ? x->priority : x->id;
		if (custom) {
			const struct nlb_rule_node *p = rp[idx[i]];

			nlb_store_be64(b + len, ref_all_default(p, nrules) ?
				       0 : ref_member_rules(p, nrules));
			len += 8;
		}
	}
	return nlb_siphash(&view_key, b, len);
}

static void test_view_rules(void)
{
	/*
	 * The documented byte string, spelled out: "nlb-view", version 3,
	 * n, then (id, be32 weight, host priority, be64) by id; the be64s
	 * at 16 + 14 * i are filled in below.
	 */
	static const u8 pinned_hdr[66] = {
		'n', 'l', 'b', '-', 'v', 'i', 'e', 'w', 0x03, 0x04,
		0x01, 0x00, 0x00, 0x00, 0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0,
		0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
		0x03, 0x00, 0x00, 0x00, 0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 0,
		0x40, 0x00, 0x00, 0x00, 0x64, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const u8 m3_rules[13] = {
		0x04, 0xff, 0x00, 0x00, 0xff, 0x00, 0x00,
		0x1e, 0x00, 0x00, 0xff, 0x00, 0x00,
	};
	static const unsigned int perm[][4] = {
		{ 3, 2, 1, 0 }, { 1, 0, 3, 2 }, { 2, 3, 0, 1 }, { 0, 3, 1, 2 },
	};
	static struct nlb_rule_node set[8][64], dflt[4][64];
	const struct nlb_rule_node *rp[8], *rq[8];
	struct nlb_member pm[8];
	u8 bytes[sizeof(pinned_hdr)];
	u64 base = nlb_view_digest(vm, 4), d, want, v[12];
	unsigned int i, j, bad, nv;

	for (i = 0; i < 4; i++) {
		rules_default(dflt[i], 64);
		rules_default(set[i], 64);
		rp[i] = NULL;
	}
	tap_check(nlb_view_digest_rules(vm, 4, NULL, 4) == base &&
		  base == GOLDEN_VIEW && ref_view(vm, 4, NULL, 4) == base,
		  "view rules: rp NULL is the version 2 digest");
	tap_check(nlb_view_digest_rules(vm, 4, rp, 4) == base &&
		  nlb_view_digest_rules(vm, 4, rp, 64) == base,
		  "view rules: all rp[i] NULL is the version 2 digest");
	for (i = 0; i < 4; i++)
		rp[i] = dflt[i];
	tap_check(nlb_view_digest_rules(vm, 4, rp, 0) == base &&
		  nlb_view_digest_rules(vm, 4, rp, 4) == base &&
		  nlb_view_digest_rules(vm, 4, rp, 64) == base,
		  "view rules: all-default settings are the version 2 digest");
	rp[1] = NULL;
	tap_check(nlb_view_digest_rules(vm, 4, rp, 4) == base,
		  "view rules: NULL and default settings mixed: version 2");

	/* Member 3 (index 2): weight 30 for rule 2. */
	for (i = 0; i < 4; i++)
		rp[i] = set[i];
	set[2][2].weight = 30;
	d = nlb_view_digest_rules(vm, 4, rp, 4);
	tap_check(d != base, "view rules: one non-default setting changes it");

	memcpy(bytes, pinned_hdr, sizeof(bytes));
	nlb_store_be64(bytes + 44, nlb_siphash(&view_key, m3_rules,
					       sizeof(m3_rules)));
	want = nlb_siphash(&view_key, bytes, sizeof(bytes));
	if (!tap_check(d == want,
		       "view rules: version 3 == the documented bytes"))
		tap_diag("got %016" PRIx64 " want %016" PRIx64, d, want);
	if (!tap_check(d == GOLDEN_VIEW_RULES,
		       "view rules: pinned version 3 value"))
		tap_diag("got %016" PRIx64, d);

	/* Every member custom: each be64 is the SipHash of its settings. */
	set[0][0] = rn(0, 0, NLB_RULE_ST_ENABLED);
	set[1][3] = rn(NLB_RULE_W_HOST, 64, NLB_RULE_ST_ENABLED);
	set[3][1] = rn(100, 1, NLB_RULE_ST_DISABLED);
	d = nlb_view_digest_rules(vm, 4, rp, 4);
	memcpy(bytes, pinned_hdr, sizeof(bytes));
	for (i = 0; i < 4; i++)
		nlb_store_be64(bytes + 16 + 14 * i,
			       ref_member_rules(set[i], 4));
	want = nlb_siphash(&view_key, bytes, sizeof(bytes));
	tap_check(d == want && d == ref_view(vm, 4, rp, 4),
		  "view rules: every member custom, by hand");
	rules_default(set[0], 64);
	rules_default(set[1], 64);
	rules_default(set[3], 64);

	/* Different settings, different digests. */
	nv = 0;
	v[nv++] = base;
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);	/* weight 30 */
	set[2][2].weight = 31;
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2].weight = 0;
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2].weight = 100;
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2] = rn(NLB_RULE_W_HOST, 1, NLB_RULE_ST_ENABLED);
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2] = rn(NLB_RULE_W_HOST, 0, NLB_RULE_ST_DRAINING);
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2] = rn(NLB_RULE_W_HOST, 0, NLB_RULE_ST_DISABLED);
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	nlb_rule_node_default(&set[2][2]);
	set[2][1].weight = 30;			/* rule 1 instead of 2 */
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	nlb_rule_node_default(&set[2][1]);
	set[1][2].weight = 30;		/* member 2 instead of 3 */
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	set[2][2].weight = 30;			/* members 2 and 3 */
	v[nv++] = nlb_view_digest_rules(vm, 4, rp, 4);
	for (bad = 0, i = 0; i < nv; i++)
		for (j = i + 1; j < nv; j++)
			bad += v[i] == v[j];
	tap_check(!bad, "view rules: %u different settings, %u digests", nv,
		  nv);
	nlb_rule_node_default(&set[1][2]);

	/* Member order: permute the members together with their settings. */
	set[2][2].weight = 30;
	set[0][3] = rn(7, 3, NLB_RULE_ST_DRAINING);
	d = nlb_view_digest_rules(vm, 4, rp, 4);
	for (bad = 0, i = 0; i < ARRAY_SIZE(perm); i++) {
		for (j = 0; j < 4; j++) {
			pm[j] = vm[perm[i][j]];
			rq[j] = rp[perm[i][j]];
		}
		bad += nlb_view_digest_rules(pm, 4, rq, 4) != d;
	}
	tap_check(!bad && d == ref_view(vm, 4, rp, 4),
		  "view rules: independent of the order of the members");
	for (j = 0; j < 4; j++) {
		pm[j] = vm[perm[0][j]];
		rq[j] = rp[j];
	}
	tap_check(nlb_view_digest_rules(pm, 4, rq, 4) != d,
		  "view rules: rp[i] belongs to members[i]");
	nlb_rule_node_default(&set[0][3]);

	/* nrules: covered when custom, settings past it are not. */
	d = nlb_view_digest_rules(vm, 4, rp, 4);
	tap_check(nlb_view_digest_rules(vm, 4, rp, 3) != d &&
		  nlb_view_digest_rules(vm, 4, rp, 5) != d &&
		  nlb_view_digest_rules(vm, 4, rp, 3) !=
		  nlb_view_digest_rules(vm, 4, rp, 5),
		  "view rules: covers the number of rules when custom");
	tap_check(nlb_view_digest_rules(vm, 4, rp, 2) == base,
		  "view rules: settings past nrules are not covered");

	/* Uncovered members: id 0, id 65, weight 0, whatever their settings. */
	memcpy(pm, vm, sizeof(vm));
	pm[4] = (struct nlb_member){ .id = 0, .weight = 5 };
	pm[5] = (struct nlb_member){ .id = 65, .weight = 5 };
	pm[6] = (struct nlb_member){ .id = 5, .weight = 0 };
	for (i = 4; i < 7; i++) {
		rules_default(set[i], 64);
		set[i][0] = rn(1, 1, NLB_RULE_ST_DISABLED);
		rp[i] = set[i];
	}
	tap_check(nlb_view_digest_rules(pm, 7, rp, 4) == d &&
		  ref_view(pm, 7, rp, 4) == d,
		  "view rules: members of id 0, id 65, weight 0 not covered");
	nlb_rule_node_default(&set[2][2]);
	tap_check(nlb_view_digest_rules(pm, 7, rp, 4) == base,
		  "view rules: their custom settings leave version 2");
}

static u64 rng = 0x2545f4914f6cdd1dULL;

static u32 rnd_below(u32 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)(rng % n);
}

/* Random member sets and settings against ref_view(), in random order. */
static void test_view_random(void)
{
	static struct nlb_rule_node set[12][64];
	const struct nlb_rule_node *rp[12], *rq[12], *t;
	struct nlb_member m[12], pm[12], x;
	unsigned int round, n, nrules, i, j, id, bad = 0, order = 0, v3 = 0;
	u64 d;

	for (round = 0; round < 3000; round++) {
		n = rnd_below(13);
		nrules = rnd_below(8) ? rnd_below(9) : rnd_below(65);
		for (i = 0; i < n; i++) {
			/* Distinct ids 1..64; now and then uncovered. */
			do {
				id = 1 + rnd_below(64);
				for (j = 0; j < i && m[j].id != id; j++)
					;
			} while (j < i);
			m[i].id = id;
			m[i].weight = 1 + rnd_below(rnd_below(2) ? 100 : 70000);
			m[i].priority = rnd_below(3) ? 0 : rnd_below(65);
			switch (rnd_below(12)) {
			case 0:
				m[i].id = 0;
				break;
			case 1:
				m[i].id = 65 + rnd_below(191);
				break;
			case 2:
				m[i].weight = 0;
				break;
			}
			rules_default(set[i], 64);
			for (j = 0; j < 64; j++) {
				if (rnd_below(nrules ? 4 * nrules : 64))
					continue;
				set[i][j].weight = rnd_below(3) ?
						   rnd_below(101) : 255;
				set[i][j].priority = rnd_below(65);
				set[i][j].state = rnd_below(3);
			}
			rp[i] = rnd_below(6) ? set[i] : NULL;
		}
		if (!rnd_below(10) &&
		    nlb_view_digest_rules(m, n, NULL, nrules) !=
		    ref_view(m, n, NULL, nrules) && !bad++)
			tap_diag("round %u: n %u, rp NULL", round, n);
		d = nlb_view_digest_rules(m, n, rp, nrules);
		if (d != ref_view(m, n, rp, nrules) && !bad++)
			tap_diag("round %u: n %u nrules %u", round, n, nrules);
		v3 += d != nlb_view_digest(m, n);
		/* A random permutation, settings along. */
		memcpy(pm, m, n * sizeof(m[0]));
		memcpy(rq, rp, n * sizeof(rp[0]));
		for (i = n; i > 1; i--) {
			j = rnd_below(i);
			x = pm[i - 1];
			pm[i - 1] = pm[j];
			pm[j] = x;
			t = rq[i - 1];
			rq[i - 1] = rq[j];
			rq[j] = t;
		}
		order += nlb_view_digest_rules(pm, n, rq, nrules) != d;
	}
	tap_check(!bad, "view rules: == the documented encoding (3000 sets, "
		  "%u of version 3)", v3);
	tap_check(!order, "view rules: order independent (3000 sets)");
}

/* A covered member at index 255 or past it is covered like the others. */
static void test_view_many(void)
{
	static struct nlb_member big[300];
	static const struct nlb_rule_node *rp[300];
	static struct nlb_rule_node custom[4];
	u64 base = nlb_view_digest(vm, 4), d;
	const struct nlb_rule_node *rq[4] = { NULL, NULL, NULL, custom };
	unsigned int i;
	int ok;

	rules_default(custom, 4);
	custom[1].weight = 30;
	/* Uncovered padding: id 0, weight 7. */
	memset(big, 0, sizeof(big));
	for (i = 0; i < 300; i++)
		big[i].weight = 7;
	memcpy(big, vm, 3 * sizeof(vm[0]));
	big[255] = vm[3];
	ok = nlb_view_digest(big, 256) == base;
	big[255].id = 0;
	big[299] = vm[3];
	ok = ok && nlb_view_digest(big, 300) == base;
	tap_check(ok, "view: members at index 255 and 299 are covered");
	d = nlb_view_digest_rules(vm, 4, rq, 4);
	rp[299] = custom;
	tap_check(nlb_view_digest_rules(big, 300, rp, 4) == d,
		  "view rules: member 299's settings are its own");
}

static void test_hb_rules_tlv(void)
{
	/* One field of a setting: offset, value, valid? */
	static const struct {
		u8 off, v;
		int ok;
		const char *what;
	} f[] = {
		{ 0, 101, 0, "weight 101" },
		{ 0, 254, 0, "weight 254" },
		{ 0, 100, 1, "weight 100" },
		{ 0, 255, 1, "weight 255 (host)" },
		{ 0, 0, 1, "weight 0" },
		{ 1, 65, 0, "priority 65" },
		{ 1, 255, 0, "priority 255" },
		{ 1, 64, 1, "priority 64" },
		{ 2, 3, 0, "state 3" },
		{ 2, 255, 0, "state 255" },
		{ 2, NLB_RULE_ST_DISABLED, 1, "state 2 (disabled)" },
	};
	struct nlb_rule_node in[65], *out;
	u8 tlv[NLB_HB_TLV_HDR_LEN + 3 * 64 + 16], *val;
	unsigned int i, n, bad;
	u16 len;
	int ok;

	out = malloc(64 * sizeof(*out));	/* the documented room */
	if (!out)
		abort();

	rules_default(in, 65);
	memset(tlv, 0xaa, sizeof(tlv));
	len = nlb_hb_put_rules(tlv, in, 0);
	tap_check(len == 4 && tlv[0] == 0 && tlv[1] == 3 && tlv[2] == 0 &&
		  tlv[3] == 0 && tlv[4] == 0xaa,
		  "rules TLV: 0 rules, a bare header 00 03 00 00");
	memset(out, 0x5a, 64 * sizeof(*out));
	tap_check(nlb_hb_get_rules(tlv + 4, 0, out) == 0 &&
		  out[0].weight == 0x5a, "rules TLV: 0 rules read back");

	in[0] = rn(30, 2, NLB_RULE_ST_DRAINING);
	memset(tlv, 0xaa, sizeof(tlv));
	len = nlb_hb_put_rules(tlv, in, 1);
	tap_check(len == 7 && !memcmp(tlv, "\x00\x03\x00\x03\x1e\x02\x01", 7) &&
		  tlv[7] == 0xaa,
		  "rules TLV: 1 rule is 00 03 00 03 weight priority state");
	val = malloc(3);
	if (!val)
		abort();
	memcpy(val, tlv + 4, 3);
	tap_check(nlb_hb_get_rules(val, 3, out) == 1 && rn_equal(out, in, 1),
		  "rules TLV: 1 rule read back");
	free(val);

	for (i = 0; i < 65; i++)
		in[i] = rn(i % 3 == 0 ? NLB_RULE_W_HOST : (i * 7) % 101,
			   (i * 5) % 65, i % 3);
	memset(tlv, 0xaa, sizeof(tlv));
	len = nlb_hb_put_rules(tlv, in, 64);
	for (ok = 1, i = 0; i < 64; i++)
		ok = ok && tlv[4 + 3 * i] == in[i].weight &&
		     tlv[5 + 3 * i] == in[i].priority &&
		     tlv[6 + 3 * i] == in[i].state;
	tap_check(ok && len == 196 && nlb_load_be16(tlv) == NLB_HB_TLV_RULES &&
		  nlb_load_be16(tlv + 2) == 192 && tlv[196] == 0xaa,
		  "rules TLV: 64 rules, be16 type 3, be16 length 192");
	val = malloc(192);
	if (!val)
		abort();
	memcpy(val, tlv + 4, 192);
	memset(out, 0, 64 * sizeof(*out));
	tap_check(nlb_hb_get_rules(val, 192, out) == 64 &&
		  rn_equal(out, in, 64), "rules TLV: 64 rules read back");

	/* Malformed values (each read from a buffer of exactly vlen bytes). */
	for (bad = 0, n = 1; n < 192; n++) {
		if (n % 3 == 0)
			continue;
		free(val);
		val = malloc(n);
		if (!val)
			abort();
		memcpy(val, tlv + 4, n);
		bad += nlb_hb_get_rules(val, n, out) != -1;
	}
	tap_check(!bad, "rules TLV: a length not a multiple of 3 is refused");
	free(val);
	val = malloc(195);
	if (!val)
		abort();
	for (i = 0; i < 65; i++) {
		val[3 * i] = in[i].weight;
		val[3 * i + 1] = in[i].priority;
		val[3 * i + 2] = in[i].state;
	}
	tap_check(nlb_hb_get_rules(val, 195, out) == -1 &&
		  nlb_hb_get_rules(val, 192, out) == 64,
		  "rules TLV: 65 rules (195 bytes) refused, 64 accepted");
	free(val);
	val = calloc(1, 198);
	if (!val)
		abort();
	tap_check(nlb_hb_get_rules(val, 198, out) == -1,
		  "rules TLV: 66 rules (198 bytes) refused");
	free(val);
	val = malloc(192);
	if (!val)
		abort();

	/* One bad field, in the first and in the last of 64 settings. */
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		int want = f[i].ok ? 64 : -1, r0, r63;

		memcpy(val, tlv + 4, 192);
		val[f[i].off] = f[i].v;
		r0 = nlb_hb_get_rules(val, 192, out);
		memcpy(val, tlv + 4, 192);
		val[189 + f[i].off] = f[i].v;
		r63 = nlb_hb_get_rules(val, 192, out);
		if (!tap_check(r0 == want && r63 == want,
			       "rules TLV: %s is %s", f[i].what,
			       f[i].ok ? "valid" : "refused"))
			tap_diag("rule 0: %d, rule 63: %d", r0, r63);
	}
	free(val);

	/* put_rules writes at most 64. */
	memset(tlv, 0xaa, sizeof(tlv));
	len = nlb_hb_put_rules(tlv, in, 65);
	tap_check(len == 196 && nlb_load_be16(tlv + 2) == 192 &&
		  tlv[196] == 0xaa, "rules TLV: put writes at most 64 rules");
	free(out);
}

/* A heartbeat carrying VIEW then RULES TLVs, through encode and decode. */
static void test_hb_rules_frame(void)
{
	struct nlb_rule_node in[64], out[64];
	u8 area[12 + NLB_HB_TLV_HDR_LEN + 3 * 64], buf[NLB_HB_MAX_LEN];
	struct nlb_hb hb, got;
	u16 pos = 0, type, vlen, rlen;
	const u8 *val;
	unsigned int i, k;
	u32 n;
	int ok;

	for (k = 0; k < 2; k++) {
		unsigned int nr = k ? 64 : 5;

		for (i = 0; i < nr; i++)
			in[i] = rn(i % 2 ? NLB_RULE_W_HOST : 10 + i, i % 65,
				   i % 3);
		nlb_store_be16(area, NLB_HB_TLV_VIEW);
		nlb_store_be16(area + 2, NLB_HB_VIEW_LEN);
		nlb_store_be64(area + 4, GOLDEN_VIEW);
		rlen = nlb_hb_put_rules(area + 12, in, nr);
		golden_hb(&hb);
		hb.tlv = area;
		hb.tlv_len = 12 + rlen;
		n = nlb_hb_encode(buf, sizeof(buf), &hb);
		memset(&got, 0x5a, sizeof(got));
		ok = n == (u32)NLB_HB_HDR_LEN + 12 + rlen + NLB_HB_MAC_LEN &&
		     decode_exact(buf, n, &got) == NLB_HB_OK &&
		     hb_equal(&hb, &got);
		tap_check(ok, "rules TLV: a frame with %u rules, encoded "
			  "and decoded", nr);
		if (!ok)
			continue;
		/* decode_exact() pointed got.tlv into buf. */
		pos = 0;
		ok = nlb_hb_tlv_next(&got, &pos, &type, &vlen, &val) &&
		     type == NLB_HB_TLV_VIEW && vlen == NLB_HB_VIEW_LEN &&
		     nlb_load_be64(val) == GOLDEN_VIEW;
		ok = ok && nlb_hb_tlv_next(&got, &pos, &type, &vlen, &val) &&
		     type == NLB_HB_TLV_RULES && vlen == 3 * nr &&
		     val == buf + NLB_HB_HDR_LEN + 16 &&
		     !memcmp(val, area + 16, vlen) &&
		     nlb_hb_get_rules(val, vlen, out) == (int)nr &&
		     rn_equal(out, in, nr);
		ok = ok && !nlb_hb_tlv_next(&got, &pos, &type, &vlen, &val) &&
		     pos == got.tlv_len;
		tap_check(ok,
			  "rules TLV: the walk finds VIEW, then the %u rules",
			  nr);
	}
}

int main(void)
{
	test_golden();
	test_round_trip();
	test_encode_refuses();
	test_decode_errors();
	test_decode_tlvs();
	test_tlv_walk();
	test_digest();
	test_view_digest();
	test_view_rules();
	test_view_random();
	test_view_many();
	test_hb_rules_tlv();
	test_hb_rules_frame();
	return tap_end();
}
