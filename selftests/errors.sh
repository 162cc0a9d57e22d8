#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input: every invalid request gets a clear error from the kernel,
# printed by nlbctl as "nlbctl: error: ...", a non-zero exit status, and
# changes nothing.
#
#   nlb-n1: eth0 (veth to nlb-sw br0) with cluster 192.0.2.100, lo, dummy1
#
set -e -u -o pipefail
source "$(dirname "$0")/lib.sh"
trap nlb_cleanup EXIT

dmesg_mark
nlb_load
topo_create 1
nx n1 ip link add dummy1 type dummy
nx n1 ip link set dummy1 up
cluster_add 1 unicast
nx n1 nlbctl member set dev eth0 nodes 1,2 weight 2=3
# The configuration and membership, without what moves by itself
# (counters, heartbeat ages).
state() {
	nx n1 nlbctl -j show | jq -c 'map(del(.stats, .peers))'
	nx n1 cat /proc/net/nlb/clusters | grep -Ev '^(stats|heartbeat-stats|peer) '
	nx n1 nlbctl -j rule show dev eth0
}
before=$(state)

# expect_error NAME MESSAGE NLBCTL-ARGS...: fails with exactly MESSAGE.
expect_error() {
	local name=$1 want=$2 out st=0
	shift 2
	out=$(nx n1 nlbctl "$@" 2>&1) || st=$?
	if [ "$st" = 0 ]; then
		tap_fail "$name" "nlbctl $* succeeded: $out"
	elif [ "$out" != "nlbctl: error: $want" ]; then
		tap_fail "$name" "want: nlbctl: error: $want" "got:  $out"
	elif [ "$(state)" != "$before" ]; then
		tap_fail "$name" "the configuration changed"
	else
		tap_ok "$name"
	fi
}

expect_error "unknown device" "no such device" \
	cluster add dev nosuch0 vip 192.0.2.150 mode unicast node-id 1
expect_error "VIP multicast" "VIP is not a unicast IPv4 address" \
	cluster add dev dummy1 vip 224.0.0.1 mode unicast node-id 1
expect_error "VIP 0.0.0.0" "VIP is not a unicast IPv4 address" \
	cluster add dev dummy1 vip 0.0.0.0 mode unicast node-id 1
expect_error "VIP broadcast" "VIP is not a unicast IPv4 address" \
	cluster add dev dummy1 vip 255.255.255.255 mode unicast node-id 1
expect_error "VIP loopback" "VIP is not a unicast IPv4 address" \
	cluster add dev dummy1 vip 127.0.0.1 mode unicast node-id 1
expect_error "duplicate VIP" "duplicate VIP" \
	cluster add dev dummy1 vip 192.0.2.150 vip 192.0.2.150 mode unicast node-id 1
expect_error "VIP of another cluster" \
	"VIP already used by another cluster in this namespace" \
	cluster add dev dummy1 vip "$NLB_VIP" mode unicast node-id 1
expect_error "node id 0" "node id must be 1..64" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 0
expect_error "node id 65" "node id must be 1..64" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 65
expect_error "second cluster on a device" \
	"a cluster already exists on this device" \
	cluster add dev eth0 vip 192.0.2.150 mode unicast node-id 1
expect_error "buckets not a power of two" \
	"buckets must be a power of two from 64 to 65536" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 buckets 1000
expect_error "buckets too few" \
	"buckets must be a power of two from 64 to 65536" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 buckets 32
expect_error "buckets too many" \
	"buckets must be a power of two from 64 to 65536" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 buckets 131072
expect_error "unknown mode" 'unknown mode "anycast" (unicast, multicast or igmp)' \
	cluster add dev dummy1 vip 192.0.2.150 mode anycast node-id 1
expect_error "not an Ethernet device" "device is not an Ethernet device" \
	cluster add dev lo vip 192.0.2.150 mode unicast node-id 1
expect_error "unknown heartbeat device" "no such heartbeat device" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 hb-dev nosuch0
expect_error "heartbeat device not Ethernet" \
	"heartbeat device is not an Ethernet device" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 hb-dev lo
expect_error "hb-interval too short" "hb-interval must be 10..10000" \
	cluster add dev dummy1 vip 192.0.2.150 mode unicast node-id 1 hb-interval 5
expect_error "hb-tolerance too low" "hb-tolerance must be 2..100" \
	cluster set dev eth0 hb-tolerance 1
