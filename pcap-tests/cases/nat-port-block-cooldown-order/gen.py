#!/usr/bin/python3
"""NAT44 port blocks freed when their cool-down ends, whatever the order in
which the mappings ended: pool ports 1024-1035 (three blocks of 4, `nat
port-block size 4 blocks-per-host 1`), `nat timeout tcp-established 100`,
`nat timeout tcp-transitory 4`. H1's mid-stream TCP segment at t=1 (picked
up: established) takes block 0; H2's SYN at t=1.1 (transitory) takes block
1; the ports are drawn from the shared generator (seed 0). Nothing more
until t=200: H2's session ended at 5.1 and its port cooled down until
125.1, so block 1 is free again; H1's ended at 101 and cools down until
221, so block 0 is still H1's. H3's new UDP flow at t=200 gets the lowest
free block, block 1 (not block 2), and a port drawn in it."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1035' % POOL,
                  'nat port-block size 4 blocks-per-host 1',
                  'nat timeout tcp-established 100',
                  'nat timeout tcp-transitory 4'], header=__doc__)
c = Case(__file__, cfg, __doc__)
rng = NatRng(0)
P1 = 1024 + rng.next() % 4      # block 0
P2 = 1028 + rng.next() % 4      # block 1
P3 = 1028 + rng.next() % 4      # block 1 again, for H3

t1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1, flags='DF')
        / TCP(sport=5000, dport=443, flags='A', seq=100, ack=200, window=501), 1.0)
t2 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=REMOTE_V4, ttl=64, id=2, flags='DF')
        / TCP(sport=6000, dport=443, flags='S', seq=300, window=64240), 1.1)
u3 = at(l2(H3_MAC, LAN['mac']) / IP(src=H3_V4, dst=REMOTE_V4, ttl=64, id=3)
        / UDP(sport=7000, dport=4500) / Raw(b'H3 at t=200'), 200.0)
c.rx(LAN, t1, t2, u3)
c.tx(WAN, nat_forward(t1, WAN, GW_MAC, src=POOL, sport=P1),
     nat_forward(t2, WAN, GW_MAC, src=POOL, sport=P2),
     nat_forward(u3, WAN, GW_MAC, src=POOL, sport=P3))
c.write({'rx': 3, 'forwarded': 3, 'local': 0, 'dropped': 0})
