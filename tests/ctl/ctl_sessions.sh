#!/bin/bash
# `show sessions [--json]`: NAT sessions created by live traffic are listed
# with their inside, outside (translated) and remote endpoints.
# usage: ctl_sessions.sh SLUICE-DP SLUICECTL
DP=$1 CTL=$2
. "$(dirname "$0")/lib.sh"
ctl_init ctl-sessions
VA=sls$$a VB=sls$$b
ip link add "$VA" type veth peer name "$VB" || { echo "cannot create a veth; skipped"; exit 77; }
EXTRA_CLEANUP="ip link del $VA 2>/dev/null"
ip link set "$VA" up
ip link set "$VB" up
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" "net.ipv6.conf.$VB.disable_ipv6=1" 2>/dev/null
LANMAC=02:00:00:00:01:01
cat >"$W/gw.conf" <<CONF
interface lan0 device net_pcap0 address 192.168.1.1/24 role inside mac $LANMAC
interface wan0 device net_pcap1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01
route add 0.0.0.0/0 via 203.0.113.1
neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0
nat pool add 203.0.113.2/32 ports 1024-65535
CONF
/usr/bin/python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$W/empty.pcap"
start_dp "$W/gw.conf" --vdev "net_pcap0,rx_iface=$VA,tx_pcap=$W/lan-out.pcap" \
	--vdev "net_pcap1,rx_pcap=$W/empty.pcap,tx_pcap=$W/wan-out.pcap" || exit 1
check "no sessions at first" [ "$(c show sessions --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ]
/usr/bin/python3 - "$VB" "$LANMAC" <<'PY'
import socket, struct, sys, time
iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for sport, dst in ((5000, [198, 51, 100, 7]), (5001, [198, 51, 100, 8])):
    udp = struct.pack("!HHHH", sport, 53, 12, 0) + b"sess"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([192, 168, 1, 10]), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(mac + bytes.fromhex("02000000010a") + b"\x08\x00" + ip + udp)
    time.sleep(0.05)
PY
sleep 0.3
c show sessions --json >"$W/s.json"
check "show sessions --json parses" /usr/bin/python3 -m json.tool "$W/s.json" >/dev/null
check "two sessions" [ "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/s.json")" = 2 ]
check "the session's endpoints (port preserved)" /usr/bin/python3 -c '
import json, sys
s = {x["inside"]: x for x in json.load(open(sys.argv[1]))}
x = s["192.168.1.10:5000"]
assert x["proto"] == "udp" and x["outside"] == "203.0.113.2:5000" and x["remote"] == "198.51.100.7:53", x
assert 0 < x["expires_s"] <= 300, x' "$W/s.json"
check "human output lists them" bash -c "'$CTL' --ctl '$SOCK' show sessions | grep -q '192.168.1.10:5001'"
stop_dp
finish
