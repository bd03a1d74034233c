#!/usr/bin/python3
"""No ICMP error about: an ICMP destination unreachable or time exceeded
(TTL 1), a non-first fragment (TTL 1), an ICMP error without a route, or an
ICMPv6 error with hop limit 1. Each is still counted under its drop reason.
A unicast IPv4 packet received as L2 broadcast is not forwarded at all
(RFC 1812 5.3.4): l2-not-for-us, no ICMP. An ICMP echo request with TTL 1
(a query, not an error) does get a time exceeded, as does an ICMPv6 echo
request with hop limit 1."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 198.51.100.0/24 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'route add 2001:db8:100::/48 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
inner = bytes(IP(src=REMOTE_V4, dst=H1_V4, ttl=50, id=1) / UDP(sport=9, dport=40000))
E = l2(H1_MAC, LAN['mac'])
p1 = at(E / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=1) / ICMP(type=3, code=3, unused=0)
        / Raw(inner), 1.0)
p2 = at(E / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=2) / ICMP(type=11, code=0, unused=0)
        / Raw(inner), 1.1)
p3 = at(E / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=3, frag=100, proto=17)
        / Raw(b'middle of a datagram'), 1.2)
p4 = at(l2(H1_MAC, BCAST) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=4)
        / UDP(sport=40000, dport=9) / Raw(b'l2 broadcast'), 1.3)
p5 = at(E / IP(src=H1_V4, dst='10.9.9.9', ttl=64, id=5) / ICMP(type=3, code=1, unused=0)
        / Raw(inner), 1.4)
p6 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=1, tc=0, fl=0)
        / ICMPv6DestUnreach(type=1, code=4, length=0, unused=0)
        / Raw(bytes(IPv6(src=REMOTE_V6, dst=H1_V6, hlim=50) / UDP(sport=9, dport=1))), 1.5)
q1 = at(E / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=7) / ICMP(type=8, code=0, id=1, seq=1)
        / Raw(b'query'), 2.0)
q2 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=1, tc=0, fl=0)
        / ICMPv6EchoRequest(id=1, seq=1, data=b'query6'), 2.1)
c.rx(LAN, p1, p2, p3, p4, p5, p6, q1, q2)
c.tx(LAN, icmp4_error(q1, LAN, 11, 0), icmp6_error(q2, LAN, 3, 0))
# XDP: TTL expiry and no route go to the kernel, whether it answers or not
c.kernel(p1, p2, p3, p5, p6)
c.write({'rx': 8, 'forwarded': 0, 'local': 0, 'dropped': 8},
        {'ttl-exceeded': 6, 'no-route': 1, 'l2-not-for-us': 1})
