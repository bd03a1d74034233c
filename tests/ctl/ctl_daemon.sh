#!/bin/bash
# sluicectl daemon: pushes its config (routes, neighbours and NAT policy),
# re-pushes it within a second when sluice-dp is killed and restarted,
# applies only the difference on SIGHUP, keeps the old config when the new
# one is bad, and reconciles drift.
# usage: ctl_daemon.sh SLUICE-DP SLUICECTL
DP=$1 CTL=$2
. "$(dirname "$0")/lib.sh"
ctl_init ctl-daemon

IFACES='interface lan0 device net_null0 address 192.168.1.1/24 address fd00:1::1/64 role inside mac 02:00:00:00:01:01
interface wan0 device net_null1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01'
echo "$IFACES" >"$W/dp.conf"
{
	echo "$IFACES"
	echo "route add 0.0.0.0/0 via 203.0.113.1"
	echo "route add 10.0.0.0/8 via 192.168.1.254"
	echo "route add 2001:db8:100::/48 via fd00:1::fe"
	echo "neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0"
	echo "nat pool add 203.0.113.2/32 ports 1024-65535"
	echo "nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80"
	echo "nat timeout udp 42"
} >"$W/d.conf"
# a forward is there if deleting it works (the reconcile puts it back)
has_fwd() { c nat forward del tcp "203.0.113.2:$1" >/dev/null; }

# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
	t=$1
	shift
	for _ in $(seq $((t * 50))); do
		"$@" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
has_neigh() {
	c show neighbors --json | /usr/bin/python3 -c '
import json,sys
sys.exit(0 if any(n["address"]==sys.argv[1] and n["state"]=="permanent" for n in json.load(sys.stdin)) else 1)' "$1"
}
count_static() {
	c show routes --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["origin"] in ("static","kernel")))'
}

start_dp "$W/dp.conf" --vdev net_null0 --vdev net_null1 || exit 1
"$CTL" --ctl "$SOCK" daemon --config "$W/d.conf" --reconcile 1 >"$W/daemon.log" 2>&1 &
DAEMON=$!
PIDS="$DAEMON $PIDS"
check "daemon pushed the routes" wait_for 3 has_route 10.0.0.0/8 192.168.1.254
check "daemon pushed the IPv6 route" has_route 2001:db8:100::/48 fd00:1::fe
check "daemon pushed the neighbour" has_neigh 203.0.113.1
check "exactly the config's routes" [ "$(count_static)" = 3 ]
check "daemon pushed the NAT pool and forward" wait_for 3 has_fwd 8080
check "reconcile restored the forward deleted behind its back" wait_for 3 has_fwd 8080

# kill -9 the dataplane and start it again: routes are back within a second
kill -9 "$DP_PID"
wait "$DP_PID" 2>/dev/null
check "routes gone with the dataplane" not c show routes 2>/dev/null
start_dp "$W/dp.conf" --vdev net_null0 --vdev net_null1 || exit 1
t0=$(date +%s%N)
if wait_for 2 has_route 10.0.0.0/8 192.168.1.254; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$ms" -le 1000 ]; then ok "re-pushed ${ms} ms after the restart"; else bad "re-push took ${ms} ms"; fi
else
	bad "routes not re-pushed after the restart"
fi
check "neighbour re-pushed" wait_for 1 has_neigh 203.0.113.1
check "IPv6 route re-pushed" has_route 2001:db8:100::/48 fd00:1::fe
check "NAT forward re-pushed" wait_for 3 has_fwd 8080
check "daemon logged the reconnect" grep -q "lost the dataplane" "$W/daemon.log"

# SIGHUP: only the difference
{
	echo "$IFACES"
	echo "route add 0.0.0.0/0 via 203.0.113.1"
	echo "route add 10.0.0.0/8 via 192.168.1.253"
	echo "route add 172.16.0.0/12 via 192.168.1.254"
	echo "neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0"
	echo "nat pool add 203.0.113.2/32 ports 1024-65535"
	echo "nat forward add tcp 203.0.113.2:8081 to 192.168.1.10:80"
} >"$W/d.conf"
: >"$W/daemon.log.mark"
lines=$(wc -l <"$W/daemon.log")
kill -HUP "$DAEMON"
check "SIGHUP: changed route replaced" wait_for 3 has_route 10.0.0.0/8 192.168.1.253
check "SIGHUP: new route added" has_route 172.16.0.0/12 192.168.1.254
check "SIGHUP: removed route gone" not has_route 2001:db8:100::/48
check "SIGHUP: unchanged default route kept" has_route 0.0.0.0/0 203.0.113.1
check "SIGHUP: the forward moved to its new port" wait_for 3 has_fwd 8081
check "SIGHUP: the old forward is gone" not has_fwd 8080
check "SIGHUP: only the difference was sent (2 added/replaced, 2 removed)" \
	bash -c "tail -n +$((lines + 1)) '$W/daemon.log' | grep -q 'sync: 2 route(s) added or replaced, 2 removed'"

# a bad config on SIGHUP: the old one stays
echo "route add 10.0.0.1/8 via 192.168.1.254" >>"$W/d.conf"
kill -HUP "$DAEMON"
check "bad config reported" wait_for 3 grep -q "keeping the previous configuration" "$W/daemon.log"
check "routes unchanged after a bad reload" has_route 10.0.0.0/8 192.168.1.253

# drift: a route added behind the daemon's back is removed, a deleted one restored
c route add 198.51.100.0/24 via 192.168.1.254 >/dev/null
c route del 172.16.0.0/12 >/dev/null
check "reconcile removed the stray route" wait_for 3 not has_route 198.51.100.0/24
check "reconcile restored the deleted route" wait_for 3 has_route 172.16.0.0/12 192.168.1.254

kill -TERM "$DAEMON"
wait "$DAEMON" 2>/dev/null
check "daemon stops on SIGTERM" not kill -0 "$DAEMON"
check "dataplane keeps its routes after the daemon stops" has_route 172.16.0.0/12
stop_dp
[ "$FAIL" -eq 0 ] || { echo "--- daemon log"; cat "$W/daemon.log"; }
finish
