// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The heartbeat payload codec and the configuration digest.  The wire
 * format is specified in Documentation/heartbeat.md; the HMAC and the
 * receiver's rules (cluster id, replay, digest) belong to the kernel shell.
 */
#include "nlb_core.h"

/* Offsets in the fixed part of the payload. */
#define NLB_HB_O_VERSION	0
#define NLB_HB_O_TYPE		1
#define NLB_HB_O_LENGTH		2
#define NLB_HB_O_CLUSTER	4
#define NLB_HB_O_NODE		8
#define NLB_HB_O_STATE		9
#define NLB_HB_O_FLAGS		10
#define NLB_HB_O_PRIORITY	11
#define NLB_HB_O_WEIGHT		12
#define NLB_HB_O_INTERVAL	14
#define NLB_HB_O_NONCE		16
#define NLB_HB_O_COUNTER	24
#define NLB_HB_O_BIRTH		32
#define NLB_HB_O_DIGEST		40
#define NLB_HB_O_MEMBERS	48
#define NLB_HB_O_CPATH		56

/* TLVs must exactly fill @len bytes: whole headers, values within. */
static bool nlb_hb_tlvs_valid(const u8 *p, u32 len)
{
	u32 pos = 0;

	while (pos < len) {
		if (len - pos < NLB_HB_TLV_HDR_LEN)
			return false;
		pos += NLB_HB_TLV_HDR_LEN + nlb_load_be16(p + pos + 2);
		if (pos > len)
			return false;
	}
	return true;
}

static bool nlb_hb_fields_valid(u8 type, u8 node_id, u8 state)
{
	return (type == NLB_HB_TYPE_HEARTBEAT || type == NLB_HB_TYPE_LEAVE) &&
	       node_id >= 1 && node_id <= NLB_CORE_MAX_NODES &&
	       state <= NLB_HB_MAX_STATE;
}

u32 nlb_hb_encode(u8 *buf, u32 size, const struct nlb_hb *hb)
{
	u32 mac = (hb->flags & NLB_HB_F_MAC) ? NLB_HB_MAC_LEN : 0;
	u32 len = NLB_HB_HDR_LEN + hb->tlv_len + mac;

	if (!nlb_hb_fields_valid(hb->type, hb->node_id, hb->state))
		return 0;
	if (len > NLB_HB_MAX_LEN || len > size)
		return 0;
	if (hb->tlv_len && (!hb->tlv || !nlb_hb_tlvs_valid(hb->tlv,
							    hb->tlv_len)))
		return 0;

	buf[NLB_HB_O_VERSION] = NLB_HB_VERSION;
	buf[NLB_HB_O_TYPE] = hb->type;
	nlb_store_be16(buf + NLB_HB_O_LENGTH, len);
	memcpy(buf + NLB_HB_O_CLUSTER, &hb->cluster_id, 4);
	buf[NLB_HB_O_NODE] = hb->node_id;
	buf[NLB_HB_O_STATE] = hb->state;
	buf[NLB_HB_O_FLAGS] = hb->flags;
	buf[NLB_HB_O_PRIORITY] = hb->priority;
	nlb_store_be16(buf + NLB_HB_O_WEIGHT, hb->weight);
	nlb_store_be16(buf + NLB_HB_O_INTERVAL, hb->interval_ms);
	nlb_store_be64(buf + NLB_HB_O_NONCE, hb->nonce);
	nlb_store_be64(buf + NLB_HB_O_COUNTER, hb->counter);
	nlb_store_be64(buf + NLB_HB_O_BIRTH, hb->birth);
	nlb_store_be64(buf + NLB_HB_O_DIGEST, hb->digest);
	nlb_store_be64(buf + NLB_HB_O_MEMBERS, hb->members);
	nlb_store_be64(buf + NLB_HB_O_CPATH, hb->cpath);
	if (hb->tlv_len)
		memmove(buf + NLB_HB_HDR_LEN, hb->tlv, hb->tlv_len);
	memset(buf + NLB_HB_HDR_LEN + hb->tlv_len, 0, mac);
	return len;
}

enum nlb_hb_result nlb_hb_decode(const u8 *buf, u32 len, struct nlb_hb *hb)
{
	u32 length, mac, tlv_len;
	u8 flags;

	if (len < 1)
		return NLB_HB_MALFORMED;
	if (buf[NLB_HB_O_VERSION] != NLB_HB_VERSION)
		return NLB_HB_BAD_VERSION;
	if (len < NLB_HB_HDR_LEN)
		return NLB_HB_MALFORMED;

