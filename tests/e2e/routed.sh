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

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 PATH/TO/sluice-dp" >&2
	exit 2
fi
DP=$(readlink -f "$1")
if [ ! -x "$DP" ]; then
	echo "FAIL: $1 is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTBED=$HERE/../../scripts/testbed
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# Unique per run (pid) so parallel runs and stale leftovers never collide.
P="sle$$-"
LAN=${P}lan
GW=${P}gw
WAN=${P}wan
LAN_GW_IF=gw-lan
WAN_GW_IF=gw-wan
TMP=$(mktemp -d /tmp/sluice-e2e.XXXXXX)

passed=0
failed=0
DP_PID=
HTTP_PID=
IPERF_PID=

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
info() { echo "INFO: $*"; }

# stop_pid PID [SIG]: signal our own child, wait up to 5 s, then SIGKILL it.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	stop_pid "$DP_PID" INT
	stop_pid "$HTTP_PID"
	stop_pid "$IPERF_PID"
	"$TESTBED" down "$P" >/dev/null 2>&1
	if [ "${SLUICE_E2E_KEEP:-0}" = 1 ]; then
		echo "INFO: logs kept in $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_lan() { ip netns exec "$LAN" "$@"; }

# --- testbed and servers ------------------------------------------------------
if ! "$TESTBED" up "$P" >"$TMP/testbed.log" 2>&1; then
	cat "$TMP/testbed.log"
	fail "testbed up"
	echo "$passed passed, $failed failed"
	exit 1
fi

mkdir -p "$TMP/www"
TOKEN="sluice e2e $(date +%s) $$"
printf '<html><body>%s</body></html>\n' "$TOKEN" >"$TMP/www/index.html"
head -c 2097152 /dev/urandom >"$TMP/www/big.bin"
BIG_SUM=$(sha256sum "$TMP/www/big.bin" | cut -d' ' -f1)

cat >"$TMP/sluice.conf" <<'EOF'
# written by tests/e2e/routed.sh
interface lan0 device net_af_packet0 address 192.168.1.1/24 address fd00:1::1/64 role inside
interface wan0 device net_af_packet1 address 203.0.113.2/24 address 2001:db8:f::2/64 role outside
EOF

ip netns exec "$WAN" "$PY" -m http.server 8080 --bind 203.0.113.1 --directory "$TMP/www" \
	>"$TMP/http.log" 2>&1 &
HTTP_PID=$!
if command -v iperf3 >/dev/null; then
	ip netns exec "$WAN" iperf3 -s -B 203.0.113.1 -p 5201 >"$TMP/iperf3-server.log" 2>&1 &
	IPERF_PID=$!
fi
# The servers run in $WAN and are reachable there at once: wait for them there.
for _ in $(seq 50); do
	ip netns exec "$WAN" curl -s -o /dev/null --max-time 1 http://203.0.113.1:8080/ && break
	sleep 0.1
done

# cpu_for_workers: workers share CPU 1 when there is one, else CPU 0.
if [ "$(nproc)" -ge 2 ]; then WCPU=1; else WCPU=0; fi

# --- one run of sluice-dp with N workers ---------------------------------------
run_variant() {
	local nw=$1 tag lcores qp log i rc got sum out rate fwd dp_args
	tag="[$nw worker$([ "$nw" -gt 1 ] && echo s)]"
	log=$TMP/sluice-dp.$nw.log
	read -r -a dp_args <<<"${SLUICE_E2E_DP_ARGS:-}"
	lcores="0@0"
	for i in $(seq "$nw"); do lcores="$lcores,$i@$WCPU"; done
	qp=$nw

	echo "=== $tag sluice-dp --lcores $lcores ==="
	: >"$log"
	# Job control on for this one launch: bash otherwise starts background
	# commands with SIGINT ignored, and the test is about SIGINT handling.
	set -m
	ip netns exec "$GW" "$DP" --no-pci --no-huge --no-shconf -m 512 --lcores "$lcores" \
		--vdev "net_af_packet0,iface=$LAN_GW_IF,qpairs=$qp" \
		--vdev "net_af_packet1,iface=$WAN_GW_IF,qpairs=$qp" \
		-- --config "$TMP/sluice.conf" "${dp_args[@]}" >"$log" 2>&1 &
	DP_PID=$!
	set +m

	for i in $(seq 300); do
		grep -q 'sluice-dp: running' "$log" && break
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'sluice-dp: running' "$log"; then
		fail "$tag sluice-dp starts (no 'sluice-dp: running' line)"
		sed 's/^/  | /' "$log" | tail -n 30
		stop_pid "$DP_PID" INT
		DP_PID=
		return
	fi
	pass "$tag sluice-dp starts"

	# Wait until the gateway answers (ARP + ICMP echo), at most ~15 s.
	for i in $(seq 15); do
		in_lan ping -c 1 -W 1 -q 192.168.1.1 >/dev/null 2>&1 && break
	done

	check_ping() { # name ping-args...
		local name=$1 out
		shift
		if out=$(in_lan ping -c 3 -i 0.2 -W 2 "$@" 2>&1); then
			pass "$tag $name ($(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss'))"
		else
			fail "$tag $name"
			echo "$out" | sed 's/^/  | /'
		fi
	}
	check_ping "ping gateway 192.168.1.1" 192.168.1.1
	check_ping "ping through gateway 203.0.113.1" 203.0.113.1
	check_ping "ping6 gateway fd00:1::1" -6 fd00:1::1
	check_ping "ping6 through gateway 2001:db8:f::1" -6 2001:db8:f::1

	got=$(in_lan curl -sS --max-time 10 http://203.0.113.1:8080/index.html 2>&1)
	if echo "$got" | grep -qF "$TOKEN"; then
		pass "$tag curl http://203.0.113.1:8080/index.html (content matches)"
	else
		fail "$tag curl http://203.0.113.1:8080/index.html: got: $(echo "$got" | head -c 200)"
	fi

	rm -f "$TMP/big.out"
	out=$(in_lan curl -sS --max-time 30 -o "$TMP/big.out" \
		-w '%{size_download} bytes %{speed_download} B/s' http://203.0.113.1:8080/big.bin 2>&1)
	sum=$(sha256sum "$TMP/big.out" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = "$BIG_SUM" ]; then
		pass "$tag curl 2 MiB file, sha256 matches ($out)"
	else
		fail "$tag curl 2 MiB file: sha256 ${sum:-none} != $BIG_SUM ($out)"
	fi

	if [ -n "$IPERF_PID" ]; then
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
	kill -INT "$DP_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DP_PID" 2>/dev/null; then
		fail "$tag sluice-dp exits within 10 s of SIGINT"
		stop_pid "$DP_PID" KILL
		rc=killed
	else
		wait "$DP_PID"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "$tag sluice-dp exits 0 on SIGINT"
		else
			fail "$tag sluice-dp exit status $rc on SIGINT"
		fi
	fi
	DP_PID=

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
