#!/usr/bin/python3
"""NAT44 port block holding a static forward's port: one block of 2 ports
(pool ports 3000-3001, `nat port-block size 2 blocks-per-host 1`, `nat
timeout udp 6`) whose TCP port 3000 is a static forward to H1:22. H2's UDP
flow at t=1 claims the block (UDP 5000 lies outside it: a random port of the
block, the shared generator's first draw % 2 = 0, UDP 3000: UDP ports are not
TCP's). H3 finds no free block at t=2: nat-port-exhausted. H2's session
expires at t=7 and its port cools down until t=127; then the block has no
dynamic mapping or cool-down left and leaves H2: the forward's port does not
keep a host's block (it belongs to no host). At t=200 H3 claims the block
and gets UDP 3000 (the next draw % 2 = 0); a reply reaches H3, and the
forward still takes TCP to pool:3000 to H1:22."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 3000-3001' % POOL,
                  'nat port-block size 2 blocks-per-host 1',
                  'nat forward add tcp %s:3000 to %s:22' % (POOL, H1_V4),
                  'nat timeout udp 6'], header=__doc__)
c = Case(__file__, cfg, __doc__)
rng = NatRng(0)
P1 = 3000 + rng.next() % 2
P2 = 3000 + rng.next() % 2
assert P1 == P2 == 3000


def udp_out(mac, ip, sport, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t))
              / UDP(sport=sport, dport=4500) / Raw(b'from %s at %d' % (ip.encode(), t)), t)


o1 = udp_out(H2_MAC, H2_V4, 5000, 1.0)
o2 = udp_out(H3_MAC, H3_V4, 6000, 2.0)
o3 = udp_out(H3_MAC, H3_V4, 6000, 200.0)
b3 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=201)
        / UDP(sport=4500, dport=P2) / Raw(b'back to H3'), 201.0)
f1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE2_V4, dst=POOL, ttl=60, id=202, flags='DF')
        / TCP(sport=40000, dport=3000, flags='S', seq=7, window=29200), 202.0)
c.rx(LAN, o1, o2, o3)
c.rx(WAN, b3, f1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=P1),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=P2))
c.tx(LAN, nat_forward(b3, LAN, H3_MAC, dst=H3_V4, dport=6000),
     nat_forward(f1, LAN, H1_MAC, dst=H1_V4, dport=22))
c.write({'rx': 5, 'forwarded': 4, 'local': 0, 'dropped': 1}, {'nat-port-exhausted': 1})
