#!/bin/bash
# A malformed capture is refused by both replays (SPEC §2): exit status 1, a
# message naming the file, the record and the problem, no counters and no
# output file; the same capture without its bad record replays with exit 0.
# A pipe is checked as it is read: the replay stops at the bad record, exit 1.
#   replay_malformed.sh PATH/TO/sluice-dp PATH/TO/sluice-xdp
# sluice-xdp replay loads a BPF program: without root only sluice-dp is run.
set -u
DP=$(readlink -f "$1")
XDP=$(readlink -f "$2")
W=$(mktemp -d /tmp/sluice-replay-malformed.XXXXXX)
trap 'rm -rf "$W"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

cat >"$W/config" <<EOF
interface lan0 device x0 address 192.168.1.1/24 role inside mac 02:00:00:00:01:01
interface wan0 device x1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:02
route add 0.0.0.0/0 via 203.0.113.1
neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0
EOF
# good.pcap: two UDP packets lan0 -> 198.51.100.1; oversize.pcap: good.pcap and
# a third record whose caplen is 2000000000; cut.pcap: good.pcap and a third
# record of 43 bytes of which only 20 are in the file.
/usr/bin/python3 - "$W" <<'EOF'
import struct, sys
d = sys.argv[1]
def frame(sport):
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 29, 1, 0, 64, 17, 0,
                               bytes([192, 168, 1, 10]), bytes([198, 51, 100, 1])))
    s = sum(struct.unpack('!10H', ip))
    s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack('!H', ~s & 0xffff)
    udp = struct.pack('!HHHH', sport, 53, 9, 0) + b'x'
    return bytes.fromhex('020000000101' '020000000010' '0800') + bytes(ip) + udp
def rec(ts, data, caplen=None):
    n = len(data)
    return struct.pack('<IIII', ts, 0, n if caplen is None else caplen, n) + data
hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
good = hdr + rec(1, frame(1000)) + rec(2, frame(1001))
open(d + '/good.pcap', 'wb').write(good)
open(d + '/oversize.pcap', 'wb').write(good + rec(3, b'abc', caplen=2000000000))
open(d + '/cut.pcap', 'wb').write(good + rec(3, frame(1002))[:16 + 20])
EOF

# refused NAME BINARY FILE RECORD PROBLEM
refused() {
	local name=$1 bin=$2 f=$3 record=$4 problem=$5 rc
	rm -rf "$W/out"
	"$bin" replay --config "$W/config" --in lan0="$W/$f" --out-dir "$W/out" --json \
		>"$W/stdout" 2>"$W/stderr"
	rc=$?
	[ $rc -eq 1 ] && ok "$name $f: exit 1" || bad "$name $f: exit $rc, wanted 1"
	grep -qF "$W/$f: record $record: " "$W/stderr" && grep -qF "$problem" "$W/stderr" &&
		ok "$name $f: message names the file, record $record and the problem" ||
		bad "$name $f: message: $(cat "$W/stderr")"
	[ -s "$W/stdout" ] && bad "$name $f: counters printed: $(head -c 200 "$W/stdout")"
	[ -e "$W/out" ] && bad "$name $f: output written: $(ls "$W/out")"
}

run_backend() {
	local name=$1 bin=$2 rc
	rm -rf "$W/out"
	"$bin" replay --config "$W/config" --in lan0="$W/good.pcap" --out-dir "$W/out" --json \
		>"$W/stdout" 2>"$W/stderr"
	rc=$?
	[ $rc -eq 0 ] && ok "$name good.pcap: exit 0" || bad "$name good.pcap: exit $rc: $(cat "$W/stderr")"
	refused "$name" "$bin" oversize.pcap 3 "capture length 2000000000"
	refused "$name" "$bin" cut.pcap 3 "truncated"
	rm -rf "$W/out"
	"$bin" replay --config "$W/config" --in lan0=/dev/stdin --out-dir "$W/out" \
		<"$W/oversize.pcap" >/dev/null 2>"$W/stderr"
	rc=$?
	[ $rc -eq 1 ] && ok "$name oversize.pcap from a file on stdin: exit 1" ||
		bad "$name oversize.pcap from a file on stdin: exit $rc"
	rm -rf "$W/out"
	cat "$W/cut.pcap" | "$bin" replay --config "$W/config" --in lan0=/dev/stdin \
		--out-dir "$W/out" --json >"$W/stdout" 2>"$W/stderr"
	rc=$?
	[ $rc -eq 1 ] && ok "$name cut.pcap through a pipe: exit 1" ||
		bad "$name cut.pcap through a pipe: exit $rc"
	grep -qF "/dev/stdin: malformed record: truncated" "$W/stderr" &&
		ok "$name cut.pcap through a pipe: message" ||
		bad "$name cut.pcap through a pipe: message: $(cat "$W/stderr")"
	[ -s "$W/stdout" ] && bad "$name cut.pcap through a pipe: counters printed"
}

run_backend sluice-dp "$DP"
if [ "$(id -u)" -eq 0 ]; then
	run_backend sluice-xdp "$XDP"
else
	echo "skip - sluice-xdp replay: needs root"
fi
echo "replay-malformed: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
