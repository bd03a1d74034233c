#!/usr/bin/env bash
# tests/e2e/xdp.sh — end-to-end NAT44 test of sluice-xdp in network namespaces.
#
#   tests/e2e/xdp.sh PATH/TO/sluice-xdp [PATH/TO/sluicectl]
#
# The testbed of scripts/testbed set up as in nat.sh (the wan host has no
# route back to 192.168.1.0/24), sluice-xdp attached in native mode to gw-lan
# and gw-wan in the gateway namespace (started with nsenter --net so that
# bpffs stays visible; maps pinned in a per-run directory, removed at the
# end). GRO is on at the hosts' veth ends (a veth accepts XDP_REDIRECT
# frames only then). Checks: the program is attached natively; the checks
# of nat_checks.sh (ping, curl, 2 MiB file, iperf3 TCP and UDP, static
# forward, hairpin, unsolicited inbound dropped, a UDP datagram in
# fragments sent last fragment first); `sluicectl show sessions
# --json` and `show stats --json`; an agent restart in the middle of a
# rate-limited download keeps the TCP connection (pinned maps reused: the
# file arrives whole); SIGINT exits 0 with counters (forwarded,
# nat-no-session) and detaches, and the addresses the agent added are gone.
# Needs root; exits 77 (skip) otherwise. Prints PASS/FAIL per check and
# "N passed, M failed"; exit status 0 only when everything passed.
#
# Environment: SLUICE_E2E_KEEP=1 keep the temp dir (logs)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
. "$HERE/nat_checks.sh"
NAT_CHECK_FRAGMENTS=1 # the gateway sees fragments as sent (XDP on the veths)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 PATH/TO/sluice-xdp [PATH/TO/sluicectl]" >&2
	exit 2
fi
e2e_init slx xdp
XDP=$(readlink -f "$1")
CTLBIN=$(readlink -f "${2:-$(dirname "$XDP")/../control/sluicectl}")
e2e_need_exec "$XDP"
e2e_need_exec "$CTLBIN"
for t in nsenter ethtool; do
	command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

PIN=/sys/fs/bpf/sluice-e2e-$$
SOCK=$TMP/ctl.sock
xdp_cleanup() {
	e2e_cleanup
	rm -rf "$PIN" 2>/dev/null
}
trap xdp_cleanup EXIT

nat_setup
for ns in "$LAN" "$WAN"; do
	ip netns exec "$ns" ethtool -K veth0 gro on >/dev/null 2>&1
done
cat >"$TMP/sluice.conf" <<EOF2
# written by tests/e2e/xdp.sh
interface lan0 device $LAN_GW_IF address 192.168.1.1/24 address fd00:1::1/64 role inside
interface wan0 device $WAN_GW_IF address $POOL_IP/24 address 2001:db8:f::2/64 role outside
$NAT_CONF_POLICY
EOF2
TAG="[xdp]"
ctl() { "$CTLBIN" --ctl "$SOCK" "$@"; }

# start_agent LOG: sluice-xdp in the gateway namespace; GW_PID; 0 once running
start_agent() {
	local log=$1
	: >"$log"
	# job control for this launch: SIGINT must reach sluice-xdp
	set -m
	nsenter --net="/run/netns/$GW" "$XDP" --config "$TMP/sluice.conf" --ctl "$SOCK" \
		--pin-dir "$PIN" >"$log" 2>&1 &
	GW_PID=$!
	set +m
	wait_log_line "$log" 'sluice-xdp: running' "$GW_PID"
}

echo "=== $TAG sluice-xdp on $LAN_GW_IF and $WAN_GW_IF (native XDP, NAT) ==="
LOG1=$TMP/sluice-xdp.1.log
if ! start_agent "$LOG1"; then
	fail "$TAG sluice-xdp starts (no 'sluice-xdp: running' line)"
	sed 's/^/  | /' "$LOG1" | tail -n 30
	e2e_finish
fi
pass "$TAG sluice-xdp starts: $(grep 'sluice-xdp: running' "$LOG1")"
for d in "$LAN_GW_IF" "$WAN_GW_IF"; do
	# `ip link` says "xdp" for native mode ("xdpgeneric" for skb mode)
	if ip -n "$GW" link show dev "$d" | grep -qE '\bxdp\b.*|prog/xdp' &&
		! ip -n "$GW" link show dev "$d" | grep -q xdpgeneric; then
		pass "$TAG program attached natively to $d"
	else
		fail "$TAG program attached natively to $d: $(ip -n "$GW" link show dev "$d" | head -n 3 | tr '\n' ' ')"
	fi
done

nat_checks "$TAG"

# --- the control protocol: sessions and stats as JSON ---------------------------
out=$(ctl show sessions --json 2>&1)
if echo "$out" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
ok = any(r["inside"].startswith("192.168.1.10:") and r["outside"].startswith("203.0.113.2:")
         for r in s)
sys.exit(0 if ok else 1)' 2>/dev/null; then
	pass "$TAG sluicectl show sessions --json lists 192.168.1.10 behind $POOL_IP ($(echo "$out" | grep -c inside) sessions)"
else
	fail "$TAG sluicectl show sessions --json: $(echo "$out" | head -c 300)"
fi
out=$(ctl show stats --json 2>&1)
if echo "$out" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
p = s["packets"]
ok = p["forwarded"] > 1000 and s["drops"]["nat-no-session"] > 0 and s["interfaces"]["lan0"]["rx"] > 0
sys.exit(0 if ok else 1)' 2>/dev/null; then
	pass "$TAG sluicectl show stats --json: $(echo "$out" | grep -o '"packets": {[^}]*}')"
