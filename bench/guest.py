#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The guest half of `make bench` (Documentation/bench.md).

Runs as root inside a test guest (selftests/vm/run), never on a machine
that matters: it loads nlb.ko, pktgen, ipt_CLUSTERIP, xt_cluster and
nftables, and builds network namespaces.  Prints a table per part and one
line "@@BENCH {json}" per scenario, which bench/run gathers into
bench/results.json.  With --tap it also prints TAP (ok when a benchmark ran
and produced a well-formed result: a benchmark never fails for being slow),
so that selftests/run-all can run it during `make check` (bench/tiny.sh).

    guest.py [--tiny] [--tap] [--parts drop,accept,scale,failover,converge,memory]
"""
import argparse
import json
import os
import re
import selectors
import statistics
import subprocess
import sys
import time

REPO = os.environ.get("NLB_REPO") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIP = "192.0.2.100"
CLUSTER_MAC = "03:bf:c0:00:02:64"   # nlb's multicast cluster MAC of the VIP
DEV = "nlbb0"
DRAIN_PORT = 5001                   # accept path: a UDP socket drains it
DROP_PORT = 9                       # drop path: nobody listens
FILL_PORT = 7                       # held flows: accepted, nobody listens
NS = "nlbb-"                        # namespaces of the failover parts
PARTS = ["drop", "accept", "scale", "failover", "converge", "memory"]

args = None
kernel = os.uname().release
tap_n = 0
tap_failed = 0


# --- output -----------------------------------------------------------------

def out(line=""):
    print(line, flush=True)


def tap(ok, name, diag=None):
    global tap_n, tap_failed
    if not args.tap:
        if not ok:
            out("# problem: %s%s" % (name, (": " + diag) if diag else ""))
        return
    tap_n += 1
    if not ok:
        tap_failed += 1
    out("%s %d - bench: %s" % ("ok" if ok else "not ok", tap_n, name))
    if diag and not ok:
        for line in str(diag).splitlines()[-20:]:
            out("#   " + line)


def summary(samples):
    s = sorted(samples)
    return statistics.median(s), s[0], s[-1]


def emit(name, variant, params, samples, unit, reference=None, ref_median=None,
         target=None, target_met=None, status="ok", reason=None, extra=None, ratio=None):
    """One scenario: printed as an @@BENCH line, returned for the tables."""
    obj = {"name": name, "variant": variant, "params": params, "kernel": kernel,
           "tiny": bool(args.tiny), "status": status}
    if status == "ok" and samples:
        med, lo, hi = summary(samples)
        obj.update(runs=len(samples), median=round(med, 4), min=round(lo, 4),
                   max=round(hi, 4), unit=unit, samples=[round(x, 4) for x in samples])
        obj["reference"] = reference
        obj["ratio"] = round(med / ref_median, 4) if reference and ref_median else None
        if ratio is not None:
            obj["ratio"] = round(ratio, 4)
    else:
        obj.update(runs=len(samples or []), median=None, min=None, max=None, unit=unit,
                   reference=reference, ratio=None, samples=[round(x, 4) for x in samples or []])
    if reason:
        obj["reason"] = reason
    obj["target"] = target
    obj["target_met"] = target_met
    if extra:
        obj.update(extra)
    out("@@BENCH " + json.dumps(obj, separators=(",", ":")))
    return obj


def well_formed(obj):
    if obj["status"] == "unavailable":
        return bool(obj.get("reason"))
    if obj["status"] != "ok":
        return False
    return (obj["runs"] >= 1 and obj["median"] is not None and
            obj["min"] <= obj["median"] <= obj["max"] and obj["median"] > 0)


# --- commands ---------------------------------------------------------------

def sh(cmd, ns=None, check=True, input=None, timeout=120):
    if isinstance(cmd, str):
        cmd = ["sh", "-c", cmd]
    if ns:
        cmd = ["ip", "netns", "exec", NS + ns] + cmd
    p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stdout.strip()))
    return p.stdout


def nlb_load():
    if os.path.isdir("/sys/module/nlb"):
        return
    ko = os.environ.get("NLB_KO")
    if not ko or not os.path.isfile(ko):
        ko = os.path.join(REPO, "build", kernel, "kmod", "nlb.ko")
        if not os.path.isfile(ko):
            ko = os.path.join(REPO, "kmod", "nlb.ko")
    sh(["insmod", ko])


def modprobe(m):
    return subprocess.run(["modprobe", m], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")


# --- part 1 and 2: pktgen ---------------------------------------------------

PG = "/proc/net/pktgen"


def pg(file, cmd):
    write(os.path.join(PG, file), cmd)


def pktgen_setup():
    if not modprobe("pktgen"):
        raise RuntimeError("modprobe pktgen failed")
    sh("ip link del %s 2>/dev/null; ip link add %s type veth peer name nlbb1 && "
       "ip link set %s up && ip link set nlbb1 up && ip addr add %s/32 dev %s"
       % (DEV, DEV, DEV, VIP, DEV))
    # The conntrack users (CLUSTERIP, xt_cluster) create an entry per
    # packet of a new flow: room for all of them.
    modprobe("nf_conntrack")
    for f, v in (("/proc/sys/net/netfilter/nf_conntrack_max", "1048576"),
                 ("/sys/module/nf_conntrack/parameters/hashsize", "262144")):
        try:
            write(f, v)
        except OSError:
            pass
    pg("kpktgend_0", "rem_device_all")
    pg("kpktgend_0", "add_device " + DEV)


def pktgen_inject(count, dport, src, sports, rnd):
    """Inject @count UDP frames to VIP:@dport into DEV's receive path,
    sources in @src (first, last address, inclusive) and ports in @sports
    (first, end, exclusive, as pktgen has them), drawn at random (@rnd) or
    stepped by one per frame; returns pps."""
    flag = "" if rnd else "!"
    for c in ("count %d" % count, "pkt_size 60", "delay 0", "burst 1", "clone_skb 0",
              "xmit_mode netif_receive", "dst " + VIP,
              "src_min " + src[0], "src_max " + src[1],
              "udp_src_min %d" % sports[0], "udp_src_max %d" % sports[1],
              "udp_dst_min %d" % dport, "udp_dst_max %d" % dport,
              "flag %sIPSRC_RND" % flag, "flag %sUDPSRC_RND" % flag, "dst_mac " + CLUSTER_MAC):
        pg(DEV, c)
    pg("pgctrl", "start")
    # "start" returns once the device stops running, which pktgen marks
    # just before it writes the result: wait for the result line.
    for _ in range(200):
        with open(os.path.join(PG, DEV)) as f:
            res = f.read()
        m = re.search(r"Result: OK: .*?(\d+)pps", res, re.S)
        if m:
            return float(m.group(1))
        time.sleep(0.05)
    raise RuntimeError("pktgen: no result: " + res[-300:])


def pktgen_run(count, dport):
    """@count frames of random flows (255 addresses x 15 ports); pps."""
    return pktgen_inject(count, dport, ("10.1.0.1", "10.1.1.0"), (1024, 1039), True)


def pktgen_fill(n):
    """Inject @n UDP packets of @n distinct flows (10.4.0.1 and up,
    source ports 1024..1279, to FILL_PORT): pktgen steps the address and
    the port by one per packet, and an odd number of addresses makes the
    first 256 * addresses pairs distinct."""
    a = (n + 255) // 256
    a += 1 - a % 2
    hi = 0x0a040001 + a - 1
    pktgen_inject(n, FILL_PORT, ("10.4.0.1", "%d.%d.%d.%d" % (hi >> 24, hi >> 16 & 255, hi >> 8 & 255, hi & 255)),
                  (1024, 1280), False)


def nlb_show():
    return json.loads(sh("nlbctl -j show dev " + DEV))[0]


def nlb_wait(pred, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = nlb_show()
        if pred(st):
            return st
        time.sleep(0.1)
    raise RuntimeError("nlb: %s: not reached in %d s" % (what, timeout))


def nlb_hold(n, members=4, drain=True, max_flows=None):
    """A cluster on DEV holding @n UDP flows: node 1 alone takes them,
    then (@drain) the static set grows to nodes 1..@members and node 1
    drainstops: it takes no new flow and keeps the held ones (udp-timeout
    3600, no drain-timeout), so that its drop path looks the packets of
    every bucket holding a flow up in the table, as a draining node's
    does."""
    nlb_load()
    sh("nlbctl cluster add dev %s vip %s mode multicast node-id 1 max-flows %d udp-timeout 3600"
       % (DEV, VIP, max_flows or max(2 * n, 1000)))
    nlb_rules(1)
    sh("nlbctl member set dev %s nodes 1" % DEV)
    nlb_wait(lambda st: st["state"] == "active" and st["owned_buckets"] == st["buckets"],
             "node 1 owns every bucket")
    if n:
        pktgen_fill(n)
    st = nlb_show()
    if st["flows"] != n:
        raise RuntimeError("nlb holds %d flows, not %d (flows_full %d)"
                           % (st["flows"], n, st["stats"].get("flows_full", -1)))
    if drain:
        ids = ",".join(str(i) for i in range(1, members + 1))
        sh("nlbctl member set dev %s nodes %s && nlbctl drainstop dev %s" % (DEV, ids, DEV))
        st = nlb_wait(lambda st: st["state"] == "draining", "node 1 draining")
        if st["flows"] != n:
            raise RuntimeError("draining with %d flows, not %d" % (st["flows"], n))
    return st


def nlb_settle(timeout=60):
    """Wait until the flow table is done growing: while the kernel rehashes
    it into a larger one (a background worker), nlb's memory accounting
    counts both tables.  A measurement is of the steady state, not of the
    rehash competing with the packets."""
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        size = nlb_show()["memory"]["flow_table"]
        if size == last:
            return
        last = size
        time.sleep(1)
    raise RuntimeError("nlb: the flow table still changes size after %d s" % timeout)


class Drainer:
    """A UDP socket on VIP:DRAIN_PORT read as fast as the guest can."""

    def __init__(self):
        code = ("import socket, signal, sys\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)\n"   # SO_RCVBUFFORCE
                "s.bind(('%s', %d))\n"
                "n = 0\n"
                "def done(*a):\n"
                "    print(n, flush=True); sys.exit(0)\n"
                "signal.signal(signal.SIGTERM, done)\n"
                "print('ready', flush=True)\n"
                "buf = bytearray(2048)\n"
                "while True:\n"
                "    s.recv_into(buf); n += 1\n" % (VIP, DRAIN_PORT))
        self.p = subprocess.Popen(["taskset", "-c", "1", "python3", "-c", code],
                                  stdout=subprocess.PIPE, universal_newlines=True)
        self.p.stdout.readline()

    def stop(self):
        time.sleep(0.3)
        self.p.terminate()
        n = self.p.stdout.readline().strip()
        self.p.wait()
        return int(n) if n.isdigit() else -1


def nft(ruleset):
    sh(["nft", "-f", "-"], input=ruleset)


IPT = "iptables-legacy"


class Variant:
    """A filter set up for one run and torn down after it."""
    name = ""

    def __init__(self, path, members=4):
        self.path = path            # "drop" or "accept"
        self.members = members

    def available(self):
        return None                 # or the reason it is not

    def setup(self):
        pass

    def teardown(self):
        pass

    def check(self, count, drained):
        """None when the filter did what the path needs, else why not."""
        return None


class NoFilter(Variant):
    name = "none"


class NftIngressDrop(Variant):
    name = "nft-ingress-drop"

    def setup(self):
        nft("table netdev nlbbref {\n chain in {\n  type filter hook ingress device %s priority 0;\n"
            "  ip daddr %s counter drop\n }\n}\n" % (DEV, VIP))

    def teardown(self):
        sh("nft delete table netdev nlbbref")


def nlb_rules(n):
    """Give the cluster on DEV @n port rules: n - 1 disabled one-port UDP
    rules (1000, 1001, ...) that the traffic never matches, and last in
    lookup order the rule every benchmark's traffic matches, for every
    port below 1000 (DROP_PORT, FILL_PORT, DRAIN_PORT's 5001 is above: the
    accept path has only this rule): multiple host, affinity none (source
    address and port, so that the flows spread over all buckets), load
    weights."""
    cmds = ["rule replace dev %s ports 0-65535 proto both mode multiple affinity none weight load" % DEV]
    if n > 1:
        cmds = ["rule del dev %s ports 0-65535 proto both" % DEV,
                "rule add dev %s ports 0-999 proto udp mode multiple affinity none weight load" % DEV]
        cmds += ["rule add dev %s ports %d proto udp mode disabled" % (DEV, 1000 + i)
                 for i in range(n - 1)]
    sh(["nlbctl", "-batch", "-"], input="\n".join(cmds) + "\n")
    got = len(json.loads(sh("nlbctl -j rule show dev " + DEV))[0]["rules"])
    if got != n:
        raise RuntimeError("nlb has %d port rules, not %d" % (got, n))


class Nlb(Variant):
    name = "nlb"

    def __init__(self, path, members=4, held=None, rules=1, warm=False, max_flows=None):
        super().__init__(path, members)
        self.held = held            # drop path with this many flows held
        self.rules = rules          # port rules, the traffic's the last
        # Accept path, to tell where its cost goes: the run's flows already
        # held (one untimed run first), or no flow held (max-flows 1).
        self.warm = warm
        self.max_flows = max_flows
        if warm:
            self.name = "nlb-flows-held-before"
        elif max_flows:
            self.name = "nlb-max-flows-%d" % max_flows

    def setup(self):
        if self.held is not None:
            nlb_hold(self.held, self.members)
            nlb_settle()
            self.before = json.loads(sh("nlbctl -j stats dev " + DEV))[0]
            return
        nlb_load()
        sh("nlbctl cluster add dev %s vip %s mode multicast node-id 1%s"
           % (DEV, VIP, " max-flows %d" % self.max_flows if self.max_flows else ""))
        nlb_rules(self.rules)
        if self.path == "drop":
            # Member of a static set of N, stopped: the map has N members,
            # the filter hashes and looks up every packet and owns none.
            ids = ",".join(str(i) for i in range(1, self.members + 1))
            sh("nlbctl member set dev %s nodes %s && nlbctl stop dev %s" % (DEV, ids, DEV))
        else:
            sh("nlbctl member set dev %s nodes 1" % DEV)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            st = json.loads(sh("nlbctl -j show dev " + DEV))[0]
            want = ("stopped", None) if self.path == "drop" else ("active", st["buckets"])
            if st["state"] == want[0] and (want[1] is None or st["owned_buckets"] == want[1]):
                break
            time.sleep(0.1)
        if self.warm:
            pktgen_run(args.count, DRAIN_PORT)
            nlb_settle()
        self.before = json.loads(sh("nlbctl -j stats dev " + DEV))[0]

    def teardown(self):
        sh("nlbctl cluster del dev " + DEV)

    def check(self, count, drained):
        after = json.loads(sh("nlbctl -j stats dev " + DEV))[0]
        key = "dropped" if self.path == "drop" else "accepted"
        got = after[key] - self.before[key]
        # pktgen's netif_receive mode may inject one packet more than its
        # count when the stack kept the previous skb (accept path)
        return None if count <= got <= count + 2 else "nlb %s %d of %d packets" % (key, got, count)


class ClusterIP(Variant):
    name = "ipt_CLUSTERIP"

    def available(self):
        if not modprobe("ipt_CLUSTERIP"):
            return "no ipt_CLUSTERIP in kernel %s (removed upstream in 6.3)" % kernel
        return None

    def setup(self):
        # The man page's configuration: filter INPUT, the cluster MAC, 4
        # nodes, source address and port hashed (like nlb).
        sh("%s -A INPUT -i %s -d %s -j CLUSTERIP --new --hashmode sourceip-sourceport "
           "--clustermac 01:00:5E:00:02:64 --total-nodes 4 --local-node 1 "
           "--hash-init 0xdeadbeef" % (IPT, DEV, VIP))
        proc = "/proc/net/ipt_CLUSTERIP/" + VIP
        if self.path == "drop":
            write(proc, "-1")           # responsible for no hash value
        else:
            for i in (2, 3, 4):
                write(proc, "+%d" % i)  # responsible for all of them

    def teardown(self):
        # Flushing leaves the table's hooks registered (an empty chain
        # walked by every later packet): unload the table as well.
        sh("%s -F INPUT; rmmod iptable_filter ipt_CLUSTERIP 2>/dev/null; true" % IPT)


class XtCluster(Variant):
    name = "xt_cluster"

    def setup(self):
        # xt_cluster's documented use: mark in mangle PREROUTING what this
        # node owns, drop the rest there.  "! --cluster-local-nodemask 15"
        # (drop path): the hash is computed and never ours.
        mask = "! --cluster-local-nodemask 15" if self.path == "drop" \
            else "--cluster-local-nodemask 15"
        sh("%s -t mangle -A PREROUTING -i %s -d %s -m cluster --cluster-total-nodes 4 %s "
           "--cluster-hash-seed 0xdeadbeef -j MARK --set-mark 0xffff && "
           "%s -t mangle -A PREROUTING -i %s -d %s -m mark ! --mark 0xffff -j DROP"
           % (IPT, DEV, VIP, mask, IPT, DEV, VIP))

    def teardown(self):
        sh("%s -t mangle -F PREROUTING; rmmod iptable_mangle 2>/dev/null; true" % IPT)


class NftJhash(Variant):
    name = "nft-jhash"

    def setup(self):
        # What the issue names (and Pacemaker-style setups use): a jhash of
        # the source address mod N in prerouting before conntrack, drop
        # what is not ours, make the rest PACKET_HOST.  Drop path: "<= 3"
        # (all four values are someone else's); accept path: "> 3" (none
        # is): either way one jhash and one compare per packet.
        cmp = "mod 4 seed 0xdeadbeef <= 3" if self.path == "drop" \
            else "mod 4 seed 0xdeadbeef > 3"
        nft("table ip nlbbjhash {\n chain pre {\n  type filter hook prerouting priority -300; policy accept;\n"
            "  ip daddr %s jhash ip saddr %s drop\n"
            "  ip daddr %s meta pkttype set host\n }\n}\n" % (VIP, cmp, VIP))

    def teardown(self):
        sh("nft delete table ip nlbbjhash")


def pps_part(path, variants, count, runs, title, scenario, params_of=None,
             reference="nft-ingress-drop", target=None):
    """Round-robin runs of every variant (so drift hits all alike)."""
    dport = DROP_PORT if path == "drop" else DRAIN_PORT
    samples = {v: [] for v in variants}
    delivered = {v: [] for v in variants}
    problems = {v: None for v in variants}
    unavailable = {}
    for v in variants:
        why = v.available()
        if why:
            unavailable[v] = why
    live = [v for v in variants if v not in unavailable]
    for run in range(runs):
        for v in live:
            if problems[v]:
                continue
            drainer = None
            try:
                v.setup()
                if path == "accept":
                    drainer = Drainer()
                pps = pktgen_run(count, dport)
                drained = drainer.stop() if drainer else None
                drainer = None
                why = v.check(count, drained)
                if path == "accept" and drained == 0:
                    why = (why + "; " if why else "") + "nothing reached the socket"
                if why:
                    problems[v] = why
                samples[v].append(pps)
                if drained is not None:
                    delivered[v].append(drained)
            except Exception as e:     # report, go on with the others
                problems[v] = str(e)[-400:]
            finally:
                if drainer:
                    drainer.stop()
                try:
                    v.teardown()
                except Exception as e:
                    problems[v] = problems[v] or "teardown: " + str(e)[-200:]
    ref = next((v for v in live if v.name == reference), None)
    ref_med = statistics.median(samples[ref]) if ref and samples[ref] and not problems[ref] else None
    objs = []
    out()
    out("%s (%s, %d packets per run, median of %d)" % (title, kernel, count, runs))
    out("  %-26s %10s %10s %10s %7s  %s" % ("variant", "median pps", "min", "max", "ratio", "note"))
    for v in variants:
        params = dict(path=path, packets=count)
        if isinstance(v, Nlb):
            params["members"] = v.members
            params["rules"] = v.rules
            if v.held is not None:
                params["held_flows"] = v.held
            if v.warm:
                params["flows_held_before"] = True
            if v.max_flows:
                params["max_flows"] = v.max_flows
        label = v.name + (params_of(v).get("label", "") if params_of else "")
        if v in unavailable:
            o = emit(scenario, v.name, params, [], "pps", reference=reference,
                     status="unavailable", reason=unavailable[v])
            out("  %-26s %10s %10s %10s %7s  unavailable: %s" % (label, "-", "-", "-", "-", unavailable[v]))
        elif problems[v] or not samples[v]:
            o = emit(scenario, v.name, params, samples[v], "pps", reference=reference,
                     status="failed", reason=problems[v] or "no sample")
            out("  %-26s %10s %10s %10s %7s  FAILED: %s" % (label, "-", "-", "-", "-", problems[v]))
        else:
            med, lo, hi = summary(samples[v])
            # The ratio is the median of the per-round ratios (each run to
            # the reference's run of the same round): adjacent runs share
            # the host's load, which medians of their own do not cancel.
            ratio = None
            if ref_med and len(samples[ref]) == len(samples[v]):
                ratio = statistics.median(x / y for x, y in zip(samples[v], samples[ref]))
            elif ref_med:
                ratio = med / ref_med
            tgt, met, extra = target(v, ratio, samples) if target else (None, None, None)
            if delivered[v]:
                extra = dict(extra or {}, delivered=delivered[v])
            if ref_med:
                extra = dict(extra or {}, ratio_of_medians=round(med / ref_med, 4))
            o = emit(scenario, v.name, params, samples[v], "pps", reference=reference,
                     ref_median=ref_med, target=tgt, target_met=met, extra=extra, ratio=ratio)
            note = "reference" if v is ref else ""
            if tgt:
                note = "target %s: %s" % (tgt, "met" if met else "MISSED")
            if delivered[v]:
                note += (" " if note else "") + "(socket got %d%%)" % (
                    100 * statistics.median(delivered[v]) / count)
            out("  %-26s %10.0f %10.0f %10.0f %7s  %s" % (
                label, med, lo, hi, "%.2fx" % ratio if ratio else "-", note))
        tap(well_formed(o), "%s %s ran and reported" % (scenario, label), o.get("reason"))
        objs.append(o)
    return objs


def part_drop():
    variants = [NftIngressDrop("drop"), Nlb("drop"), ClusterIP("drop"), XtCluster("drop"),
                NftJhash("drop"), NoFilter("drop")]
    pps_part("drop", variants, args.count, args.runs,
             "Drop path: flows this node does not own", "pps-drop",
             target=lambda v, r, _: (">= 0.9x nft-ingress-drop", r >= 0.9 if r else None, None)
             if v.name == "nlb" else (None, None, None))


def part_accept():
    # nlb's accept path is measured three ways: as the issue has it (a new
    # cluster: the run's first packet of each of its 3825 flows makes the
    # flow held); with those flows held before the run (each packet a
    # lookup and a touch); and with no flow held (max-flows 1: classify
    # only).  The differences say where the cost goes.
    variants = [NoFilter("accept"), Nlb("accept"), Nlb("accept", warm=True),
                Nlb("accept", max_flows=1), ClusterIP("accept"), XtCluster("accept"),
                NftJhash("accept")]
    pps_part("accept", variants, args.count, args.runs,
             "Accept path: flows this node owns, drained by a UDP socket", "pps-accept",
             reference="none",
             target=lambda v, r, _: (">= 0.9x none", r >= 0.9 if r else None, None)
             if v.name == "nlb" else (None, None, None))


def flat_target(axis, base_val, base_name, key):
    """The "flat" target of a scale part: each nlb variant within 10 % of
    the one whose axis(v) is base_val, as the median of per-round ratios;
    the relative difference goes in the result as @key."""
    def flat(v, ratio, samples):
        if v.name != "nlb" or axis(v) == base_val:
            return None, None, None
        base = next((x for x in samples if x.name == "nlb" and axis(x) == base_val), None)
        if not base or not samples[base] or not samples[v]:
            return None, None, None
        if len(samples[v]) == len(samples[base]):
            delta = statistics.median(x / y for x, y in zip(samples[v], samples[base])) - 1
        else:
            delta = statistics.median(samples[v]) / statistics.median(samples[base]) - 1
        return "within 10% of " + base_name, abs(delta) <= 0.10, {key: round(delta, 4)}
    return flat


def scale_axis(title, scenario, values, make, attr, param, unit, key):
    """One "how cost grows" table: the drop path of nlb for each of
    @values (make(value) gives the variant, attr its value on a variant,
    param its key in params, unit its label), next to the ingress-drop
    reference, each against the first value (@key in the result)."""
    variants = [NftIngressDrop("drop")] + [make(x) for x in values]
    objs = pps_part("drop", variants, args.count, args.runs, title, scenario,
                    params_of=lambda v: {"label": "" if v.name != "nlb"
                                         else " %d %s" % (getattr(v, attr), unit)},
                    target=flat_target(lambda v: getattr(v, attr), values[0],
                                       "%d %s" % (values[0], unit), key))
    for o in objs:
        if key in o:
            out("  %d %s vs %d: %+.1f %%" % (o["params"][param], unit, values[0], o[key] * 100))


def part_scale():
    scale_axis("Scaling: drop path against members", "scale-members",
               [4, 16] if args.tiny else [4, 16, 64],
               lambda m: Nlb("drop", members=m), "members", "members", "members",
               "vs_4_members")
    # The lookup is a binary search in the compiled table, for the VIP's
    # rules and then for the all-VIPs rules.
    scale_axis("Scaling: drop path against port rules (4 members)", "scale-rules",
               [1, 16] if args.tiny else [1, 16, 64],
               lambda r: Nlb("drop", rules=r), "rules", "rules", "rules", "vs_1_rule")
    # Node 1 of 4, draining, holds N UDP flows spread over all buckets, so
    # every dropped packet costs a (missed) lookup in the flow table once N
    # passes the bucket count; 1k flows leave most buckets empty (one array
    # read).
    scale_axis("Scaling: drop path against held flows (4 members, draining)",
               "scale-held-flows", [1000, 10000] if args.tiny else [1000, 100000, 1000000],
               lambda n: Nlb("drop", held=n), "held", "held_flows", "flows", "vs_1k_flows")


# --- part 4: failover and convergence ---------------------------------------

def softnet_dropped():
    """Frames the CPUs' input backlogs dropped (netdev_max_backlog), all CPUs."""
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f if line.strip())


