// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeats on the wire: sending them, receiving them, authenticating
 * them.  The frame format is kmod/core's (Documentation/heartbeat.md);
 * what the heartbeats mean is membership.c's business.
 *
 * A heartbeat goes to the cluster's heartbeat MAC (03:bf and the first
 * VIP) on the heartbeat device and, flagged as the backup path, on the
 * cluster device.  One packet_type handler for the ethertype serves every
 * namespace: it finds the cluster by device and cluster id, checks the
 * HMAC and the counter, and updates the sender's entry in the peer table.
 * Every frame it drops is counted, on the cluster it was for or, when none
 * matches, on the first cluster using the device.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/pkt_sched.h>

#include "nlb.h"

int nlb_auth_create(struct nlb_auth **out, const u8 key[NLB_KEY_LEN])
{
	struct nlb_auth *auth;
	int err;

	auth = kzalloc(sizeof(*auth), GFP_KERNEL);
	if (!auth)
		return -ENOMEM;
	auth->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(auth->tfm)) {
		err = PTR_ERR(auth->tfm);
		goto err_free;
	}
	err = crypto_shash_setkey(auth->tfm, key, NLB_KEY_LEN);
	if (err)
		goto err_tfm;
	*out = auth;
	return 0;

err_tfm:
	crypto_free_shash(auth->tfm);
err_free:
	kfree(auth);
	return err;
}

void nlb_auth_free(struct nlb_auth *auth)
{
	if (!auth)
		return;
	crypto_free_shash(auth->tfm);
	kfree(auth);
}

/* HMAC-SHA256 over the Ethernet header and the payload before the MAC. */
static int nlb_auth_mac(const struct nlb_auth *auth, const void *eth,
			const u8 *payload, u32 len, u8 out[NLB_HB_MAC_LEN])
{
	SHASH_DESC_ON_STACK(desc, auth->tfm);
	int err;

	desc->tfm = auth->tfm;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, eth, ETH_HLEN) ?:
	      crypto_shash_update(desc, payload, len) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

static void nlb_hb_xmit(struct nlb_cluster *cl, struct net_device *dev,
			struct nlb_hb *hb, const struct nlb_auth *auth)
{
	int hlen = LL_RESERVED_SPACE(dev), tlen = dev->needed_tailroom;
	struct sk_buff *skb;
	u8 *payload;
	u32 len;

	if (!netif_running(dev) || !netif_carrier_ok(dev))
		return;
	hb->counter = atomic64_inc_return(&cl->counter);
	skb = alloc_skb(hlen + NLB_HB_MAX_LEN + tlen, GFP_ATOMIC);
	if (!skb)
		goto err;
	skb_reserve(skb, hlen);
	skb_reset_network_header(skb);
	payload = skb_tail_pointer(skb);
	len = nlb_hb_encode(payload, NLB_HB_MAX_LEN, hb);
	if (!len)
		goto err_free;
	skb_put(skb, len);
	skb->dev = dev;
	skb->protocol = htons(NLB_HB_ETHERTYPE);
	skb->priority = TC_PRIO_CONTROL;
	if (dev_hard_header(skb, dev, NLB_HB_ETHERTYPE, cl->hb_mac,
			    dev->dev_addr, len) < 0)
		goto err_free;
	if (auth && nlb_auth_mac(auth, skb->data, payload,
				 len - NLB_HB_MAC_LEN,
				 payload + len - NLB_HB_MAC_LEN))
		goto err_free;
	if (dev_queue_xmit(skb))
		goto err;
	nlb_count_any(cl, NLB_CNT_HB_SENT);
	return;

err_free:
	kfree_skb(skb);
err:
	nlb_count_any(cl, NLB_CNT_HB_SEND_ERRORS);
}

static void nlb_hb_xmit_paths(struct nlb_cluster *cl, struct nlb_hb *hb,
			      struct net_device *hb_dev,
			      const struct nlb_auth *auth)
{
	u8 flags = hb->flags;

	if (hb_dev)
		nlb_hb_xmit(cl, hb_dev, hb, auth);
	hb->flags |= hb_dev ? NLB_HB_F_BACKUP : 0;
	nlb_hb_xmit(cl, cl->dev, hb, auth);
	hb->flags = flags;
}