	flags = buf[NLB_HB_O_FLAGS];
	mac = (flags & NLB_HB_F_MAC) ? NLB_HB_MAC_LEN : 0;
	length = nlb_load_be16(buf + NLB_HB_O_LENGTH);
	if (length < NLB_HB_HDR_LEN + mac || length > len ||
	    length > NLB_HB_MAX_LEN)
		return NLB_HB_MALFORMED;
	if (!nlb_hb_fields_valid(buf[NLB_HB_O_TYPE], buf[NLB_HB_O_NODE],
				 buf[NLB_HB_O_STATE]))
		return NLB_HB_MALFORMED;
	tlv_len = length - mac - NLB_HB_HDR_LEN;
	if (!nlb_hb_tlvs_valid(buf + NLB_HB_HDR_LEN, tlv_len))
		return NLB_HB_MALFORMED;

	hb->type = buf[NLB_HB_O_TYPE];
	hb->node_id = buf[NLB_HB_O_NODE];
	hb->state = buf[NLB_HB_O_STATE];
	hb->flags = flags;
	hb->priority = buf[NLB_HB_O_PRIORITY];
	hb->weight = nlb_load_be16(buf + NLB_HB_O_WEIGHT);
	hb->interval_ms = nlb_load_be16(buf + NLB_HB_O_INTERVAL);
	memcpy(&hb->cluster_id, buf + NLB_HB_O_CLUSTER, 4);
	hb->nonce = nlb_load_be64(buf + NLB_HB_O_NONCE);
	hb->counter = nlb_load_be64(buf + NLB_HB_O_COUNTER);
	hb->birth = nlb_load_be64(buf + NLB_HB_O_BIRTH);
	hb->digest = nlb_load_be64(buf + NLB_HB_O_DIGEST);
	hb->members = nlb_load_be64(buf + NLB_HB_O_MEMBERS);
	hb->cpath = nlb_load_be64(buf + NLB_HB_O_CPATH);
	hb->tlv = tlv_len ? buf + NLB_HB_HDR_LEN : NULL;
	hb->tlv_len = tlv_len;
	return NLB_HB_OK;
}

int nlb_hb_tlv_next(const struct nlb_hb *hb, u16 *pos, u16 *type, u16 *vlen,
		    const u8 **val)
{
	u32 p = *pos, end = hb->tlv_len, l;

	if (!hb->tlv || p > end || end - p < NLB_HB_TLV_HDR_LEN)
		return 0;
	l = nlb_load_be16(hb->tlv + p + 2);
	if (l > end - p - NLB_HB_TLV_HDR_LEN)
		return 0;
	*type = nlb_load_be16(hb->tlv + p);
	*vlen = l;
	*val = hb->tlv + p + NLB_HB_TLV_HDR_LEN;
	*pos = p + NLB_HB_TLV_HDR_LEN + l;
	return 1;
}

/* A public, fixed key: the digest detects differences, it hides nothing. */
static const struct nlb_key nlb_config_digest_key = {
	.k0 = 0x6e6c622d6366672dULL,	/* "nlb-cfg-" */
	.k1 = 0x6469676573742d31ULL,	/* "digest-1" */
};

static const u8 nlb_config_tag[7] = { 'n', 'l', 'b', '-', 'c', 'f', 'g' };