class Cluster:
    """N nodes nlbb-n1..N on bridges br0 (cluster) and br1 (heartbeats) in nlbb-sw."""

    def __init__(self, n, hb_interval=None, hb_dev=True):
        self.n = n
        self.hb_interval = hb_interval
        self.hb_dev = hb_dev
        self.mon = {}
        self.sel = selectors.DefaultSelector()
        self.events = []                # (time, node, event dict)
        self.by_node = {}               # node -> [(time, event dict)]

    def create(self):
        ns_del_all()
        self.dropped0 = softnet_dropped()
        sh("ip netns add %ssw" % NS)
        sw = ["link set lo up", "link add br0 type bridge", "link set br0 up"]
        if self.hb_dev:
            sw += ["link add br1 type bridge", "link set br1 up"]
        for i in range(1, self.n + 1):
            sh("ip netns add %sn%d" % (NS, i))
            sw.append("link add n%d-eth0 type veth peer name eth0 netns %sn%d" % (i, NS, i))
            sw.append("link set n%d-eth0 master br0 up" % i)
            if self.hb_dev:
                sw.append("link add n%d-eth1 type veth peer name eth1 netns %sn%d" % (i, NS, i))
                sw.append("link set n%d-eth1 master br1 up" % i)
        sh(["ip", "-n", NS + "sw", "-b", "-"], input="\n".join(sw) + "\n")
        for i in range(1, self.n + 1):
            cmds = ["link set lo up", "link set eth0 up",
                    "addr add 192.0.2.%d/24 dev eth0" % i, "addr add %s/32 dev eth0" % VIP]
            if self.hb_dev:
                cmds += ["link set eth1 up", "addr add 198.51.100.%d/24 dev eth1" % i]
            sh(["ip", "-n", "%sn%d" % (NS, i), "-b", "-"], input="\n".join(cmds) + "\n")
        for i in range(1, self.n + 1):
            self.start_monitor(i)

    def start_monitor(self, i):
        p = subprocess.Popen(["ip", "netns", "exec", "%sn%d" % (NS, i), "nlbctl", "-j", "monitor"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        os.set_blocking(p.stdout.fileno(), False)
        self.mon[i] = (p, bytearray())
        self.sel.register(p.stdout, selectors.EVENT_READ, i)

    def add_all(self, deadline=None):
        extra = ""
        if self.hb_dev:
            extra += " hb-dev eth1"
        if self.hb_interval:
            extra += " hb-interval %d" % self.hb_interval
        start = time.monotonic()
        for i in range(1, self.n + 1):
            if deadline and time.monotonic() > deadline:
                raise RuntimeError("time budget spent adding clusters: %d of %d added in %.0f s; %s"
                                   % (i - 1, self.n, time.monotonic() - start,
                                      self.diagnose(list(range(1, i)))))
            sh("nlbctl cluster add dev eth0 vip %s mode multicast node-id %d%s" % (VIP, i, extra),
               ns="n%d" % i)
            t = time.monotonic()
            # Read the monitors between adds (their sockets would overflow
            # during a long series), but not after the last: its events
            # must be stamped after the time returned.
            if i < self.n:
                self.pump(0)
        return t

    def pump(self, timeout):
        """Read monitor lines for up to @timeout s, timestamping them."""
        for key, _ in self.sel.select(timeout):
            now = time.monotonic()
            i = key.data
            p, buf = self.mon[i]
            try:
                data = os.read(key.fileobj.fileno(), 65536)
            except BlockingIOError:
                continue
            if not data:
                self.sel.unregister(key.fileobj)
                continue
            buf += data
            while b"\n" in buf:
                line, _, rest = bytes(buf).partition(b"\n")
                buf[:] = rest
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                self.events.append((now, i, ev))
                self.by_node.setdefault(i, []).append((now, ev))

    def trim(self, before):
        """Forget events older than @before, but each node's last map."""
        for i, evs in self.by_node.items():
            last_map = next((e for e in reversed(evs) if e[1].get("event") == "map"), None)
            keep = [e for e in evs if e[0] >= before]
            if last_map and last_map not in keep:
                keep.insert(0, (0.0, last_map[1]))
            self.by_node[i] = keep
        self.events = [e for e in self.events if e[0] >= before]

    def wait(self, pred, timeout):
        """Pump until pred() is true; returns it (False on timeout)."""
        end = time.monotonic() + timeout
        while True:
            r = pred()
            if r or time.monotonic() >= end:
                return r
            self.pump(min(0.05 if self.n <= 8 else 0.25, max(0.0, end - time.monotonic())))

    def converged_all(self, nodes, members, since):
        """Each node in @nodes had a 'converged' event after @since with its
        map (this or the last map event) == @members; returns the latest time."""
        latest = 0
        for i in nodes:
            t = self.converged_at(i, members, since)
            if t is None:
                return None
            latest = max(latest, t)
        return latest

    def converged_at(self, i, members, since):
        last_map = None
        for t, ev in self.by_node.get(i, []):
            if ev.get("event") == "map":
                last_map = ev.get("members")
            if t < since:
                continue
            if ev.get("event") == "converged":
                mem = ev.get("members", last_map)
                if mem is not None and sorted(mem) == sorted(members):
                    return t
        return None

    def diagnose(self, members):
        """Why @members have not converged, from their monitors' events:
        how many members each node's last map had, how many nodes have not
        converged since it, and the events seen by kind."""
        sizes, waiting, kinds = {}, 0, {}
        for i in members:
            last, conv = None, False
            for _, ev in self.by_node.get(i, []):
                kind = ev.get("event")
                kinds[kind] = kinds.get(kind, 0) + 1
                if kind == "map":
                    last, conv = ev.get("members"), False
                elif kind == "converged":
                    last, conv = ev.get("members", last), True
            n = len(last) if last is not None else 0
            sizes[n] = sizes.get(n, 0) + 1
            waiting += not conv
        return ("last map per node: %s; %d of %d not converged since; events: %s; "
                "backlog drops: %d" % (
                    ", ".join("%d nodes at %d members" % (v, k)
                              for k, v in sorted(sizes.items(), reverse=True)),
                    waiting, len(members),
                    ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
                    softnet_dropped() - self.dropped0))

    def shown_members(self, i):
        try:
            st = json.loads(sh("nlbctl -j show dev eth0", ns="n%d" % i))[0]
            return sorted(m["id"] for m in st["members"]), st.get("converged")
        except Exception:
            return None, None

    def settle(self, members, timeout):
        """All nodes show @members and converged (polled)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ok = True
            for i in members:
                if time.monotonic() > end:
                    return False
                mem, conv = self.shown_members(i)
                if mem != sorted(members) or not conv:
                    ok = False
                    break
            if ok:
                return True
            self.pump(0.2)
        return False

    def ports(self, i, up):
        """Kill (down) or restore (up) node i: its switch ports, heartbeat
        path first so that it cannot announce anything on the way out.
        Returns the time the last one changed."""
        if not getattr(self, "sw", None):
            self.sw = LinkSwitch(NS + "sw")
        names = (["n%d-eth1" % i] if self.hb_dev else []) + ["n%d-eth0" % i]
        if up:
            names.reverse()
        for name in names:
            self.sw.set(name, up)
        return time.monotonic()

    def peer_down_all(self, survivors, k, since):
        latest = 0
        for i in survivors:
            t = next((t for t, ev in self.by_node.get(i, [])
                      if t >= since and ev.get("event") == "peer_down"
                      and ev.get("peer") == k), None)
            if t is None:
                return None
            latest = max(latest, t)
        return latest

    def destroy(self):
        if getattr(self, "sw", None):
            self.sw.close()
            self.sw = None
        for p, _ in self.mon.values():
            p.kill()
            p.wait()
        self.mon = {}
        ns_del_all()


class LinkSwitch:
    """Sets links of one namespace up or down with one RTM_NEWLINK each,
    from this process (no command to spawn), so that the time of a kill is
    known to within a system call."""

    def __init__(self, ns):
        import ctypes
        import socket
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            if libc.setns(there, 0x40000000) != 0:
                raise OSError(ctypes.get_errno(), "setns " + ns)
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
            self.index = {}
            for _, name in socket.if_nameindex():
                self.index[name] = socket.if_nametoindex(name)
        finally:
            libc.setns(here, 0x40000000)
            os.close(here)
            os.close(there)
        self.sock.bind((0, 0))
        self.seq = 0

    def set(self, name, up):
        import struct
        self.seq += 1
        body = struct.pack("=BxHiII", 0, 0, self.index[name], 1 if up else 0, 1)  # IFF_UP
        msg = struct.pack("=IHHII", 16 + len(body), 16, 1 | 4, self.seq, 0) + body
        self.sock.send(msg)
        ack = self.sock.recv(4096)
        err = struct.unpack("=i", ack[16:20])[0] if len(ack) >= 20 else 0
        if err:
            raise OSError(-err, "RTM_NEWLINK %s" % name)

    def close(self):
        self.sock.close()


def ns_del_all():
    for line in sh("ip netns list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(NS):
            subprocess.run("ip netns pids %s | xargs -r kill -9; ip netns del %s" % (name, name),
                           shell=True, stderr=subprocess.DEVNULL)


def kill_series(cl, kills, label):
    """Kill node k (round robin), time the survivors' peer_down and
    converged-without-k, restore k and wait for the full map again."""
    full = list(range(1, cl.n + 1))
    det, rec, problems = [], [], []
    for r in range(kills):
        k = (r % cl.n) + 1
        survivors = [i for i in full if i != k]
        cl.pump(0)
        t0 = cl.ports(k, False)
        want = survivors
        ok = cl.wait(lambda: cl.peer_down_all(survivors, k, t0) and
                     cl.converged_all(survivors, want, t0), 10)
        td = cl.peer_down_all(survivors, k, t0)
        tr = cl.converged_all(survivors, want, t0)
        if td:
            det.append((td - t0) * 1000)
        if tr:
            rec.append((tr - t0) * 1000)
        if not ok:
            problems.append("kill %d (node %d): detection %s recovery %s" % (
                r + 1, k, "seen" if td else "missing", "seen" if tr else "missing"))
        if r == kills - 1:
            break               # the cluster goes next: no need to restore
        t1 = cl.ports(k, True)
        if not cl.wait(lambda: cl.converged_all(full, full, t1), 15):
            if not cl.settle(full, 10):
                problems.append("kill %d: node %d did not rejoin" % (r + 1, k))
                break
        cl.pump(0.3)
        cl.trim(time.monotonic() - 1)
    return det, rec, problems


def part_failover():
    configs = [(None, 300, 100), (20, 100, 20)]   # hb-interval, target ms, interval
    kills = 1 if args.tiny else 20
    if args.tiny:
        configs = configs[1:]   # the faster setting: keeps make check short
    out()
    out("Failover: %d kills of one of 4 nodes (links cut on the switch, heartbeat path first), %s" % (kills, kernel))
    out("  %-22s %-10s %8s %8s %8s  %s" % ("setting", "measure", "median", "min", "max", "target"))
    for hb, target_ms, interval in configs:
        label = "defaults" if hb is None else "hb-interval %d" % hb
        cl = Cluster(4, hb_interval=hb)
        det, rec, problems = [], [], []
        try:
            nlb_load()
            cl.create()
            t = cl.add_all()
            if not cl.wait(lambda: cl.converged_all(range(1, 5), [1, 2, 3, 4], t), 20) and \
               not cl.settle([1, 2, 3, 4], 10):
                raise RuntimeError("the 4 nodes did not converge")
            det, rec, problems = kill_series(cl, kills, label)
        except Exception as e:
            problems.append(str(e)[-400:])
        finally:
            cl.destroy()
        params = {"members": 4, "kills": kills, "hb_interval_ms": interval, "hb_tolerance": 3}
        for measure, samples in (("detection", det), ("recovery", rec)):
            name = "failover-" + measure
            status = "ok" if samples else "failed"
            tgt = "median <= %d ms" % target_ms if measure == "recovery" else None
            met = (statistics.median(samples) <= target_ms) if (samples and tgt) else None
            o = emit(name, label, params, samples, "ms", target=tgt, target_met=met,
                     status=status, reason="; ".join(problems) if problems else None)
            if samples:
                med, lo, hi = summary(samples)
                out("  %-22s %-10s %8.0f %8.0f %8.0f  %s" % (
                    label, measure, med, lo, hi,
                    ("%s: %s" % (tgt, "met" if met else "MISSED by %.0f ms" % (med - target_ms))) if tgt else ""))
            else:
                out("  %-22s %-10s FAILED: %s" % (label, measure, "; ".join(problems)))
            tap(well_formed(o) and not problems, "%s %s ran and reported" % (name, label),
                "; ".join(problems))


def part_converge():
    for hb in args.converge_hb:
        converge_at(hb)


def converge_at(hb):
    n = 4 if args.tiny else 64
    reps = 1 if args.tiny else 3
    out()
    out("Convergence with %d members (one guest, heartbeats on the cluster device only, "
        "hb-interval %d ms), %s" % (n, hb, kernel))
    full = list(range(1, n + 1))
    form, kill_rec, join, problems = [], [], [], []
    cl = Cluster(n, hb_interval=hb if hb != 100 else None, hb_dev=False)
    # At the default interval, 64 nodes in one emulated guest carry about
    # 40,000 heartbeat frames/s through one software switch: more than the
    # guest keeps up with (16 nodes' 2,400/s it does, 32 nodes' 9,900/s it
    # does not). The part gives up when its budget is spent and says what
    # the nodes saw, rather than stall the run.
    budget = time.monotonic() + (120 if args.tiny else 300 if hb < 1000 else 420)
    # The guest's one switch floods each heartbeat to 63 veths through the
    # sending CPU's input backlog. A change seen by all nodes at once makes
    # them all send at once, 64 x 63 frames, far over the default backlog of
    # 1000 (a real node's NIC gets 63 of them). Under TCG the backlog drains
    # slowly and bursts pile up (2 x N x N still dropped 7323 frames while
    # 64 nodes formed at hb-interval 1000): room for several of them.
    backlog_path = "/proc/sys/net/core/netdev_max_backlog"
    with open(backlog_path) as f:
        backlog0 = f.read().strip()
    backlog = max(int(backlog0), 16 * n * n)
    write(backlog_path, str(backlog))
    try:
        nlb_load()
        t = time.monotonic()
        cl.create()
        out("# %d nodes created in %.0f s" % (n, time.monotonic() - t))
        t_add = time.monotonic()
        t = cl.add_all(budget)
        out("# %d clusters added in %.0f s" % (n, t - t_add))
        left = lambda cap: max(1, min(cap, budget - time.monotonic()))
        if cl.wait(lambda: cl.converged_all(full, full, t), left(60)):
            form.append((cl.converged_all(full, full, t) - t) * 1000)
        elif not cl.settle(full, left(30)):
            raise RuntimeError("the %d nodes did not converge: %s" % (n, cl.diagnose(full)))
        out("# formed: %s" % ("%.0f ms" % form[0] if form else "by polling"))
        for r in range(reps):
            if time.monotonic() > budget:
                problems.append("time budget spent after %d repetitions" % r)
                break
            k = 1 + (r * 37) % n
            survivors = [i for i in full if i != k]
            cl.pump(0.5)
            t0 = cl.ports(k, False)
            if cl.wait(lambda: cl.converged_all(survivors, survivors, t0), 20):
                kill_rec.append((cl.converged_all(survivors, survivors, t0) - t0) * 1000)
            else:
                problems.append("kill of node %d: survivors did not converge: %s"
                                % (k, cl.diagnose(survivors)))
            t1 = cl.ports(k, True)
            if cl.wait(lambda: cl.converged_all(full, full, t1), 30):
                join.append((cl.converged_all(full, full, t1) - t1) * 1000)
            else:
                problems.append("rejoin of node %d: not converged: %s" % (k, cl.diagnose(full)))
                if not cl.settle(full, 20):
                    break
            cl.trim(time.monotonic() - 1)
    except Exception as e:
        problems.append(str(e)[-600:])
    finally:
        drops = softnet_dropped() - getattr(cl, "dropped0", softnet_dropped())
        cl.destroy()
        write(backlog_path, backlog0)
    out("# frames dropped by the input backlogs: %d" % drops)
    out("  %-40s %8s %8s %8s  %s" % ("measure", "median", "min", "max", "target"))
    params = {"members": n, "hb_interval_ms": hb, "hb_tolerance": 3, "paths": "cluster device",
              "netdev_max_backlog": backlog, "backlog_drops": drops}
    # The target is for the default hb-interval. At a longer one (what an
    # emulated guest can carry with 64 nodes) a kill cannot be noticed before
    # 3 intervals: the result is reported, in intervals too, without a target.
    gated = hb == 100
    for name, what, samples, tgt in (
            ("converge-form", "last cluster add -> all converged", form, None),
            ("converge-kill", "kill -> all survivors converged", kill_rec, "median < 1000 ms"),
            ("converge-join", "node back -> all converged", join, "median < 1000 ms")):
        if not gated:
            tgt = None
        met = statistics.median(samples) < 1000 if (samples and tgt) else None
        o = emit(name, "nlb", params, samples, "ms", target=tgt, target_met=met,
                 status="ok" if samples else "failed",
                 reason="; ".join(problems) if problems else None)
        if samples:
            med, lo, hi = summary(samples)
            if tgt:
                verdict = "%s: %s" % (tgt, "met" if met else "MISSED by %.0f ms" % (med - 1000))
            else:
                verdict = "%.1f heartbeat intervals" % (med / hb)
            out("  %-40s %8.0f %8.0f %8.0f  %s" % (what, med, lo, hi, verdict))
        else:
            out("  %-40s FAILED" % what)
        tap(well_formed(o), "%s %d members hb-interval %d ms ran and reported" % (name, n, hb),
            "; ".join(problems))


# --- part 5: memory ---------------------------------------------------------

def meminfo():
    m = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            m[k] = int(v.split()[0]) * 1024
    return m


def slabinfo():
    """Bytes in the kmalloc caches (where kzalloc/kvzalloc land), per cache."""
    s = {}
    with open("/proc/slabinfo") as f:
        for line in f.readlines()[2:]:
            p = line.split()
            if p[0].startswith("kmalloc-"):
                s[p[0]] = int(p[1]) * int(p[3])     # active_objs * objsize
    return s


def part_memory():
    k = 32
    out()
    out("Memory per cluster: %d clusters on %d veths; deltas of SUnreclaim, VmallocUsed and Percpu (/proc/meminfo), %s" % (k, k, kernel))
    out("  %-10s %12s %12s %12s %12s %12s  %s" % ("buckets", "total B", "sunreclaim B", "vmalloc B", "percpu B",
                                                 "map payload", "largest kmalloc-cache deltas"))
    nlb_load()
    for buckets in ([4096] if args.tiny else [4096, 65536]):
        samples = {"total": [], "sunreclaim": [], "vmalloc": [], "percpu": []}
        own, own_parts = {"total": []}, {}
        tops = ""
        for rep in range(1 if args.tiny else 3):
            ns_del_all()
            sh("ip netns add %smem" % NS)
            sh(["ip", "-n", NS + "mem", "-b", "-"],
               input="".join("link add m%d type veth peer name p%d\nlink set m%d up\nlink set p%d up\n"
                             "addr add 10.9.%d.1/32 dev m%d\n" % (i, i, i, i, i, i) for i in range(k)))
            time.sleep(1)
            m0, s0 = meminfo(), slabinfo()
            cmds = "".join("cluster add dev m%d vip 10.9.%d.1 mode multicast node-id 1 buckets %d\n"
                           "member set dev m%d nodes 1\n" % (i, i, buckets, i) for i in range(k))
            sh(["nlbctl", "-batch", "-"], ns="mem", input=cmds)
            time.sleep(1)       # RCU frees the maps replaced by member set
            m1, s1 = meminfo(), slabinfo()
            # The module's own accounting, per cluster
            shown = json.loads(sh("nlbctl -j show", ns="mem"))
            own["total"].append(sum(c["memory"]["total"] for c in shown) / len(shown))
            own_parts = {p: sum(c["memory"][p] for c in shown) // len(shown)
                         for p in shown[0]["memory"] if p != "total"}
            # SUnreclaim: the kmalloc caches and large kmallocs (page
            # allocations above 8 KiB, e.g. the cluster struct)
            slab = (m1["SUnreclaim"] - m0["SUnreclaim"]) / k
            vm = (m1["VmallocUsed"] - m0["VmallocUsed"]) / k
            pc = (m1.get("Percpu", 0) - m0.get("Percpu", 0)) / k
            samples["sunreclaim"].append(slab)
            samples["vmalloc"].append(vm)
            samples["percpu"].append(pc)
            samples["total"].append(slab + vm + pc)
            d = sorted(((s1.get(c, 0) - s0.get(c, 0), c) for c in set(s0) | set(s1)), reverse=True)
            tops = ", ".join("%s %+d" % (c, v // k) for v, c in d[:3] if v > 0)
            ns_del_all()
        payload = buckets + buckets // 8
        med = {x: statistics.median(v) for x, v in samples.items()}
        out("  %-10d %12.0f %12.0f %12.0f %12.0f %12d  %s" % (
            buckets, med["total"], med["sunreclaim"], med["vmalloc"], med["percpu"], payload, tops))
        for part in ("total", "sunreclaim", "vmalloc", "percpu"):
            vals = samples[part]
            o = emit("memory-cluster", "nlb-" + part, {"buckets": buckets, "clusters": k},
                     vals, "bytes/cluster",
                     status="ok" if vals else "failed", extra={"map_payload_bytes": payload})
            # a delta can be 0 or negative (noise, pages freed meanwhile)
            tap(o["status"] == "ok", "memory-cluster %s B=%d ran and reported" % (part, buckets))
        o = emit("memory-module-accounting", "nlb-cluster", {"buckets": buckets, "clusters": k},
                 own["total"], "bytes/cluster", status="ok" if own["total"] else "failed",
                 extra={"parts": own_parts, "meminfo_total_median": med["total"]})
        out("  %-10d module's own accounting: %.0f B/cluster (%s)" % (
            buckets, o.get("median") or 0, ", ".join("%s %d" % kv for kv in sorted(own_parts.items()))))
        tap(o["status"] == "ok" and o["median"] > 0,
            "memory-module-accounting B=%d: nlbctl show reports the cluster's memory" % buckets)
    part_memory_flow()


def part_memory_flow():
    """Bytes per held flow: SUnreclaim + VmallocUsed deltas (the slab
    objects and the rhashtable's bucket array) over N flows, and the
    slab cache's own object size (SLUB's /sys/kernel/slab)."""
    n = 10000 if args.tiny else 1000000
    out()
    out("Memory per held flow: %d UDP flows held, deltas of SUnreclaim and VmallocUsed, %s" % (n, kernel))
    samples, own, problems = [], [], None
    try:
        if not os.path.exists(os.path.join(PG, DEV)):
            pktgen_setup()
        for rep in range(1 if args.tiny else 3):
            nlb_load()
            sh("nlbctl cluster del dev %s 2>/dev/null; true" % DEV, check=False)
            time.sleep(1)
            m0 = meminfo()
            nlb_hold(0, drain=False, max_flows=2 * n)
            m1 = meminfo()
            pktgen_fill(n)
            st = nlb_show()
            if st["flows"] != n:
                raise RuntimeError("held %d flows, not %d" % (st["flows"], n))
            own.append((st["memory"]["flows"] + st["memory"]["flow_table"]) / n)
            m2 = meminfo()
            sh("nlbctl cluster del dev " + DEV)
            per = ((m2["SUnreclaim"] - m1["SUnreclaim"]) + (m2["VmallocUsed"] - m1["VmallocUsed"])) / n
            samples.append(per)
            out("  run %d: %.1f B/flow (cluster itself %d B)" % (
                rep + 1, per, (m1["SUnreclaim"] - m0["SUnreclaim"]) + (m1["VmallocUsed"] - m0["VmallocUsed"])))
    except Exception as e:
        problems = str(e)[-400:]
    slab = {}
    for k in ("object_size", "slab_size"):
        try:
            with open("/sys/kernel/slab/nlb_flow/" + k) as f:
                slab[k] = int(f.read())
        except OSError:
            pass
    if problems or not samples:
        o = emit("memory-flow", "nlb", {"flows": n}, samples, "bytes/flow", status="failed",
                 reason=problems or "no sample", target="<= 128 bytes per held flow")
        out("  FAILED: %s" % o["reason"])
    else:
        med = statistics.median(samples)
        o = emit("memory-flow", "nlb", {"flows": n}, samples, "bytes/flow",
                 target="<= 128 bytes per held flow", target_met=med <= 128,
                 extra={"slab_" + k: v for k, v in slab.items()})
        out("  median %.1f B/flow (slab object %s B, %s B with its slab overhead): target <= 128: %s"
            % (med, slab.get("object_size", "?"), slab.get("slab_size", "?"), "met" if med <= 128 else "MISSED"))
    tap(well_formed(o), "memory-flow ran and reported", o.get("reason"))
    o = emit("memory-module-accounting", "nlb-flow", {"flows": n}, own, "bytes/flow",
             status="ok" if own and not problems else "failed",
             reason=problems or (None if own else "no sample"),
             target="<= 128 bytes per held flow",
             target_met=bool(own) and statistics.median(own) <= 128)
    if own:
        out("  module's own accounting: %.1f B/flow (flow objects and the table's buckets)"
            % statistics.median(own))
    tap(well_formed(o), "memory-module-accounting per flow ran and reported", o.get("reason"))


# --- main -------------------------------------------------------------------

def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiny", action="store_true", help="one short run of each (make check)")
    ap.add_argument("--tap", action="store_true", help="print TAP")
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--runs", type=int)
    ap.add_argument("--count", type=int)
    ap.add_argument("--converge-hb",
                    help="hb-intervals (ms, comma-separated) of the convergence part "
                    "(default 100,1000; tiny: 100)")
    args = ap.parse_args()
    args.converge_hb = [int(x) for x in (args.converge_hb or
                                         ("100" if args.tiny else "100,1000")).split(",")]
    if args.runs is None:
        args.runs = 1 if args.tiny else 5
    if args.count is None:
        args.count = 1000 if args.tiny else 30000
    if os.getuid() != 0:
        out("not ok 1 - bench: must run as root in a test guest")
        out("1..1")
        return 1
    parts = args.parts.split(",")
    funcs = {"drop": part_drop, "accept": part_accept, "scale": part_scale,
             "failover": part_failover, "converge": part_converge, "memory": part_memory}
    out("# bench on %s (%s%s)" % (kernel, "tiny" if args.tiny else "full",
                                  ", %d runs" % args.runs))
    if any(p in parts for p in ("drop", "accept", "scale")):
        try:
            pktgen_setup()
        except Exception as e:
            tap(False, "pktgen setup", str(e))
            parts = [p for p in parts if p not in ("drop", "accept", "scale")]
    for p in parts:
        if p not in funcs:
            tap(False, "unknown part " + p)
            continue
        start = time.monotonic()
        try:
            funcs[p]()
        except Exception as e:
            tap(False, "%s: %s" % (p, type(e).__name__), str(e))
        out("# part %s: %.0f s" % (p, time.monotonic() - start))
    sh("ip link del %s 2>/dev/null; true" % DEV, check=False)
    ns_del_all()
    if os.path.isdir("/sys/module/nlb"):
        subprocess.run(["rmmod", "nlb"], stderr=subprocess.DEVNULL)
    if args.tap:
        out("1..%d" % tap_n)
    return 1 if tap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
