#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port rules: the default rule, affinity, load weights, single host with
# failover and failback, disabled rules, the default host, and a node with
# other rules held out until it has the cluster's.
#
#      client (nlb-c)                     node i (nlb-nI), i = 1..4
#     eth0 192.0.2.200/24                eth0 192.0.2.I/24 + VIP 192.0.2.100
#          10.7.N.1-10/24, N = 1..5      eth1 198.51.100.I/24 (heartbeats)
#           |                              |            |
#   +-------+------------------------------+--+    +----+-----+
#   | br0 (cluster segment), nlb-sw            |    | br1      |
#   +------------------------------------------+    +----------+
#
# Every node: `cluster add dev eth0 vip 192.0.2.100 mode multicast node-id I
# hb-dev eth1 priority P` with host priorities 2, 1, 3, 4 (node 2 has the
# best), dynamic membership; idserver.py on the rules' ports, echoserver.py
# on 1433.  SYN probes (synprobe.py) come from 50 client addresses in five
# /24s, and every probe must be answered once, by the node `nlbctl query`
# names, before the property of the rule is checked.
#
#  default   a new cluster has one rule: all ports, both protocols,
#            multiple host, affinity single, equal weights
#  affinity  single: all flows of an address on one node; network: all of
#            a /24 on one node; none: every address spread over nodes
#  weights   load weights 10/20/30/40 on a "weight load" rule: each node's
#            share of 4000 flows within 2 points of 10/20/30/40 %
#  disabled  dropped by every node, counted (disabled, the rule's dropped)
#  default   a port no rule covers: the best host priority (node 2) only
#  single    port 1433: node 2 (priority 1) only; node 2 dies: node 1
#            (priority 2) serves within FAILOVER_MS; node 2 returns: new
#            connections go back to it, node 1 keeps the connections it has
#  mismatch  node 4 with one more rule: held out and named by the others;
#            the rule removed, it joins
#  priority  node 4 takes node 3's host priority: it stays out
#            (priority-taken), named by the others; its own again, it joins
#  replace   a replaced rule keeps its counters; rule show with no dev
#  node      each node's own settings for a rule, which its peers learn
#            from its heartbeats: node weights 40/30/20/10 on port 83
#            (host weights 10/20/30/40), shares within 2 points; weight 0
#            takes none; handling priorities on 1433 other than the host
#            priorities move the rule's owner, not the default host; drain
#            keeps the owner's long-lived connections while the next
#            priority takes new ones; disable drops them; enable again
#  classes   UDP flows held under one rule do not hold back new UDP flows
#            of another rule of the same affinity in the same buckets
set -e -u -o pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'nlb_cleanup "$tmp"' EXIT

N=4
TOOLS=$NLB_REPO/tools/testing
FAILOVER_MS=${NLB_FAILOVER_MS:-2000}
PRIO=(0 2 1 3 4)	# host priority of node I: ${PRIO[I]}
SOURCES=()
for n in 1 2 3 4 5; do
	for h in $(seq 1 10); do SOURCES+=("10.7.$n.$h"); done
done
src_args=()
for s in "${SOURCES[@]}"; do src_args+=(--src "$s"); done

dmesg_mark
sysctl -qw net.core.netdev_max_backlog=10000
nlb_load
topo_create $N
for s in "${SOURCES[@]}"; do nx c ip addr add "$s/24" dev eth0; done
declare -A mac2node

# node_up I: node I's servers, its route to the clients, its cluster.
node_up() {
	local i=$1
	mac2node[$(node_mac "$i")]=$i
	nx "n$i" ip route add 10.7.0.0/16 dev eth0
	rm -f "$tmp/ready.$i" "$tmp/eready.$i"
	nx_bg "n$i" "$TOOLS/idserver.py" --id "$i" --port 80 --port 81 \
		--port 82 --port 83 --port 9000 --ready "$tmp/ready.$i"
	# UDP answers must come from the VIP, which a returning node gets
	# after its cluster: bind it beforehand.
	nx "n$i" sysctl -qw net.ipv4.ip_nonlocal_bind=1
	nx_bg "n$i" "$TOOLS/echoserver.py" --id "$i" --port 1433 \
		--udp-port 5000 --udp-port 5001 --udp-addr "$NLB_VIP" \
		--ready "$tmp/eready.$i"
	wait_for "$START_WAIT" test -f "$tmp/ready.$i" -a -f "$tmp/eready.$i" ||
		die "node $i: servers did not start"
	nx "n$i" nlbctl cluster add dev eth0 vip "$NLB_VIP" mode multicast \
		node-id "$i" hb-dev eth1 priority "${PRIO[$i]}" \
		hb-tolerance "${NLB_HB_TOLERANCE:-3}"
}