u64 nlb_config_digest(const struct nlb_config *cfg)
{
	u8 buf[sizeof(nlb_config_tag) + 1 + 1 + 4 + NLB_CORE_SEED_LEN + 1 +
	       4 * NLB_CORE_MAX_VIPS + 8];
	u32 sorted[NLB_CORE_MAX_VIPS];
	unsigned int i, j, n = cfg->nvips;
	size_t len;
	u32 v;

	if (n > NLB_CORE_MAX_VIPS)
		n = NLB_CORE_MAX_VIPS;
	/* Insertion sort by address: the digest must not depend on order. */
	for (i = 0; i < n; i++) {
		v = be32_to_cpu(cfg->vips[i]);
		for (j = i; j > 0 && sorted[j - 1] > v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}

	memcpy(buf, nlb_config_tag, sizeof(nlb_config_tag));
	len = sizeof(nlb_config_tag);
	buf[len++] = NLB_CONFIG_DIGEST_VERSION;
	buf[len++] = cfg->mode;
	nlb_store_be32(buf + len, cfg->buckets);
	len += 4;
	if (cfg->seed)
		memcpy(buf + len, cfg->seed, NLB_CORE_SEED_LEN);
	else
		memset(buf + len, 0, NLB_CORE_SEED_LEN);
	len += NLB_CORE_SEED_LEN;
	buf[len++] = n;
	for (i = 0; i < n; i++, len += 4)
		nlb_store_be32(buf + len, sorted[i]);
	nlb_store_be64(buf + len, cfg->rules);
	len += 8;
	return nlb_siphash(&nlb_config_digest_key, buf, len);
}

static const struct nlb_key nlb_view_digest_key = {
	.k0 = 0x6e6c622d76696577ULL,	/* "nlb-view" */
	.k1 = 0x6469676573742d31ULL,	/* "digest-1" */
};

static const u8 nlb_view_tag[8] = { 'n', 'l', 'b', '-', 'v', 'i', 'e', 'w' };

/* The settings' digest of one member: 0 when they are all the default. */
static u64 nlb_view_rules(const struct nlb_rule_node *p, unsigned int nrules)
{
	u8 buf[1 + NLB_HB_RULE_NODE_LEN * 64];
	bool custom = false;
	unsigned int i;

	if (!p)
		return 0;
	buf[0] = nrules;
	for (i = 0; i < nrules; i++) {
		custom |= !nlb_rule_node_is_default(&p[i]);
		buf[1 + 3 * i] = p[i].weight;
		buf[2 + 3 * i] = p[i].priority;
		buf[3 + 3 * i] = p[i].state;
	}
	return custom ? nlb_siphash(&nlb_view_digest_key, buf, 1 + 3 * nrules) :
			0;
}

static bool nlb_view_custom(const struct nlb_rule_node *p, unsigned int nrules)
{
	unsigned int i;

	for (i = 0; p && i < nrules; i++)
		if (!nlb_rule_node_is_default(&p[i]))
			return true;
	return false;
}

u64 nlb_view_digest_rules(const struct nlb_member *members, unsigned int n,
			  const struct nlb_rule_node *const *rp,
			  unsigned int nrules)
{
	u8 buf[sizeof(nlb_view_tag) + 1 + 1 + 14 * NLB_CORE_MAX_NODES];
	unsigned int by_id[NLB_CORE_MAX_NODES + 1];
	unsigned int i, cnt = 0;
	bool custom = false;
	size_t len;

	if (nrules > 64)
		nrules = 64;
	/* By id, so that the digest does not depend on the order given. */
	for (i = 0; i <= NLB_CORE_MAX_NODES; i++)
		by_id[i] = n;		/* none */
	for (i = 0; i < n; i++) {
		u8 id = members[i].id;

		if (id < 1 || id > NLB_CORE_MAX_NODES || !members[i].weight)
			continue;
		by_id[id] = i;
		custom |= rp && nlb_view_custom(rp[i], nrules);
	}
	len = sizeof(nlb_view_tag) + 2;
	for (i = 1; i <= NLB_CORE_MAX_NODES; i++) {
		const struct nlb_member *m;

		if (by_id[i] == n)
			continue;
		m = &members[by_id[i]];
		buf[len] = i;
		nlb_store_be32(buf + len + 1, m->weight);
		buf[len + 5] = nlb_member_priority(m);
		len += 6;
		if (custom) {
			nlb_store_be64(buf + len,
				       nlb_view_rules(rp[by_id[i]], nrules));
			len += 8;
		}
		cnt++;
	}
	memcpy(buf, nlb_view_tag, sizeof(nlb_view_tag));
	buf[sizeof(nlb_view_tag)] = custom ? NLB_VIEW_DIGEST_VERSION_RULES :
					     NLB_VIEW_DIGEST_VERSION;
	buf[sizeof(nlb_view_tag) + 1] = cnt;
	return nlb_siphash(&nlb_view_digest_key, buf, len);
}

u64 nlb_view_digest(const struct nlb_member *members, unsigned int n)
{
	return nlb_view_digest_rules(members, n, NULL, 0);
}

u16 nlb_hb_put_rules(u8 *tlv, const struct nlb_rule_node *p, unsigned int n)
{
	unsigned int i;

	if (n > 64)
		n = 64;
	nlb_store_be16(tlv, NLB_HB_TLV_RULES);
	nlb_store_be16(tlv + 2, NLB_HB_RULE_NODE_LEN * n);
	for (i = 0; i < n; i++) {
		tlv[NLB_HB_TLV_HDR_LEN + 3 * i] = p[i].weight;
		tlv[NLB_HB_TLV_HDR_LEN + 3 * i + 1] = p[i].priority;
		tlv[NLB_HB_TLV_HDR_LEN + 3 * i + 2] = p[i].state;
	}
	return NLB_HB_TLV_HDR_LEN + NLB_HB_RULE_NODE_LEN * n;
}

int nlb_hb_get_rules(const u8 *val, u16 vlen, struct nlb_rule_node *p)
{
	unsigned int i, n = vlen / NLB_HB_RULE_NODE_LEN;

	if (vlen % NLB_HB_RULE_NODE_LEN || n > 64)
		return -1;
	for (i = 0; i < n; i++) {
		p[i].weight = val[3 * i];
		p[i].priority = val[3 * i + 1];
		p[i].state = val[3 * i + 2];
		if (!nlb_rule_node_valid(&p[i]))
			return -1;
	}
	return n;
}

u8 nlb_default_host(const struct nlb_member *members, unsigned int n)
{
	const struct nlb_member *best = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct nlb_member *m = &members[i];

		if (!best || nlb_member_priority(m) < nlb_member_priority(best) ||
		    (nlb_member_priority(m) == nlb_member_priority(best) &&
		     m->id < best->id))
			best = m;
	}
	return best ? best->id : NLB_NODE_NONE;
}
