#!/usr/bin/env bash
# tests/e2e/nat.sh — end-to-end NAT44 test of sluice-dp in network namespaces.
#
#   tests/e2e/nat.sh PATH/TO/sluice-dp
#
# The testbed of scripts/testbed, but the wan host has NO route back to
# 192.168.1.0/24 (it knows only its own 203.0.113.0/24): lan traffic reaches
# it only because sluice-dp masquerades it behind its own wan address
# (`nat pool add 203.0.113.2/32`). Checks, once with 1 worker lcore and once
# with 2 (af_packet qpairs=N, so the two directions of a session can be
# received by different workers):
#   - ping lan -> wan host through NAT; ping of the gateway's wan address
#     (which is also the pool address) from wan is still answered;
#   - curl lan -> HTTP server in wan: content, a 2 MiB file (sha256), and the
#     server logs the client as 203.0.113.2;
#   - iperf3 TCP and UDP (50 Mbit/s) lan -> wan, 2 s each (rates reported, not
#     asserted); the iperf3 server sees 203.0.113.2;
#   - static forward `nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80`:
#     curl from wan reaches the HTTP server in lan, which sees the real wan
#     client (203.0.113.1); hairpin: the lan host reaches its own forward at
#     203.0.113.2:8080 and is seen as 203.0.113.2;
#   - unsolicited inbound is silently dropped: a connection from wan to
#     203.0.113.2:9999 times out, and with a route via the gateway the wan
#     host reaches neither 192.168.1.10:80 nor pings 192.168.1.10; the
#     counters at exit show nat-no-session > 0.
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
P="sln$$-"
LAN=${P}lan
GW=${P}gw
WAN=${P}wan
LAN_GW_IF=gw-lan
WAN_GW_IF=gw-wan
LAN_IP=192.168.1.10
WAN_IP=203.0.113.1
POOL_IP=203.0.113.2
TMP=$(mktemp -d /tmp/sluice-e2e-nat.XXXXXX)

passed=0
failed=0
DP_PID=
HTTP_PID=
LHTTP_PID=
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
	stop_pid "$LHTTP_PID"
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
in_wan() { ip netns exec "$WAN" "$@"; }

# --- testbed: no return route in wan ------------------------------------------
if ! "$TESTBED" up "$P" >"$TMP/testbed.log" 2>&1; then
	cat "$TMP/testbed.log"
	fail "testbed up"
	echo "$passed passed, $failed failed"
	exit 1
fi
ip -n "$WAN" route del 192.168.1.0/24 2>/dev/null
ip -n "$WAN" -6 route del fd00:1::/64 2>/dev/null
if ip -n "$WAN" route get "$LAN_IP" >/dev/null 2>&1; then
	fail "wan host has no route to 192.168.1.0/24: $(ip -n "$WAN" route get "$LAN_IP" 2>&1)"
else
	pass "wan host has no route to 192.168.1.0/24 (only $(ip -n "$WAN" -4 route | tr '\n' ';'))"
fi

mkdir -p "$TMP/www" "$TMP/wwwlan"
TOKEN="sluice e2e nat wan $(date +%s) $$"
LTOKEN="sluice e2e nat lan $(date +%s) $$"
printf '<html><body>%s</body></html>\n' "$TOKEN" >"$TMP/www/index.html"
printf '<html><body>%s</body></html>\n' "$LTOKEN" >"$TMP/wwwlan/index.html"
head -c 2097152 /dev/urandom >"$TMP/www/big.bin"
BIG_SUM=$(sha256sum "$TMP/www/big.bin" | cut -d' ' -f1)

cat >"$TMP/sluice.conf" <<EOF
# written by tests/e2e/nat.sh
interface lan0 device net_af_packet0 address 192.168.1.1/24 address fd00:1::1/64 role inside
interface wan0 device net_af_packet1 address $POOL_IP/24 address 2001:db8:f::2/64 role outside
nat pool add $POOL_IP/32 ports 1024-65535
nat forward add tcp $POOL_IP:8080 to $LAN_IP:80
EOF

# HTTP servers log one line per request on stderr: "PEER - - [date] "GET ..."".
in_wan "$PY" -u -m http.server 8080 --bind "$WAN_IP" --directory "$TMP/www" \
	>"$TMP/http-wan.log" 2>&1 &
HTTP_PID=$!
in_lan "$PY" -u -m http.server 80 --bind "$LAN_IP" --directory "$TMP/wwwlan" \
	>"$TMP/http-lan.log" 2>&1 &
LHTTP_PID=$!
if command -v iperf3 >/dev/null; then
	in_wan iperf3 -s -B "$WAN_IP" -p 5201 --forceflush >"$TMP/iperf3-server.log" 2>&1 &
	IPERF_PID=$!
fi
# The servers are reachable in their own namespace at once: wait for them there.
for _ in $(seq 50); do
	in_wan curl -s -o /dev/null --max-time 1 "http://$WAN_IP:8080/" &&
		in_lan curl -s -o /dev/null --max-time 1 "http://$LAN_IP:80/" && break
	sleep 0.1
done

