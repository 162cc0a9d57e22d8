#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A full cluster: 64 members, the most nlb takes.  One real node and 63
# peers that a forger plays (authentic heartbeats from node ids 2..64):
# everything that lists members and peers must hold all of them.
#
#     node 1 (nlb-n1)                     forger (nlb-f): nodes 2..64
#     eth0 192.0.2.1/24 + VIP 192.0.2.100 eth0: their backup heartbeats
#     eth1 198.51.100.1/24                eth1: their heartbeats
#      |       |                            |       |
#   +--+-------|----------------------------+--+    |
#   |  br0 (cluster segment), nlb-sw           |    |
#   +----------|-------------------------------+    |
#   +----------+------------------------------------+--+
#   |  br1 (heartbeats), nlb-sw                        |
#   +--------------------------------------------------+
#
#  crowd    63 live peers: the map has 64 members and node 1 owns its
#           share; `show` (doit and dump: a message larger than a page),
#           its JSON and /proc/net/nlb list every peer; the memory the
#           module accounts for; the forger stops: every peer dies, node
#           1 alone
set -e -u -o pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'nlb_cleanup "$tmp"' EXIT

TOOLS=$NLB_REPO/tools/testing
# The dead timeout must outlast a stall of the emulated guest, which has
# 64 heartbeats to take in every 100 ms.
TOL=${NLB_LONG_TOLERANCE:-20}
SECONDS_ON=$((60 + TOL))

dmesg_mark
nlb_load
topo_create 1
ns_add f
_port br1 f eth1
_port br0 f eth0
KEY=$tmp/key
nlbctl genkey >"$KEY"
cluster_add 1 multicast hb-dev eth1 key "$KEY" hb-tolerance "$TOL"
digest=$(nx n1 nlbctl -j show dev eth0 | jq -r '.[0].digest')

nx_bg f "$TOOLS/hbforge.py" --iface eth1 --vip "$NLB_VIP" --key "$KEY" \
	--cluster-iface eth0 --digest "$digest" --members 0x1 --crowd 2-64 \
	--seconds "$SECONDS_ON" >/dev/null
forger=$!

members_n() {
	nx n1 nlbctl -j show dev eth0 | jq '.[0].members | length'
}
# 64 members, and node 1 takes its share: the cluster agreed.
full() {
	[ "$(nx n1 nlbctl -j show dev eth0 |
	     jq -r '.[0] | "\(.members | length) \(.owned_buckets)"')" = "64 64" ]
}
wait_for $((SECONDS_ON / 2)) full || true
check_eq "the map has 64 members" 64 "$(members_n)"
nx n1 nlbctl -j show dev eth0 >"$tmp/one.json" || true
check_eq "show dev eth0 (doit) lists 63 live peers" 63 \
	"$(jq '[.[0].peers[] | select(.alive)] | length' "$tmp/one.json")"
check_eq "peers 2..64, in order" "$(seq -s, 2 64)" \
	"$(jq -r '[.[0].peers[].id] | map(tostring) | join(",")' "$tmp/one.json")"
nx n1 nlbctl -j show >"$tmp/all.json" || true
check_eq "show (dump) lists the same 63 peers" 63 \
	"$(jq '[.[0].peers[] | select(.alive)] | length' "$tmp/all.json")"
check_eq "node 1 owns 4096/64 buckets" 64 \
	"$(jq '.[0].owned_buckets' "$tmp/one.json")"
# The module's own memory accounting, with no flow held: the cluster with
# its 64 peers' held-bucket bitmaps (64 x 512 B), three bucket arrays of
# 4096, no flow object but the table's buckets.
check_eq "memory: cluster, map, flows, table as allocated" \
	"true true 0 true" \
	"$(jq -r '.[0].memory | "\(.cluster > 64 * 512) \(.map >= 3 * 4096) \(.flows) \(.flow_table > 0)"' "$tmp/one.json")"
check "nlbctl show (text) names peer 64" \
	sh -c "ip netns exec ${NLB_NS_PREFIX}n1 nlbctl show dev eth0 | grep -Eq '^ *peer 64 '"
check_eq "/proc/net/nlb/clusters has 63 peer lines" 63 \
	"$(nx n1 grep -c '^peer ' /proc/net/nlb/clusters)"
check_eq "/proc/net/nlb/clusters has 64 members" 64 \
	"$(nx n1 awk '$1 == "members" { print NF - 1 }' /proc/net/nlb/clusters)"

kill "$forger" 2>/dev/null || true
wait "$forger" 2>/dev/null || true

alone() {
	[ "$(members_n)" = 1 ]
}
wait_for $((TOL / 5 + 30)) alone || true
check_eq "the forger stopped: node 1 alone in the map" 1 "$(members_n)"
check_eq "every peer dead" 0 \
	"$(nx n1 nlbctl -j show dev eth0 | jq '[.[0].peers[] | select(.alive)] | length')"
check "every forged heartbeat taken: none bad, replayed, duplicate" \
	sh -c "ip netns exec ${NLB_NS_PREFIX}n1 nlbctl -j stats dev eth0 |
	       jq -e '.[0].heartbeat | .received > 1260 and
	              .bad_mac + .replayed + .malformed + .duplicate == 0' >/dev/null"

check "rmmod" nlb_unload
dmesg_check "no kernel warning"
tap_done
