#!/bin/bash
# --json on the live gateways: at SIGINT stdout is exactly one JSON object (the
# counters); the progress lines ("...: running", "...: stopped", the XDP note)
# go to stderr. Without --json they stay on stdout.
#   json_stdout.sh PATH/TO/sluice-dp PATH/TO/sluice-xdp
# sluice-dp on net_null vdevs; sluice-xdp in generic mode on a veth pair in a
# namespace of its own. Needs root (77 otherwise); a backend whose
# prerequisites are missing (nsenter, bpffs) is skipped.
set -u
DP=$(readlink -f "$1")
XDP=$(readlink -f "$2")
[ "$(id -u)" -eq 0 ] || { echo "json-stdout: needs root; skipped"; exit 77; }
W=$(mktemp -d /tmp/sluice-json-stdout.XXXXXX)
NS=sljson$$
PIN=/sys/fs/bpf/sluice-json-$$
PASS=0
FAIL=0
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT INT TERM
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

# one_object FILE: FILE holds exactly one JSON object and nothing else
one_object() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(d, dict) and "packets" in d and "drops" in d else 1)' "$1" 2>/dev/null
}

# run NAME JSON(0|1) COMMAND...: start, wait for "running" on either stream, SIGINT
run() {
	local name=$1 json=$2 i
	shift 2
	"$@" >"$W/$name.out" 2>"$W/$name.err" &
	PID=$!
	for i in $(seq 150); do
		grep -q ': running' "$W/$name.out" "$W/$name.err" && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q ': running' "$W/$name.out" "$W/$name.err"; then
		bad "$name: did not start: $(head -c 400 "$W/$name.err")"
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
		return
	fi
	kill -INT "$PID"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" -eq 0 ] && ok "$name: exit 0 on SIGINT" || bad "$name: exit $rc on SIGINT"
	if [ "$json" -eq 1 ]; then
		one_object "$W/$name.out" && ok "$name --json: stdout is one JSON object" ||
			bad "$name --json: stdout is not one JSON object: $(head -c 300 "$W/$name.out")"
		grep -q ': running' "$W/$name.err" && ok "$name --json: 'running' on stderr" ||
			bad "$name --json: no 'running' line on stderr"
	else
		grep -q ': running' "$W/$name.out" && ok "$name: 'running' on stdout" ||
			bad "$name: no 'running' line on stdout"
		one_object "$W/$name.out" && bad "$name: counters as JSON without --json"
	fi
}

cat >"$W/dp.conf" <<EOF
interface lan0 device net_null0 address 192.168.1.1/24 role inside
interface wan0 device net_null1 address 203.0.113.2/24 role outside
EOF
EAL="--no-pci --no-huge --no-shconf -m 512 --log-level=lib.eal:error --lcores 0@0,1@1
	--vdev net_null0 --vdev net_null1"
# shellcheck disable=SC2086
run dp-json 1 "$DP" $EAL -- --config "$W/dp.conf" --ctl "$W/dp.sock" --json
# shellcheck disable=SC2086
run dp-text 0 "$DP" $EAL -- --config "$W/dp.conf" --ctl "$W/dp.sock"

if ! command -v nsenter >/dev/null; then
	echo "skip - sluice-xdp: needs nsenter"
elif ! ip netns add "$NS" 2>/dev/null; then
	echo "skip - sluice-xdp: cannot create a network namespace"
else
	ip -n "$NS" link add x0 type veth peer name x1
	ip -n "$NS" link set x0 up
	ip -n "$NS" link set x1 up
	cat >"$W/xdp.conf" <<EOF
interface lan0 device x0 address 192.168.1.1/24 role inside
interface wan0 device x1 address 203.0.113.2/24 role outside
EOF
	XARGS="--config $W/xdp.conf --ctl $W/xdp.sock --pin-dir $PIN --skb-mode --fresh"
	# shellcheck disable=SC2086
	run xdp-json 1 nsenter --net="/run/netns/$NS" "$XDP" $XARGS --json
	# shellcheck disable=SC2086
	run xdp-text 0 nsenter --net="/run/netns/$NS" "$XDP" $XARGS
fi

echo "json-stdout: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
