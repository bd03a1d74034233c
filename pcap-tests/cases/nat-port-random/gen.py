#!/usr/bin/python3
"""NAT44 random port allocation, the same on both backends: a source port
outside the pool's range 1024-65535 cannot be preserved, so the mapping
takes a random port, lo + draw % range, from the generator both backends
share (include/sluice/rng.h: xorshift64*, state = seed * 0x9e3779b97f4a7c15
+ 0x2545f4914f6cdd1d, draw = state * 0x2545f4914f6cdd1d after the shifts
12, 25, 27), seeded by replay's default --seed 0. H1 (from port 500) and H2
(from port 600) get the first and second draws; H1 again from port 500 to
another server keeps its mapping (endpoint-independent, no draw); H3 from
a free in-range port keeps it (no draw). The replies reach each host."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
LO, HI = 1024, 65535
rng = NatRng(0)
P1 = LO + rng.next() % (HI - LO + 1)
P2 = LO + rng.next() % (HI - LO + 1)
assert P1 != P2 and P1 != 40000 and P2 != 40000
cfg = nat_config(['nat pool add %s/32 ports %d-%d' % (POOL, LO, HI)], header=__doc__)
c = Case(__file__, cfg, __doc__)
OTHER_V4 = '198.51.100.99'


def out(smac, src, sport, dst, t, data):
    return at(l2(smac, LAN['mac']) / IP(src=src, dst=dst, ttl=64, id=int(t * 10))
              / UDP(sport=sport, dport=53) / Raw(data), t)


def back(src, dport, t, data):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t * 10))
              / UDP(sport=53, dport=dport) / Raw(data), t)


q1 = out(H1_MAC, H1_V4, 500, REMOTE_V4, 1.0, b'h1 from 500')
q2 = out(H2_MAC, H2_V4, 600, REMOTE_V4, 1.1, b'h2 from 600')
q3 = out(H1_MAC, H1_V4, 500, OTHER_V4, 1.2, b'h1 again')
q4 = out(H3_MAC, H3_V4, 40000, REMOTE_V4, 1.3, b'h3 in range')
r1 = back(REMOTE_V4, P1, 2.0, b'to h1')
r2 = back(REMOTE_V4, P2, 2.1, b'to h2')
r3 = back(OTHER_V4, P1, 2.2, b'to h1 from the other')
r4 = back(REMOTE_V4, 40000, 2.3, b'to h3')
c.rx(LAN, q1, q2, q3, q4)
c.rx(WAN, r1, r2, r3, r4)
c.tx(WAN, nat_forward(q1, WAN, GW_MAC, src=POOL, sport=P1),
     nat_forward(q2, WAN, GW_MAC, src=POOL, sport=P2),
     nat_forward(q3, WAN, GW_MAC, src=POOL, sport=P1),
     nat_forward(q4, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, nat_forward(r1, LAN, H1_MAC, dst=H1_V4, dport=500),
     nat_forward(r2, LAN, H2_MAC, dst=H2_V4, dport=600),
     nat_forward(r3, LAN, H1_MAC, dst=H1_V4, dport=500),
     nat_forward(r4, LAN, H3_MAC, dst=H3_V4, dport=40000))
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
