#!/usr/bin/python3
"""IPv4 with no route (no default route configured): dropped as no-route and
answered with ICMP destination unreachable, net unreachable (type 3 code 0),
even when the TTL is 1 (the FIB is consulted before the TTL); a packet to a
connected subnet is still forwarded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=11)
        / UDP(sport=40000, dport=9) / Raw(b'nowhere'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst='10.20.30.40', ttl=1, id=12, flags='DF')
        / TCP(sport=40001, dport=22, flags='S', seq=7, window=100), 1.1)
p3 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=GW_V4, ttl=64, id=13)
        / UDP(sport=40002, dport=9) / Raw(b'connected'), 1.2)
c.rx(LAN, p1, p2, p3)
c.tx(LAN, icmp4_error(p1, LAN, 3, 0), icmp4_error(p2, LAN, 3, 0))
c.tx(WAN, forward4(p3, WAN, GW_MAC))
c.write({'rx': 3, 'forwarded': 1, 'local': 0, 'dropped': 2}, {'no-route': 2})
