#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice-xdp against the veth ceiling and against Linux, in one run, on the
# same 3-namespace veth testbed with the same generator:
#
#   xb-gen  [gen0] ---- [rlan]  xb-rtr  [rwan] ---- [sink0]  xb-sink
#   10.71.1.2/24    10.71.1.1/24        10.71.2.1/24   10.71.2.2/24
#
#   (a) plain XDP L2 redirect rlan -> rwan through a DEVMAP (no lookup): the
#       ceiling of a forwarding XDP program on these veths
#   (b) Linux forwarding + nftables masquerade on rwan (conntrack NAT)
#   (c) sluice-xdp: LPM route lookup + NAT44 (pool 10.71.2.1, masquerade-like)
#
# Generator: an XDP program run by BPF_PROG_TEST_RUN with
# BPF_F_TEST_XDP_LIVE_FRAMES on gen0 (sluice-xdp-benchtool gen), 64-byte UDP
# frames from 10.71.1.2 to 198.18.0.1:9, FLOWS distinct source ports. Receiver:
# an XDP program on sink0 counting and dropping (sluice-xdp-benchtool count);
# the rate is what reaches sink0 over DURATION seconds after WARMUP seconds.
# ROUNDS rounds of the three in turn, each figure the median of its rounds.
# Printed: the three rates and the ratios c/b (target >= 4) and c/a (>= 0.7).
#
# usage: bench/xdp_compare.sh [BUILD_DIR]      (default: build)
# env:   DURATION=5 WARMUP=2 ROUNDS=3 FLOWS=1024 KEEP=0
#        ONLY="a b c" (a subset skips the others and their ratios)
# needs: root, nft, ethtool; the testbed namespaces are removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${1:-${BUILD_DIR:-$repo/build}}
case $build in /*) ;; *) build=$PWD/$build ;; esac
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
FLOWS=${FLOWS:-1024}
TOOL=$build/bench/xdp/sluice-xdp-benchtool
SXDP=$build/ebpf/sluice-xdp

die() { echo "xdp_compare.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP)"
[ -x "$TOOL" ] || die "no $TOOL (build with ninja -C $build)"
ONLY=${ONLY:-a b c}
case " $ONLY " in *" c "*) [ -x "$SXDP" ] || die "no $SXDP (build with ninja -C $build)" ;; esac
command -v nft >/dev/null || die "needs nft (apt-get install nftables)"
command -v ethtool >/dev/null || die "needs ethtool"

tmp=$(mktemp -d /tmp/sluice-xdp-cmp.XXXXXX)
pids=()
cleanup() {
	# (run_x run in $(...) subshells: their pids are in $tmp/pids)
	for p in "${pids[@]}" $(cat "$tmp/pids" 2>/dev/null); do
		# still ours (not a reused pid): one of the two binaries
		grep -qaF -e "$TOOL" -e "$SXDP" "/proc/$p/cmdline" 2>/dev/null && kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for ns in xb-gen xb-rtr xb-sink; do ip netns del $ns 2>/dev/null || true; done
	rm -rf "/sys/fs/bpf/sluice-bench-$$" 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; nsenter --net=/run/netns/$ns "$@"; }

for ns in xb-gen xb-rtr xb-sink; do
	ip netns del $ns 2>/dev/null || true
	ip netns add $ns
	ip -n $ns link set lo up
done
ip link add gen0 netns xb-gen type veth peer name rlan netns xb-rtr
ip link add rwan netns xb-rtr type veth peer name sink0 netns xb-sink
ip -n xb-gen addr add 10.71.1.2/24 dev gen0
ip -n xb-rtr addr add 10.71.1.1/24 dev rlan
ip -n xb-rtr addr add 10.71.2.1/24 dev rwan
ip -n xb-sink addr add 10.71.2.2/24 dev sink0
for l in "xb-gen gen0" "xb-rtr rlan" "xb-rtr rwan" "xb-sink sink0"; do
	set -- $l
	ip -n $1 link set $2 up
done
mac() { ip -n "$1" -j link show dev "$2" | sed -n 's/.*"address":"\([0-9a-f:]*\)".*/\1/p'; }
GEN_MAC=$(mac xb-gen gen0)
RLAN_MAC=$(mac xb-rtr rlan)
RWAN_MAC=$(mac xb-rtr rwan)
SINK_MAC=$(mac xb-sink sink0)
ip -n xb-rtr route add default via 10.71.2.2 dev rwan
ip -n xb-rtr neigh replace 10.71.2.2 lladdr "$SINK_MAC" dev rwan nud permanent
ip -n xb-rtr neigh replace 10.71.1.2 lladdr "$GEN_MAC" dev rlan nud permanent
# XDP_TX frames from gen0 need an XDP program or GRO on rlan (ENVIRONMENT.md)
in_ns xb-rtr ethtool -K rlan gro on >/dev/null
in_ns xb-rtr sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.rlan.rp_filter=0

cat >"$tmp/sluice.conf" <<CONF
# bench/xdp_compare.sh (c): inside rlan, outside rwan, NAT to rwan's address
interface lan0 device rlan address 10.71.1.1/24 role inside
interface wan0 device rwan address 10.71.2.1/24 role outside
route add 0.0.0.0/0 via 10.71.2.2 dev wan0
neighbor add 10.71.2.2 lladdr $SINK_MAC dev wan0
neighbor add 10.71.1.2 lladdr $GEN_MAC dev lan0
nat pool add 10.71.2.1/32 ports 1024-65535
CONF