show() {
	nx "n$1" nlbctl -j show dev eth0
}

# rules I: node I's rules, one line each, without counters.
rules() {
	nx "n$1" nlbctl -j rule show dev eth0 |
		jq -r '.[0].rules[] | del(.accepted, .dropped, .owner, .node_weight, .node_priority, .node_state, .node_buckets) | to_entries | map("\(.key)=\(.value)") | join(" ")'
}

# agreed: the cluster of 4 settled, every node's map of the same view
# (members, weights, priorities and their own rule settings).
agreed() {
	settled 1,2,3,4 1 2 3 4 &&
		[ "$(for i in $(seq 1 $N); do show "$i" | jq -r '.[0].map_view'; done | sort -u | wc -l)" = 1 ]
}

# ncount PORT NAME: how many probes of NAME each node answered, "N NODE".
ncount() {
	awk '{ print $3 }' "$tmp/$2" | sort | uniq -c | xargs
}

# rule_count I PORT FIELD: the counter FIELD of node I's rule for PORT.
rule_count() {
	nx "n$1" nlbctl -j rule show dev eth0 |
		jq -r --argjson p "$2" ".[0].rules[] | select(.port_lo <= \$p and .port_hi >= \$p) | .$3"
}

# set_rules I: node I gets the test's rule set (in one batch).
set_rules() {
	nx "n$1" nlbctl -batch - <<-EOF
	rule del dev eth0 ports 0-65535 proto both
	rule add dev eth0 ports 80 proto tcp mode multiple affinity single
	rule add dev eth0 ports 81 proto tcp mode multiple affinity network
	rule add dev eth0 ports 82 proto tcp mode multiple affinity none
	rule add dev eth0 ports 83 proto tcp mode multiple affinity none weight load
	rule add dev eth0 ports 1433 proto tcp mode single
	rule add dev eth0 ports 50-60 proto both mode disabled
	EOF
}

# owners PORT FILE: "SRC SPORT OWNER" for each probe of FILE, as node 1
# computes them (every node builds the same maps).
owners() {
	awk -v vip="$NLB_VIP" -v port="$1" '{ printf "query dev eth0 proto tcp src %s:%s dst %s:%s\n", $1, $2, vip, port }' "$2" |
		nx n1 nlbctl -j -batch - |
		jq -r '"\(.src) \(.sport) \(.owner)"'
}

# probe PORT COUNT NAME: COUNT SYNs to PORT; $tmp/NAME: "SRC SPORT NODE"
# per probe, NODE the one answering node, "-" for none, "dup" for several.
probe() {
	local mac
	mac=$(show 1 | jq -r '.[0].cluster_mac')
	nx c "$TOOLS/synprobe.py" --dst "$NLB_VIP" --port "$1" --mac "$mac" \
		--count "$2" "${src_args[@]}" --seed "$1" \
		--wait "${NLB_PROBE_WAIT:-3}" >"$tmp/$3.raw"
	awk -v map="$(for m in "${!mac2node[@]}"; do printf '%s=%s ' "$m" "${mac2node[$m]}"; done)" '
		BEGIN { n = split(map, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); node[p[1]] = p[2] } }
		{
			k = split($3, macs, ","); delete seen; d = 0; got = "-"
			for (i = 1; i <= k; i++) if (macs[i] != "-" && !(macs[i] in seen)) { seen[macs[i]] = 1; d++; got = node[macs[i]] }
			print $1, $2, (d > 1 ? "dup" : got)
		}' "$tmp/$3.raw" >"$tmp/$3"
}

# answered_by_owner PORT NAME: every probe of NAME answered once, by the
# owner node 1 names.
answered_by_owner() {
	check_eq "$2: $(wc -l <"$tmp/$2") SYNs to port $1, each answered once, by its owner" \
		"$(owners "$1" "$tmp/$2")" "$(cat "$tmp/$2")"
}