expect_error "weight 0" "weight must be 1..100" \
	cluster set dev eth0 weight 0
echo "not a key" >/tmp/nlb-badkey
expect_error "malformed key file" \
	"key file /tmp/nlb-badkey: must hold 32 bytes in base64" \
	cluster set dev eth0 hb-interval 50 key /tmp/nlb-badkey
expect_error "cluster set with nothing to set" \
	"cluster set needs at least one of hb-interval, hb-tolerance, key, weight, priority, max-flows, tcp-timeout, tcp-close-timeout, udp-timeout, drain-timeout" \
	cluster set dev eth0
expect_error "cluster set without cluster" "no cluster on this device" \
	cluster set dev dummy1 weight 5
expect_error "stop without cluster" "no cluster on this device" \
	stop dev dummy1
expect_error "member id 65" "member node id must be 1..64" \
	member set dev eth0 nodes 1,65
expect_error "member weight 0" "member weight must be 1..100" \
	member set dev eth0 nodes 1,2 weight 2=0
expect_error "member weight 101" "member weight must be 1..100" \
	member set dev eth0 nodes 1,2 weight 2=101
expect_error "duplicate member" "duplicate member node id" \
	member set dev eth0 nodes 1,2,2
expect_error "member set without cluster" "no cluster on this device" \
	member set dev dummy1 nodes 1
expect_error "cluster del without cluster" "no cluster on this device" \
	cluster del dev dummy1
expect_error "query without cluster" "no cluster on this device" \
	query dev dummy1 proto tcp src 192.0.2.1:1000 dst 192.0.2.100:80
expect_error "show buckets without dev" "show buckets needs dev" \
	show buckets
expect_error "show buckets of no device" "no such device" \
	show buckets dev nosuch0
expect_error "show buckets without cluster" "no cluster on this device" \
	show buckets dev dummy1
expect_error "show flows without cluster" "no cluster on this device" \
	show flows dev dummy1

# show buckets: every bucket once, owned as the map says (static members
# 1 and 2, weights 1 and 3).
buckets=$(nx n1 nlbctl -j show buckets dev eth0 all)
check_eq "show buckets all lists every bucket once, in order" \
	"$(nx n1 nlbctl -j show dev eth0 | jq '[range(0; .[0].buckets)]')" \
	"$(jq '[.[].bucket]' <<<"$buckets")"
check_eq "show buckets: owners as the members' bucket counts" \
	"$(nx n1 nlbctl -j show dev eth0 | jq -c '[.[0].members[] | [.id, .buckets]]')" \
	"$(jq -c 'group_by(.owner) | map([.[0].owner, length])' <<<"$buckets")"
check_eq "show buckets: node 1 accepts in exactly the buckets it owns" \
	"$(jq -c '[.[] | select(.owner == 1) | .bucket]' <<<"$buckets")" \
	"$(jq -c '[.[] | select(.accepting) | .bucket]' <<<"$buckets")"
check_eq "show buckets without all: only node 1's (no flow anywhere)" \
	"$(jq -c '[.[] | select(.owner == 1) | .bucket]' <<<"$buckets")" \
	"$(nx n1 nlbctl -j show buckets dev eth0 | jq -c '[.[].bucket]')"
check_eq "/proc/net/nlb/flows is empty without flows" "" \
	"$(nx n1 cat /proc/net/nlb/flows)"

# Port rules.  A rule set to refuse changes against: the one rule
# cluster_add gives, one for ports of the VIP, one single-host rule.
nx n1 nlbctl -batch - <<EOF
rule add dev eth0 vip $NLB_VIP ports 80-90 proto tcp mode multiple
rule add dev eth0 vip $NLB_VIP ports 1433 proto tcp mode single
EOF
before=$(state)
check_eq "rules: three rules, in lookup order" \
	"all 0 65535 both multiple none load|$NLB_VIP 80 90 tcp multiple single equal|$NLB_VIP 1433 1433 tcp single null null" \
	"$(nx n1 nlbctl -j rule show dev eth0 | jq -r '[.[0].rules[] | "\(.vip) \(.port_lo) \(.port_hi) \(.proto) \(.mode) \(.affinity) \(.weight)"] | join("|")')"
expect_error "rule overlapping another" \
	"the rule overlaps another rule of the same VIP and protocol" \
	rule add dev eth0 vip "$NLB_VIP" ports 85-95 proto both mode disabled
