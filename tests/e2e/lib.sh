# tests/e2e/lib.sh — shared pieces of the namespace end-to-end tests (sourced).
#
#   . tests/e2e/lib.sh
#   e2e_init PREFIX NAME        root check (exit 77), names, temp dir, traps
#   e2e_testbed_up              scripts/testbed up "$P", or fail and exit
#   ... checks (pass/fail/info, check_ping, check_curl, check_big_file) ...
#   e2e_finish                  "N passed, M failed", exit status 0 only if none failed
#
# After e2e_init: P (namespace prefix, unique per run), LAN, GW, WAN (namespace
# names), LAN_GW_IF/WAN_GW_IF (the gateway's veths in $GW), TMP (removed on
# exit unless SLUICE_E2E_KEEP=1), PY (Debian's python3), TESTBED.
# Processes: put the gateway's pid in GW_PID (stopped with SIGINT on exit) and
# every other background pid in E2E_PIDS (stopped with SIGTERM on exit).

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

passed=0
failed=0
GW_PID=
E2E_PIDS=()

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

e2e_cleanup() {
	local p
	stop_pid "$GW_PID" INT
	for p in "${E2E_PIDS[@]}"; do stop_pid "$p"; done
	"$TESTBED" down "$P" >/dev/null 2>&1
	if [ "${SLUICE_E2E_KEEP:-0}" = 1 ]; then
		echo "INFO: logs kept in $TMP"
	else
		rm -rf "$TMP"
	fi
}

# e2e_init PREFIX NAME: PREFIX (3 letters) + pid names the namespaces.
e2e_init() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (network namespaces)"
		exit 77
	fi
	TESTBED=$E2E_LIB_DIR/../../scripts/testbed
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3)
	# Unique per run (pid) so parallel runs and stale leftovers never collide.
	P="$1$$-"
	LAN=${P}lan
	GW=${P}gw
	WAN=${P}wan
	LAN_GW_IF=gw-lan
	WAN_GW_IF=gw-wan
	TMP=$(mktemp -d "/tmp/sluice-e2e-$2.XXXXXX")
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# e2e_need_exec PATH: the binary under test must exist (else one failure).
e2e_need_exec() {
	if [ ! -x "$1" ]; then
		echo "FAIL: $1 is not an executable"
		echo "0 passed, 1 failed"
		exit 1
	fi
}

e2e_testbed_up() {
	if ! "$TESTBED" up "$P" >"$TMP/testbed.log" 2>&1; then
		cat "$TMP/testbed.log"
		fail "testbed up"
		e2e_finish
	fi
}

e2e_finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

in_lan() { ip netns exec "$LAN" "$@"; }
in_wan() { ip netns exec "$WAN" "$@"; }
in_gw() { ip netns exec "$GW" "$@"; }

# workers_cpu: the CPU for forwarding work: 1 when there are two, else 0.
workers_cpu() { if [ "$(nproc)" -ge 2 ]; then echo 1; else echo 0; fi; }

# wait_log_line LOG PATTERN PID [TENTHS]: until LOG has PATTERN (0), PID died
# or TENTHS x 0.1 s passed (1).
wait_log_line() {
	local log=$1 pat=$2 pid=$3 n=${4:-300} i
	for i in $(seq "$n"); do
		grep -q "$pat" "$log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "$pat" "$log"
}

# stop_gateway TAG NAME: SIGINT to GW_PID; pass if it exits 0 within 10 s.
stop_gateway() {
	local tag=$1 name=$2 i rc
	kill -INT "$GW_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$GW_PID" 2>/dev/null; then
		fail "$tag $name exits within 10 s of SIGINT"
		stop_pid "$GW_PID" KILL
	else
		wait "$GW_PID"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "$tag $name exits 0 on SIGINT"
		else
			fail "$tag $name exit status $rc on SIGINT"
		fi
	fi
	GW_PID=
}

# check_ping TAG NAME NETNS PING-ARGS...
check_ping() {
	local tag=$1 name=$2 ns=$3 out
	shift 3
	if out=$(ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$@" 2>&1); then
		pass "$tag $name ($(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss'))"
	else
		fail "$tag $name"
		echo "$out" | sed 's/^/  | /'
	fi
}

# check_curl TAG NAME NETNS URL TOKEN: the page fetched contains TOKEN.
check_curl() {
	local tag=$1 name=$2 ns=$3 url=$4 token=$5 got
	got=$(ip netns exec "$ns" curl -sS --max-time 10 "$url" 2>&1)
	if echo "$got" | grep -qF "$token"; then
		pass "$tag $name (content matches)"
	else
		fail "$tag $name: got: $(echo "$got" | head -c 200)"
	fi
}

# check_big_file TAG NAME NETNS URL SHA256: download and compare.
check_big_file() {
	local tag=$1 name=$2 ns=$3 url=$4 want=$5 out sum
	rm -f "$TMP/big.out"
	out=$(ip netns exec "$ns" curl -sS --max-time 30 -o "$TMP/big.out" \
		-w '%{size_download} bytes %{speed_download} B/s' "$url" 2>&1)
	sum=$(sha256sum "$TMP/big.out" 2>/dev/null | cut -d' ' -f1)
	if [ "$sum" = "$want" ]; then
		pass "$tag $name, sha256 matches ($out)"
	else
		fail "$tag $name: sha256 ${sum:-none} != $want ($out)"
	fi
}

# peer_of LOG MARK: the client address an http.server logged for the request
# whose path contains MARK (empty if none).
peer_of() {
	grep -F "GET " "$1" | grep -F "$2" | tail -n 1 | awk '{print $1}'
}

# make_www DIR TOKEN [BIG]: index.html with TOKEN; with BIG also a 2 MiB
# random big.bin, its sha256 in BIG_SUM.
make_www() {
	mkdir -p "$1"
	printf '<html><body>%s</body></html>\n' "$2" >"$1/index.html"
	if [ -n "${3:-}" ]; then
		head -c 2097152 /dev/urandom >"$1/big.bin"
		BIG_SUM=$(sha256sum "$1/big.bin" | cut -d' ' -f1)
	fi
}

# start_http NETNS ADDR PORT DIR LOG: python http.server (one log line per
# request on stderr), its pid added to E2E_PIDS; waits until it answers (15 s).
start_http() {
	local ns=$1 addr=$2 port=$3 dir=$4 log=$5 i
	ip netns exec "$ns" "$PY" -u -m http.server "$port" --bind "$addr" --directory "$dir" \
		>"$log" 2>&1 &
	E2E_PIDS+=($!)
	for i in $(seq 150); do
		ip netns exec "$ns" curl -s -o /dev/null --max-time 1 "http://$addr:$port/" && return 0
		sleep 0.1
	done
	return 1
}

# start_iperf3 NETNS ADDR LOG: iperf3 server on port 5201 (IPERF_UP=1), or
# IPERF_UP=0 when iperf3 is not installed.
start_iperf3() {
	IPERF_UP=0
	command -v iperf3 >/dev/null || return 0
	ip netns exec "$1" iperf3 -s -B "$2" -p 5201 --forceflush >"$3" 2>&1 &
	E2E_PIDS+=($!)
	IPERF_UP=1
}
