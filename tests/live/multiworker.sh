#!/usr/bin/env bash
# Multi-worker forwarding gives the same result as one worker and as replay:
# the same input (net_pcap vdevs, split over 2 RX queues per port) through
# sluice-dp with 1 and with 2 worker lcores (several lcores mapped onto the
# machine's CPUs), compared as multisets of output frames per interface and
# by counters, against `sluice-dp replay` of the same input.
# Usage: multiworker.sh SLUICE_DP
set -euo pipefail
DP=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'pkill -INT -f "file-prefix=slmw$$" 2>/dev/null || true; rm -rf "$T"' EXIT
PY=/usr/bin/python3
pass=0 fail=0
check() { if [ "$1" = 0 ]; then echo "PASS $2"; pass=$((pass+1)); else echo "FAIL $2"; fail=$((fail+1)); fi; }

cat > "$T/gw.conf" <<CONF
interface lan0 device net_pcap0 address 192.168.1.1/24 mac 02:00:00:00:01:01
interface wan0 device net_pcap1 address 203.0.113.2/24 mac 02:00:00:00:02:01
route add 0.0.0.0/0 via 203.0.113.1 dev wan0
neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev wan0
neighbor add 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0
neighbor add 192.168.1.11 lladdr 02:00:00:00:01:0a dev lan0
neighbor add 192.168.1.12 lladdr 02:00:00:00:01:0a dev lan0
neighbor add 192.168.1.13 lladdr 02:00:00:00:01:0a dev lan0
CONF
$PY "$HERE/gen_traffic.py" "$T"
# split each input in two: one part per RX queue
$PY - "$T" <<'PY'
import sys
from scapy.all import rdpcap, wrpcap
d = sys.argv[1]
for n in ('lan', 'wan'):
    p = rdpcap(f'{d}/{n}.pcap')
    wrpcap(f'{d}/{n}0.pcap', p[0::2])
    wrpcap(f'{d}/{n}1.pcap', p[1::2])
PY

"$DP" replay --config "$T/gw.conf" --in lan0="$T/lan.pcap" --in wan0="$T/wan.pcap" \
	--out-dir "$T/replay" --json > "$T/replay.json"

run_live() { # $1 = workers
	local w=$1 dir="$T/live$1" lcores
	mkdir -p "$dir"
	if [ "$w" = 1 ]; then lcores="0@0,1@1"; else lcores="0@0,1@1,2@1"; fi
	local rx0 rx1 tx0="" tx1=""
	if [ "$w" = 1 ]; then # one worker, one queue per port: the whole input
		rx0="rx_pcap=$T/lan.pcap" rx1="rx_pcap=$T/wan.pcap"
	else # one RX queue per worker, each with half of the input
		rx0="rx_pcap=$T/lan0.pcap,rx_pcap=$T/lan1.pcap"
		rx1="rx_pcap=$T/wan0.pcap,rx_pcap=$T/wan1.pcap"
	fi
	for q in $(seq 0 $((w-1))); do tx0="$tx0,tx_pcap=$dir/lan0.q$q.pcap"; tx1="$tx1,tx_pcap=$dir/wan0.q$q.pcap"; done
	"$DP" --no-pci --no-huge --no-shconf -m 512 --file-prefix=slmw$$ --lcores "$lcores" \
		--log-level='*:error' --vdev "net_pcap0,$rx0$tx0" --vdev "net_pcap1,$rx1$tx1" \
		-- --config "$T/gw.conf" --json > "$dir/out.json" 2> "$dir/err.txt" &
	local pid=$!
	# finite input: wait until the counters stop moving (the process prints at exit)
	sleep 4
	kill -INT $pid
	wait $pid
}
for w in 1 2; do
	rc=0; run_live $w || rc=$?
	check $rc "sluice-dp with $w worker(s) runs and exits cleanly"
done

$PY - "$T" <<'PY' && r=0 || r=$?
import json, sys, collections, glob
from scapy.all import rdpcap
d = sys.argv[1]
def frames(paths):
    c = collections.Counter()
    for p in paths:
        for pkt in rdpcap(p):
            c[bytes(pkt)] += 1
    return c
def stats(path):
    txt = open(path).read()
    return json.loads(txt[txt.index('{'):])
ref = {i: frames([f'{d}/replay/{i}.pcap']) for i in ('lan0', 'wan0')}
rs = stats(f'{d}/replay.json')
ok = True
assert sum(ref['wan0'].values()) >= 2000 and sum(ref['lan0'].values()) >= 2000, 'replay forwarded too little'
for w in (1, 2):
    for i in ('lan0', 'wan0'):
        got = frames(glob.glob(f'{d}/live{w}/{i}.q*.pcap'))
        if got != ref[i]:
            ok = False
            print(f'{w} worker(s), {i}: {sum(got.values())} frames, replay {sum(ref[i].values())}; '
                  f'{len(got - ref[i])} unexpected, {len(ref[i] - got)} missing')
    ls = stats(f'{d}/live{w}/out.json')
    for k in ('rx', 'forwarded', 'local', 'dropped'):
        if ls['packets'][k] != rs['packets'][k]:
            ok = False
            print(f'{w} worker(s): packets.{k} {ls["packets"][k]} != replay {rs["packets"][k]}')
    for k, v in rs['drops'].items():
        if ls['drops'][k] != v:
            ok = False
            print(f'{w} worker(s): drops.{k} {ls["drops"][k]} != replay {v}')
sys.exit(0 if ok else 1)
PY
check $r "1 and 2 workers forward exactly what replay forwards (frames and counters)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