/* Bytes of held-bucket bitmap in window @w. */
static u32 nlb_hb_window_bytes(const struct nlb_cluster *cl, u32 w)
{
	return min_t(u32, NLB_HB_HELD_WINDOW,
		     cl->buckets / 8 - w * NLB_HB_HELD_WINDOW);
}

/* Write the VIEW TLV, which every heartbeat carries; returns its length. */
static u16 nlb_hb_put_view(u8 *tlv, const struct nlb_map *map)
{
	nlb_store_be16(tlv, NLB_HB_TLV_VIEW);
	nlb_store_be16(tlv + 2, NLB_HB_VIEW_LEN);
	nlb_store_be64(tlv + NLB_HB_TLV_HDR_LEN, map->view);
	return NLB_HB_TLV_HDR_LEN + NLB_HB_VIEW_LEN;
}

/*
 * Heartbeats of a node holding flows in buckets it does not own carry
 * them: one frame per window of the bitmap, every window each time, each
 * after the VIEW (and RULES) TLVs already in cl->tx_tlv.
 */
static void nlb_hb_send_held(struct nlb_cluster *cl, struct nlb_hb *hb,
			     struct net_device *hb_dev,
			     const struct nlb_auth *auth)
{
	u8 *tlv = cl->tx_tlv + hb->tlv_len;
	u16 view_len = hb->tlv_len;
	u32 w, n, nwin = DIV_ROUND_UP(cl->buckets / 8, NLB_HB_HELD_WINDOW);

	hb->flags |= NLB_HB_F_HELD;
	for (w = 0; w < nwin; w++) {
		n = nlb_hb_window_bytes(cl, w);
		nlb_store_be16(tlv, NLB_HB_TLV_HELD);
		nlb_store_be16(tlv + 2, 2 + n);
		nlb_store_be16(tlv + 4, w);
		memcpy(tlv + 6, cl->tx_held + w * NLB_HB_HELD_WINDOW, n);
		hb->tlv_len = view_len + NLB_HB_TLV_HDR_LEN + 2 + n;
		nlb_hb_xmit_paths(cl, hb, hb_dev, auth);
	}
}

/* Send a heartbeat (or a LEAVE) on each path; any context. */
void nlb_hb_send(struct nlb_cluster *cl, u8 type)
{
	const struct nlb_rules *rules;
	const struct nlb_map *map;
	const struct nlb_auth *auth;
	struct net_device *hb_dev;
	struct nlb_hb hb = {
		.type = type,
		.node_id = cl->node_id,
		.state = type == NLB_HB_TYPE_LEAVE ? NLB_STATE_LEAVING :
			 READ_ONCE(cl->state),
		.weight = READ_ONCE(cl->weight),
		.priority = READ_ONCE(cl->priority),
		.interval_ms = READ_ONCE(cl->hb_interval),
		.cluster_id = cl->cluster_id,
		.nonce = cl->nonce,
		.birth = cl->birth,
		.digest = READ_ONCE(cl->digest),
		.cpath = READ_ONCE(cl->cpath_mask),
	};

	rcu_read_lock();
	map = rcu_dereference(cl->map);
	hb.members = map->mask;
	auth = rcu_dereference(cl->auth);
	if (auth)
		hb.flags |= NLB_HB_F_MAC;
	if (netif_carrier_ok(cl->dev))
		hb.flags |= NLB_HB_F_CARRIER;
	hb_dev = rcu_dereference(cl->hb_dev);
	spin_lock_bh(&cl->tx_lock);
	hb.tlv = cl->tx_tlv;
	hb.tlv_len = nlb_hb_put_view(cl->tx_tlv, map);
	rules = rcu_dereference(cl->rules);
	if (rules->custom)
		hb.tlv_len += nlb_hb_put_rules(cl->tx_tlv + hb.tlv_len,
					       rules->node, rules->n);
	if (type == NLB_HB_TYPE_HEARTBEAT &&
	    nlb_flows_held_buckets(cl, map, cl->tx_held))
		nlb_hb_send_held(cl, &hb, hb_dev, auth);
	else
		nlb_hb_xmit_paths(cl, &hb, hb_dev, auth);
	spin_unlock_bh(&cl->tx_lock);
	rcu_read_unlock();
}

