#!/usr/bin/python3
"""NAT44 session table size (`nat sessions max 16`, the smallest allowed):
H1 opens 16 sessions (UDP 40000-40015); with the table full, H2's new
session is dropped as nat-session-limit; packets of existing sessions still
pass both ways. Once they are all idle past the UDP timeout (300 s), they
no longer count, reaped or not: H2's new session at t=400 is made."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL, 'nat sessions max 16'],
                 header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, port, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=port % 1000)
              / UDP(sport=port, dport=53) / Raw(b'q%d' % port), t)


def back(port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=port % 1000)
              / UDP(sport=53, dport=port) / Raw(b'a%d' % port), t)


fill = [out(H1_MAC, H1_V4, 40000 + i, 1.0 + i * 0.01) for i in range(16)]
o3 = out(H2_MAC, H2_V4, 41000, 1.2)
o4 = out(H1_MAC, H1_V4, 40000, 1.3)
b1, b2 = back(40000, 2.0), back(40015, 2.1)
c.rx(LAN, *fill)
o5 = out(H2_MAC, H2_V4, 41000, 400.0)
c.rx(LAN, o3, o4, o5)
c.rx(WAN, b1, b2)
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, sport=p[UDP].sport) for p in fill + [o4, o5]])
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(b2, LAN, H1_MAC, dst=H1_V4, dport=40015))
c.write({'rx': 21, 'forwarded': 20, 'local': 0, 'dropped': 1}, {'nat-session-limit': 1})
