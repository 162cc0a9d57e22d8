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
	"cluster set needs at least one of hb-interval, hb-tolerance, key, weight, max-flows, tcp-timeout, tcp-close-timeout, udp-timeout, drain-timeout" \
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

# Not permitted: an unprivileged user may look but not touch.
nobody() {
	nx n1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NLB_REPO/tools/nlbctl/nlbctl" "$@"
}
out=$(nobody cluster del dev eth0 2>&1) && st=0 || st=$?
check_eq "unprivileged cluster del is refused" \
	"1 nlbctl: error: operation not permitted (are you root?)" "$st $out"
check "unprivileged show works" nobody show
check_eq "configuration unchanged after all refusals" "$before" "$(state)"

nx n1 nlbctl cluster del dev eth0
ns_del_all
check "rmmod" nlb_unload
dmesg_check "no kernel warning"
tap_done
