#!/bin/bash
# Live route changes under traffic: tcpreplay sends a steady stream to 64
# stable prefixes into a veth that sluice-dp reads (net_pcap rx_iface) while
# sluicectl adds and removes thousands of other routes, including longer
# prefixes beside the stable ones (so tbl8 groups of the same /24s are
# created and freed). Every packet sluice received must leave (tx_pcap) with
# the next-hop MAC of its prefix: zero lost, zero misforwarded.
# usage: ctl_live_update.sh SLUICE-DP SLUICECTL [PACKETS] [PPS]
DP=$1 CTL=$2
N=${3:-300000}
PPS=${4:-60000}
. "$(dirname "$0")/lib.sh"
ctl_init ctl-live-update
HERE=$(cd "$(dirname "$0")" && pwd)
command -v tcpreplay >/dev/null || { echo "tcpreplay missing; skipped"; exit 77; }

VA=slu$$a VB=slu$$b
ip link add "$VA" type veth peer name "$VB" || { echo "cannot create a veth; skipped"; exit 77; }
EXTRA_CLEANUP="ip link del $VA 2>/dev/null"
ip link set "$VA" up
ip link set "$VB" up
ethtool -K "$VA" tx off rx off gro off >/dev/null 2>&1
ethtool -K "$VB" tx off rx off gro off >/dev/null 2>&1
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" "net.ipv6.conf.$VB.disable_ipv6=1" 2>/dev/null

LANMAC=02:00:00:00:01:01 WANMAC=02:00:00:00:02:01
{
	echo "interface lan0 device net_pcap0 address 192.168.1.1/24 role inside mac $LANMAC"
	echo "interface wan0 device net_pcap1 address 192.168.2.254/24 address 2001:db8:ff::254/64 role outside mac $WANMAC"
	echo "neighbor add 192.168.2.1 lladdr 02:00:00:00:0a:0a dev wan0"
	echo "neighbor add 192.168.2.2 lladdr 02:00:00:00:0b:0b dev wan0"
	for s in $(seq 0 63); do echo "route add 10.$s.0.0/24 via 192.168.2.$((1 + s % 2))"; done
} >"$W/gw.conf"
/usr/bin/python3 "$HERE/gen_stream.py" gen "$W/in.pcap" "$N" "$LANMAC"
/usr/bin/python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$W/empty.pcap"

start_dp "$W/gw.conf" --vdev "net_pcap0,rx_iface=$VA,tx_pcap=$W/lan-out.pcap" \
	--vdev "net_pcap1,rx_pcap=$W/empty.pcap,tx_pcap=$W/out.pcap" || exit 1
c clear stats

# churn: batches of adds then deletes, beside and between the stable prefixes
churn() {
	r=0
	while [ ! -e "$W/stop" ]; do
		: >"$W/add" && : >"$W/del"
		for s in $(seq 0 63); do
			for k in 0 1 2 3; do
				p="10.$s.0.$((128 + k * 32 + (r % 8) * 4))/30"
				echo "route add $p via 192.168.2.$((1 + (s + 1) % 2))" >>"$W/add"
				echo "route del $p" >>"$W/del"
			done
			echo "route add 10.$s.$((1 + r % 200)).0/24 via 192.168.2.1" >>"$W/add"
			echo "route del 10.$s.$((1 + r % 200)).0/24" >>"$W/del"
			echo "route add 2001:db8:$s:$r::/64 via 2001:db8:ff::1" >>"$W/add"
			echo "route del 2001:db8:$s:$r::/64" >>"$W/del"
		done
		for k in $(seq 0 99); do
			p="172.$((16 + k % 16)).$((r % 256)).$((k / 16 * 32))/27"
			echo "route add $p via 192.168.2.2" >>"$W/add"
			echo "route del $p" >>"$W/del"
		done
		c -f "$W/add" >/dev/null 2>>"$W/churn.err" || echo "churn add failed" >>"$W/churn.err"
		c -f "$W/del" >/dev/null 2>>"$W/churn.err" || echo "churn del failed" >>"$W/churn.err"
		c route add 10.$((r % 64)).0.192/26 via 192.168.2.$((1 + (r + 1) % 2)) >/dev/null 2>>"$W/churn.err" || echo "single add failed" >>"$W/churn.err"
		c route del 10.$((r % 64)).0.192/26 >/dev/null 2>>"$W/churn.err" || echo "single del failed" >>"$W/churn.err"
		r=$((r + 1))
		echo $r >"$W/rounds"
	done
}
churn &
CHURN=$!
PIDS="$CHURN $PIDS"
tcpreplay -q --pps="$PPS" -i "$VB" "$W/in.pcap" >"$W/tcpreplay.log" 2>&1
sleep 0.5
touch "$W/stop"
wait "$CHURN"
rounds=$(cat "$W/rounds" 2>/dev/null || echo 0)
changes=$((rounds * (64 * 6 + 100) * 2 + rounds * 2))
c show stats --json >"$W/stats.json"
stop_dp
if [ -s "$W/churn.err" ]; then bad "route churn commands failed: $(sort "$W/churn.err" | uniq -c | head -5)"; else ok "every route change was accepted"; fi
check "thousands of route changes while traffic flowed ($changes in $rounds rounds)" [ "$changes" -ge 2000 ]
read -r rx fwd dropped < <(/usr/bin/python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print(d["interfaces"]["lan0"]["rx"], d["packets"]["forwarded"], d["packets"]["dropped"])' "$W/stats.json")
sent=$(grep -o 'Actual: [0-9]* packets' "$W/tcpreplay.log" | grep -o '[0-9]*' | head -1)
echo "sent $sent, sluice received $rx on lan0, forwarded $fwd, dropped $dropped"
check "sluice received at least half the stream (the veth capture may lose some under load: not sluice's loss)" [ "$rx" -ge $((N / 2)) ]
check "nothing dropped inside sluice" [ "$dropped" -eq 0 ]
check "everything received was forwarded" [ "$fwd" -eq "$rx" ]
out=$(/usr/bin/python3 "$HERE/gen_stream.py" check "$W/out.pcap" "$WANMAC")
rc=$?
echo "$out"
check "every packet left with its prefix's next-hop MAC" [ "$rc" -eq 0 ]
check "the output holds every forwarded packet" [ "$(echo "$out" | awk '{print $2}')" -eq "$fwd" ]
finish
