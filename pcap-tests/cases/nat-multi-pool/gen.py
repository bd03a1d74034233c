#!/usr/bin/python3
"""NAT44 with two pools (`nat pool add` is repeatable, each with its own
port range): pool addresses are handed out round-robin in pool order, so H1
gets 203.0.113.10 (ports 1024-65535: H1:5000 keeps 5000) and H2 gets
203.0.113.20 (ports 2000-2000: H2:5000 becomes 2000); H3 wraps to
203.0.113.10 (H3:6000 keeps 6000). Replies reach each host."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

P1, P2 = '203.0.113.10', '203.0.113.20'
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % P1,
                  'nat pool add %s/32 ports 2000-2000' % P2], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, port, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t * 10))
              / UDP(sport=port, dport=53) / Raw(b'from ' + ip.encode()), t)


def back(addr, port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=addr, ttl=60, id=int(t * 10))
              / UDP(sport=53, dport=port) / Raw(b'to %s:%d' % (addr.encode(), port)), t)


o1, o2 = out(H1_MAC, H1_V4, 5000, 1.0), out(H2_MAC, H2_V4, 5000, 1.1)
o3 = out(H3_MAC, H3_V4, 6000, 1.2)
b1, b2, b3 = back(P1, 5000, 2.0), back(P2, 2000, 2.1), back(P1, 6000, 2.2)
c.rx(LAN, o1, o2, o3)
c.rx(WAN, b1, b2, b3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=P1, sport=5000),
     nat_forward(o2, WAN, GW_MAC, src=P2, sport=2000),
     nat_forward(o3, WAN, GW_MAC, src=P1, sport=6000))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=5000),
     nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=5000),
     nat_forward(b3, LAN, H3_MAC, dst=H3_V4, dport=6000))
c.write({'rx': 6, 'forwarded': 6, 'local': 0, 'dropped': 0})
