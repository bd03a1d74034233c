#!/usr/bin/env bash
# tests/e2e/routed.sh — end-to-end routed test of sluice-dp in network namespaces.
#
#   tests/e2e/routed.sh PATH/TO/sluice-dp
#
# Real clients in ${P}lan (ping, curl, iperf3) reach real servers in ${P}wan
# through sluice-dp running on the two gateway-side veths in ${P}gw (see
# scripts/testbed), once with 1 worker lcore and once with 2. Builds nothing.
# Needs root; exits 77 (skip) otherwise. Prints PASS/FAIL per check and a final
# "N passed, M failed"; exit status 0 only when everything passed.
#
# Environment: SLUICE_E2E_VARIANTS  space-separated worker counts (default "1 2")
#              SLUICE_E2E_KEEP=1    keep the temp dir (logs) after the run
#              SLUICE_E2E_DP_ARGS   extra sluice-dp options (after --config FILE)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/sluice-dp" >&2
	exit 2
fi
e2e_init sle routed
DP=$(readlink -f "$1")
e2e_need_exec "$DP"

# --- testbed and servers ------------------------------------------------------
e2e_testbed_up
TOKEN="sluice e2e $(date +%s) $$"
make_www "$TMP/www" "$TOKEN" big
cat >"$TMP/sluice.conf" <<'EOF2'
# written by tests/e2e/routed.sh
interface lan0 device net_af_packet0 address 192.168.1.1/24 address fd00:1::1/64 role inside
interface wan0 device net_af_packet1 address 203.0.113.2/24 address 2001:db8:f::2/64 role outside
EOF2
start_http "$WAN" 203.0.113.1 8080 "$TMP/www" "$TMP/http.log" || fail "http server in wan starts"
start_iperf3 "$WAN" 203.0.113.1 "$TMP/iperf3-server.log"
WCPU=$(workers_cpu)

# --- one run of sluice-dp with N workers ---------------------------------------
run_variant() {
	local nw=$1 tag lcores log i out rate fwd dp_args
	tag="[$nw worker$([ "$nw" -gt 1 ] && echo s)]"
	log=$TMP/sluice-dp.$nw.log
	read -r -a dp_args <<<"${SLUICE_E2E_DP_ARGS:-}"
	lcores="0@0"
	for i in $(seq "$nw"); do lcores="$lcores,$i@$WCPU"; done

	echo "=== $tag sluice-dp --lcores $lcores ==="
	: >"$log"
	# Job control on for this one launch: bash otherwise starts background
	# commands with SIGINT ignored, and the test is about SIGINT handling.
	# (ip netns exec directly: a backgrounded function would be a subshell.)
	set -m
	ip netns exec "$GW" "$DP" --no-pci --no-huge --no-shconf -m 512 --lcores "$lcores" \
		--vdev "net_af_packet0,iface=$LAN_GW_IF,qpairs=$nw" \
		--vdev "net_af_packet1,iface=$WAN_GW_IF,qpairs=$nw" \
		-- --config "$TMP/sluice.conf" "${dp_args[@]}" >"$log" 2>&1 &
	GW_PID=$!
	set +m
	if ! wait_log_line "$log" 'sluice-dp: running' "$GW_PID"; then
		fail "$tag sluice-dp starts (no 'sluice-dp: running' line)"
		sed 's/^/  | /' "$log" | tail -n 30
		stop_pid "$GW_PID" INT
		GW_PID=
		return
	fi
	pass "$tag sluice-dp starts"

	# Wait until the gateway answers (ARP + ICMP echo), at most ~15 s.
	for i in $(seq 15); do
		in_lan ping -c 1 -W 1 -q 192.168.1.1 >/dev/null 2>&1 && break
	done
	check_ping "$tag" "ping gateway 192.168.1.1" "$LAN" 192.168.1.1
	check_ping "$tag" "ping through gateway 203.0.113.1" "$LAN" 203.0.113.1
	check_ping "$tag" "ping6 gateway fd00:1::1" "$LAN" -6 fd00:1::1
	check_ping "$tag" "ping6 through gateway 2001:db8:f::1" "$LAN" -6 2001:db8:f::1
	check_curl "$tag" "curl http://203.0.113.1:8080/index.html" "$LAN" \
		http://203.0.113.1:8080/index.html "$TOKEN"
	check_big_file "$tag" "curl 2 MiB file" "$LAN" http://203.0.113.1:8080/big.bin "$BIG_SUM"

	if [ "$IPERF_UP" = 1 ]; then
		out=$(in_lan timeout 20 iperf3 -c 203.0.113.1 -p 5201 -t 2 -f m 2>&1)
		rate=$(echo "$out" | grep -E 'receiver$' | tail -n 1 | grep -oE '[0-9.]+ [KMG]bits/sec')
		if [ -n "$rate" ]; then
			info "$tag iperf3 TCP lan->wan 2 s: $rate"
		else
			info "$tag iperf3 TCP did not complete: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		fi
	else
		info "iperf3 not installed: throughput not measured"
	fi

	# Stop with SIGINT: exit status 0 and counters showing forwarded packets.
	stop_gateway "$tag" sluice-dp
	fwd=$(grep -oE '\bforwarded[^0-9a-z]*[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$')
	if [ -n "$fwd" ] && [ "$fwd" -gt 0 ]; then
		pass "$tag counters printed, forwarded $fwd"
	else
		fail "$tag counters printed with forwarded > 0 (got '${fwd:-no forwarded line}')"
	fi
	echo "--- $tag sluice-dp output (tail) ---"
	tail -n 40 "$log" | sed 's/^/  | /'
}

for nw in ${SLUICE_E2E_VARIANTS:-1 2}; do
	run_variant "$nw"
done
e2e_finish
