# Shared helpers of the control-plane integration tests (sourced).
# Each test: `. lib.sh`, call `ctl_init NAME`, use check/start_dp/..., end with `finish`.
set -u

DP=${DP:?}
CTL=${CTL:?}
EAL_COMMON="--no-pci --no-huge --no-shconf -m 512 --log-level=lib.eal:error"
PASS=0
FAIL=0
PIDS=""

ctl_init() {
	TEST_NAME=$1
	[ "$(id -u)" -eq 0 ] || { echo "$TEST_NAME: needs root; skipped"; exit 77; }
	W=$(mktemp -d "/tmp/sluice-$TEST_NAME.XXXXXX")
	SOCK="$W/ctl.sock"
	trap cleanup EXIT INT TERM
}

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}

ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
# expect_rc RC DESCRIPTION COMMAND...: passes when the command exits with RC
expect_rc() {
	want=$1 d=$2
	shift 2
	"$@" >"$W/out" 2>"$W/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$d (exit $got)"
	else
		bad "$d: exit $got, wanted $want; stderr: $(head -c 300 "$W/err")"
	fi
}

c() { "$CTL" --ctl "$SOCK" "$@"; }
not() { ! "$@"; }

# start_dp CONFIG VDEV-ARGS... : starts sluice-dp serving $SOCK; sets DP_PID
start_dp() {
	conf=$1
	shift
	"$DP" $EAL_COMMON --lcores 0@0,1@1 "$@" -- --config "$conf" --ctl "$SOCK" \
		${DP_EXTRA:-} >>"$W/dp.log" 2>&1 &
	DP_PID=$!
	PIDS="$PIDS $DP_PID"
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && c show interfaces >/dev/null 2>&1 && return 0
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "sluice-dp did not come up:"
	cat "$W/dp.log"
	return 1
}

stop_dp() {
	kill "$DP_PID" 2>/dev/null
	wait "$DP_PID" 2>/dev/null
	return 0
}

# routes_json FILE: `show routes --json` into FILE (and check it parses)
routes_json() {
	c show routes --json >"$1" && /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"
}

# has_route PREFIX [VIA]: the route is in `show routes --json`
has_route() {
	c show routes --json | /usr/bin/python3 -c '
import json, sys
routes = json.load(sys.stdin)
want, via = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
ok = any(r["prefix"] == want and (via is None or r.get("via") == via) for r in routes)
sys.exit(0 if ok else 1)' "$@"
}

finish() {
	echo "$TEST_NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
