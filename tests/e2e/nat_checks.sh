# tests/e2e/nat_checks.sh — the NAT44 end-to-end checks, whatever the backend
# (sourced after lib.sh; used by nat.sh for sluice-dp and by the XDP tests).
#
#   nat_setup        testbed with NO return route in wan, web servers in wan
#                    (203.0.113.1:8080) and lan (192.168.1.10:80), iperf3 in wan
#   nat_checks TAG   with a gateway running that masquerades lan behind
#                    $POOL_IP and forwards tcp $POOL_IP:8080 to $LAN_IP:80:
#     - ping lan -> wan host; ping of the pool address from wan answered;
#     - curl lan -> wan: content, 2 MiB file (sha256), server sees $POOL_IP;
#     - iperf3 TCP and UDP (50 Mbit/s) lan -> wan, 2 s each (rates reported,
#       not asserted), the iperf3 server sees $POOL_IP;
#     - static forward: wan curl $POOL_IP:8080 reaches the lan server, which
#       sees the real wan client; hairpin: lan reaches its own forward and is
#       seen as $POOL_IP;
#     - with NAT_CHECK_FRAGMENTS set: a UDP datagram from lan in three
#       fragments, the last one first (held until its first fragment
#       comes), reaches a wan receiver whole (its kernel reassembles it),
#       from $POOL_IP (not over net_af_packet, which has the kernel
#       reassemble fragments before sluice-dp reads them: README);
#     - unsolicited inbound is silently dropped: wan -> $POOL_IP:9999 times
#       out; with a route via the gateway, wan reaches neither
#       $LAN_IP:80 nor answers to ping $LAN_IP.

LAN_IP=192.168.1.10
WAN_IP=203.0.113.1
POOL_IP=203.0.113.2

# the config lines every backend's NAT test uses (after its interface lines)
NAT_CONF_POLICY="nat pool add $POOL_IP/32 ports 1024-65535
nat forward add tcp $POOL_IP:8080 to $LAN_IP:80"

nat_setup() {
	e2e_testbed_up
	ip -n "$WAN" route del 192.168.1.0/24 2>/dev/null
	ip -n "$WAN" -6 route del fd00:1::/64 2>/dev/null
	if ip -n "$WAN" route get "$LAN_IP" >/dev/null 2>&1; then
		fail "wan host has no route to 192.168.1.0/24: $(ip -n "$WAN" route get "$LAN_IP" 2>&1)"
	else
		pass "wan host has no route to 192.168.1.0/24 (only $(ip -n "$WAN" -4 route | tr '\n' ';'))"
	fi
	TOKEN="sluice e2e nat wan $(date +%s) $$"
	LTOKEN="sluice e2e nat lan $(date +%s) $$"
	make_www "$TMP/www" "$TOKEN" big
	make_www "$TMP/wwwlan" "$LTOKEN"
	start_http "$WAN" "$WAN_IP" 8080 "$TMP/www" "$TMP/http-wan.log" ||
		fail "http server in wan starts"
	start_http "$LAN" "$LAN_IP" 80 "$TMP/wwwlan" "$TMP/http-lan.log" ||
		fail "http server in lan starts"
	start_iperf3 "$WAN" "$WAN_IP" "$TMP/iperf3-server.log"
}

