// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress filter: a netfilter netdev ingress hook on the cluster device.
 *
 * It runs before IP receive, on every frame the device takes in, so it also
 * sees unicast-mode frames the stack would drop as PACKET_OTHERHOST.  For an
 * IPv4 packet to one of the cluster's VIPs it keys the flow, looks up the
 * owner of the flow's bucket in the current map and accepts the packet
 * (as PACKET_HOST) only on the owner.  Everything else passes untouched,
 * except that an ARP frame sent to the cluster MAC is taken as our own: in
 * unicast mode that is how replies to our ARP requests come back (they
 * carry the VIP as sender, hence the cluster MAC), and the stack would
 * drop them as PACKET_OTHERHOST and never resolve a client.
 *
 * Lock-free and allocation-free: the map is read under RCU (netfilter hooks
 * run inside rcu_read_lock()), counters are per CPU.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/skbuff.h>

#include "nlb.h"

u8 nlb_filter_owner(const struct nlb_cluster *cl, const struct nlb_map *map,
		    const struct nlb_flow *flow, u32 *hash, u32 *bucket)
{
	u32 h = nlb_flow_hash(&cl->key, flow, NLB_AFFINITY_NONE);
	u32 b = nlb_bucket_of(h, map->buckets);

	if (hash)
		*hash = h;
	if (bucket)
		*bucket = b;
	return map->owner[b];
}

/*
 * Does this node accept @flow?  It must own the flow's bucket, not be
 * holding the bucket back while the cluster converges (membership.c), and
 * be active (a static member set keeps a stopped node in the map).
 */
bool nlb_filter_accepts(const struct nlb_cluster *cl,
			const struct nlb_map *map, const struct nlb_flow *flow,
			u8 *owner, u32 *hash, u32 *bucket)
{
	u32 b;
	u8 o;

	o = nlb_filter_owner(cl, map, flow, hash, &b);
	if (owner)
		*owner = o;
	if (bucket)
		*bucket = b;
	return nlb_map_accepts(map, b, cl->node_id) &&
	       READ_ONCE(cl->state) == NLB_STATE_ACTIVE;
}

/*
 * Frames sent to the cluster MAC arrive as PACKET_OTHERHOST (unicast mode)
 * or PACKET_MULTICAST; TCP, UDP and ARP only take PACKET_HOST.
 */
static void nlb_filter_take(const struct nlb_cluster *cl, struct sk_buff *skb)
{
	if (skb->pkt_type != PACKET_HOST && skb_mac_header_was_set(skb) &&
	    ether_addr_equal(eth_hdr(skb)->h_dest, cl->mac))
		skb->pkt_type = PACKET_HOST;
}

/*
 * The owner of the flow's bucket takes it, unless flows are held
 * (kmod/core/conn.c has the rule): a node keeps the flows it holds in
 * buckets it lost, and the bucket's new owner leaves their packets alone.
 */
static unsigned int nlb_filter_decide(struct nlb_cluster *cl,
				      struct sk_buff *skb,
				      const struct nlb_flow *flow)
{
	const struct nlb_map *map = rcu_dereference(cl->map);
	struct nlb_conn *conn = NULL;
	bool owns, dirty = false;
	u8 held = NLB_CONN_NONE, state = READ_ONCE(cl->state);
	u32 b;

	nlb_filter_owner(cl, map, flow, NULL, &b);
	owns = nlb_map_accepts(map, b, cl->node_id) &&
	       state == NLB_STATE_ACTIVE;
	/* Held flows are served while active or draining, only. */
	if ((state == NLB_STATE_ACTIVE || state == NLB_STATE_DRAINING) &&
	    (flow->flags & NLB_FLOW_F_PORTS) &&
	    (flow->proto == IPPROTO_TCP || flow->proto == IPPROTO_UDP)) {
		conn = nlb_flows_lookup(cl, flow, b);
		if (conn)
			held = READ_ONCE(conn->state);
	}
	if (!conn && owns)
		dirty = nlb_held_by_peer(cl, b) ||
			(READ_ONCE(map->unconfirmed) && test_bit(b, map->hold));

	switch (nlb_conn_decide(flow, held, owns, dirty)) {
	case NLB_V_ACCEPT_NEW:
		atomic_long_inc(&cl->flows.bucket_started[b]);
		nlb_flows_add(cl, flow, b);
		break;
	case NLB_V_ACCEPT_HELD:
		nlb_flows_touch(cl, conn, flow);
		if (!owns)
			nlb_count(cl, NLB_CNT_HELD_ACCEPTED);
		break;
	case NLB_V_ACCEPT:
		break;
	case NLB_V_DROP_RESTART:
		nlb_flows_forget(cl, conn);
		nlb_count(cl, NLB_CNT_RESTARTED);
		nlb_count(cl, NLB_CNT_DROPPED);
		return NF_DROP;
	case NLB_V_DROP_HELD:
		nlb_count(cl, NLB_CNT_HELD_DROPPED);
		fallthrough;
	default:
		nlb_count(cl, NLB_CNT_DROPPED);
		return NF_DROP;
	}
	nlb_filter_take(cl, skb);
	nlb_count(cl, NLB_CNT_ACCEPTED);
	return NF_ACCEPT;
}

static unsigned int nlb_ingress(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nlb_cluster *cl = priv;
	u8 buf[NLB_PARSE_MAX_BYTES];
	const struct iphdr *iph;
	struct nlb_flow flow;
	const u8 *pkt;
	u32 len;

	if (skb->protocol == htons(ETH_P_ARP)) {
		nlb_filter_take(cl, skb);
		goto pass;
	}
	if (skb->protocol != htons(ETH_P_IP))
		goto pass;
	iph = skb_header_pointer(skb, 0, sizeof(*iph), buf);
	if (!iph || !nlb_cluster_is_vip(cl, iph->daddr))
		goto pass;

	len = min_t(u32, skb->len, NLB_PARSE_MAX_BYTES);
	pkt = skb_header_pointer(skb, 0, len, buf);
	if (!pkt || nlb_parse_ipv4(pkt, len, &flow) != NLB_PARSE_OK) {
		nlb_count(cl, NLB_CNT_MALFORMED);
		return NF_DROP;
	}
	if (flow.flags & NLB_FLOW_F_FRAGMENT)
		nlb_count(cl, NLB_CNT_FRAGMENTS);
	else if (flow.flags & NLB_FLOW_F_ICMP_ERROR)
		nlb_count(cl, NLB_CNT_ICMP_ERRORS);

	return nlb_filter_decide(cl, skb, &flow);

pass:
	nlb_count(cl, NLB_CNT_PASSED);
	return NF_ACCEPT;
}

int nlb_filter_register(struct nlb_cluster *cl)
{
	struct nf_hook_ops *ops = &cl->ingress_ops;

	ops->hook = nlb_ingress;
	ops->priv = cl;
	ops->pf = NFPROTO_NETDEV;
	ops->hooknum = NF_NETDEV_INGRESS;
	/* Before any nftables netdev chain: those see only what nlb keeps. */
	ops->priority = INT_MIN + 1;
	ops->dev = cl->dev;
	return nf_register_net_hook(dev_net(cl->dev), ops);
}

void nlb_filter_unregister(struct nlb_cluster *cl)
{
	nf_unregister_net_hook(dev_net(cl->dev), &cl->ingress_ops);
}