# spread KEY NAME: for each client key (awk expression on $1), the number
# of nodes that answered its probes: "KEY NODES" lines.
spread() {
	awk "{ k = $1; if (!((k, \$3) in seen)) { seen[k, \$3] = 1; n[k]++ } }
	     END { for (k in n) print k, n[k] }" "$tmp/$2" | sort
}

for i in $(seq 1 $N); do node_up "$i"; done
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
for i in $(seq 1 $N); do
	check_eq "converge: node $i has members 1,2,3,4" "1,2,3,4" \
		"$(show "$i" | jq -r '[.[0].members[].id] | map(tostring) | join(",")')"
done

########################################################################
# The default rule, and its affinity single on the data path.
for i in $(seq 1 $N); do
	check_eq "default: node $i has NLB's default rule" \
		"vip=all port_lo=0 port_hi=65535 proto=both mode=multiple affinity=single weight=equal" \
		"$(rules "$i")"
done
check_eq "default: node 2 is the default host everywhere, with priority 1" \
	"2 2 2 2 1" "$(for i in 1 2 3 4; do show "$i" | jq -r '.[0].default_host'; done | xargs) $(show 2 | jq -r '.[0].priority')"
probe 80 1000 default
answered_by_owner 80 default
check_eq "default: every client address's flows answered by one node" \
	"$(for s in "${SOURCES[@]}"; do echo "$s 1"; done | sort)" "$(spread '$1' default)"

########################################################################
# The test's rules on every node; the cluster converges on them.
for i in $(seq 1 $N); do set_rules "$i"; done
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
for i in $(seq 2 $N); do
	check_eq "rules: node $i has node 1's rules" "$(rules 1)" "$(rules "$i")"
done
check_eq "rules: 6 rules, in lookup order" \
	"50 60 both disabled
80 80 tcp multiple
81 81 tcp multiple
82 82 tcp multiple
83 83 tcp multiple
1433 1433 tcp single" \
	"$(nx n1 nlbctl -j rule show dev eth0 | jq -r '.[0].rules[] | "\(.port_lo) \(.port_hi) \(.proto) \(.mode)"')"
check "rules: the cluster converged on them (4 members everywhere)" \
	settled 1,2,3,4 1 2 3 4

########################################################################
# Affinity: 1000 flows from 50 addresses per rule.
probe 80 1000 single
answered_by_owner 80 single
check_eq "affinity single: every address's flows answered by one node" \
	"$(for s in "${SOURCES[@]}"; do echo "$s 1"; done | sort)" "$(spread '$1' single)"
probe 81 1000 network
answered_by_owner 81 network
check_eq "affinity network: every /24's flows answered by one node" \
	"$(for n in 1 2 3 4 5; do echo "10.7.$n 1"; done)" \
	"$(spread 'substr($1, 1, length($1) - length(a[split($1, a, ".")]) - 1)' network)"
probe 82 1000 none
answered_by_owner 82 none
check_eq "affinity none: every address's flows spread over several nodes" \
	0 "$(spread '$1' none | awk '$2 < 2' | wc -l)"
tap_diag "affinity none: nodes per address: $(spread '$1' none | awk '{ print $2 }' | sort | uniq -c | xargs)"

########################################################################
# Load weights 10/20/30/40 on the "weight load" rule (port 83).
for i in $(seq 1 $N); do nx "n$i" nlbctl cluster set dev eth0 weight $((10 * i)); done
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
check_eq "weights: every node's map has weights 10/20/30/40" \
	"1:10 2:20 3:30 4:40" "$(show 3 | jq -r '[.[0].members[] | "\(.id):\(.weight)"] | join(" ")')"
probe 83 4000 weights
answered_by_owner 83 weights
shares=$(awk '{ n[$3]++ } END { for (i = 1; i <= 4; i++) printf "%d:%.1f ", i, 100 * n[i] / NR }' "$tmp/weights")
tap_diag "weights: shares of 4000 flows: $shares"
check "weights: each node's share within 2 points of 10/20/30/40 %" \
	awk -v s="$shares" 'BEGIN { n = split(s, a, " "); if (n != 4) exit 1
		for (i = 1; i <= 4; i++) { split(a[i], p, ":"); d = p[2] - 10 * p[1]; if (d > 2 || d < -2) exit 1 } }'