expect_error "rule overlapping an all-VIPs rule" \
	"the rule overlaps another rule of the same VIP and protocol" \
	rule add dev eth0 ports 443 proto udp mode disabled
expect_error "rule added twice" \
	"a rule with this VIP, port range and protocol exists (use replace)" \
	rule add dev eth0 vip "$NLB_VIP" ports 1433 proto tcp mode single
expect_error "rule ports LO > HI" "port range start is above its end" \
	rule add dev eth0 vip "$NLB_VIP" ports 100-99 proto tcp mode single
expect_error "rule port 65536" 'invalid port "65536"' \
	rule add dev eth0 vip "$NLB_VIP" ports 0-65536 proto tcp mode single
expect_error "rule of unknown mode" 'unknown mode "balanced" (multiple, single or disabled)' \
	rule add dev eth0 vip "$NLB_VIP" ports 100 mode balanced
expect_error "rule of unknown affinity" 'unknown affinity "class-c" (none, single or network)' \
	rule add dev eth0 vip "$NLB_VIP" ports 100 mode multiple affinity class-c
expect_error "rule without mode" 'rule add needs mode (multiple, single or disabled)' \
	rule add dev eth0 vip "$NLB_VIP" ports 100
expect_error "affinity on a single-host rule" \
	"affinity and load weight apply only to multiple-host rules" \
	rule add dev eth0 vip "$NLB_VIP" ports 100 mode single affinity none
expect_error "rule on an address that is no VIP" "not a VIP of this cluster" \
	rule add dev eth0 vip 192.0.2.99 ports 100 mode disabled
expect_error "rule del of no rule" "no rule with this VIP, port range and protocol" \
	rule del dev eth0 vip "$NLB_VIP" ports 80-89 proto tcp
expect_error "rule without cluster" "no cluster on this device" \
	rule add dev dummy1 ports 100 mode disabled
expect_error "priority 0" "priority must be 1..64" \
	cluster set dev eth0 priority 0
expect_error "priority 65" "priority must be 1..64" \
	cluster set dev eth0 priority 65
# The 64th rule is taken, the 65th refused.
for p in $(seq 1000 1060); do
	echo "rule add dev eth0 vip $NLB_VIP ports $p proto udp mode disabled"
done | nx n1 nlbctl -batch -
check_eq "rules: 64 rules taken" 64 "$(nx n1 nlbctl -j rule show dev eth0 | jq '.[0].rules | length')"
before=$(state)
expect_error "a 65th rule" "too many port rules (at most 64)" \
	rule add dev eth0 vip "$NLB_VIP" ports 2000 proto udp mode disabled
for p in $(seq 1000 1060); do
	echo "rule del dev eth0 vip $NLB_VIP ports $p proto udp"
done | nx n1 nlbctl -batch -
check_eq "rules: replace changes the rule in place" \
	"$NLB_VIP 80 90 tcp multiple network load" \
	"$(nx n1 nlbctl rule replace dev eth0 vip "$NLB_VIP" ports 80-90 proto tcp mode multiple affinity network weight load &&
	   nx n1 nlbctl -j rule show dev eth0 | jq -r '.[0].rules[1] | "\(.vip) \(.port_lo) \(.port_hi) \(.proto) \(.mode) \(.affinity) \(.weight)"')"
# This node's settings and buckets: the load-weighted array's share for
# the "weight load" rules, all of them for the single-host rule (node 1 has
# the best host priority of the static set 1,2).
own=$(nx n1 nlbctl -j show dev eth0 | jq -r '.[0].owned_buckets')
all=$(nx n1 nlbctl -j show dev eth0 | jq -r '.[0].buckets')
check_eq "rules: /proc lists the rules" \
	"rule vip all ports 0-65535 proto both mode multiple affinity none weight load node-weight host state enabled buckets $own accepted 0 dropped 0
rule vip $NLB_VIP ports 80-90 proto tcp mode multiple affinity network weight load node-weight host state enabled buckets $own accepted 0 dropped 0
rule vip $NLB_VIP ports 1433-1433 proto tcp mode single owner 1 node-priority host state enabled buckets $all accepted 0 dropped 0" \
	"$(nx n1 grep '^rule ' /proc/net/nlb/clusters)"
before=$(state)

