#!/usr/bin/env bash
# tests/e2e/nat.sh — end-to-end NAT44 test of sluice-dp in network namespaces.
#
#   tests/e2e/nat.sh PATH/TO/sluice-dp
#
# The testbed of scripts/testbed, but the wan host has NO route back to
# 192.168.1.0/24 (it knows only its own 203.0.113.0/24): lan traffic reaches
# it only because sluice-dp masquerades it behind its own wan address
# (`nat pool add 203.0.113.2/32`). The checks of nat_checks.sh (ping, curl,
# iperf3 TCP and UDP, static forward, hairpin, unsolicited inbound dropped),
# once with 1 worker lcore and once with 2 (af_packet qpairs=N, so the two
# directions of a session can be received by different workers), then once
# over net_af_xdp with 1 worker, where also a UDP datagram in fragments sent
# last fragment first must arrive whole (held until its first fragment:
# net_af_packet cannot show this, the kernel reassembles fragments before
# it reads them, README "NIC support"); each time sluice-dp stops on SIGINT
# with status 0 and its counters show forwarded > 0 and nat-no-session > 0.
# Needs root; exits 77 (skip) otherwise. Prints PASS/FAIL per check and a final
# "N passed, M failed"; exit status 0 only when everything passed.
#
# Environment: SLUICE_E2E_VARIANTS  space-separated variants: a worker count
#                                   (net_af_packet) or af_xdp (default "1 2 af_xdp")
#              SLUICE_E2E_KEEP=1    keep the temp dir (logs) after the run
#              SLUICE_E2E_DP_ARGS   extra sluice-dp options (after --config FILE)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
. "$HERE/nat_checks.sh"

if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/sluice-dp" >&2
	exit 2
fi
e2e_init sln nat
DP=$(readlink -f "$1")
e2e_need_exec "$DP"

nat_setup
# write_conf DRIVER: the config over net_DRIVER0/1
write_conf() {
	cat >"$TMP/sluice.conf" <<EOF2
# written by tests/e2e/nat.sh
interface lan0 device net_${1}0 address 192.168.1.1/24 address fd00:1::1/64 role inside
interface wan0 device net_${1}1 address $POOL_IP/24 address 2001:db8:f::2/64 role outside
$NAT_CONF_POLICY
EOF2
}
WCPU=$(workers_cpu)

# --- one run of sluice-dp with N workers ---------------------------------------
run_variant() {
	local nw=$1 tag lcores log i fwd nns dp_args vdevs
	if [ "$nw" = af_xdp ]; then
		nw=1
		tag="[af_xdp]"
		log=$TMP/sluice-dp.af_xdp.log
		write_conf af_xdp
		vdevs=(--vdev "net_af_xdp0,iface=$LAN_GW_IF,start_queue=0,queue_count=1"
			--vdev "net_af_xdp1,iface=$WAN_GW_IF,start_queue=0,queue_count=1")
		NAT_CHECK_FRAGMENTS=1
	else
		tag="[$nw worker$([ "$nw" -gt 1 ] && echo s)]"
		log=$TMP/sluice-dp.$nw.log
		write_conf af_packet
		vdevs=(--vdev "net_af_packet0,iface=$LAN_GW_IF,qpairs=$nw"
			--vdev "net_af_packet1,iface=$WAN_GW_IF,qpairs=$nw")
		NAT_CHECK_FRAGMENTS=
	fi
	read -r -a dp_args <<<"${SLUICE_E2E_DP_ARGS:-}"
	lcores="0@0"
	for i in $(seq "$nw"); do lcores="$lcores,$i@$WCPU"; done

	echo "=== $tag sluice-dp --lcores $lcores (NAT) ==="
	: >"$log"
	# Job control on for this one launch: bash otherwise starts background
	# commands with SIGINT ignored, and the test stops sluice-dp with SIGINT.
	set -m
	# (not via in_gw: a backgrounded function is a subshell, SIGINT would stop
	# the subshell and not sluice-dp)
	ip netns exec "$GW" "$DP" --no-pci --no-huge --no-shconf -m 512 --lcores "$lcores" \
		"${vdevs[@]}" -- --config "$TMP/sluice.conf" "${dp_args[@]}" >"$log" 2>&1 &
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

	nat_checks "$tag"

	stop_gateway "$tag" sluice-dp
	fwd=$(grep -oE '\bforwarded[^0-9a-z]*[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$')
	if [ -n "$fwd" ] && [ "$fwd" -gt 0 ]; then
		pass "$tag counters printed, forwarded $fwd"
	else
		fail "$tag counters printed with forwarded > 0 (got '${fwd:-no forwarded line}')"
	fi
	nns=$(grep -E '^ *drop nat-no-session ' "$log" | tail -n 1 | awk '{print $3}')
	if [ -n "$nns" ] && [ "$nns" -gt 0 ]; then
		pass "$tag counters: nat-no-session $nns > 0"
	else
		fail "$tag counters: nat-no-session > 0 (got '${nns:-none}')"
	fi
	echo "--- $tag sluice-dp output (tail) ---"
	tail -n 40 "$log" | sed 's/^/  | /'
}

for nw in ${SLUICE_E2E_VARIANTS:-1 2 af_xdp}; do
	run_variant "$nw"
done
e2e_finish