probe 82 1000 equal
check_eq "weights: the equal-weight rule (82) is not moved by them" \
	"$(cat "$tmp/none")" "$(cat "$tmp/equal")"

########################################################################
# Disabled: ports 50-60, both protocols.
declare -A dis0
for i in $(seq 1 $N); do
	dis0[$i]=$(nx "n$i" nlbctl -j stats dev eth0 | jq -r '.[0].disabled')
done
probe 55 200 disabled
check_eq "disabled: none of 200 SYNs to port 55 answered" \
	200 "$(awk '$3 == "-"' "$tmp/disabled" | wc -l)"
for i in $(seq 1 $N); do
	# synprobe sends an unanswered SYN twice.
	check_eq "disabled: node $i dropped the 400 SYNs, counted (stats disabled, the rule's dropped)" \
		"400 400" "$(( $(nx "n$i" nlbctl -j stats dev eth0 | jq -r '.[0].disabled') - ${dis0[$i]} )) $(rule_count "$i" 55 dropped)"
	check_eq "disabled: node $i query: nobody owns it, not accepted" "0 false" \
		"$(nx "n$i" nlbctl -j query dev eth0 proto udp src 10.7.1.1:4000 dst "$NLB_VIP:55" | jq -r '"\(.owner) \(.accept)"')"
done

########################################################################
# Default host: port 9000 is in no rule.
probe 9000 200 defhost
answered_by_owner 9000 defhost
check_eq "default host: all 200 SYNs to port 9000 answered by node 2 (priority 1)" \
	"200 2" "$(awk '{ print $3 }' "$tmp/defhost" | sort | uniq -c | xargs)"

########################################################################
# Single host on 1433: node 2, then node 1 when node 2 dies, then node 2
# again for new connections while node 1 keeps its own.
probe 1433 200 single1
check_eq "single: all 200 SYNs to port 1433 answered by node 2 (priority 1)" \
	"200 2" "$(awk '{ print $3 }' "$tmp/single1" | sort | uniq -c | xargs)"
check_eq "single: rule show names node 2 as the rule's owner" 2 "$(rule_count 1 1433 owner)"

for p in $(seq 31000 31009); do
	for s in "${SOURCES[@]}"; do echo "$s $p"; done
done >"$tmp/flows"
nx_bg c "$TOOLS/connloop.py" --dst "$NLB_VIP" --port 1433 --flows "$tmp/flows" \
	--interval 0.02 --timeout 2.5 --ready "$tmp/loop.ready" >"$tmp/loop"
loop_pid=$!
wait_for "$START_WAIT" test -f "$tmp/loop.ready" || die "connloop did not start"
sleep 1.5
t_kill=$(mono_run ip netns exec "${NLB_NS_PREFIX}sw" bridge -batch - <<<"link set dev n2-eth0 state 0
link set dev n2-eth1 state 0")
# The ports are off once the command has returned.
t_off=$(mono_run true)
wait_for 10 settled 1,3,4 1 3 4 || true
sleep 1
kill -TERM "$loop_pid"
wait "$loop_pid" || die "connloop failed"
fo=$(awk -v t="$t_kill" '$5 == 1 && $2 > t { if (!m || $2 < m) m = $2 } END { if (m) printf "%d", (m - t) * 1000; else print -1 }' "$tmp/loop")
tap_diag "single: node 2 killed -> first connection to 1433 completed by node 1: $fo ms (bound $FAILOVER_MS ms)"
check "single: failover to node 1 (priority 2) within $FAILOVER_MS ms" \
	test "$fo" -ge 0 -a "$fo" -lt "$FAILOVER_MS"
check_eq "single: before the kill node 2, after it node 1 answered, nobody else" "" \
	"$(awk -v t="$t_kill" -v off="$t_off" '$5 != "-" && $5 != "bind" && !(($5 == 2 && $1 < off) || ($5 == 1 && $2 > t))' "$tmp/loop" | head -n 3)"
check_eq "single: node 1 is the default host of 1, 3 and 4" "1 1 1" \
	"$(for i in 1 3 4; do show "$i" | jq -r '.[0].default_host'; done | xargs)"

# Long-lived connections on node 1, then node 2 comes back.
nx_bg c "$TOOLS/longconns.py" --dst "$NLB_VIP" --port 1433 --count 20 \
	"${src_args[@]}" --period 250 --stall 5 --ready "$tmp/lc.conns" \
	>"$tmp/lc" 2>"$tmp/lc.err"
lc_pid=$!
wait_for $((START_WAIT * 2)) test -f "$tmp/lc.conns" || die "longconns did not start"
check_eq "single: 20 long-lived connections, all on node 1" "20 1" \
	"$(awk '{ print $3 }' "$tmp/lc.conns" | sort | uniq -c | xargs)"
awk '{ print $1, $2 }' "$tmp/lc.conns" | sort >"$tmp/lc.keys"
check_eq "single: node 1 holds the 20 connections' flows, established" "" \
	"$(nx n1 nlbctl -j show flows dev eth0 |
	   jq -r '.[] | select(.dport == 1433 and .state == "established") | "\(.src) \(.sport)"' |
	   sort | comm -13 - "$tmp/lc.keys")"