# nat_iperf3 TAG: TCP then UDP, each checked for completion and the peer seen.
nat_iperf3() {
	local tag=$1 pre out rate peer
	if [ "$IPERF_UP" != 1 ]; then
		info "iperf3 not installed: iperf3 checks skipped"
		return
	fi
	# (never truncate the server's log: it keeps writing at its offset)
	pre=$(stat -c %s "$TMP/iperf3-server.log")
	out=$(in_lan timeout 20 iperf3 -c "$WAN_IP" -p 5201 -t 2 -f m 2>&1)
	rate=$(echo "$out" | grep -E 'receiver$' | tail -n 1 | grep -oE '[0-9.]+ [KMG]bits/sec')
	if [ -n "$rate" ]; then
		pass "$tag iperf3 TCP lan -> wan 2 s completes ($rate)"
	else
		fail "$tag iperf3 TCP lan -> wan did not complete: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	sleep 0.3
	peer=$(tail -c +$((pre + 1)) "$TMP/iperf3-server.log" |
		grep -aoE 'Accepted connection from [0-9.]+' | tail -n 1 | awk '{print $4}')
	if [ "$peer" = "$POOL_IP" ]; then
		pass "$tag iperf3 server sees the client as $peer"
	else
		fail "$tag iperf3 server sees the client as '${peer:-nothing logged}', want $POOL_IP"
	fi

	pre=$(stat -c %s "$TMP/iperf3-server.log")
	out=$(in_lan timeout 20 iperf3 -c "$WAN_IP" -p 5201 -u -b 50M -t 2 -f m 2>&1)
	rate=$(echo "$out" | grep -E 'receiver$' | tail -n 1 |
		grep -oE '[0-9.]+ [KMG]bits/sec .*\([0-9.e+-]+%\)' | tr -s ' ')
	if [ -n "$rate" ]; then
		pass "$tag iperf3 UDP 50M lan -> wan 2 s completes ($rate: rate, jitter, lost/total)"
	else
		fail "$tag iperf3 UDP lan -> wan did not complete: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	sleep 0.3
	peer=$(tail -c +$((pre + 1)) "$TMP/iperf3-server.log" |
		grep -aoE 'connected to [0-9.]+' | tail -n 1 | awk '{print $3}')
	if [ "$peer" = "$POOL_IP" ]; then
		pass "$tag iperf3 server's UDP stream comes from $peer"
	else
		fail "$tag iperf3 server's UDP stream comes from '${peer:-nothing logged}', want $POOL_IP"
	fi
}

# check_peer TAG NAME LOG MARK WANT: the server logged MARK's request from WANT.
check_peer() {
	local tag=$1 name=$2 log=$3 mark=$4 want=$5 peer
	sleep 0.2
	peer=$(peer_of "$log" "$mark")
	if [ "$peer" = "$want" ]; then
		pass "$tag $name sees the client as $peer"
	else
		fail "$tag $name sees the client as '${peer:-nothing logged}', want $want"
	fi
}

# check_frag_udp TAG: a datagram in fragments, out of order, through NAT.
check_frag_udp() {
	local tag=$1 port=5099 pid want got mac out ms
	# the gateway's MAC as the lan host knows it (after the pings)
	mac=$(ip -n "$LAN" neigh show 192.168.1.1 | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2)
	in_wan /usr/bin/python3 "$HERE/frag_udp.py" recv $port 5 >"$TMP/frag.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q ready "$TMP/frag.out" && break
		sleep 0.1
	done
	out=$(in_lan /usr/bin/python3 "$HERE/frag_udp.py" send veth0 "$mac" "$LAN_IP" "$WAN_IP" \
		$port 2>&1)
	want=$(echo "$out" | sed -n 1p)
	wait "$pid"
	got=$(sed -n 2p "$TMP/frag.out")
	if [ "$got" = "$POOL_IP $want" ]; then
		ms=$(awk -v a="$(echo "$out" | sed -n 2p)" -v b="$(sed -n 3p "$TMP/frag.out")" \
			'BEGIN { printf "%.2f", (b - a) * 1000 }')
		pass "$tag UDP datagram in fragments, last one first: arrives whole from $POOL_IP" \
			"($ms ms after the last fragment was sent)"
	else
		fail "$tag UDP datagram in fragments, last one first: got '$got', want '$POOL_IP $want'"
	fi
}

