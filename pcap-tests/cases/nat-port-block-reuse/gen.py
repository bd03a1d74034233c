#!/usr/bin/python3
"""NAT44 port block draw after a mapping ended: one block of 4 ports (pool
ports 1024-1027, `nat port-block size 4 blocks-per-host 1`, `nat timeout udp
30`). H1:1024 keeps port 1024 at t=1 (the block becomes H1's). Its session
is idle from t=1, expires after 30 s and the port cools down for 120 s more
(until t=151). At t=200 H1:5000 (outside the pool's range) needs a port:
the draw starts at a random port of the block (the shared generator,
include/sluice/rng.h, seed 0: first draw % 4 = 0, so port 1024) and takes
the first free one from there; 1024, whose mapping ended and cooled down,
is as free as a never-used port, so H1:5000 gets pool:1024 (whether or not
the gateway has got round to reaping the old mapping). A reply to pool:1024
reaches H1:5000."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1027' % POOL,
                  'nat port-block size 4 blocks-per-host 1',
                  'nat timeout udp 30'], header=__doc__)
c = Case(__file__, cfg, __doc__)
start = NatRng(0).next() % 4
assert start == 0
PORT = 1024 + start


def udp_out(sport, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=int(t))
              / UDP(sport=sport, dport=4500) / Raw(b'from H1 at %d' % t), t)


o1 = udp_out(1024, 1.0)
o2 = udp_out(5000, 200.0)
b2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=201)
        / UDP(sport=4500, dport=PORT) / Raw(b'back to H1'), 201.0)
c.rx(LAN, o1, o2)
c.rx(WAN, b2)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=PORT))
c.tx(LAN, nat_forward(b2, LAN, H1_MAC, dst=H1_V4, dport=5000))
c.write({'rx': 3, 'forwarded': 3, 'local': 0, 'dropped': 0})