# one measurement: generator for WARMUP+DURATION+1 s, counter in parallel
measure() {
	in_ns xb-sink "$TOOL" count --dev sink0 --warmup "$WARMUP" --seconds "$DURATION" \
		>"$tmp/count.out" 2>&1 &
	local cp=$!
	sleep 0.5
	in_ns xb-gen "$TOOL" gen --dev gen0 --src-mac "$GEN_MAC" --dst-mac "$RLAN_MAC" \
		--src 10.71.1.2 --dst 198.18.0.1 --flows "$FLOWS" \
		--seconds "$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN {print w + d + 1}')" >"$tmp/gen.out" 2>&1 ||
		{ cat "$tmp/gen.out" >&2; return 1; }
	wait $cp || { cat "$tmp/count.out" >&2; return 1; }
	sed -n 's/.*rx_pps \([0-9]*\).*/\1/p' "$tmp/count.out"
}

# the router's state, when a measurement saw (almost) nothing arrive
router_state() {
	echo "--- xb-rtr: routes, neighbours, links, nftables" >&2
	ip -n xb-rtr route >&2 || true
	ip -n xb-rtr neigh >&2 || true
	ip -n xb-rtr -s link >&2 || true
	in_ns xb-rtr nft list ruleset >&2 || true
	cat "$tmp/gen.out" "$tmp/count.out" >&2 || true
}

# run_X, checked: a rate under 1000 pps is a broken testbed, not a figure;
# it is reported with the router's state and measured once more
checked() {
	local v
	v=$(run_$1) || return 1
	if [ "${v:-0}" -lt 1000 ]; then
		echo "xdp_compare.sh: ($1) measured ${v:-nothing} pps; the router:" >&2
		router_state
		echo "xdp_compare.sh: ($1) measured once more" >&2
		v=$(run_$1) || return 1
		[ "${v:-0}" -ge 1000 ] || { router_state; echo "xdp_compare.sh: ($1) ${v:-nothing} pps again" >&2; return 1; }
	fi
	echo "$v"
}

run_a() {
	nsenter --net=/run/netns/xb-rtr "$TOOL" l2fwd --in rlan --out rwan --src-mac "$RWAN_MAC" \
		--dst-mac "$SINK_MAC" >"$tmp/l2fwd.out" 2>&1 &
	local p=$!
	echo $p >>"$tmp/pids"
	for _ in $(seq 150); do grep -q attached "$tmp/l2fwd.out" 2>/dev/null && break; sleep 0.1; done
	grep -q attached "$tmp/l2fwd.out" ||
		{ echo "l2fwd did not attach:" >&2; cat "$tmp/l2fwd.out" >&2; kill $p; return 1; }
	measure
	kill $p; wait $p || true
}

no_xdp_on_router() {
	if ip -n xb-rtr link show rlan | grep -q 'prog/xdp'; then
		echo "an XDP program is still attached to rlan" >&2
		return 1
	fi
}

run_b() {
	no_xdp_on_router || return 1
	in_ns xb-rtr sysctl -qw net.ipv4.ip_forward=1
	in_ns xb-rtr nft -f - <<NFT
table ip xbnat {
	chain post { type nat hook postrouting priority srcnat; oifname "rwan" masquerade; }
}
NFT
	measure
	in_ns xb-rtr nft delete table ip xbnat
	in_ns xb-rtr sysctl -qw net.ipv4.ip_forward=0
}

run_c() {
	# maps pinned in a per-run bpffs directory (--fresh: no state from an
	# earlier round); nsenter --net keeps /sys/fs/bpf visible
	local pin=/sys/fs/bpf/sluice-bench-$$
	nsenter --net=/run/netns/xb-rtr "$SXDP" --config "$tmp/sluice.conf" --ctl "$tmp/ctl.sock" \
		--pin-dir "$pin" --fresh >"$tmp/sxdp.out" 2>&1 &
	local p=$!
	echo $p >>"$tmp/pids"
	for _ in $(seq 300); do grep -q 'sluice-xdp: running' "$tmp/sxdp.out" 2>/dev/null && break; sleep 0.1; done
	grep -q 'sluice-xdp: running' "$tmp/sxdp.out" ||
		{ echo "sluice-xdp did not start:" >&2; cat "$tmp/sxdp.out" >&2; kill $p; return 1; }
	measure
	kill $p; wait $p || true
	# the agent leaves its nftables guard (fail closed): (b) needs forwarding
	in_ns xb-rtr nft delete table inet sluice 2>/dev/null || true
	rm -rf "$pin"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "xdp_compare: $ROUNDS rounds, ${DURATION}s each after ${WARMUP}s, $FLOWS flows, 64-byte UDP"
: >"$tmp/a"; : >"$tmp/b"; : >"$tmp/c"
for r in $(seq "$ROUNDS"); do
	line="round $r:"
	for x in $ONLY; do
		v=$(checked "$x") || die "($x) failed"
		echo "$v" >>"$tmp/$x"
		line="$line ($x) $v pps"
	done
	echo "$line"
done
A=$(median <"$tmp/a"); B=$(median <"$tmp/b"); C=$(median <"$tmp/c")
awk -v a="$A" -v b="$B" -v c="$C" 'BEGIN {
	if (a != "") printf "(a) XDP L2 redirect (veth ceiling)    %7.3f Mpps\n", a / 1e6
	if (b != "") printf "(b) Linux forwarding + nft masquerade %7.3f Mpps\n", b / 1e6
	if (c != "") printf "(c) sluice-xdp LPM + NAT44            %7.3f Mpps\n", c / 1e6
	if (c != "" && b != "") printf "c/b = %.2f (target >= 4)\n", c / b
	if (c != "" && a != "") printf "c/a = %.2f (target >= 0.7)\n", c / a
}'