nat_checks() {
	local tag=$1 mark rc out peer
	# Wait until the gateway answers (ARP + ICMP echo), at most ~15 s.
	for _ in $(seq 15); do
		in_lan ping -c 1 -W 1 -q 192.168.1.1 >/dev/null 2>&1 && break
	done
	check_ping "$tag" "ping lan -> wan host $WAN_IP through NAT" "$LAN" "$WAN_IP"
	check_ping "$tag" "ping wan -> gateway/pool address $POOL_IP" "$WAN" "$POOL_IP"

	# outbound TCP: curl, the server sees the pool address
	mark="o-$$-$RANDOM"
	check_curl "$tag" "curl lan -> http://$WAN_IP:8080/index.html" "$LAN" \
		"http://$WAN_IP:8080/index.html?$mark" "$TOKEN"
	check_peer "$tag" "wan HTTP server" "$TMP/http-wan.log" "$mark" "$POOL_IP"
	check_big_file "$tag" "curl 2 MiB file through NAT" "$LAN" "http://$WAN_IP:8080/big.bin" \
		"$BIG_SUM"
	nat_iperf3 "$tag"
	if [ -n "${NAT_CHECK_FRAGMENTS:-}" ]; then
		check_frag_udp "$tag"
	fi

	# static forward: a wan client reaches the lan server via $POOL_IP:8080
	mark="f-$$-$RANDOM"
	check_curl "$tag" "static forward: wan curl http://$POOL_IP:8080/ reaches the lan server" \
		"$WAN" "http://$POOL_IP:8080/index.html?$mark" "$LTOKEN"
	check_peer "$tag" "static forward: lan server (source kept)" "$TMP/http-lan.log" "$mark" \
		"$WAN_IP"

	# hairpin: the lan host reaches its own forward through the pool address
	mark="h-$$-$RANDOM"
	check_curl "$tag" "hairpin: lan curl http://$POOL_IP:8080/ reaches the lan server" \
		"$LAN" "http://$POOL_IP:8080/index.html?$mark" "$LTOKEN"
	check_peer "$tag" "hairpin: lan server" "$TMP/http-lan.log" "$mark" "$POOL_IP"

	# unsolicited inbound
	in_wan curl -sS --max-time 3 -o /dev/null "http://$POOL_IP:9999/" >"$TMP/unsol.out" 2>&1
	rc=$?
	if [ "$rc" -eq 28 ]; then
		pass "$tag unsolicited wan -> $POOL_IP:9999 fails silently (curl timeout)"
	elif [ "$rc" -eq 0 ]; then
		fail "$tag unsolicited wan -> $POOL_IP:9999 succeeded"
	else
		fail "$tag unsolicited wan -> $POOL_IP:9999: curl exit $rc, want 28 (timeout: silent drop): $(head -c 200 "$TMP/unsol.out")"
	fi
	# Even with a route via the gateway, nothing unsolicited reaches the inside.
	mark="d-$$-$RANDOM"
	ip -n "$WAN" route add 192.168.1.0/24 via "$POOL_IP" dev veth0
	in_wan curl -sS --max-time 3 -o /dev/null "http://$LAN_IP:80/index.html?$mark" >/dev/null 2>&1
	rc=$?
	if out=$(in_wan ping -c 2 -i 0.2 -W 1 "$LAN_IP" 2>&1); then
		fail "$tag unsolicited ping wan -> $LAN_IP (routed via gateway) was answered"
	else
		pass "$tag unsolicited ping wan -> $LAN_IP (routed via gateway) gets no answer"
	fi
	ip -n "$WAN" route del 192.168.1.0/24
	sleep 0.2
	peer=$(peer_of "$TMP/http-lan.log" "$mark")
	if [ "$rc" -ne 0 ] && [ -z "$peer" ]; then
		pass "$tag unsolicited wan -> $LAN_IP:80 (routed via gateway) does not connect (curl exit $rc)"
	else
		fail "$tag unsolicited wan -> $LAN_IP:80 reached the lan server (curl exit $rc, logged peer '${peer}')"
	fi
}