# This node's own settings for a rule: refused where they do not apply,
# or when they name no rule or two.
expect_error "rule set: a priority on a multiple-host rule" \
	"a handling priority applies only to single-host rules" \
	rule set dev eth0 vip "$NLB_VIP" ports 80 priority 2
expect_error "rule set: a node weight on a single-host rule" \
	"a node weight applies only to multiple-host rules with load weights" \
	rule set dev eth0 vip "$NLB_VIP" ports 1433 weight 5
expect_error "rule set of no rule" "no rule with this VIP and ports" \
	rule set dev eth0 vip "$NLB_VIP" ports 81 weight 5
expect_error "rule set of a range that is not the rule's" \
	"no rule with this VIP and ports" \
	rule drain dev eth0 vip "$NLB_VIP" ports 80-89
expect_error "rule set without a setting" \
	"rule set needs at least one of weight, priority" \
	rule set dev eth0 vip "$NLB_VIP" ports 80
expect_error "rule set: node weight 101" "weight must be 0..100" \
	rule set dev eth0 vip "$NLB_VIP" ports 80 weight 101
expect_error "rule set: priority 65" "priority must be 1..64" \
	rule set dev eth0 vip "$NLB_VIP" ports 1433 priority 65
nx n1 nlbctl rule add dev eth0 vip "$NLB_VIP" ports 1433 proto udp mode disabled
before=$(state)
expect_error "rule set naming two rules" \
	"several rules have this VIP and first port: give the protocol or the port range" \
	rule drain dev eth0 vip "$NLB_VIP" ports 1433
expect_error "rule drain of a disabled rule" \
	"a disabled rule has no per-node state: every node drops its traffic" \
	rule drain dev eth0 vip "$NLB_VIP" ports 1433 proto udp
nx n1 nlbctl rule del dev eth0 vip "$NLB_VIP" ports 1433 proto udp
digest=$(nx n1 grep '^rules ' /proc/net/nlb/clusters | awk '{ print $4 }')
# Taken: with a static member set they change no bucket (the settings
# are for membership from heartbeats).
nx n1 nlbctl -batch - <<EOF
rule set dev eth0 vip $NLB_VIP ports 80 weight 0
rule set dev eth0 vip $NLB_VIP ports 1433 proto tcp priority 7
rule drain dev eth0 ports 0
EOF
check_eq "rule set: this node's settings taken, its buckets as they were" \
	"host $own draining|0 $own enabled|7 $all enabled" \
	"$(nx n1 nlbctl -j rule show dev eth0 | jq -r '[.[0].rules[] | "\(.node_weight // .node_priority) \(.node_buckets) \(.node_state)"] | join("|")')"
check_eq "rule set: /proc shows them" \
	"node-weight host state draining|node-weight 0 state enabled|node-priority 7 state enabled" \
	"$(nx n1 grep '^rule ' /proc/net/nlb/clusters | sed -E 's/.*(node-(weight|priority) [a-z0-9]+ state [a-z]+).*/\1/' | paste -sd '|')"
check_eq "rule set: the rules digest is the same (settings are not the rules)" \
	"$digest" \
	"$(nx n1 grep '^rules ' /proc/net/nlb/clusters | awk '{ print $4 }')"
nx n1 nlbctl -batch - <<EOF
rule set dev eth0 vip $NLB_VIP ports 80 weight host
rule set dev eth0 vip $NLB_VIP ports 1433 proto tcp priority host
rule enable dev eth0 ports 0
EOF
before=$(state)

# Not permitted: an unprivileged user may look but not touch.
nobody() {
	nx n1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NLB_REPO/tools/nlbctl/nlbctl" "$@"
}
out=$(nobody cluster del dev eth0 2>&1) && st=0 || st=$?
check_eq "unprivileged cluster del is refused" \
	"1 nlbctl: error: operation not permitted (are you root?)" "$st $out"
out=$(nobody rule del dev eth0 ports 0-65535 2>&1) && st=0 || st=$?
check_eq "unprivileged rule del is refused" \
	"1 nlbctl: error: operation not permitted (are you root?)" "$st $out"
check "unprivileged show works" nobody show
check "unprivileged rule show works" nobody rule show dev eth0
check_eq "configuration unchanged after all refusals" "$before" "$(state)"

nx n1 nlbctl cluster del dev eth0
ns_del_all
check "rmmod" nlb_unload
dmesg_check "no kernel warning"
tap_done
