#!/usr/bin/python3
"""NAT44 port preservation: every inside port that is free on the pool
address and inside the pool's range (2000-9999) is kept: H1 UDP 5000 and
5001, H1 TCP 6000 and H2 UDP 7000 all leave from the pool address with their
own port, and the replies to those ports come back to the right host and
port."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 2000-9999' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

flows = [  # (mac, ip, proto, port, remote port)
    (H1_MAC, H1_V4, 'udp', 5000, 53),
    (H1_MAC, H1_V4, 'udp', 5001, 53),
    (H1_MAC, H1_V4, 'tcp', 6000, 443),
    (H2_MAC, H2_V4, 'udp', 7000, 123),
]
t = 1.0
outs, backs = [], []
for i, (mac, ip, proto, port, rport) in enumerate(flows):
    l4o = (UDP(sport=port, dport=rport) if proto == 'udp' else
           TCP(sport=port, dport=rport, flags='S', seq=1000 + i, window=1024))
    l4b = (UDP(sport=rport, dport=port) if proto == 'udp' else
           TCP(sport=rport, dport=port, flags='SA', seq=9000 + i, ack=1001 + i, window=1024))
    o = at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=10 + i) / l4o
           / Raw(b'out %d' % i if proto == 'udp' else b''), t)
    b = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=20 + i) / l4b
           / Raw(b'back %d' % i if proto == 'udp' else b''), t + 0.5)
    c.rx(LAN, o)
    c.tx(WAN, nat_forward(o, WAN, GW_MAC, src=POOL, sport=port))
    backs.append((b, mac, ip, port))
    t += 0.1
for b, mac, ip, port in backs:
    c.rx(WAN, b)
    c.tx(LAN, nat_forward(b, LAN, mac, dst=ip, dport=port))
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