else
	fail "$TAG sluicectl show stats --json (forwarded > 1000, nat-no-session > 0): $(echo "$out" | head -c 300)"
fi
if out=$(ctl show routes 2>&1) && echo "$out" | grep -q '203.0.113.0/24'; then
	pass "$TAG sluicectl show routes lists the connected subnets"
else
	fail "$TAG sluicectl show routes: $(echo "$out" | head -c 300)"
fi
if ctl route add 10.99.0.0/16 via 203.0.113.1 >/dev/null 2>&1 &&
	ctl show routes | grep -q '10.99.0.0/16' &&
	! ctl route del 10.98.0.0/16 >/dev/null 2>&1 && ctl route del 10.99.0.0/16 >/dev/null 2>&1; then
	pass "$TAG sluicectl route add/del applied; a bad del refused"
else
	fail "$TAG sluicectl route add/del"
fi

# --- agent restart in the middle of a download --------------------------------
echo "=== $TAG agent restart mid-transfer ==="
rm -f "$TMP/slow.out"
# a small receive buffer in lan: the sender is paced by curl's reading, so the
# transfer really is in flight while the agent restarts
RMEM=$(ip netns exec "$LAN" sysctl -n net.ipv4.tcp_rmem)
ip netns exec "$LAN" sysctl -qw net.ipv4.tcp_rmem="4096 16384 32768"
in_lan curl -sS --max-time 60 --limit-rate 300k -o "$TMP/slow.out" \
	"http://$WAN_IP:8080/big.bin" >"$TMP/slow.log" 2>&1 &
CURL_PID=$!
E2E_PIDS+=($CURL_PID)
sleep 2
got1=$(stat -c %s "$TMP/slow.out" 2>/dev/null || echo 0)
kill -TERM "$GW_PID" 2>/dev/null
rc=0
for _ in $(seq 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$GW_PID" 2>/dev/null; then
	fail "$TAG sluice-xdp exits within 10 s of SIGTERM"
	stop_pid "$GW_PID" KILL
else
	wait "$GW_PID"
	rc=$?
	[ "$rc" -eq 0 ] && pass "$TAG sluice-xdp exits 0 on SIGTERM (download at $got1 bytes)" ||
		fail "$TAG sluice-xdp exit status $rc on SIGTERM"
fi
GW_PID=
if ip -n "$GW" link show dev "$LAN_GW_IF" | grep -q xdp; then
	fail "$TAG program detached from $LAN_GW_IF at exit"
else
	pass "$TAG program detached at exit (maps stay pinned: $(ls "$PIN" 2>/dev/null | wc -l) in $PIN)"
fi
sleep 0.5
LOG2=$TMP/sluice-xdp.2.log
if start_agent "$LOG2"; then
	pass "$TAG sluice-xdp starts again with the pinned maps"
else
	fail "$TAG sluice-xdp starts again"
	sed 's/^/  | /' "$LOG2" | tail -n 30
fi
if ctl show sessions --json 2>/dev/null | grep -q "\"remote\": \"$WAN_IP:8080\""; then
	pass "$TAG the download's NAT session survived the restart"
else
	fail "$TAG the download's NAT session survived the restart: $(ctl show sessions 2>&1 | head -c 300)"
fi
wait "$CURL_PID"
crc=$?
ip netns exec "$LAN" sysctl -qw net.ipv4.tcp_rmem="$RMEM"
sum=$(sha256sum "$TMP/slow.out" 2>/dev/null | cut -d' ' -f1)
if [ "$crc" -eq 0 ] && [ "$sum" = "$BIG_SUM" ]; then
	pass "$TAG download across the agent restart completes, sha256 matches"
else
	fail "$TAG download across the agent restart: curl exit $crc, sha256 ${sum:-none} ($(head -c 200 "$TMP/slow.log"))"
fi
check_ping "$TAG" "ping lan -> wan host after the restart" "$LAN" "$WAN_IP"

# --- stop: counters, clean detach ----------------------------------------------
in_wan curl -sS --max-time 2 -o /dev/null "http://$POOL_IP:9999/" >/dev/null 2>&1
stop_gateway "$TAG" sluice-xdp
for log in "$LOG2"; do
	fwd=$(grep -oE '\bforwarded[^0-9a-z]*[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$')
	# the restarted agent carried the rest of the download (> 500 packets)
	if [ -n "$fwd" ] && [ "$fwd" -gt 500 ]; then
		pass "$TAG counters printed, forwarded $fwd after the restart"
	else
		fail "$TAG counters printed with forwarded > 500 after the restart (got '${fwd:-no forwarded line}')"
	fi
	nns=$(grep -E '^ *drop nat-no-session ' "$log" | tail -n 1 | awk '{print $3}')
	if [ -n "$nns" ] && [ "$nns" -gt 0 ]; then
		pass "$TAG counters: nat-no-session $nns > 0"
	else
		fail "$TAG counters: nat-no-session > 0 (got '${nns:-none}')"
	fi
done
if ip -n "$GW" -4 addr show dev "$WAN_GW_IF" | grep -q "$POOL_IP"; then
	fail "$TAG the addresses sluice-xdp added are removed at exit"
else
	pass "$TAG the addresses sluice-xdp added are removed at exit"
fi
# stopped: the kernel must not forward (nftables guard, forwarding off)
if in_lan ping -c 2 -i 0.2 -W 1 "$WAN_IP" >/dev/null 2>&1; then
	fail "$TAG with sluice-xdp stopped, lan still reaches wan (kernel forwarding)"
else
	pass "$TAG with sluice-xdp stopped, nothing is forwarded by the kernel"
fi
echo "--- $TAG sluice-xdp output (tail) ---"
tail -n 25 "$LOG2" | sed 's/^/  | /'
e2e_finish
