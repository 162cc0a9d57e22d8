// SPDX-License-Identifier: GPL-2.0
/*
 * ARP for the VIPs, as ipt_CLUSTERIP did it: an NF_ARP_OUT hook rewrites the
 * sender hardware address of every ARP packet a node sends from a VIP
 * (replies to requests for the VIP, its own requests, gratuitous ARP) to
 * the cluster MAC, so the segment only ever learns the cluster MAC for a
 * VIP.  The Ethernet source stays the NIC's own MAC: a switch must never
 * learn the cluster MAC on one port, or it would stop flooding it.
 *
 * The hook is registered per namespace while the namespace has clusters.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netfilter_arp.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "nlb.h"

/* The part of an Ethernet/IPv4 ARP packet after struct arphdr. */
struct nlb_arp_payload {
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

static unsigned int nlb_arp_out(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nlb_net *nn = priv;
	struct nlb_arp_payload *pl;
	struct nlb_cluster *cl;
	struct arphdr *arp;
	unsigned int len;

	/* skb->data is at the link-layer header here: ARP sits behind it. */
	len = skb_network_offset(skb) + sizeof(*arp) + sizeof(*pl);
	if (!pskb_may_pull(skb, len))
		return NF_ACCEPT;
	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return NF_ACCEPT;
	pl = (struct nlb_arp_payload *)(arp + 1);

	cl = nlb_cluster_find(nn, state->out);
	if (!cl || !nlb_cluster_is_vip(cl, pl->sip))
		return NF_ACCEPT;

	if (skb_ensure_writable(skb, len))
		return NF_DROP;
	arp = arp_hdr(skb);
	pl = (struct nlb_arp_payload *)(arp + 1);
	ether_addr_copy(pl->sha, cl->mac);
	nlb_count_any(cl, arp->ar_op == htons(ARPOP_REPLY) ?
			  NLB_CNT_ARP_REPLIES : NLB_CNT_ARP_MANGLED);
	return NF_ACCEPT;
}

int nlb_arp_hook_get(struct nlb_net *nn)
{
	struct nf_hook_ops *ops = &nn->arp_ops;

	ASSERT_RTNL();
	if (nn->nclusters)
		return 0;
	ops->hook = nlb_arp_out;
	ops->priv = nn;
	ops->pf = NFPROTO_ARP;
	ops->hooknum = NF_ARP_OUT;
	ops->priority = 0;
	return nf_register_net_hook(nn->net, ops);
}

/* Called after the cluster left nn->clusters. */
void nlb_arp_hook_put(struct nlb_net *nn)
{
	ASSERT_RTNL();
	if (!nn->nclusters)
		nf_unregister_net_hook(nn->net, &nn->arp_ops);
}
