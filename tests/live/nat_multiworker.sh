#!/usr/bin/env bash
# NAT44 with several workers: the in->out and out->in packets of one session
# are received on different RX queues, hence by different workers, and every
# frame must still be translated exactly as computed from first principles;
# 1 worker, 2 workers and `sluice-dp replay` give the same frames and counters.
#
# The RX side of each net_pcap queue is a FIFO fed step by step by
# nat_mw_traffic.py (one 32-packet burst per queue per step, the next step
# only once every worker has processed the previous one and waits on the
# other side), so a reply is never read before the packet that creates its
# session, whatever the scheduling: no timing assumptions, no root needed.
# See nat_mw_traffic.py for the flows.
# Usage: nat_multiworker.sh SLUICE_DP
set -uo pipefail
DP=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
T=$(mktemp -d /tmp/sluice-natmw.XXXXXX)
DP_PID=
FEED_PID=

stop_pid() { # PID SIG: signal our own child, wait up to 10 s, then SIGKILL it
	local pid=$1 sig=$2 i
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
cleanup() {
	stop_pid "$FEED_PID" TERM
	stop_pid "$DP_PID" KILL
	if [ "${SLUICE_LIVE_KEEP:-0}" = 1 ]; then echo "INFO: files kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass=0 fail=0
check() { if [ "$1" = 0 ]; then echo "PASS $2"; pass=$((pass+1)); else echo "FAIL $2"; fail=$((fail+1)); fi; }

"$PY" "$HERE/nat_mw_traffic.py" gen "$T" || { echo "FAIL generating traffic"; echo "0 passed, 1 failed"; exit 1; }

"$DP" replay --config "$T/gw.conf" --in lan0="$T/lan.pcap" --in wan0="$T/wan.pcap" \
	--out-dir "$T/replay" --json >"$T/replay.json" 2>"$T/replay.err"
check $? "sluice-dp replay of the same traffic runs"

run_live() { # $1 = workers
	local w=$1 dir="$T/live$1" lcores rx0="" rx1="" tx0="" tx1="" q rc i
	mkdir -p "$dir" "$T/fifo"
	rm -f "$T"/fifo/*
	if [ "$w" = 1 ]; then lcores="0@0,1@1"; else lcores="0@0,1@1,2@1"; fi
	[ "$(nproc)" -ge 2 ] || lcores=$(echo "$lcores" | sed 's/@1/@0/g')
	for q in $(seq 0 $((w - 1))); do
		mkfifo "$T/fifo/lan.q$q" "$T/fifo/wan.q$q"
		rx0="$rx0${rx0:+,}rx_pcap=$T/fifo/lan.q$q"
		rx1="$rx1${rx1:+,}rx_pcap=$T/fifo/wan.q$q"
		tx0="$tx0,tx_pcap=$dir/lan0.q$q.pcap"
		tx1="$tx1,tx_pcap=$dir/wan0.q$q.pcap"
	done
	set -m   # SIGINT must not be ignored by the background job
	"$DP" --no-pci --no-huge --no-shconf -m 512 --lcores "$lcores" --log-level='*:error' \
		--vdev "net_pcap0,$rx0$tx0" --vdev "net_pcap1,$rx1$tx1" \
		-- --config "$T/gw.conf" --json >"$dir/out.json" 2>"$dir/err.txt" &
	DP_PID=$!
	set +m
	timeout 120 "$PY" "$HERE/nat_mw_traffic.py" feed "$T" "$w" "$DP_PID" &
	FEED_PID=$!
	wait "$FEED_PID"
	rc=$?
	FEED_PID=
	check $rc "$w worker(s): every step consumed in order (FIFO feed)"
	# the FIFOs are closed (EOF): let the workers drain and flush, then stop
	sleep 1
	kill -INT "$DP_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DP_PID" 2>/dev/null; then
		check 1 "$w worker(s): sluice-dp exits within 10 s of SIGINT"
		stop_pid "$DP_PID" KILL
	else
		wait "$DP_PID"
		check $? "$w worker(s): sluice-dp exits 0 on SIGINT"
	fi
	DP_PID=
	if [ -s "$dir/err.txt" ]; then sed 's/^/  | /' "$dir/err.txt" | tail -n 10; fi
}
for w in 1 2; do
	run_live "$w"
done

"$PY" "$HERE/nat_mw_traffic.py" check "$T"
check $? "replay, 1 and 2 workers: every frame translated as computed, identical counters, sessions split over workers"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
