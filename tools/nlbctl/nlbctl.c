// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl: configure and watch nlb clusters.
 *
 * One file per subcommand (show.c, query.c, cluster.c, member.c, admin.c,
 * monitor.c, genkey.c, rule.c); this one parses the global options,
 * dispatches, and runs batches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/nlb.h>

#include "nlbctl.h"

#ifndef NLB_VERSION
#define NLB_VERSION "unknown"
#endif

static const char usage_text[] =
"Usage: nlbctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Options:\n"
"  -j, -json            JSON output (show, stats, query, rule show and\n"
"                       monitor)\n"
"  -p, -pretty          indented JSON (with -j)\n"
"  -b, -batch FILE      run the commands in FILE, one per line (- = stdin)\n"
"  -V, --version        print the versions of nlbctl and of the module\n"
"  -h, --help           this text\n"
"\n"
"Commands:\n"
"  show [dev DEV]\n"
"        clusters of this network namespace: configuration, members,\n"
"        buckets owned, heartbeat settings, host priority and default\n"
"        host, rules digest, held flows by state, held buckets, flow\n"
"        settings, drain, memory taken, peers, counters\n"
"  show flows dev DEV\n"
"        the flows this node holds on DEV: addresses, ports, bucket,\n"
"        state (syn, established, closing, udp), ms since the last packet\n"
"  show buckets dev DEV [all]\n"
"        per bucket: its owner, whether this node takes new flows there,\n"
"        the flows it holds there, the flows it accepted as new there,\n"
"        whether a peer holds flows there; without all, only the buckets\n"
"        with one of these\n"
"  stats [dev DEV]\n"
"        packet counters: accepted, dropped, passed, malformed, fragments,\n"
"        icmp-errors, arp-replies, arp-mangled, disabled (by a disabled\n"
"        rule); held flows: flows-created, flows-expired, flows-full,\n"
"        held-accepted, held-dropped, restarted; heartbeat counters\n"
"  query dev DEV proto tcp|udp|icmp src ADDR[:PORT] dst ADDR[:PORT]\n"
"        which node owns the flow, whether this node accepts it, whether\n"
"        it holds it, and whether a peer holds flows in its bucket\n"
"        (ports for tcp and udp only)\n"
"  cluster add dev DEV vip ADDR [vip ADDR ...] mode unicast|multicast|igmp\n"
"              node-id N [buckets B] [seed HEX] [hb-dev DEV2]\n"
"              [hb-interval MS] [hb-tolerance N] [key FILE] [weight W]\n"
"              [priority P] [FLOW SETTINGS]\n"
"        create the cluster on DEV; N is 1..64, unique per node; B a power\n"
"        of two from 64 to 65536 (default 4096); HEX 32 hex digits, the\n"
"        same on every node (default: derived from the VIPs); heartbeats\n"
"        on DEV2 (default DEV) every MS ms, 10..10000 (default 100), a\n"
"        peer dead after N missed, 2..100 (default 3), authenticated with\n"
"        the key in FILE (see genkey; default none); W this node's load\n"
"        weight, 1..100 (default 1); P its host priority, 1..64, unique\n"
"        per cluster, the lowest the best (default: the node id N).\n"
"        Members are learnt from heartbeats\n"
"  cluster set dev DEV [hb-interval MS] [hb-tolerance N] [key FILE|none]\n"
"              [weight W] [priority P] [FLOW SETTINGS]\n"
"        change the heartbeat settings, the weight, the priority or the\n"
"        flow settings (at least one)\n"
"  FLOW SETTINGS: [max-flows N] [tcp-timeout S] [tcp-close-timeout S]\n"
"              [udp-timeout S] [drain-timeout S|none]\n"
"        flows held at most, 1..16000000 (default 1000000); seconds an\n"
"        idle established TCP flow is held (default 3600), a TCP flow\n"
"        after FIN or RST or in SYN (default 10), an idle UDP flow\n"
"        (default 30), each 1..604800; seconds a drainstop lasts at most,\n"
"        0..604800, 0 or none for no limit (default none)\n"
"  cluster del dev DEV\n"
"        delete the cluster on DEV\n"
"  stop dev DEV\n"
"  start dev DEV\n"
"  suspend dev DEV\n"
"  resume dev DEV\n"
"  drainstop dev DEV\n"
"        stop: this node keeps its configuration but takes no traffic,\n"
"        the peers divide its buckets at once; start: it takes traffic\n"
"        again; suspend: stop, and refuse start until resume, which\n"
"        leaves the node stopped; drainstop: take no new flows at once\n"
"        (the peers divide its buckets), keep serving the flows held,\n"
"        and stop when the last one ends or after drain-timeout (show:\n"
"        admin draining, with the flows left)\n"
"  member set dev DEV nodes ID[,ID...] [weight ID=W ...]\n"
"        a static member set overriding the heartbeats, the same on every\n"
"        node; W is 1..100 (default 1)\n"
"  member set dev DEV auto\n"
"        back to dynamic membership, learnt from heartbeats\n"
"  rule add dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"           mode multiple [affinity none|single|network]\n"
"           [weight equal|load|W]\n"
"  rule add dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"           mode single [priority P]\n"
"  rule add dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"           mode disabled\n"
"        add a port rule to the cluster on DEV, the same on every node:\n"
"        destination ports LO to HI, 0..65535 (default HI = LO), of proto\n"
"        (default both), to the VIP ADDR or to every VIP (all, the\n"
"        default); a rule for one VIP comes before an all rule, and two\n"
"        rules for the same VIP, or two all rules, must not overlap.\n"
"        mode multiple: balanced over the members, by affinity single\n"
"        (default: the source address), none (source address and port)\n"
"        or network (source /24), with weight equal (default: the same\n"
"        share per member), load (each member's load weight for the rule,\n"
"        by default its cluster weight) or W, 0..100 (load, with W this\n"
"        node's own weight for the rule, see rule set); single: all to\n"
"        the live member with the best (lowest) handling priority for the\n"
"        rule (priority P, 1..64, this node's own; default its host\n"
"        priority); disabled: dropped.  TCP and UDP traffic no rule covers\n"
"        goes to the default host, the live member with the best host\n"
"        priority.  A new cluster has one rule: all ports, both, multiple,\n"
"        affinity single, weight equal\n"
"  rule replace dev DEV ...\n"
"        as rule add, but replaces the rule with the same vip, ports and\n"
"        proto (or adds it)\n"
"  rule del dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"        delete the rule with this vip, ports and proto\n"
"  rule set dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"           [weight W|host] [priority P|host]\n"
"        change this node's own settings for the rule (at least one):\n"
"        its load weight for a multiple rule with weight load, 0..100 (0:\n"
"        none of the rule's new flows), or host (its cluster weight, the\n"
"        default); its handling priority for a single rule, 1..64, or\n"
"        host (its host priority, the default).  Each node has its own,\n"
"        sent in its heartbeats; not used with a static member set.  The\n"
"        rule is the one with this vip (default all) and first port, and\n"
"        last port and proto if given: exactly one must match\n"
"  rule enable dev DEV [vip ADDR|all] ports LO[-HI] [proto tcp|udp|both]\n"
"  rule drain dev DEV ...\n"
"  rule disable dev DEV ...\n"
"        this node's state for the rule (named as for rule set): enabled\n"
"        (the default) takes its share of the rule's new flows; draining\n"
"        takes none but serves the flows of the rule it holds; disabled\n"
"        takes none and drops the flows of the rule it held.  Not for a\n"
"        mode disabled rule\n"
"  rule show [dev DEV]\n"
"        the port rules in lookup order and their digest; per rule the\n"
"        packets this node accepted and dropped, for a single rule its\n"
"        owner, the node its traffic goes to, this node's own weight\n"
"        (node-weight, multiple rules with weight load) or priority\n"
"        (node-priority, single rules), its state for the rule when not\n"
"        enabled, and the buckets of the rule it takes new flows in\n"
"  monitor [dev DEV]\n"
"        print peer, map and state events as they happen, until killed\n"
"  genkey\n"
"        print a new random heartbeat key (base64) for key FILE\n"
"  help\n"
"        this text\n"
"\n"
"Errors are printed as \"nlbctl: error: ...\" with exit status 1.\n"
"Documentation: Documentation/nlbctl.md.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