/* The payload length a decoded frame declares. */
static u32 nlb_hb_len(const struct nlb_hb *hb)
{
	return NLB_HB_HDR_LEN + hb->tlv_len +
	       (hb->flags & NLB_HB_F_MAC ? NLB_HB_MAC_LEN : 0);
}

/* Is this MAC the one the frame carries?  No key: frames must carry none. */
static bool nlb_hb_authentic(const struct nlb_cluster *cl,
			     const struct sk_buff *skb, const struct nlb_hb *hb,
			     u32 len)
{
	const struct nlb_auth *auth = rcu_dereference(cl->auth);
	u8 mac[NLB_HB_MAC_LEN];
	bool ok;

	if (!auth)
		return !(hb->flags & NLB_HB_F_MAC);
	if (!(hb->flags & NLB_HB_F_MAC))
		return false;
	if (nlb_auth_mac(auth, skb_mac_header(skb), skb->data,
			 len - NLB_HB_MAC_LEN, mac))
		return false;
	ok = !crypto_memneq(mac, skb->data + len - NLB_HB_MAC_LEN,
			    NLB_HB_MAC_LEN);
	memzero_explicit(mac, sizeof(mac));
	return ok;
}

/* A frame with our own node id: looped back, or a second node with it. */
static void nlb_hb_rcv_self(struct nlb_cluster *cl, const struct nlb_hb *hb)
{
	bool earlier;

	if (hb->nonce == cl->nonce)
		return;
	nlb_count(cl, NLB_CNT_HB_DUPLICATE);
	/* The node that started later stays out. */
	earlier = hb->birth < cl->birth ||
		  (hb->birth == cl->birth && hb->nonce < cl->nonce);
	spin_lock(&cl->peers_lock);
	if (earlier) {
		cl->self_dup = true;
		cl->self_dup_seen = jiffies;
	}
	spin_unlock(&cl->peers_lock);
	if (earlier)
		nlb_membership_kick(cl);
}

/* What a heartbeat's TLVs report, checked before anything of it is taken. */
struct nlb_hb_tlvs {
	struct nlb_rule_node rules[NLB_MAX_RULES];
	int nrules;
	u64 view;
	bool has_view;
};

/*
 * Check a heartbeat's TLVs and read its view digest and its own settings
 * for the port rules into @t.  Returns false for a malformed VIEW, RULES
 * or HELD value: the frame is then dropped, and nothing of it is taken.
 */
static bool nlb_hb_check_tlvs(const struct nlb_cluster *cl,
			      const struct nlb_hb *hb, struct nlb_hb_tlvs *t)
{
	u32 nwin = DIV_ROUND_UP(cl->buckets / 8, NLB_HB_HELD_WINDOW);
	u16 pos = 0, type, vlen, w;
	const u8 *val;

	t->nrules = 0;
	t->view = 0;
	t->has_view = false;
	while (nlb_hb_tlv_next(hb, &pos, &type, &vlen, &val)) {
		if (type == NLB_HB_TLV_VIEW) {
			if (vlen != NLB_HB_VIEW_LEN)
				return false;
			t->view = nlb_load_be64(val);
			t->has_view = true;
		} else if (type == NLB_HB_TLV_RULES) {
			t->nrules = nlb_hb_get_rules(val, vlen, t->rules);
			if (t->nrules < 0)
				return false;
		} else if (type == NLB_HB_TLV_HELD &&
			   (hb->flags & NLB_HB_F_HELD)) {
			if (vlen < 2)
				return false;
			w = nlb_load_be16(val);
			if (w >= nwin || vlen != 2 + nlb_hb_window_bytes(cl, w))
				return false;
		}
	}
	return true;
}

/*
 * Take what a checked heartbeat's TLVs report (peers_lock held): its view
 * digest, its own settings for the port rules and the buckets it holds
 * flows in.  Sets *news when they changed.
 */
