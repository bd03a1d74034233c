#!/usr/bin/python3
"""NAT44 port block release: one block of 2 ports (pool ports 1024-1025,
`nat port-block size 2 blocks-per-host 1`, `nat timeout udp 30`). H1 takes
the block at t=1 (UDP 1024 kept). H2 finds no free block (t=2, dropped as
nat-port-exhausted). H1's session is idle from t=1, expires after 30 s
(t=31), and its port cools down for 120 s more, so the block stays H1's
until t=151: H2 is still refused at t=100. At t=160 the block is free and
becomes H2's (UDP 1025 kept); now H1 has no block and none is free (t=161,
nat-port-exhausted). A reply to 1025 reaches H2."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL,
                  'nat port-block size 2 blocks-per-host 1',
                  'nat timeout udp 30'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def udp_out(mac, ip, sport, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t))
              / UDP(sport=sport, dport=4500) / Raw(b'from %s at %d' % (ip.encode(), t)), t)


o1 = udp_out(H1_MAC, H1_V4, 1024, 1.0)
o2 = udp_out(H2_MAC, H2_V4, 1025, 2.0)
o3 = udp_out(H2_MAC, H2_V4, 1025, 100.0)
o4 = udp_out(H2_MAC, H2_V4, 1025, 160.0)
o5 = udp_out(H1_MAC, H1_V4, 1024, 161.0)
b4 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=162)
        / UDP(sport=4500, dport=1025) / Raw(b'back to H2'), 162.0)
c.rx(LAN, o1, o2, o3, o4, o5)
c.rx(WAN, b4)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o4, WAN, GW_MAC, src=POOL, sport=1025))
c.tx(LAN, nat_forward(b4, LAN, H2_MAC, dst=H2_V4, dport=1025))
c.write({'rx': 6, 'forwarded': 3, 'local': 0, 'dropped': 3}, {'nat-port-exhausted': 3})