struct nlb_sock *nlbctl_sock(struct nlbctl *ctl)
{
	if (!ctl->sock)
		ctl->sock = nlb_open();
	return ctl->sock;
}

int request_array(struct nlbctl *ctl, uint8_t cmd, uint16_t flags,
		  const char *dev, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh;
	struct nlb_sock *s;
	int ret;

	s = nlbctl_sock(ctl);
	if (!s)
		return -1;
	nlh = nlb_msg(s, cmd, flags);
	if (dev)
		mnl_attr_put_strz(nlh, NLB_A_IFNAME, dev);
	if (ctl->jw)
		jw_arr_start(ctl->jw, NULL);
	ret = nlb_talk(s, nlh, cb, data);
	if (ctl->jw)
		jw_arr_end(ctl->jw);
	return ret;
}

int show_request(struct nlbctl *ctl, int argc, char **argv, uint8_t cmd,
		 mnl_cb_t cb, void *data)
{
	const char *dev = NULL;

	if (parse_dev_only(argc, argv, &dev))
		return -1;
	return request_array(ctl, cmd, dev ? NLM_F_ACK : NLM_F_DUMP, dev, cb,
			     data);
}

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NLB_A_MAX + 1];
	const char *v;

	(void)data;
	if (nlb_parse(nlh, tb, NLB_A_MAX))
		return MNL_CB_ERROR;
	v = attr_str(tb[NLB_A_VERSION]);
	printf("nlb module %s\n", v ? v : "unknown");
	return MNL_CB_OK;
}

