// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress filter: a netfilter netdev ingress hook on the cluster device.
 *
 * It runs before IP receive, on every frame the device takes in, so it also
 * sees unicast-mode frames the stack would drop as PACKET_OTHERHOST.  For an
 * IPv4 packet to one of the cluster's VIPs it finds the flow's port rule,
 * keys the flow as the rule says, looks up the owner of the flow's slot in
 * the current map and accepts the packet (as PACKET_HOST) only on the
 * owner; a disabled rule's packets are dropped everywhere.  Everything else passes untouched,
 * except that an ARP frame sent to the cluster MAC is taken as our own: in
 * unicast mode that is how replies to our ARP requests come back (they
 * carry the VIP as sender, hence the cluster MAC), and the stack would
 * drop them as PACKET_OTHERHOST and never resolve a client.
 *
 * Lock-free and allocation-free: the map and the rules are read under RCU
 * (netfilter hooks run inside rcu_read_lock()), counters are per CPU.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/skbuff.h>

#include "nlb.h"

/*
 * How @flow is filtered: its port rule, and from the rule the owner array
 * and the affinity that give its slot.  TCP and UDP with ports follow
 * their rule (a multiple-host rule its affinity over the rule's array, a
 * single-host rule the array of its best handling priority), or the
 * default host if no rule covers them.  Other traffic to a VIP (ICMP,
 * other protocols, fragments, which carry no port) is balanced by source
 * address over the load-weighted array.  The filter, the query and the
 * flow table all take the slot from here, so they never disagree.
 */
void nlb_filter_classify(const struct nlb_cluster *cl,
			 const struct nlb_map *map,
			 const struct nlb_rules *rules,
			 const struct nlb_flow *flow, struct nlb_flow_class *v)
{
	enum nlb_affinity aff = NLB_AFFINITY_NONE;
	u32 arr = NLB_MAP_LOAD;
	const struct nlb_rule *r;

	v->rule = -1;
	v->disabled = false;
	if ((flow->proto == IPPROTO_TCP || flow->proto == IPPROTO_UDP) &&
	    (flow->flags & NLB_FLOW_F_PORTS)) {
		v->rule = nlb_rules_lookup(rules->table, flow->daddr,
					   flow->proto, ntohs(flow->dport));
		arr = NLB_MAP_DEFAULT;
		if (v->rule >= 0) {
			r = &rules->rule[v->rule];
			if (r->mode == NLB_RULE_MULTIPLE)
				aff = r->affinity;
			else if (r->mode == NLB_RULE_DISABLED)
				v->disabled = true;
			arr = nlb_map_rule_array(map, rules, v->rule);
		}
	}
	v->hash = nlb_flow_hash(&cl->key, flow, aff);
	v->bucket = nlb_bucket_of(v->hash, map->buckets);
	v->slot = arr * map->buckets + v->bucket;
	v->cslot = NLB_CSLOT(v->rule >= 0 ? rules->cls[v->rule] : 0,
			     v->bucket);
	v->owner = v->disabled ? NLB_NODE_NONE : map->owner[v->slot];
}

/*
 * Does this node accept new flows like @v?  It must own the slot, not be
 * holding it back while the cluster converges (membership.c), and be
 * active (a static member set keeps a stopped node in the map).
 */
bool nlb_filter_accepts(const struct nlb_cluster *cl,
			const struct nlb_map *map, const struct nlb_flow_class *v)
{
	return !v->disabled && nlb_map_accepts(map, v->slot, cl->node_id) &&
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
	struct nlb_rules *rules = rcu_dereference(cl->rules);
	u8 held = NLB_CONN_NONE, state = READ_ONCE(cl->state);
	struct nlb_conn *conn = NULL;
	struct nlb_flow_class v;
	bool owns, dirty = false;

	nlb_filter_classify(cl, map, rules, flow, &v);
	if (v.disabled) {
		nlb_count(cl, NLB_CNT_DISABLED);
		goto drop;
	}
	owns = nlb_filter_accepts(cl, map, &v);
	/* Held flows are served while active or draining, only. */
	if ((state == NLB_STATE_ACTIVE || state == NLB_STATE_DRAINING) &&
	    (flow->flags & NLB_FLOW_F_PORTS) &&
	    (flow->proto == IPPROTO_TCP || flow->proto == IPPROTO_UDP)) {
		conn = nlb_flows_lookup(cl, flow, v.cslot);
		if (conn)
			held = READ_ONCE(conn->state);
	}
	if (!conn && owns)
		dirty = nlb_held_by_peer(cl, v.bucket) ||
			(READ_ONCE(map->unconfirmed) &&
			 test_bit(v.slot, map->hold));

	switch (nlb_conn_decide(flow, held, owns, dirty)) {
	case NLB_V_ACCEPT_NEW:
		atomic_long_inc(&cl->flows.started[v.bucket]);
		nlb_flows_add(cl, flow, v.cslot);
		break;
	case NLB_V_ACCEPT_HELD:
		if (nlb_conn_reopens(held, flow))
			atomic_long_inc(&cl->flows.started[v.bucket]);
		nlb_flows_touch(cl, conn, flow);
		if (!owns)
			nlb_count(cl, NLB_CNT_HELD_ACCEPTED);
		break;
	case NLB_V_ACCEPT:
		break;
	case NLB_V_DROP_RESTART:
		nlb_flows_forget(cl, conn);
		nlb_count(cl, NLB_CNT_RESTARTED);
		goto drop;
	case NLB_V_DROP_HELD:
		nlb_count(cl, NLB_CNT_HELD_DROPPED);
		fallthrough;
	default:
		goto drop;
	}
	nlb_filter_take(cl, skb);
	nlb_count(cl, NLB_CNT_ACCEPTED);
	nlb_rule_count(rules, v.rule, NLB_RULE_CNT_ACCEPTED);
	return NF_ACCEPT;

drop:
	nlb_count(cl, NLB_CNT_DROPPED);
	nlb_rule_count(rules, v.rule, NLB_RULE_CNT_DROPPED);
	return NF_DROP;
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
