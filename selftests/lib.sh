# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the nlb selftests.  Source it from a test script; the
# test then runs as root inside a test guest (selftests/vm/run), never on a
# machine that matters: it loads nlb.ko and creates network namespaces.
#
# TAP:      tap_ok NAME, tap_fail NAME [DIAG...], tap_skip NAME WHY,
#           check NAME CMD... (ok when CMD succeeds), check_eq NAME WANT GOT,
#           tap_done (prints the plan; exit status 1 if anything failed)
# Module:   nlb_load, nlb_unload
# Netns:    ns_add NAME, ns_del_all, nx NS CMD... (run in namespace NS)
# Cluster:  topo_create N (the standard topology below), node_mac I,
#           cluster_add I MODE [ARGS...]
# Kernel:   dmesg_mark, dmesg_check NAME (no WARNING/BUG/oops since mark,
#           no nlb leak kmemleak finds), nlb_leaks
#
# Standard topology (topo_create N), all inside the guest:
#
#      client (nlb-c)            node i (nlb-nI), i = 1..N
#     eth0 192.0.2.200/24       eth0 192.0.2.I/24 + VIP 192.0.2.100/32
#           |                   eth1 198.51.100.I/24 (heartbeat network)
#           |                     |          |
#   +-------+---------------------+--+   +---+----------------------+
#   | br0 (cluster segment), nlb-sw   |   | br1 (heartbeats), nlb-sw |
#   +---------------------------------+   +--------------------------+

NLB_REPO=${NLB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
NLB_VIP=192.0.2.100
NLB_CLIENT=192.0.2.200
NLB_NS_PREFIX=nlb-
export PATH="$NLB_REPO/tools/nlbctl:$PATH"

# The module built for the running kernel: tools/testing/check builds one
# per kernel under build/; a plain `make` builds kmod/nlb.ko.
if [ -z "${NLB_KO:-}" ]; then
	NLB_KO="$NLB_REPO/build/$(uname -r)/kmod/nlb.ko"
	[ -f "$NLB_KO" ] || NLB_KO="$NLB_REPO/kmod/nlb.ko"
fi

TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
_tap_n=0
_tap_failed=0

tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $TEST_NAME: $1"
}

tap_fail() {
	local name=$1
	shift
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $TEST_NAME: $name"
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $TEST_NAME: $1 # SKIP $2"
}

tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# check NAME CMD...: ok when CMD exits 0; its output is shown on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "command: $*" "$out"
	fi
}

# check_fails NAME CMD...: ok when CMD exits non-zero.
check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_fail "$name" "command unexpectedly succeeded: $*" "$out"
	else
		tap_ok "$name"
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected: $2" "got:      $3"
	fi
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

die() {
	echo "# $TEST_NAME: fatal: $*" >&2
	exit 1
}

nlb_load() {
	[ -d /sys/module/nlb ] && return 0
	insmod "$NLB_KO"
}

nlb_unload() {
	[ -d /sys/module/nlb ] || return 0
	rmmod nlb
}

nx() {
	local ns=$1
	shift
	ip netns exec "$NLB_NS_PREFIX$ns" "$@"
}

# nx_bg NS CMD...: CMD in the background in namespace NS; $! is its pid
# (so that kill $! reaches CMD itself, not a subshell around it).
nx_bg() {
	local ns=$1
	shift
	ip netns exec "$NLB_NS_PREFIX$ns" "$@" &
}

# nlb_cleanup [DIR]: the EXIT trap of every test: stop background jobs,
# delete the namespaces (killing what runs in them), unload nlb, remove
# DIR; never fails, and keeps the exit status the test had.
nlb_cleanup() {
	local st=$? pids
	set +e
	pids=$(jobs -p)
	[ -z "$pids" ] || kill $pids 2>/dev/null
	wait 2>/dev/null
	ns_del_all
	nlb_unload 2>/dev/null
	[ -z "${1:-}" ] || rm -rf "$1"
	return $st
}

ns_add() {
	ip netns add "$NLB_NS_PREFIX$1"
	nx "$1" ip link set lo up
}

ns_del_all() {
	local ns
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in
		"$NLB_NS_PREFIX"*)
			# Processes left in it would outlive it (and hold the
			# test's output open).
			ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
			ip netns del "$ns"
			;;
		esac
	done
}

# _port SWITCH_BRIDGE NS IFNAME: a veth from namespace NS into the bridge.
_port() {
	local br=$1 ns=$2 ifname=$3 peer="$2-$3"
	ip -n "${NLB_NS_PREFIX}sw" link add "$peer" type veth \
		peer name "$ifname" netns "$NLB_NS_PREFIX$ns"
	ip -n "${NLB_NS_PREFIX}sw" link set "$peer" master "$br" up
	nx "$ns" ip link set "$ifname" up
}

