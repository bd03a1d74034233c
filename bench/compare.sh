#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice-dp against DPDK's own forwarding, in one run, on ONE forwarding lcore
# with identical virtual devices and input:
#   (a) dpdk-testpmd io forwarding   the I/O ceiling of these ports
#   (b) DPDK's l3fwd, LPM lookup     built here from /usr/share/dpdk/examples
#   (c) sluice-dp                    the same route table as (b)
#
# Ports: net_pcap0/net_pcap1, each `rx_pcap=inN.pcap,infinite_rx=1` and no
# tx_pcap (transmitted frames are counted and freed). inN.pcap holds 256
# 64-byte UDP frames (60 bytes + FCS) to 198.18.(1-N).y, so every frame leaves
# by the other port (l3fwd's default routes: 198.18.N.0/24 -> port N). The
# frames' destination MAC is the port's own net_pcap MAC (02:70:63:61:70:0N),
# which is also sluice's configured interface MAC (sluice drops frames not
# addressed to it; net_pcap filters nothing). Next-hop MACs are l3fwd's
# defaults (02:00:00:00:00:0N), given to sluice as static neighbours.
#
# Rate: tx packets summed over both ports, read twice through each process's
# DPDK telemetry socket (/var/run/dpdk/PREFIX/dpdk_telemetry.v2,
# /ethdev/stats,N) DURATION seconds apart after WARMUP seconds. ROUNDS rounds
# of the three in turn (background load drifts: on a shared VM one figure
# varies by +-20 %), each figure the median of its rounds.
#
# CPUs: lcore 1, the only forwarding lcore, on FWD_CPU; lcore 0 (testpmd's
# prompt, sluice's slow path) on MAIN_CPU; l3fwd runs lcore 1 alone (it wants
# one TX queue per lcore, net_pcap has one). The telemetry reader: MAIN_CPU.
# EAL: hugepages + --in-memory, a distinct --file-prefix per process.
#
# Hugepages: if fewer than HUGEPAGES (default 512 x 2 MB) are free, the
# script raises vm.nr_hugepages by the difference and puts the old value back
# on exit; it changes nothing else (--in-memory needs no hugetlbfs mount).
# Every process it starts is stopped on exit (SIGINT, then SIGKILL), and its
# temporary directory (l3fwd build, pcaps, logs) is removed (KEEP=1 keeps it),
# as are the EAL runtime directories /var/run/dpdk/sluice-cmp-PID-*.
#
# usage: bench/compare.sh [BUILD_DIR]       (default: BUILD_DIR=build)
# env:   DURATION=10 WARMUP=3 ROUNDS=3 MAIN_CPU=0 FWD_CPU=1 HUGEPAGES=512 KEEP=0
# needs: root, dpdk-testpmd, libdpdk-dev + make (l3fwd), /usr/bin/python3 with scapy
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${1:-${BUILD_DIR:-$repo/build}}
case $build in /*) ;; *) build=$PWD/$build ;; esac
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
MAIN_CPU=${MAIN_CPU:-0}
FWD_CPU=${FWD_CPU:-1}
HUGEPAGES=${HUGEPAGES:-512}
KEEP=${KEEP:-0}
PY=/usr/bin/python3
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || true)}
SLUICE=$build/dataplane/sluice-dp
EXAMPLES=/usr/share/dpdk/examples

die() { echo "compare.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (hugepages)"
[ -x "$SLUICE" ] || die "no $SLUICE: build first (meson setup $build && meson compile -C $build)"
[ -n "$TESTPMD" ] || die "dpdk-testpmd not found (apt-get install dpdk)"
[ -d "$EXAMPLES/l3fwd" ] || die "no $EXAMPLES/l3fwd (apt-get install dpdk-doc / libdpdk-dev)"
$PY -c 'import scapy' 2>/dev/null || die "$PY has no scapy (apt-get install python3-scapy)"
if [ "$(nproc)" -lt 2 ]; then
	echo "compare.sh: warning: one CPU: the forwarding lcore shares it with the main lcore" >&2
	FWD_CPU=$MAIN_CPU
fi

tmp=$(mktemp -d /tmp/sluice-compare.XXXXXX)
pfx=sluice-cmp-$$ # EAL --file-prefix stem; /var/run/dpdk/$pfx-* removed on exit
pids=()
hp_old=
hp_file=/proc/sys/vm/nr_hugepages

stop_pid() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	rm -rf "/var/run/dpdk/$pfx-"*
	if [ -n "$hp_old" ]; then
		echo "$hp_old" > "$hp_file" || echo "compare.sh: could not restore nr_hugepages=$hp_old" >&2
	fi
	if [ "$KEEP" = 1 ]; then
		echo "compare.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- hugepages ----
hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
if [ "$hp_free" -lt "$HUGEPAGES" ]; then
	hp_total=$(cat "$hp_file")
	hp_old=$hp_total
	echo $((hp_total + HUGEPAGES - hp_free)) > "$hp_file"
	hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	[ "$hp_free" -ge "$HUGEPAGES" ] || die "could only get $hp_free free hugepages (wanted $HUGEPAGES)"
	echo "compare.sh: nr_hugepages $hp_old -> $(cat "$hp_file") (restored on exit)"
fi

# ---- l3fwd, built outside the tree with the RX checksum offload cleared ----
mkdir -p "$tmp/examples"
cp -r "$EXAMPLES/l3fwd" "$EXAMPLES/common" "$tmp/examples/"
sed -i 's/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0, \/* vdevs: no RX checksum offload *\//' \
	"$tmp/examples/l3fwd/main.c"
grep -q 'offloads = 0, /\* vdevs' "$tmp/examples/l3fwd/main.c" || die "l3fwd patch did not apply"
echo "compare.sh: building l3fwd in $tmp/examples/l3fwd ..."
make -C "$tmp/examples/l3fwd" -j"$(nproc)" > "$tmp/l3fwd-build.log" 2>&1 ||
	{ tail -20 "$tmp/l3fwd-build.log" >&2; die "l3fwd build failed"; }
L3FWD=$tmp/examples/l3fwd/build/l3fwd

# ---- input and sluice config ----
$PY - "$tmp" <<'EOF'
import random, sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
random.seed(1)
for port in (0, 1):
    out = 1 - port
    pkts = [Ether(dst="02:70:63:61:70:%02x" % port, src="02:00:00:00:10:%02x" % port)
            / IP(src="10.0.%d.%d" % (port, random.randint(2, 254)),
                 dst="198.18.%d.%d" % (out, random.randint(1, 254)), ttl=64)
            / UDP(sport=random.randint(1024, 65535), dport=random.randint(1024, 65535))
            / Raw(b"\0" * 18) for _ in range(256)]
    assert len(pkts[0]) == 60
    wrpcap("%s/in%d.pcap" % (sys.argv[1], port), pkts)
EOF
cat > "$tmp/sluice.conf" <<'EOF'
# the l3fwd default routes for the two enabled ports: 198.18.N.0/24 -> port N
interface p0 device net_pcap0 address 10.0.0.1/24 mac 02:70:63:61:70:00
interface p1 device net_pcap1 address 10.0.1.1/24 mac 02:70:63:61:70:01
neighbor add 10.0.0.2 lladdr 02:00:00:00:00:00 dev p0
neighbor add 10.0.1.2 lladdr 02:00:00:00:00:01 dev p1
route add 198.18.0.0/24 via 10.0.0.2 dev p0
route add 198.18.1.0/24 via 10.0.1.2 dev p1
EOF

# ---- telemetry reader ----
cat > "$tmp/rate.py" <<'EOF'
import json, socket, sys, time
path, warmup, duration = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ports = [int(p) for p in sys.argv[4].split(",")]
deadline = time.monotonic() + 30
while True:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(path)
        break
    except OSError:
        s.close()
        if time.monotonic() > deadline:
            sys.exit("no telemetry socket at " + path)
        time.sleep(0.2)
info = json.loads(s.recv(16384))
def stats():
    tx = rx = 0
    for p in ports:
        s.send(("/ethdev/stats,%d" % p).encode())
        st = json.loads(s.recv(info.get("max_output_len", 16384)))["/ethdev/stats"]
        tx += st["opackets"]
        rx += st["ipackets"]
    return time.monotonic(), tx, rx
t, tx, _ = stats()
while tx == 0:  # started forwarding?
    if time.monotonic() > deadline:
        sys.exit("no packets forwarded")
    time.sleep(0.2)
    t, tx, _ = stats()
time.sleep(warmup)
t0, tx0, rx0 = stats()
time.sleep(duration)
t1, tx1, rx1 = stats()
dt = t1 - t0
print("%.3f %.3f" % ((tx1 - tx0) / dt / 1e6, (rx1 - rx0) / dt / 1e6))
EOF

# ---- one measurement: start, read the rate, stop ----
# testpmd and sluice: lcore 0 = main, lcore 1 = forwarding. l3fwd opens one TX
# queue per lcore and net_pcap has one per device, so l3fwd runs a single
# lcore (its main lcore forwards) on the same CPU; its control threads then
# run on the other CPUs, like the others' main lcores.
VDEVS=(--vdev "net_pcap0,rx_pcap=$tmp/in0.pcap,infinite_rx=1"
	--vdev "net_pcap1,rx_pcap=$tmp/in1.pcap,infinite_rx=1")
EAL_COMMON=(--no-pci --in-memory "--lcores=0@$MAIN_CPU,1@$FWD_CPU" --main-lcore 0 "${VDEVS[@]}")
EAL_L3FWD=(--no-pci --in-memory "--lcores=1@$FWD_CPU" "${VDEVS[@]}")

measure() { # NAME PREFIX CMD... -> sets RATE_TX RATE_RX (Mpps); runs in this shell so
	           # that the EXIT trap knows the pid
	local name=$1 prefix=$2 out pid
	shift 2
	echo "compare.sh: $name: warm-up ${WARMUP}s, measuring ${DURATION}s ..." >&2
	"$@" > "$tmp/$name.log" 2>&1 < /dev/null &
	pid=$!
	pids+=("$pid")
	if ! out=$(taskset -c "$MAIN_CPU" $PY "$tmp/rate.py" "/var/run/dpdk/$prefix/dpdk_telemetry.v2" \
		"$WARMUP" "$DURATION" 0,1); then
		tail -20 "$tmp/$name.log" >&2
		die "$name: measurement failed"
	fi
	stop_pid "$pid"
	read -r RATE_TX RATE_RX <<< "$out"
	echo "compare.sh: $name: $RATE_TX Mpps forwarded ($RATE_RX received)" >&2
}

tp_all=() l3_all=() sl_all=()
for round in $(seq "$ROUNDS"); do
	echo "compare.sh: round $round of $ROUNDS" >&2
	measure testpmd "$pfx-testpmd" "$TESTPMD" "${EAL_COMMON[@]}" --file-prefix "$pfx-testpmd" \
		-- --forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --stats-period=1
	tp_all+=("$RATE_TX")
	measure l3fwd "$pfx-l3fwd" "$L3FWD" "${EAL_L3FWD[@]}" --file-prefix "$pfx-l3fwd" \
		-- -p 0x3 --lookup=lpm --parse-ptype --config="(0,0,1),(1,0,1)"
	l3_all+=("$RATE_TX")
	measure sluice-dp "$pfx-sluice" "$SLUICE" "${EAL_COMMON[@]}" --file-prefix "$pfx-sluice" \
		-- --config "$tmp/sluice.conf"
	sl_all+=("$RATE_TX")
done
# the ports' MACs as net_pcap gives them (the pcaps and sluice.conf assume these)
for p in 0 1; do
	grep -q "^Port $p: 02:70:63:61:70:0$p" "$tmp/testpmd.log" ||
		echo "compare.sh: warning: net_pcap$p MAC is not 02:70:63:61:70:0$p (sluice sets it)" >&2
done
# sluice prints its counters on SIGINT (last round): forwarded vs dropped
sl_summary=$(grep -E '^packets:' "$tmp/sluice-dp.log" || echo "(no counters printed)")

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "n/a" && r >= t) ? "met" : "NOT met" }'; }
tp_tx=$(median "${tp_all[@]}")
l3_tx=$(median "${l3_all[@]}")
sl_tx=$(median "${sl_all[@]}")
r_l3=$(ratio "$sl_tx" "$l3_tx")
r_tp=$(ratio "$sl_tx" "$tp_tx")

cat <<EOF

One forwarding lcore (lcore 1 on CPU $FWD_CPU, main lcore on CPU $MAIN_CPU), 2 x net_pcap
infinite_rx (no tx_pcap), 64-byte UDP, hugepages --in-memory; ${DURATION} s after ${WARMUP} s
warm-up, $ROUNDS round(s) of the three in turn; median (and each round's value).
                          forwarded Mpps
  (a) testpmd io            $(printf '%8.2f' "$tp_tx")   (${tp_all[*]})
  (b) l3fwd LPM             $(printf '%8.2f' "$l3_tx")   (${l3_all[*]})
  (c) sluice-dp             $(printf '%8.2f' "$sl_tx")   (${sl_all[*]})
  sluice / l3fwd   = $r_l3   target >= 1.00: $(meets "$r_l3" 1.0)
  sluice / testpmd = $r_tp   target >= 0.80: $(meets "$r_tp" 0.8)
  sluice counters (last round): $sl_summary
EOF
