#!/bin/bash
# sluice-dp on net_null vdevs: sluicectl adds and removes routes and
# neighbours, reads them back as JSON, bad commands are rejected with the
# state unchanged, -f batches are atomic, wrong users are refused.
# usage: ctl_basic.sh SLUICE-DP SLUICECTL
DP=$1 CTL=$2
. "$(dirname "$0")/lib.sh"
ctl_init ctl-basic

cat >"$W/gw.conf" <<CONF
interface lan0 device net_null0 address 192.168.1.1/24 address fd00:1::1/64 role inside mac 02:00:00:00:01:01
interface wan0 device net_null1 address 203.0.113.2/24 address 2001:db8:f::2/64 role outside mac 02:00:00:00:02:01
route add 0.0.0.0/0 via 203.0.113.1 dev wan0
CONF
start_dp "$W/gw.conf" --vdev net_null0 --vdev net_null1 || exit 1

check "socket is mode 0600" [ "$(stat -c %a "$SOCK")" = 600 ]
check "config routes shown" has_route 0.0.0.0/0 203.0.113.1
expect_rc 0 "route add IPv4" c route add 10.0.0.0/8 via 192.168.1.254
check "IPv4 route in show routes --json" has_route 10.0.0.0/8 192.168.1.254
expect_rc 0 "route add IPv6" c route add 2001:db8:100::/48 via 2001:db8:f::1
check "IPv6 route in show routes --json" has_route 2001:db8:100::/48 2001:db8:f::1
expect_rc 0 "route add dev-only" c route add 198.51.100.0/24 dev lan0
check "dev-only route shown" has_route 198.51.100.0/24
expect_rc 0 "route del IPv4" c route del 10.0.0.0/8
check "IPv4 route gone" not has_route 10.0.0.0/8
expect_rc 0 "route del IPv6" c route del 2001:db8:100::/48
expect_rc 0 "neighbor add" c neighbor add 192.168.1.20 lladdr 02:00:00:00:01:20 dev lan0
check "neighbor shown permanent" bash -c "'$CTL' --ctl '$SOCK' show neighbors --json | /usr/bin/python3 -c '
import json,sys
n=json.load(sys.stdin)
sys.exit(0 if any(x[\"address\"]==\"192.168.1.20\" and x[\"lladdr\"]==\"02:00:00:00:01:20\" and x[\"state\"]==\"permanent\" for x in n) else 1)'"
expect_rc 0 "neighbor del" c neighbor del 192.168.1.20 dev lan0
check "interfaces --json parses" bash -c "'$CTL' --ctl '$SOCK' show interfaces --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert [i[\"name\"] for i in d]==[\"lan0\",\"wan0\"]'"
check "stats --json parses" bash -c "'$CTL' --ctl '$SOCK' show stats --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert \"no-route\" in d[\"drops\"] and \"lan0\" in d[\"interfaces\"]'"
check "neighbors --json parses" bash -c "'$CTL' --ctl '$SOCK' show neighbors --json | /usr/bin/python3 -m json.tool >/dev/null"
check "human show routes has a header" bash -c "'$CTL' --ctl '$SOCK' show routes | head -1 | grep -q '^prefix'"

# --- bad input: rejected, named, nothing changed ---
routes_json "$W/before.json"
expect_rc 1 "host bits set" c route add 10.0.0.1/8 via 192.168.1.254
grep -q "host bits set" "$W/err" && ok "message names the problem" || bad "message: $(cat "$W/err")"
expect_rc 1 "gateway on no subnet" c route add 10.0.0.0/8 via 172.16.0.1
expect_rc 1 "unknown interface" c route add 10.0.0.0/8 via 192.168.1.254 dev nosuch0
expect_rc 1 "delete a missing route" c route del 172.20.0.0/16
expect_rc 1 "delete a connected route" c route del 192.168.1.0/24
expect_rc 1 "duplicate route" c route add 0.0.0.0/0 via 203.0.113.1
expect_rc 1 "neighbor off-subnet" c neighbor add 10.9.9.9 lladdr 02:00:00:00:00:09 dev lan0
expect_rc 1 "gateway off the named interface" c route add 10.0.0.0/8 via 192.168.1.254 dev wan0
grep -q "192.168.1.254 is not on a connected subnet of 'wan0'" "$W/err" && ok "message names gateway and interface" || bad "message: $(cat "$W/err")"
expect_rc 1 "gateway is our own address" c route add 10.0.0.0/8 via 192.168.1.1
expect_rc 1 "gateway is the subnet broadcast" c route add 10.0.0.0/8 via 192.168.1.255 dev lan0
expect_rc 1 "neighbor is our own address" c neighbor add 192.168.1.1 lladdr 02:00:00:00:00:09 dev lan0
expect_rc 1 "new interface refused while running" c interface dmz0 device net_null2 address 10.50.0.1/24
expect_rc 0 "identical interface accepted" c interface lan0 device net_null0 address 192.168.1.1/24 address fd00:1::1/64 role inside mac 02:00:00:00:01:01
expect_rc 1 "changed interface refused" c interface lan0 device net_null0 address 192.168.1.1/24 role inside
expect_rc 2 "unknown command" c frobnicate
expect_rc 1 "bad grammar" c route add
printf 'route add 172.16.0.0/12 via 192.168.1.254\nroute add 172.32.0.0/12 via 192.168.1.254\nroute add 2001:db8::/32 via 192.168.1.254\n' >"$W/bad.batch"
expect_rc 1 "-f with a bad line" c -f "$W/bad.batch"
grep -q "bad.batch:3" "$W/err" && ok "-f error names FILE:LINE" || bad "-f message: $(cat "$W/err")"
printf 'route add 172.16.0.0/12 via 192.168.1.254\nroute del 172.20.0.0/16\n' >"$W/bad2.batch"
expect_rc 1 "-f rejected by the dataplane" c -f "$W/bad2.batch"
grep -q "line 2" "$W/err" && ok "dataplane error names the line" || bad "message: $(cat "$W/err")"
routes_json "$W/after.json"
check "routes unchanged after rejected commands" cmp -s "$W/before.json" "$W/after.json"

# --- a good batch: all of it ---
{
	for i in $(seq 0 199); do echo "route add 10.$((i / 256)).$((i % 256)).0/24 via 192.168.1.254"; done
	echo "route add 2001:db8:1::/48 via fd00:1::fe"
	echo "neighbor add 192.168.1.254 lladdr 02:00:00:00:01:fe dev lan0"
} >"$W/good.batch"
expect_rc 0 "-f good batch of 202 commands" c -f "$W/good.batch"
check "batch applied in full" bash -c "[ \$('$CTL' --ctl '$SOCK' show routes --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r[\"prefix\"].startswith(\"10.0.\")))') = 200 ]"

# --- a duplicate add never replaces the route ---
expect_rc 1 "route add of an existing prefix" c route add 10.0.1.0/24 via 192.168.1.253
grep -q "already exists" "$W/err" && ok "message: already exists" || bad "message: $(cat "$W/err")"
check "the route kept its gateway" has_route 10.0.1.0/24 192.168.1.254
expect_rc 1 "route add of a connected prefix" c route add 192.168.1.0/24 dev lan0
grep -q "prefix of an interface address" "$W/err" && ok "message: interface address prefix" || bad "message: $(cat "$W/err")"
expect_rc 1 "route del of a broadcast route" c route del 192.168.1.255/32
grep -q "an interface address route" "$W/err" && ok "message: interface address route" || bad "message: $(cat "$W/err")"
# within a batch, the batch's own changes decide: del then add replaces,
# a second del of the same prefix finds nothing (and nothing is applied)
printf 'route del 10.0.2.0/24\nroute add 10.0.2.0/24 via 192.168.1.253\n' >"$W/replace.batch"
expect_rc 0 "-f del then add replaces a route" c -f "$W/replace.batch"
check "the replaced route has the new gateway" has_route 10.0.2.0/24 192.168.1.253
printf 'route add 172.16.0.0/12 via 192.168.1.254\nroute del 172.16.0.0/12\nroute del 172.16.0.0/12\n' >"$W/dd.batch"
expect_rc 1 "-f second del of a prefix" c -f "$W/dd.batch"
grep -q "line 3: route del 172.16.0.0/12: no such route" "$W/err" && ok "second del names line 3" || bad "message: $(cat "$W/err")"
printf 'route add 172.16.0.0/12 via 192.168.1.254\nroute add 172.16.0.0/12 via 192.168.1.253\n' >"$W/aa.batch"
expect_rc 1 "-f second add of a prefix" c -f "$W/aa.batch"
grep -q "line 2: route add 172.16.0.0/12: already exists" "$W/err" && ok "second add names line 2" || bad "message: $(cat "$W/err")"
check "neither batch applied" not has_route 172.16.0.0/12

# --- the control socket keeps serving ---
# idle connections: evicted (2 s idle) when others wait, not a lock-out
/usr/bin/python3 - "$SOCK" >"$W/idle.out" 2>&1 <<'PY' &
import socket, sys, time
ss = []
for _ in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    ss.append(s)
time.sleep(8)
PY
IDLE_PID=$!
PIDS="$PIDS $IDLE_PID"
sleep 1
expect_rc 0 "served while 20 idle clients hold connections" timeout 6 "$CTL" --ctl "$SOCK" show routes
# concurrent controllers: all served, all applied
cpids=""
for i in $(seq 1 40); do
	"$CTL" --ctl "$SOCK" route add 10.210.$i.0/24 via 192.168.1.254 >"$W/conc.$i" 2>&1 &
	cpids="$cpids $!"
done
for i in $(seq 1 20); do
	"$CTL" --ctl "$SOCK" show routes --json >/dev/null 2>&1 &
	cpids="$cpids $!"
done
for p in $cpids $IDLE_PID; do wait "$p"; done # (the idle clients end after 8 s)
check "40 concurrent route adds all applied" bash -c "[ \$('$CTL' --ctl '$SOCK' show routes --json | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r[\"prefix\"].startswith(\"10.210.\")))') = 40 ]"

# --- counters ---
expect_rc 0 "clear stats" c clear stats
check "counters restart from zero" bash -c "[ \$('$CTL' --ctl '$SOCK' show stats --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"drops\"][\"no-route\"])') -eq 0 ]"

# --- help and usage ---
for cmd in route neighbor interface show clear trace daemon check nat; do
	expect_rc 0 "$cmd --help" c $cmd --help
done
expect_rc 3 "no dataplane behind the socket" "$CTL" --ctl "$W/nosuch.sock" show routes

# --- wrong user ---
if id nobody >/dev/null 2>&1; then
	expect_rc 3 "nobody cannot open the 0600 socket" setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" --ctl "$SOCK" show routes
	grep -q "permission denied" "$W/err" && ok "clear message for nobody" || bad "message: $(cat "$W/err")"
	chmod 0711 "$W"
	chmod 0666 "$SOCK"
	expect_rc 3 "nobody refused by peer credentials" setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" --ctl "$SOCK" route add 10.200.0.0/16 via 192.168.1.254
	grep -q "refused by the dataplane: permission denied: uid" "$W/err" && ok "refusal message names the uid" || bad "message: $(cat "$W/err")"
	check "refused command not applied" bash -c "! '$CTL' --ctl '$SOCK' show routes | grep -q 10.200.0.0"
	chmod 0600 "$SOCK"
fi
stop_dp

# --- --ctl-group: a member may, others may not ---
grp=sluicetest$$
if groupadd "$grp" 2>/dev/null; then
	EXTRA_CLEANUP="groupdel $grp"
	DP_EXTRA="--ctl-group $grp"
	rm -f "$SOCK"
	start_dp "$W/gw.conf" --vdev net_null0 --vdev net_null1 || exit 1
	check "group socket is 0660 $grp" [ "$(stat -c '%a %G' "$SOCK")" = "660 $grp" ]
	chmod 0711 "$W"
	expect_rc 0 "group member may" setpriv --reuid=nobody --regid=nogroup --groups="$(getent group "$grp" | cut -d: -f3)" "$CTL" --ctl "$SOCK" route add 10.201.0.0/16 via 192.168.1.254
	chmod 0666 "$SOCK"
	expect_rc 3 "non-member refused" setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" --ctl "$SOCK" show routes
	grep -q "nor in group $grp" "$W/err" && ok "refusal names the group" || bad "message: $(cat "$W/err")"
	stop_dp
fi
finish
