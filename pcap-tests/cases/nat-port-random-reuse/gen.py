#!/usr/bin/python3
"""NAT44 random ports and ended mappings (pool ports 40000-40007, seed 0,
the generator of nat-port-random): H1:500, H2:600 and H3:700 (out of the
range: random draws) get 40004, 40006 and 40000. All three mappings end
300 s later (UDP timeout) and their ports cool down for 120 s more; at
t=500 H1's new mapping from port 501 draws 40004 again, and takes it: a
port whose mapping ended and whose cool-down is over is free, whether or
not expiry has reaped the old mapping yet (sluice-dp reaps lazily and took
the next draw instead)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
LO, HI = 40000, 40007
rng = NatRng(0)
ports = []
for _ in range(3):          # up to 32 draws each until a free port (README "Port")
    while True:
        p = LO + rng.next() % (HI - LO + 1)
        if p not in ports:
            ports.append(p)
            break
P4 = LO + rng.next() % (HI - LO + 1)   # at t=500 every earlier port is free again
assert P4 == ports[0]                  # the case needs the draw to land on an ended one
cfg = nat_config(['nat pool add %s/32 ports %d-%d' % (POOL, LO, HI)], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(smac, src, sport, t):
    return at(l2(smac, LAN['mac']) / IP(src=src, dst=REMOTE_V4, ttl=64, id=sport)
              / UDP(sport=sport, dport=53) / Raw(b'from %d' % sport), t)


qs = [out(H1_MAC, H1_V4, 500, 1.0), out(H2_MAC, H2_V4, 600, 1.1), out(H3_MAC, H3_V4, 700, 1.2),
      out(H1_MAC, H1_V4, 501, 500.0)]
c.rx(LAN, *qs)
c.tx(WAN, *[nat_forward(q, WAN, GW_MAC, src=POOL, sport=p)
            for q, p in zip(qs, ports + [P4])])
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
