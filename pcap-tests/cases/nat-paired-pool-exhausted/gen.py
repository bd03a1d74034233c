#!/usr/bin/python3
"""NAT44 paired pooling is strict (RFC 4787 REQ-2): pool 203.0.113.8/31
with ports 1024-1025. H1:1024 gets .8:1024, H2:1024 gets .9:1024
(round-robin), H1:1025 gets .8:1025. H3 is paired with .8 (the round-robin
wraps), where both ports are taken: its session is dropped as
nat-port-exhausted although .9:1025 is free; H3 is not given another
address. H2:1025 then gets .9:1025. Replies reach their hosts."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = nat_config(['nat pool add 203.0.113.8/31 ports 1024-1025'], header=__doc__)
c = Case(__file__, cfg, __doc__)
A8, A9 = '203.0.113.8', '203.0.113.9'


def out(mac, ip, port, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t * 10))
              / UDP(sport=port, dport=53) / Raw(b'from %s:%d' % (ip.encode(), port)), t)


def back(addr, port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=addr, ttl=60, id=int(t * 10))
              / UDP(sport=53, dport=port) / Raw(b'to %s:%d' % (addr.encode(), port)), t)


o1 = out(H1_MAC, H1_V4, 1024, 1.0)
o2 = out(H2_MAC, H2_V4, 1024, 1.1)
o3 = out(H1_MAC, H1_V4, 1025, 1.2)
o4 = out(H3_MAC, H3_V4, 1024, 1.3)
o5 = out(H2_MAC, H2_V4, 1025, 1.4)
b = [back(A8, 1024, 2.0), back(A9, 1024, 2.1), back(A8, 1025, 2.2), back(A9, 1025, 2.3)]
c.rx(LAN, o1, o2, o3, o4, o5)
c.rx(WAN, *b)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=A8, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=A9, sport=1024),
     nat_forward(o3, WAN, GW_MAC, src=A8, sport=1025),
     nat_forward(o5, WAN, GW_MAC, src=A9, sport=1025))
c.tx(LAN, nat_forward(b[0], LAN, H1_MAC, dst=H1_V4, dport=1024),
     nat_forward(b[1], LAN, H2_MAC, dst=H2_V4, dport=1024),
     nat_forward(b[2], LAN, H1_MAC, dst=H1_V4, dport=1025),
     nat_forward(b[3], LAN, H2_MAC, dst=H2_V4, dport=1025))
c.write({'rx': 9, 'forwarded': 8, 'local': 0, 'dropped': 1}, {'nat-port-exhausted': 1})
