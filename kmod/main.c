// SPDX-License-Identifier: GPL-2.0
/*
 * nlb: Windows-NLB-style cluster load distribution for Linux.
 *
 * Module entry points, module parameters and per-namespace state.  Each
 * network namespace is an independent set of clusters, so one kernel can
 * host many cluster nodes (this is how the selftests run a whole cluster
 * in one guest).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "nlb.h"

unsigned int nlb_default_buckets = NLB_DEFAULT_BUCKETS;

static int nlb_param_set_buckets(const char *val,
				 const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < NLB_MIN_BUCKETS || n > NLB_MAX_BUCKETS || !is_power_of_2(n))
		return -EINVAL;
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops nlb_param_buckets_ops = {
	.set = nlb_param_set_buckets,
	.get = param_get_uint,
};

module_param_cb(default_buckets, &nlb_param_buckets_ops,
		&nlb_default_buckets, 0644);
MODULE_PARM_DESC(default_buckets,
		 "buckets of a new cluster when none are given (power of two, 64..65536, default 4096)");

const char *const nlb_counter_names[] = {
	[NLB_CNT_ACCEPTED] = "accepted",
	[NLB_CNT_DROPPED] = "dropped",
	[NLB_CNT_PASSED] = "passed",
	[NLB_CNT_MALFORMED] = "malformed",
	[NLB_CNT_FRAGMENTS] = "fragments",
	[NLB_CNT_ICMP_ERRORS] = "icmp-errors",
	[NLB_CNT_ARP_REPLIES] = "arp-replies",
	[NLB_CNT_ARP_MANGLED] = "arp-mangled",
	[NLB_CNT_FLOWS_CREATED] = "flows-created",
	[NLB_CNT_FLOWS_EXPIRED] = "flows-expired",
	[NLB_CNT_FLOWS_FULL] = "flows-full",
	[NLB_CNT_HELD_ACCEPTED] = "held-accepted",
	[NLB_CNT_HELD_DROPPED] = "held-dropped",
	[NLB_CNT_RESTARTED] = "restarted",
	[NLB_CNT_DISABLED] = "disabled",
	[NLB_CNT_HB_SENT] = "sent",
	[NLB_CNT_HB_RECEIVED] = "received",
	[NLB_CNT_HB_BAD_MAC] = "bad-mac",
	[NLB_CNT_HB_REPLAYED] = "replayed",
	[NLB_CNT_HB_MISMATCHED] = "mismatched",
	[NLB_CNT_HB_MALFORMED] = "malformed",
	[NLB_CNT_HB_BAD_VERSION] = "bad-version",
	[NLB_CNT_HB_UNKNOWN_CLUSTER] = "unknown-cluster",
	[NLB_CNT_HB_DUPLICATE] = "duplicate",
	[NLB_CNT_HB_SEND_ERRORS] = "send-errors",
};

void nlb_stats_read(const struct nlb_cluster *cl, u64 out[NLB_CNT_MAX])
{
	unsigned int cpu, start, i;

	memset(out, 0, NLB_CNT_MAX * sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct nlb_pcpu_stats *s = per_cpu_ptr(cl->stats, cpu);
		u64 v[NLB_CNT_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < NLB_CNT_MAX; i++)
				v[i] = u64_stats_read(&s->cnt[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < NLB_CNT_MAX; i++)
			out[i] += v[i];
	}
}

static unsigned int nlb_net_id __read_mostly;

struct nlb_net *nlb_net(const struct net *net)
{
	return net_generic(net, nlb_net_id);
}

static int __net_init nlb_net_init(struct net *net)
{
	struct nlb_net *nn = nlb_net(net);

	nn->net = net;
	INIT_LIST_HEAD(&nn->clusters);
	return nlb_proc_init_net(nn);
}

static void __net_exit nlb_net_exit_batch(struct list_head *net_list)
{
	struct net *net;

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list)
		nlb_cluster_destroy_all(nlb_net(net));
	rtnl_unlock();
	list_for_each_entry(net, net_list, exit_list)
		nlb_proc_exit_net(nlb_net(net));
}

static struct pernet_operations nlb_net_ops = {
	.init = nlb_net_init,
	.exit_batch = nlb_net_exit_batch,
	.id = &nlb_net_id,
	.size = sizeof(struct nlb_net),
};

static int __init nlb_init(void)
{
	int err;

	err = register_pernet_subsys(&nlb_net_ops);
	if (err)
		return err;
	err = nlb_netdev_notifier_init();
	if (err)
		goto err_pernet;
	err = nlb_genl_init();
	if (err)
		goto err_notifier;
	err = nlb_hb_init();
	if (err)
		goto err_genl;
	err = nlb_flows_module_init();
	if (err)
		goto err_hb;
	pr_info("version %s loaded\n", NLB_VERSION_STR);
	return 0;

err_hb:
	nlb_hb_exit();
err_genl:
	nlb_genl_exit();
err_notifier:
	nlb_netdev_notifier_exit();
err_pernet:
	unregister_pernet_subsys(&nlb_net_ops);
	return err;
}

static void __exit nlb_exit(void)
{
	/*
	 * No new configuration, then stop following devices (while the
	 * per-netns state the notifier reads still exists: unregistering it
	 * replays NETDEV_UNREGISTER for every device), then no cluster.
	 */
	nlb_hb_exit();
	nlb_genl_exit();
	nlb_netdev_notifier_exit();
	unregister_pernet_subsys(&nlb_net_ops);
	/* Wait for the maps and clusters freed with call_rcu(). */
	rcu_barrier();
	nlb_flows_module_exit();
	pr_info("unloaded\n");
}

module_init(nlb_init);
module_exit(nlb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Windows-NLB-style cluster load distribution");
MODULE_AUTHOR("The nlb developers");
MODULE_VERSION(NLB_VERSION_STR);
MODULE_ALIAS_GENL_FAMILY(NLB_GENL_NAME);