static int do_version(struct nlbctl *ctl)
{
	struct nlmsghdr *nlh;

	printf("nlbctl %s\n", NLB_VERSION);
	fflush(stdout);
	/* Quietly: no module is not an error here. */
	if (!ctl->sock) {
		FILE *saved = stderr;

		stderr = fopen("/dev/null", "w");
		ctl->sock = nlb_open();
		if (stderr)
			fclose(stderr);
		stderr = saved;
	}
	if (!ctl->sock) {
		printf("nlb module not loaded\n");
		return 0;
	}
	nlh = nlb_msg(ctl->sock, NLB_CMD_VERSION, NLM_F_ACK);
	return nlb_talk(ctl->sock, nlh, version_cb, NULL);
}

static int run_command(struct nlbctl *ctl, int argc, char **argv)
{
	const char *cmd = argv[0];
	int ret;

	/* monitor writes one JSON object per event; genkey no JSON. */
	if (ctl->json && !ctl->jw && !matches(cmd, "monitor") &&
	    !matches(cmd, "genkey"))
		ctl->jw = jw_new(stdout, ctl->pretty);
	if (matches(cmd, "show") || matches(cmd, "list"))
		ret = do_show(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "stats"))
		ret = do_stats(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "query"))
		ret = do_query(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "cluster"))
		ret = do_cluster(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "member"))
		ret = do_member(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "rule"))
		ret = do_rule(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "stop"))
		ret = do_stop(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "start"))
		ret = do_start(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "suspend"))
		ret = do_suspend(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "resume"))
		ret = do_resume(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "drainstop"))
		ret = do_drainstop(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "monitor"))
		ret = do_monitor(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "genkey"))
		ret = do_genkey(ctl, argc - 1, argv + 1);
	else if (matches(cmd, "help")) {
		usage(stdout);
		ret = 0;
	} else
		ret = nlbctl_error("unknown command \"%s\" (try nlbctl help)", cmd);
	if (ctl->jw) {
		jw_free(ctl->jw);
		ctl->jw = NULL;
	}
	fflush(stdout);
	return ret;
}

/* Batch: one command per line, '#' comments; stops at the first error. */
static int run_batch(struct nlbctl *ctl, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, *argv[128], *tok, *save;
	unsigned int lineno = 0;
	size_t cap = 0;
	int argc, ret = 0;

	if (!f)
		return nlbctl_error("cannot open %s: %s", file, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 127;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (*tok == '#')
				break;
			argv[argc++] = tok;
		}
		if (!argc)
			continue;
		argv[argc] = NULL;
		if (run_command(ctl, argc, argv)) {
			nlbctl_error("batch %s line %u failed", file, lineno);
			ret = -1;
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct nlbctl ctl = { 0 };
	const char *batch = NULL;
	int ret;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		const char *opt = argv[0];

		if (matches(opt, "-j") || matches(opt, "-json") ||
		    matches(opt, "--json")) {
			ctl.json = true;
		} else if (matches(opt, "-p") || matches(opt, "-pretty") ||
			   matches(opt, "--pretty")) {
			ctl.pretty = true;
		} else if (matches(opt, "-b") || matches(opt, "-batch") ||
			   matches(opt, "--batch")) {
			if (argc < 2)
				return nlbctl_error("%s needs a file", opt) ? 1 : 1;
			batch = argv[1];
			argc--;
			argv++;
		} else if (matches(opt, "-V") || matches(opt, "--version") ||
			   matches(opt, "-version")) {
			ret = do_version(&ctl);
			nlb_close(ctl.sock);
			return ret ? 1 : 0;
		} else if (matches(opt, "-h") || matches(opt, "--help") ||
			   matches(opt, "-help")) {
			usage(stdout);
			return 0;
		} else {
			nlbctl_error("unknown option \"%s\" (try nlbctl help)", opt);
			return 1;
		}
		argc--;
		argv++;
	}
	if (batch) {
		ret = run_batch(&ctl, batch);
	} else if (argc == 0) {
		usage(stderr);
		ret = nlbctl_error("no command given");
	} else {
		ret = run_command(&ctl, argc, argv);
	}
	nlb_close(ctl.sock);
	return ret ? 1 : 0;
}