ip -n "${NLB_NS_PREFIX}n2" link del eth1
ip -n "${NLB_NS_PREFIX}n2" link del eth0
nx n2 nlbctl cluster del dev eth0 2>/dev/null || true
pkill -f "idserver.py --id 2 " || true
pkill -f "echoserver.py --id 2 " || true
_port br0 n2 eth0
_port br1 n2 eth1
nx n2 ip addr add 192.0.2.2/24 dev eth0
nx n2 ip addr add 198.51.100.2/24 dev eth1
# The VIP only with the cluster: without it, node 2 would answer the
# client's ARP for the VIP with its own MAC and take every flow.
node_up 2
nx n2 ip addr add "$NLB_VIP/32" dev eth0
set_rules 2
nx n2 nlbctl cluster set dev eth0 weight 20
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
check_eq "single: node 2 back, the default host again everywhere" "2 2 2 2" \
	"$(for i in 1 2 3 4; do show "$i" | jq -r '.[0].default_host'; done | xargs)"
probe 1433 200 single2
check_eq "single: new SYNs to 1433 answered by node 2 again" \
	"200 2" "$(awk '{ print $3 }' "$tmp/single2" | sort | uniq -c | xargs)"
sleep 3
kill -TERM "$lc_pid"
wait "$lc_pid" || true
got=$(jq -rs '"\(length) \(map(select(.node != "1")) | length) \(map(select(.error != "")) | length) \(map(.stalls) | add) \(map(.wrong) | add)"' "$tmp/lc")
check_eq "single: the 20 connections stayed on node 1, none lost, stalled or answered wrong" \
	"20 0 0 0 0" "$got"
[ "$got" = "20 0 0 0 0" ] ||
	tap_diag "errors: $(jq -r 'select(.error != "") | .error' "$tmp/lc" | sort | uniq -c | xargs)" \
		"longconns: $(cat "$tmp/lc.err")" \
		"node 1: $(nx n1 nlbctl -j stats dev eth0 | jq -c '.[0] | del(.heartbeat)')" \
		"node 2: $(nx n2 nlbctl -j stats dev eth0 | jq -c '.[0] | del(.heartbeat)')" \
		"node 1 flows: $(nx n1 nlbctl -j show flows dev eth0 | jq -c 'map(select(.dport == 1433)) | length')" \
		"dmesg: $(dmesg | grep -E 'nlb: eth0 node (1|2):' | tail -n 30)"
check "single: node 1 answered them after node 2 came back (held flows)" \
	test "$(nx n1 nlbctl -j stats dev eth0 | jq -r '.[0].held_accepted')" -gt 0

########################################################################
# Mismatch: node 4 gets one more rule.
nx n4 nlbctl rule add dev eth0 ports 7000 proto udp mode disabled
wait_for 10 settled 1,2,3 1 2 3 || true
for i in 1 2 3; do
	check_eq "mismatch: node $i names node 4 mismatched and keeps it out" \
		"mismatch=true in_map=false" \
		"$(show "$i" | jq -r '.[0].peers[] | select(.id == 4) | "mismatch=\(.mismatch) in_map=\(.in_map)"')"
