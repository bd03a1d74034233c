#!/usr/bin/python3
"""IPv4 forwarding over a gateway route with a static neighbour: packets from
a LAN host to a remote address leave wan0 to the upstream router's MAC, source
MAC wan0, TTL - 1, header checksum recomputed, everything else unchanged."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1234, flags='DF')
        / UDP(sport=40000, dport=9) / Raw(b'query-1' * 8), 1.0)
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=2, id=0x1235, tos=0x10)
        / TCP(sport=40001, dport=443, flags='S', seq=1000, window=64240), 1.1)
p3 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst='8.8.8.8', ttl=128, id=7)
        / ICMP(type=8, code=0, id=1, seq=1) / Raw(b'x' * 56), 1.2)
c.rx(LAN, p1, p2, p3)
c.tx(WAN, *[forward4(p, WAN, GW_MAC) for p in (p1, p2, p3)])
c.write({'rx': 3, 'forwarded': 3, 'local': 0, 'dropped': 0})
