#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test: the module loads, answers nlbctl in several independent
# network namespaces, keeps their state apart, and unloads cleanly.
#
#   nlb-n1   nlb-n2   nlb-n3      (no links between them: only the per-
#   dummy0   dummy0   dummy0       namespace state of the module is tested)
#
set -e -u -o pipefail
source "$(dirname "$0")/lib.sh"
trap nlb_cleanup EXIT

dmesg_mark
nlb_unload
check "insmod nlb.ko" insmod "$NLB_KO"
check "/sys/module/nlb/parameters/default_buckets is 4096" \
	test "$(cat /sys/module/nlb/parameters/default_buckets)" = 4096
check "nlbctl --version reaches the module" \
	sh -c 'nlbctl --version | grep -q "nlb module"'
check_eq "nlbctl show with no cluster prints nothing" "" "$(nlbctl show)"
check_eq "nlbctl -j show with no cluster prints []" "[]" "$(nlbctl -j show)"

for i in 1 2 3; do
	ns_add "n$i"
	nx "n$i" ip link add dummy0 type dummy
	nx "n$i" ip link set dummy0 up
done
check "/proc/net/nlb/clusters exists in a new namespace" \
	nx n1 test -r /proc/net/nlb/clusters
for i in 1 2 3; do
	check "cluster add in namespace n$i" \
		nx "n$i" nlbctl cluster add dev dummy0 vip "192.0.2.$((100 + i))" \
		mode unicast node-id "$i"
done
for i in 1 2 3; do
	check_eq "namespace n$i sees only its own cluster" \
		"dummy0 192.0.2.$((100 + i)) $i" \
		"$(nx "n$i" nlbctl -j show |
		  jq -r '.[] | "\(.dev) \(.vips | join(" ")) \(.node_id)"')"
done
check_eq "the root namespace has no cluster" "[]" "$(nlbctl -j show)"
check "/proc/net/nlb/clusters lists the cluster" \
	sh -c "ip netns exec nlb-n2 cat /proc/net/nlb/clusters | grep -qx 'vips 192.0.2.102'"

check "cluster del in namespace n1" nx n1 nlbctl cluster del dev dummy0
check_eq "namespace n1 has no cluster left" "[]" "$(nx n1 nlbctl -j show)"

# Namespaces n2 and n3 still hold clusters: deleting the namespace and
# unloading the module must both clean up after them.
check "delete a namespace holding a cluster" ip netns del nlb-n2
check "rmmod with a cluster still configured" rmmod nlb
check "nlbctl says the module is not loaded" \
	sh -c 'nlbctl show 2>&1 | grep -qx "nlbctl: error: nlb module not loaded (modprobe nlb)"'
ns_del_all
check "insmod again" insmod "$NLB_KO"
check "rmmod again" rmmod nlb
dmesg_check "no kernel warning"
tap_done