done
check_eq "mismatch: node 4 is in state mismatch, owns nothing" "mismatch 0" \
	"$(show 4 | jq -r '.[0] | "\(.state) \(.owned_buckets)"')"
nx n4 nlbctl rule del dev eth0 ports 7000 proto udp
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
check "mismatch: the rule removed, node 4 joins (4 members everywhere)" \
	settled 1,2,3,4 1 2 3 4

########################################################################
# Duplicate priority: node 4 takes node 3's priority.  Node 3's cluster
# is older, so node 4 stays out (priority-taken) and the others name it;
# given a priority of its own again, it joins.
nx n4 nlbctl cluster set dev eth0 priority 3
wait_for 10 settled 1,2,3 1 2 3 || true
check_eq "priority: node 4 with node 3's priority is out, in state priority-taken" \
	"priority-taken 0" "$(show 4 | jq -r '.[0] | "\(.state) \(.owned_buckets)"')"
for i in 1 2 3; do
	check_eq "priority: node $i sees node 4 priority-taken, priority 3, out of its map" \
		"priority-taken 3 false" \
		"$(show "$i" | jq -r '.[0].peers[] | select(.id == 4) | "\(.state) \(.priority) \(.in_map)"')"
done
nx n4 nlbctl cluster set dev eth0 priority 4
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
check "priority: node 4 with a priority of its own joins (4 members everywhere)" \
	settled 1,2,3,4 1 2 3 4

########################################################################
# Replace: a rule replaced with the same ports, protocol and VIP keeps its
# counters; `rule show` without dev lists every cluster of the namespace.
before=$(rule_count 1 80 accepted)
for i in $(seq 1 $N); do
	nx "n$i" nlbctl rule replace dev eth0 ports 80 proto tcp mode multiple affinity network
done
check_eq "replace: node 1's rule for port 80 has affinity network, its counters kept" \
	"network $before" "$(rule_count 1 80 affinity) $(rule_count 1 80 accepted)"
check "replace: the counter was not empty (node 1's share of the affinity part)" \
	test "$before" -gt 0
check_eq "replace: rule show without dev lists eth0's rules" \
	"eth0 $(nx n1 nlbctl -j rule show dev eth0 | jq -c '.[0].rules | del(.[].accepted, .[].dropped, .[].owner, .[].node_buckets)')" \
	"$(nx n1 nlbctl -j rule show | jq -r '.[] | "\(.dev) \(.rules | del(.[].accepted, .[].dropped, .[].owner, .[].node_buckets) | tojson)"')"
wait_for 30 settled 1,2,3,4 1 2 3 4 || true
check "replace: the cluster converged on the new rule (4 members everywhere)" \
	settled 1,2,3,4 1 2 3 4

########################################################################
# Each node's own settings for a rule.  Port 83 ("weight load"): node
# weights 40/30/20/10, the reverse of the host weights 10/20/30/40.
for i in $(seq 1 $N); do
	nx "n$i" nlbctl rule set dev eth0 ports 83 proto tcp weight $((50 - 10 * i))
done
wait_for 30 agreed || true
check "node weights: the cluster agrees on them, nobody mismatched or out" agreed
check_eq "node weights: each node has its own for rule 83" "40 30 20 10" \
	"$(for i in $(seq 1 $N); do rule_count "$i" 83 node_weight; done | xargs)"
check_eq "node weights: the nodes' buckets of rule 83 add up to all of them" \
	"$(show 1 | jq -r '.[0].buckets')" \
	"$(( $(for i in $(seq 1 $N); do rule_count "$i" 83 node_buckets; done | paste -sd+) ))"
probe 83 4000 nweights
answered_by_owner 83 nweights
shares=$(awk '{ n[$3]++ } END { for (i = 1; i <= 4; i++) printf "%d:%.1f ", i, 100 * n[i] / NR }' "$tmp/nweights")
tap_diag "node weights: shares of 4000 flows: $shares"
check "node weights: each node's share within 2 points of 40/30/20/10 %" \
	awk -v s="$shares" 'BEGIN { n = split(s, a, " "); if (n != 4) exit 1
		for (i = 1; i <= 4; i++) { split(a[i], p, ":"); d = p[2] - (50 - 10 * p[1]); if (d > 2 || d < -2) exit 1 } }'