static void nlb_hb_take_tlvs(struct nlb_cluster *cl, struct nlb_peer *p,
			     const struct nlb_hb *hb,
			     const struct nlb_hb_tlvs *t, bool *news)
{
	u8 *bits = cl->peer_held + (hb->node_id - 1) * (cl->buckets / 8);
	struct nlb_rule_node *prules = cl->peer_rules +
				       (hb->node_id - 1) * NLB_MAX_RULES;
	u16 pos = 0, type, vlen, w;
	const u8 *val;

	if (t->has_view != p->has_view || t->view != p->view)
		*news = true;
	p->has_view = t->has_view;
	p->view = t->view;
	if (t->nrules != p->nrules ||
	    memcmp(prules, t->rules, t->nrules * sizeof(t->rules[0]))) {
		memcpy(prules, t->rules, t->nrules * sizeof(t->rules[0]));
		p->nrules = t->nrules;
		*news = true;
	}

	if (!(hb->flags & NLB_HB_F_HELD)) {
		if (p->held_any) {
			memset(bits, 0, cl->buckets / 8);
			p->held_any = false;
			*news = true;
		}
		return;
	}
	while (nlb_hb_tlv_next(hb, &pos, &type, &vlen, &val)) {
		if (type != NLB_HB_TLV_HELD)
			continue;
		w = nlb_load_be16(val);
		if (memcmp(bits + w * NLB_HB_HELD_WINDOW, val + 2, vlen - 2)) {
			memcpy(bits + w * NLB_HB_HELD_WINDOW, val + 2, vlen - 2);
			*news = true;
		}
		p->held_any = true;
	}
}

static enum nlb_counter nlb_hb_update_peer(struct nlb_cluster *cl,
					   const struct nlb_hb *hb,
					   const struct nlb_hb_tlvs *t,
					   const u8 *src, unsigned int paths,
					   bool *news)
{
	enum nlb_path sent_on = hb->flags & NLB_HB_F_BACKUP ?
				NLB_PATH_CLUSTER : NLB_PATH_HB;
	struct nlb_peer *p = &cl->peers[hb->node_id - 1];
	u8 prio = hb->priority ? hb->priority : hb->node_id;
	unsigned long now = jiffies;
	unsigned int i;

	if (p->known && hb->nonce != p->nonce) {
		/* Another node with this id, while the one we know lives. */
		if (nlb_peer_alive(cl, p, now) &&
		    p->state != NLB_STATE_DUPLICATE) {
			*news = !p->dup;
			p->dup = true;
			p->dup_seen = now;
			return NLB_CNT_HB_DUPLICATE;
		}
		/* A new incarnation: counters start at its birth time. */
		if (p->state != NLB_STATE_DUPLICATE &&
		    hb->counter <= max(p->counter[0], p->counter[1]))
			return NLB_CNT_HB_REPLAYED;
		memset(p->counter, 0, sizeof(p->counter));
		memset(p->heard, 0, sizeof(p->heard));
		p->dup = false;
		p->nonce = hb->nonce;
		*news = true;
	} else if (p->known && hb->counter <= p->counter[sent_on]) {
		return NLB_CNT_HB_REPLAYED;
	}

	nlb_hb_take_tlvs(cl, p, hb, t, news);
	if (!p->known || !nlb_peer_alive(cl, p, now) ||
	    p->state != hb->state || p->weight != hb->weight ||
	    p->priority != prio || p->digest != hb->digest || p->members != hb->members ||
	    p->cpath != hb->cpath || hb->type == NLB_HB_TYPE_LEAVE)
		*news = true;
	for (i = 0; i < NLB_PATH_MAX; i++) {
		if (paths & BIT(i)) {
			if (!p->heard[i])
				*news = true;
			p->heard[i] = true;
			p->last_rx[i] = now;
		}
	}
	p->known = true;
	p->nonce = hb->nonce;
	p->counter[sent_on] = hb->counter;
	p->birth = hb->birth;
	p->digest = hb->digest;
	p->members = hb->members;
	p->cpath = hb->cpath;
	p->state = hb->state;
	p->flags = hb->flags;
	p->weight = hb->weight;
	p->priority = prio;
	p->left = hb->type == NLB_HB_TYPE_LEAVE;
	ether_addr_copy(p->mac, src);
	return NLB_CNT_HB_RECEIVED;
}

