#!/bin/bash
# `sluicectl trace N`: the next N packets are reported stage by stage with
# the right verdicts: forwarded (next hop, MAC), dropped (reason), slow path.
# usage: ctl_trace.sh SLUICE-DP SLUICECTL PIPELINE.C
DP=$1 CTL=$2
. "$(dirname "$0")/lib.sh"
ctl_init ctl-trace
if [ -n "${3:-}" ] && ! grep -q sl_trace_pipeline "$3"; then
	echo "the pipeline has no trace hook yet (sl_trace_pipeline in dataplane/pipeline.c); skipped"
	exit 77
fi
VA=slt$$a VB=slt$$b
ip link add "$VA" type veth peer name "$VB" || { echo "cannot create a veth; skipped"; exit 77; }
EXTRA_CLEANUP="ip link del $VA 2>/dev/null"
ip link set "$VA" up
ip link set "$VB" up
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" "net.ipv6.conf.$VB.disable_ipv6=1" 2>/dev/null
LANMAC=02:00:00:00:01:01
cat >"$W/gw.conf" <<CONF
interface lan0 device net_pcap0 address 192.168.1.1/24 role inside mac $LANMAC
interface wan0 device net_pcap1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01
route add 10.0.0.0/8 via 203.0.113.1
neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0
CONF
# wan0 receives nothing (net_null would feed the trace its own frames)
/usr/bin/python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$W/empty.pcap"
start_dp "$W/gw.conf" --vdev "net_pcap0,rx_iface=$VA,tx_pcap=$W/lan-out.pcap" \
	--vdev "net_pcap1,rx_pcap=$W/empty.pcap,tx_pcap=$W/wan-out.pcap" || exit 1

c trace 4 --json >"$W/trace.json" 2>"$W/trace.err" &
TR=$!
sleep 0.5
/usr/bin/python3 - "$VB" "$LANMAC" <<'PY'
import socket, struct, sys
iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def pkt(dst, dmac=mac, good=True):
    udp = struct.pack("!HHHH", 1000, 9, 12, 0) + b"trce"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([192, 168, 1, 10]), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip) ^ (0 if good else 0x5555)) + ip[12:]
    return dmac + bytes.fromhex("02000000010a") + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
import time
for p in (pkt([10, 1, 2, 3]), pkt([172, 16, 0, 1]), pkt([10, 1, 2, 3], good=False), pkt([10, 1, 2, 3], dmac=bytes.fromhex("020000000999"))):
    s.send(p)
    time.sleep(0.05)
PY
wait $TR
rc=$?
check "trace exits 0" [ "$rc" -eq 0 ]
check "trace --json parses" /usr/bin/python3 -m json.tool "$W/trace.json" >/dev/null
check_trace() {
	/usr/bin/python3 - "$W/trace.json" "$@" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
i, key, want = int(sys.argv[2]), sys.argv[3], sys.argv[4]
got = str(t[i].get(key))
if got != want:
    print("packet %d %s: %s, wanted %s" % (i, key, got, want))
    sys.exit(1)
PY
}
check "4 packets traced" [ "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/trace.json")" = 4 ]
check "1: forwarded" check_trace 0 verdict forward
check "1: out of wan0" check_trace 0 out wan0
check "1: next hop 203.0.113.1" check_trace 0 nexthop 203.0.113.1
check "1: neighbour MAC" check_trace 0 dst_mac 02:00:00:00:00:01
check "1: ingress lan0" check_trace 0 iface lan0
check "2: no route -> slow path" check_trace 1 verdict slow-path
check "3: bad checksum dropped" check_trace 2 reason bad-ip-header
check "4: wrong MAC dropped" check_trace 3 reason l2-not-for-us
check "human output names the stages" bash -c "'$CTL' --ctl '$SOCK' trace 1 2>/dev/null & sleep 0.3; /usr/bin/python3 -c '
import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind((\"$VB\",0)); s.send(b\"\\xff\"*6+b\"\\x02\"*6+b\"\\x08\\x06\"+b\"\\0\"*28)'; wait" >"$W/human.txt"
check "human trace shows the verdict" grep -q "verdict" "$W/human.txt"
expect_rc 1 "trace 0 rejected" c trace 0
stop_dp
finish