probe 82 1000 nequal
check_eq "node weights: the equal-weight rule (82) is not moved by them" \
	"$(cat "$tmp/none")" "$(cat "$tmp/nequal")"
nx n1 nlbctl rule set dev eth0 ports 83 proto tcp weight 0
wait_for 30 agreed || true
check_eq "node weight 0: node 1 has no bucket of rule 83" 0 "$(rule_count 1 83 node_buckets)"
probe 83 1000 nweight0
answered_by_owner 83 nweight0
check_eq "node weight 0: node 1 answered none of 1000 SYNs to port 83" 0 \
	"$(awk '$3 == 1' "$tmp/nweight0" | wc -l)"

# Port 1433 (single host): handling priorities 3, 4, 2, 1 for nodes 1..4,
# against host priorities 2, 1, 3, 4.
RPRIO=(0 3 4 2 1)
for i in $(seq 1 $N); do
	nx "n$i" nlbctl rule set dev eth0 ports 1433 proto tcp priority "${RPRIO[$i]}"
done
wait_for 30 agreed || true
check_eq "handling priority: every node names node 4 (handling priority 1) the owner of 1433" \
	"4 4 4 4" "$(for i in $(seq 1 $N); do rule_count "$i" 1433 owner; done | xargs)"
probe 1433 200 hprio
check_eq "handling priority: all 200 SYNs to 1433 answered by node 4" "200 4" "$(ncount 1433 hprio)"
probe 9000 200 hdef
check_eq "handling priority: the default host is still node 2 (port 9000)" "200 2" "$(ncount 9000 hdef)"

# Drain on node 4: its long-lived connections go on, node 3 (handling
# priority 2) takes the new ones.
nx_bg c "$TOOLS/longconns.py" --dst "$NLB_VIP" --port 1433 --count 20 \
	"${src_args[@]}" --period 250 --stall 5 --ready "$tmp/lc2.conns" \
	>"$tmp/lc2" 2>"$tmp/lc2.err"
lc_pid=$!
wait_for $((START_WAIT * 2)) test -f "$tmp/lc2.conns" || die "longconns did not start"
check_eq "drain: 20 long-lived connections, all on node 4" "20 4" \
	"$(awk '{ print $3 }' "$tmp/lc2.conns" | sort | uniq -c | xargs)"
nx n4 nlbctl rule drain dev eth0 ports 1433 proto tcp
wait_for 30 agreed || true
check_eq "drain: node 4 draining 1433 with no bucket of it, node 3 its owner everywhere" \
	"draining 0 3 3 3 3" \
	"$(rule_count 4 1433 node_state) $(rule_count 4 1433 node_buckets) $(for i in $(seq 1 $N); do rule_count "$i" 1433 owner; done | xargs)"
probe 1433 200 hdrain
check_eq "drain: new SYNs to 1433 answered by node 3" "200 3" "$(ncount 1433 hdrain)"
sleep 3
check_eq "drain: node 4 still holds the 20 connections' flows" 20 \
	"$(nx n4 nlbctl -j show flows dev eth0 | jq '[.[] | select(.dport == 1433 and .state == "established")] | length')"
check_eq "drain: node 4 is still active, a member everywhere" "active 1,2,3,4" \
	"$(show 4 | jq -r '.[0].state') $(show 1 | jq -r '[.[0].members[].id] | map(tostring) | join(",")')"

# Disable on node 4: the flows of the rule it held are dropped at once;
# their connections break (node 3 has no socket for them).
nx n4 nlbctl rule disable dev eth0 ports 1433 proto tcp
check_eq "disable: node 4 holds no flow of 1433 any more" 0 \
	"$(nx n4 nlbctl -j show flows dev eth0 | jq '[.[] | select(.dport == 1433)] | length')"
wait_for 30 agreed || true
sleep 3
kill -TERM "$lc_pid"
wait "$lc_pid" || true
check_eq "drain, disable: the 20 connections were answered by node 4 only, never wrong, and all broke after disable" \
	"20 0 0 20" \
	"$(jq -rs '"\(length) \(map(select(.node != "4")) | length) \(map(.wrong) | add) \(map(select(.error != "")) | length)"' "$tmp/lc2")"