static void nlb_hb_rcv_cluster(struct nlb_cluster *cl, struct sk_buff *skb,
			       const struct nlb_hb *hb, u32 len,
			       unsigned int paths)
{
	struct nlb_hb_tlvs t;
	enum nlb_counter c;
	bool news = false;

	if (!nlb_hb_authentic(cl, skb, hb, len)) {
		nlb_count(cl, NLB_CNT_HB_BAD_MAC);
		return;
	}
	if (hb->node_id == cl->node_id) {
		nlb_hb_rcv_self(cl, hb);
		return;
	}
	/* A bad frame changes nothing, not even a peer's incarnation. */
	if (!nlb_hb_check_tlvs(cl, hb, &t)) {
		nlb_count(cl, NLB_CNT_HB_MALFORMED);
		return;
	}
	spin_lock(&cl->peers_lock);
	c = nlb_hb_update_peer(cl, hb, &t, eth_hdr(skb)->h_source, paths,
			       &news);
	spin_unlock(&cl->peers_lock);
	nlb_count(cl, c);
	if (c == NLB_CNT_HB_RECEIVED && hb->digest != READ_ONCE(cl->digest))
		nlb_count(cl, NLB_CNT_HB_MISMATCHED);
	if (news)
		nlb_membership_kick(cl);
}

static int nlb_hb_rcv(struct sk_buff *skb, struct net_device *dev,
		      struct packet_type *pt, struct net_device *orig_dev)
{
	struct nlb_cluster *cl, *first = NULL, *match = NULL;
	struct nlb_net *nn = nlb_net(dev_net(dev));
	enum nlb_hb_result res;
	unsigned int paths = 0;
	struct nlb_hb hb;
	u32 len;

	if (skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK)
		goto drop;
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return NET_RX_DROP;

	res = NLB_HB_MALFORMED;
	len = min_t(u32, skb->len, NLB_HB_MAX_LEN);
	if (pskb_may_pull(skb, len))
		res = nlb_hb_decode(skb->data, len, &hb);

	/* Handlers run under rcu_read_lock(). */
	list_for_each_entry_rcu(cl, &nn->clusters, list) {
		struct net_device *hb_dev = rcu_dereference(cl->hb_dev);

		if (cl->dev != dev && hb_dev != dev)
			continue;
		if (!first)
			first = cl;
		if (res == NLB_HB_OK && cl->cluster_id == hb.cluster_id) {
			match = cl;
			if (cl->dev == dev)
				paths |= BIT(NLB_PATH_CLUSTER);
			if (hb_dev == dev || !hb_dev)
				paths |= BIT(NLB_PATH_HB);
			break;
		}
	}
	if (!first)
		goto drop;
	if (res == NLB_HB_BAD_VERSION)
		nlb_count(first, NLB_CNT_HB_BAD_VERSION);
	else if (res != NLB_HB_OK)
		nlb_count(first, NLB_CNT_HB_MALFORMED);
	else if (!match)
		nlb_count(first, NLB_CNT_HB_UNKNOWN_CLUSTER);
	else
		nlb_hb_rcv_cluster(match, skb, &hb, nlb_hb_len(&hb), paths);
	consume_skb(skb);
	return NET_RX_SUCCESS;

drop:
	kfree_skb(skb);
	return NET_RX_DROP;
}

static struct packet_type nlb_hb_packet_type __read_mostly = {
	.type = cpu_to_be16(NLB_HB_ETHERTYPE),
	.func = nlb_hb_rcv,
};

int nlb_hb_init(void)
{
	dev_add_pack(&nlb_hb_packet_type);
	return 0;
}

void nlb_hb_exit(void)
{
	/* Waits for handlers still running (synchronize_net()). */
	dev_remove_pack(&nlb_hb_packet_type);
}
