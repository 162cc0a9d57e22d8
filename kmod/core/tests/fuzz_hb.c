// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: nlb_hb_decode() on arbitrary bytes, in a buffer of
 * exactly their length so that AddressSanitizer catches any read past it.
 * A frame that decodes must be self-consistent (TLVs walk to exactly
 * tlv_len), re-encode to the same first `length` bytes (the MAC, if any,
 * comes out zero) and decode again to the same fields.  Every RULES TLV
 * value goes through nlb_hb_get_rules(), from a buffer of exactly its
 * length into room for exactly 64 settings: the verdict must match a
 * reference, and what it accepts must write back (nlb_hb_put_rules()) to
 * the same bytes; the input is also wrapped as a RULES value in a frame
 * of its own.  The input also feeds nlb_config_digest(), which must not
 * depend on the VIPs' order.
 */
#include <stdlib.h>
#include "../nlb_core.h"

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

/* A RULES TLV value: nlb_hb_get_rules() against a reference. */
static void check_rules(const u8 *v, u16 vlen)
{
	static u8 tlv[NLB_HB_TLV_HDR_LEN + NLB_HB_RULE_NODE_LEN * 64];
	struct nlb_rule_node *p;
	unsigned int i;
	int n, want;
	u8 *val;

	want = vlen % 3 || vlen > 3 * 64 ? -1 : vlen / 3;
	for (i = 0; want >= 0 && i < vlen; i += 3)
		if ((v[i] > NLB_CORE_MAX_WEIGHT && v[i] != NLB_RULE_W_HOST) ||
		    v[i + 1] > NLB_CORE_MAX_NODES || v[i + 2] > 2)
			want = -1;
	val = malloc(vlen ? vlen : 1);
	p = malloc(64 * sizeof(*p));
	if (!val || !p)
		abort();
	memcpy(val, v, vlen);
	n = nlb_hb_get_rules(val, vlen, p);
	if (n != want)
		abort();
	if (n >= 0) {
		if (3 * n != vlen)
			abort();
		for (i = 0; i < (unsigned int)n; i++)
			if (!nlb_rule_node_valid(&p[i]) ||
			    p[i].weight != v[3 * i] ||
			    p[i].priority != v[3 * i + 1] ||
			    p[i].state != v[3 * i + 2])
				abort();
		if (nlb_hb_put_rules(tlv, p, n) != NLB_HB_TLV_HDR_LEN + vlen ||
		    nlb_load_be16(tlv) != NLB_HB_TLV_RULES ||
		    nlb_load_be16(tlv + 2) != vlen ||
		    memcmp(tlv + NLB_HB_TLV_HDR_LEN, v, vlen))
			abort();
	}
	free(p);
	free(val);
}

static void check_frame(const u8 *buf, u32 len)
{
	static u8 enc[NLB_HB_MAX_LEN];
	struct nlb_hb hb, again;
	u32 length, mac, n, walked = 0;
	u16 pos = 0, type, vlen;
	const u8 *val;

	if (nlb_hb_decode(buf, len, &hb) != NLB_HB_OK)
		return;
	length = nlb_load_be16(buf + 2);
	mac = (hb.flags & NLB_HB_F_MAC) ? NLB_HB_MAC_LEN : 0;
	if (length > len || length > NLB_HB_MAX_LEN ||
	    hb.tlv_len != length - mac - NLB_HB_HDR_LEN ||
	    (hb.tlv_len && hb.tlv != buf + NLB_HB_HDR_LEN) ||
	    hb.node_id < 1 || hb.node_id > NLB_CORE_MAX_NODES)
		abort();
	while (nlb_hb_tlv_next(&hb, &pos, &type, &vlen, &val)) {
		if (val != hb.tlv + walked + NLB_HB_TLV_HDR_LEN)
			abort();
		walked += NLB_HB_TLV_HDR_LEN + vlen;
		if (type == NLB_HB_TLV_RULES)
			check_rules(val, vlen);
	}
	if (walked != hb.tlv_len || pos != walked)
		abort();

	n = nlb_hb_encode(enc, sizeof(enc), &hb);
	if (n != length || memcmp(enc, buf, length - mac))
		abort();
	for (; mac; mac--)
		if (enc[length - mac])
			abort();
	if (nlb_hb_decode(enc, n, &again) != NLB_HB_OK ||
	    !hb_equal(&hb, &again))
		abort();
}

/*
 * Random frames seldom carry a well-formed TLV region with a RULES TLV:
 * also wrap the input (its first 255 bytes) as the value of one, in a
 * frame of exactly its length, so that every run walks to it.
 */
static void check_rules_frame(const u8 *data, size_t size)
{
	static u8 tlv[NLB_HB_TLV_HDR_LEN + 255], enc[NLB_HB_MAX_LEN];
	u16 vlen = size > 255 ? 255 : size;
	struct nlb_hb hb;
	u8 *buf;
	u32 n;

	memset(&hb, 0, sizeof(hb));
	hb.type = NLB_HB_TYPE_HEARTBEAT;
	hb.node_id = 1;
	hb.flags = size & 1 ? NLB_HB_F_MAC : 0;
	nlb_store_be16(tlv, NLB_HB_TLV_RULES);
	nlb_store_be16(tlv + 2, vlen);
	memcpy(tlv + NLB_HB_TLV_HDR_LEN, data, vlen);
	hb.tlv = tlv;
	hb.tlv_len = NLB_HB_TLV_HDR_LEN + vlen;
	n = nlb_hb_encode(enc, sizeof(enc), &hb);
	if (!n)
		abort();
	buf = malloc(n);
	if (!buf)
		abort();
	memcpy(buf, enc, n);
	check_frame(buf, n);
	free(buf);
}

static void check_digest(const u8 *data, size_t size)
{
	__be32 vips[NLB_CORE_MAX_VIPS], rev[NLB_CORE_MAX_VIPS];
	struct nlb_config cfg, r;
	unsigned int i, n;

	if (size < 6 + NLB_CORE_SEED_LEN)
		return;
	cfg.mode = data[0];
	cfg.buckets = nlb_load_be32(data + 1);
	cfg.seed = data + 5;
	n = (size - 5 - NLB_CORE_SEED_LEN) / 4;
	if (n > NLB_CORE_MAX_VIPS)
		n = NLB_CORE_MAX_VIPS;
	memcpy(vips, data + 5 + NLB_CORE_SEED_LEN, 4 * n);
	for (i = 0; i < n; i++)
		rev[i] = vips[n - 1 - i];
	cfg.vips = vips;
	cfg.nvips = n;
	r = cfg;
	r.vips = rev;
	if (nlb_config_digest(&cfg) != nlb_config_digest(&r))
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 *buf;

	if (size > NLB_HB_MAX_LEN + 64)
		size = NLB_HB_MAX_LEN + 64;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_frame(buf, size);
	free(buf);
	check_rules_frame(data, size);
	check_digest(data, size);
	return 0;
}