tap_diag "disable: how the connections ended: $(jq -r '.error' "$tmp/lc2" | sort | uniq -c | xargs)"
check_eq "disable: node 4's rule 1433 disabled, no bucket" "disabled 0" \
	"$(rule_count 4 1433 node_state) $(rule_count 4 1433 node_buckets)"

# Enabled again, node 4 owns the rule again.
nx n4 nlbctl rule enable dev eth0 ports 1433 proto tcp
wait_for 30 agreed || true
probe 1433 200 henable
check_eq "enable: new SYNs to 1433 answered by node 4 again" "200 4" "$(ncount 1433 henable)"
check_eq "node settings: a disabled rule takes no state" \
	"nlbctl: error: a disabled rule has no per-node state: every node drops its traffic" \
	"$(nx n1 nlbctl rule drain dev eth0 ports 50 2>&1)"

########################################################################
# Held flows are counted per rule: two UDP rules of affinity single, one
# with equal weights (5000) and one with the load weights 10/20/30/40
# (5001), so their arrays differ.  A client address's flows to both fall
# in the same bucket.  The flows held under 5000 must not make their node
# report that bucket held for 5001, whose owner there would then leave
# new flows of 5001 to it: every flow to 5001 is answered by its owner.
for i in $(seq 1 $N); do
	nx "n$i" nlbctl -batch - <<-EOF
	rule add dev eth0 ports 5000 proto udp mode multiple affinity single weight equal
	rule add dev eth0 ports 5001 proto udp mode multiple affinity single weight load
	EOF
done
wait_for 30 agreed || true
check "classes: the cluster agrees on the two UDP rules" agreed
for s in "${SOURCES[@]}"; do echo "$s 41000"; done >"$tmp/u5000.flows"
for s in "${SOURCES[@]}"; do echo "$s 42000"; done >"$tmp/u5001.flows"
# uowners PORT FILE: "SRC SPORT OWNER" per UDP flow of FILE, as node 1 says.
uowners() {
	awk -v vip="$NLB_VIP" -v port="$1" '{ printf "query dev eth0 proto udp src %s:%s dst %s:%s\n", $1, $2, vip, port }' "$2" |
		nx n1 nlbctl -j -batch - | jq -r '"\(.src) \(.sport) \(.owner)"'
}
nx_bg c "$TOOLS/udpflows.py" --dst "$NLB_VIP" --port 5000 --flows "$tmp/u5000.flows" \
	--period 100 --ready "$tmp/u5000.ready" >"$tmp/u5000.out"
u_pid=$!
wait_for "$START_WAIT" test -f "$tmp/u5000.ready" || die "udpflows (5000) did not start"
check_eq "classes: 50 UDP flows to 5000, each answered by its owner" \
	"$(uowners 5000 "$tmp/u5000.flows")" "$(cat "$tmp/u5000.ready")"
sleep 1
awk '{ print $1, $3 }' "$tmp/u5000.ready" | sort >"$tmp/u5000.own"
uowners 5001 "$tmp/u5001.flows" | awk '{ print $1, $3 }' | sort >"$tmp/u5001.own"
moved=$(join "$tmp/u5000.own" "$tmp/u5001.own" | awk '$2 != $3' | wc -l)
tap_diag "classes: $moved of 50 client addresses have another owner for 5001 than for 5000"
check "classes: some addresses have another owner for 5001 (the arrays differ)" \
	test "$moved" -gt 0
nx c "$TOOLS/udpflows.py" --dst "$NLB_VIP" --port 5001 --flows "$tmp/u5001.flows" \
	--period 100 --ready "$tmp/u5001.ready" --duration 12 >"$tmp/u5001.out"
check_eq "classes: 50 new UDP flows to 5001, in buckets with flows of 5000 held, each answered by its owner" \
	"$(uowners 5001 "$tmp/u5001.flows")" "$(cat "$tmp/u5001.ready")"
kill -TERM "$u_pid"
wait "$u_pid" || true

for i in $(seq 1 $N); do nx "n$i" nlbctl cluster del dev eth0; done
nlb_unload
dmesg_check "no kernel warning"
tap_done
