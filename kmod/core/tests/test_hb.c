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
	return tap_end();
}
