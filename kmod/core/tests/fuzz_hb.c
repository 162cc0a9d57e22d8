// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: nlb_hb_decode() on arbitrary bytes, in a buffer of
 * exactly their length so that AddressSanitizer catches any read past it.
 * A frame that decodes must be self-consistent (TLVs walk to exactly
 * tlv_len), re-encode to the same first `length` bytes (the MAC, if any,
 * comes out zero) and decode again to the same fields.  The input also
 * feeds nlb_config_digest(), which must not depend on the VIPs' order.
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
	check_digest(data, size);
	return 0;
}