topo_create() {
	local n=$1 i
	ns_add sw
	nx sw ip link add br0 type bridge
	nx sw ip link add br1 type bridge
	nx sw ip link set br0 up
	nx sw ip link set br1 up
	ns_add c
	_port br0 c eth0
	nx c ip addr add "$NLB_CLIENT/24" dev eth0
	for i in $(seq 1 "$n"); do
		ns_add "n$i"
		_port br0 "n$i" eth0
		_port br1 "n$i" eth1
		nx "n$i" ip addr add "192.0.2.$i/24" dev eth0
		nx "n$i" ip addr add "$NLB_VIP/32" dev eth0
		nx "n$i" ip addr add "198.51.100.$i/24" dev eth1
	done
}

node_mac() {
	nx "n$1" cat /sys/class/net/eth0/address
}

# cluster_add I MODE [ARGS...]: node I joins the cluster on its eth0.  Its
# one port rule balances every port by the load weights, without affinity
# (source address and port), as the data-path tests expect: NLB's default
# rule (affinity single) would put all flows of one client address on one
# node.  rules.sh tests the default rule and the others.
cluster_add() {
	local i=$1 mode=$2
	shift 2
	nx "n$i" nlbctl -batch - <<-EOF
	cluster add dev eth0 vip $NLB_VIP mode $mode node-id $i $*
	rule replace dev eth0 ports 0-65535 proto both mode multiple affinity none weight load
	EOF
}

# settled WANT NODES...: every node named has the members WANT ("1,2,3")
# in its map of the cluster on eth0, and has converged.
settled() {
	local want=$1 i
	shift
	for i in "$@"; do
		[ "$(nx "n$i" nlbctl -j show dev eth0 |
		     jq -r '.[0] | "\([.members[].id] | map(tostring) | join(",")) \(.converged)"')" = "$want true" ] ||
			return 1
	done
}

_dmesg_mark=0
dmesg_mark() {
	_dmesg_mark=$(dmesg | wc -l)
}

# nlb_leaks: on a kernel with kmemleak (the debug kernel), the objects it
# finds unreferenced that nlb.ko allocated: a backtrace with a function of
# nlb.ko, or, once the module is gone, an address no symbol resolves.  Two
# scans (kmemleak leaves an object whose contents changed for the next
# one); the reports are then cleared, so that the next test sees its own.
nlb_leaks() {
	local f=/sys/kernel/debug/kmemleak
	[ -w "$f" ] || return 0
	echo scan >"$f" 2>/dev/null || return 0
	echo scan >"$f" 2>/dev/null || return 0
	awk 'function flush() { if (rec ~ /\[nlb\]|\] 0x[0-9a-f]+\n/) printf "%s", rec; rec = "" }
	     /^unreferenced object/ { flush() }
	     { rec = rec $0 "\n" }
	     END { flush() }' "$f"
	echo clear >"$f" 2>/dev/null || true
}

# dmesg_check NAME: no kernel warning since the last dmesg_mark, and no
# leak of nlb's that kmemleak can see (debug kernel).
dmesg_check() {
	local bad
	bad=$(dmesg | tail -n +"$((_dmesg_mark + 1))" |
	      grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|circular locking|suspicious RCU|unreferenced object' || true)
	bad+=$(nlb_leaks | head -n 40)
	if [ -z "$bad" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "$bad"
	fi
}

# wait_for TIMEOUT CMD...: run CMD every 0.1 s until it succeeds (status 0)
# or TIMEOUT seconds (an integer) have passed (status 1).
wait_for() {
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	until "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $end ] || return 1
		sleep 0.1
	done
}

# Seconds a test waits for a helper it started (a server, a traffic
# generator, tcpdump) to say it is ready. Python starts slowly on a debug
# kernel under TCG: check-debug stretches it (Documentation/testing.md).
START_WAIT=${NLB_START_WAIT:-60}

# mono_run CMD...: print CLOCK_MONOTONIC (seconds, python's
# time.monotonic()) and then exec CMD at once, so that the time printed is
# the start of CMD on the clock the python test tools use.
mono_run() {
	python3 -c 'import os, sys, time
print("%.6f" % time.monotonic(), flush=True)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# mono_stamp: copy stdin to stdout line by line, each line prefixed with
# CLOCK_MONOTONIC when it was read (for event streams such as
# `nlbctl -j monitor`).
mono_stamp() {
	python3 -u -c 'import sys, time
for line in iter(sys.stdin.readline, ""):
    sys.stdout.write("%.6f %s" % (time.monotonic(), line))
    sys.stdout.flush()'
}