# cpu_for_workers: workers share CPU 1 when there is one, else CPU 0.
if [ "$(nproc)" -ge 2 ]; then WCPU=1; else WCPU=0; fi

# peer_of LOG MARK: the client address the HTTP server logged for the request
# whose path contains MARK (empty if none).
peer_of() {
	grep -F "GET " "$1" | grep -F "$2" | tail -n 1 | awk '{print $1}'
}

# --- one run of sluice-dp with N workers ---------------------------------------
run_variant() {
	local nw=$1 tag lcores qp log i rc got sum out rate fwd dp_args mark peer nns pre
	tag="[$nw worker$([ "$nw" -gt 1 ] && echo s)]"
	log=$TMP/sluice-dp.$nw.log
	read -r -a dp_args <<<"${SLUICE_E2E_DP_ARGS:-}"
	lcores="0@0"
	for i in $(seq "$nw"); do lcores="$lcores,$i@$WCPU"; done
	qp=$nw

	echo "=== $tag sluice-dp --lcores $lcores (NAT) ==="
	: >"$log"
	# Job control on for this one launch: bash otherwise starts background
	# commands with SIGINT ignored, and the test stops sluice-dp with SIGINT.
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

	check_ping() { # name netns ping-args...
		local name=$1 ns=$2 out
		shift 2
		if out=$(ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$@" 2>&1); then
			pass "$tag $name ($(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss'))"
		else
			fail "$tag $name"
			echo "$out" | sed 's/^/  | /'
		fi
	}
	check_ping "ping lan -> wan host $WAN_IP through NAT" "$LAN" "$WAN_IP"
	check_ping "ping wan -> gateway/pool address $POOL_IP" "$WAN" "$POOL_IP"

	# --- outbound TCP: curl, the server sees the pool address ---
	mark="v$nw-$$-$RANDOM"
	got=$(in_lan curl -sS --max-time 10 "http://$WAN_IP:8080/index.html?$mark" 2>&1)
	if echo "$got" | grep -qF "$TOKEN"; then
		pass "$tag curl lan -> http://$WAN_IP:8080/index.html (content matches)"
	else
		fail "$tag curl lan -> http://$WAN_IP:8080/index.html: got: $(echo "$got" | head -c 200)"
	fi
	sleep 0.2
	peer=$(peer_of "$TMP/http-wan.log" "$mark")
	if [ "$peer" = "$POOL_IP" ]; then
		pass "$tag wan HTTP server sees the client as $peer"
	else
		fail "$tag wan HTTP server sees the client as '${peer:-nothing logged}', want $POOL_IP"
	fi

	rm -f "$TMP/big.out"
	out=$(in_lan curl -sS --max-time 30 -o "$TMP/big.out" \
		-w '%{size_download} bytes %{speed_download} B/s' "http://$WAN_IP:8080/big.bin" 2>&1)
	sum=$(sha256sum "$TMP/big.out" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = "$BIG_SUM" ]; then
		pass "$tag curl 2 MiB file through NAT, sha256 matches ($out)"
	else
		fail "$tag curl 2 MiB file through NAT: sha256 ${sum:-none} != $BIG_SUM ($out)"
	fi

	# --- iperf3 TCP and UDP ---
	if [ -n "$IPERF_PID" ]; then
		# (never truncate the server's log: it keeps writing at its offset)
		pre=$(stat -c %s "$TMP/iperf3-server.log")
		out=$(in_lan timeout 20 iperf3 -c "$WAN_IP" -p 5201 -t 2 -f m 2>&1)
		rate=$(echo "$out" | grep -E 'receiver$' | tail -n 1 | grep -oE '[0-9.]+ [KMG]bits/sec')
		if [ -n "$rate" ]; then
			pass "$tag iperf3 TCP lan -> wan 2 s completes ($rate)"
		else
			fail "$tag iperf3 TCP lan -> wan did not complete: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
		fi
		sleep 0.3
		peer=$(tail -c +$((pre + 1)) "$TMP/iperf3-server.log" |
			grep -aoE 'Accepted connection from [0-9.]+' | tail -n 1 |
			awk '{print $4}')
		if [ "$peer" = "$POOL_IP" ]; then
			pass "$tag iperf3 server sees the client as $peer"
		else
			fail "$tag iperf3 server sees the client as '${peer:-nothing logged}', want $POOL_IP"
		fi

		pre=$(stat -c %s "$TMP/iperf3-server.log")
		out=$(in_lan timeout 20 iperf3 -c "$WAN_IP" -p 5201 -u -b 50M -t 2 -f m 2>&1)
		rate=$(echo "$out" | grep -E 'receiver$' | tail -n 1 |
			grep -oE '[0-9.]+ [KMG]bits/sec .*\([0-9.e+-]+%\)' | tr -s ' ')
		if [ -n "$rate" ]; then
			pass "$tag iperf3 UDP 50M lan -> wan 2 s completes ($rate: rate, jitter, lost/total)"
		else
			fail "$tag iperf3 UDP lan -> wan did not complete: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
		fi
		sleep 0.3
		peer=$(tail -c +$((pre + 1)) "$TMP/iperf3-server.log" |
			grep -aoE 'connected to [0-9.]+' | tail -n 1 | awk '{print $3}')
		if [ "$peer" = "$POOL_IP" ]; then
			pass "$tag iperf3 server's UDP stream comes from $peer"
		else
			fail "$tag iperf3 server's UDP stream comes from '${peer:-nothing logged}', want $POOL_IP"
		fi
	else
		info "iperf3 not installed: iperf3 checks skipped"
	fi

	# --- static forward: wan client reaches the lan server via 203.0.113.2:8080 ---
	mark="fwd$nw-$$-$RANDOM"
	got=$(in_wan curl -sS --max-time 10 "http://$POOL_IP:8080/index.html?$mark" 2>&1)
	if echo "$got" | grep -qF "$LTOKEN"; then
		pass "$tag static forward: wan curl http://$POOL_IP:8080/ reaches the lan server"
	else
		fail "$tag static forward: wan curl http://$POOL_IP:8080/: got: $(echo "$got" | head -c 200)"
	fi
	sleep 0.2
	peer=$(peer_of "$TMP/http-lan.log" "$mark")
	if [ "$peer" = "$WAN_IP" ]; then
		pass "$tag static forward: lan server sees the wan client as $peer (source kept)"
	else
		fail "$tag static forward: lan server sees '${peer:-nothing logged}', want $WAN_IP"
	fi

	# --- hairpin: the lan host reaches its own forward through the pool address ---
	mark="hp$nw-$$-$RANDOM"
	got=$(in_lan curl -sS --max-time 10 "http://$POOL_IP:8080/index.html?$mark" 2>&1)
	if echo "$got" | grep -qF "$LTOKEN"; then
		pass "$tag hairpin: lan curl http://$POOL_IP:8080/ reaches the lan server"
	else
		fail "$tag hairpin: lan curl http://$POOL_IP:8080/: got: $(echo "$got" | head -c 200)"
	fi
	sleep 0.2
	peer=$(peer_of "$TMP/http-lan.log" "$mark")
	if [ "$peer" = "$POOL_IP" ]; then
		pass "$tag hairpin: lan server sees the client as $peer"
	else
		fail "$tag hairpin: lan server sees '${peer:-nothing logged}', want $POOL_IP"
	fi

	# --- unsolicited inbound ---
	in_wan curl -sS --max-time 3 -o /dev/null "http://$POOL_IP:9999/" >"$TMP/unsol.out" 2>&1
	rc=$?
	if [ "$rc" -eq 28 ]; then
		pass "$tag unsolicited wan -> $POOL_IP:9999 fails silently (curl timeout)"
	elif [ "$rc" -eq 0 ]; then
		fail "$tag unsolicited wan -> $POOL_IP:9999 succeeded"
	else
		fail "$tag unsolicited wan -> $POOL_IP:9999: curl exit $rc, want 28 (timeout: silent drop): $(head -c 200 "$TMP/unsol.out")"
	fi
	# Even with a route via the gateway, nothing unsolicited reaches the inside.
	mark="direct$nw-$$-$RANDOM"
	ip -n "$WAN" route add 192.168.1.0/24 via "$POOL_IP" dev veth0
	in_wan curl -sS --max-time 3 -o /dev/null "http://$LAN_IP:80/index.html?$mark" >/dev/null 2>&1
	rc=$?
	if out=$(in_wan ping -c 2 -i 0.2 -W 1 "$LAN_IP" 2>&1); then
		fail "$tag unsolicited ping wan -> $LAN_IP (routed via gateway) was answered"
	else
		pass "$tag unsolicited ping wan -> $LAN_IP (routed via gateway) gets no answer"
	fi
	ip -n "$WAN" route del 192.168.1.0/24
	sleep 0.2
	peer=$(peer_of "$TMP/http-lan.log" "$mark")
	if [ "$rc" -ne 0 ] && [ -z "$peer" ]; then
		pass "$tag unsolicited wan -> $LAN_IP:80 (routed via gateway) does not connect (curl exit $rc)"
	else
		fail "$tag unsolicited wan -> $LAN_IP:80 reached the lan server (curl exit $rc, logged peer '${peer}')"
	fi

	# Stop with SIGINT: exit status 0 and counters.
	kill -INT "$DP_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DP_PID" 2>/dev/null; then
		fail "$tag sluice-dp exits within 10 s of SIGINT"
		stop_pid "$DP_PID" KILL
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
	nns=$(grep -E '^ *drop nat-no-session ' "$log" | tail -n 1 | awk '{print $3}')
	if [ -n "$nns" ] && [ "$nns" -gt 0 ]; then
		pass "$tag counters: nat-no-session $nns > 0"
	else
		fail "$tag counters: nat-no-session > 0 (got '${nns:-none}')"
	fi
	echo "--- $tag sluice-dp output (tail) ---"
	tail -n 40 "$log" | sed 's/^/  | /'
}

for nw in ${SLUICE_E2E_VARIANTS:-1 2}; do
	run_variant "$nw"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
