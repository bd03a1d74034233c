#!/usr/bin/python3
"""NAT44: inbound packets on the outside interface addressed directly to
inside addresses are dropped as nat-no-session, even when they carry the
ports of a live session (H1:40000 <-> remote:53): the session is reached
through the pool address only. A packet to an inside address with no
neighbour entry triggers no ARP on lan0. The real reply through the pool
address still reaches H1."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)


def inb(dst, l4, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=dst, ttl=50, id=int(t * 10))
              / l4, t)


d1 = inb(H1_V4, UDP(sport=53, dport=40000) / Raw(b'direct to H1'), 1.1)
d2 = inb(H2_V4, TCP(sport=50000, dport=22, flags='S', seq=1, window=1024), 1.2)
d3 = inb('192.168.1.99', ICMP(type=8, id=1, seq=1) / Raw(b'no neighbour'), 1.3)
r1 = inb(POOL, UDP(sport=53, dport=40000) / Raw(b'answer via the pool'), 1.4)
c.rx(LAN, o1)
c.rx(WAN, d1, d2, d3, r1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, nat_forward(r1, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 5, 'forwarded': 2, 'local': 0, 'dropped': 3}, {'nat-no-session': 3},
        extra={'events': {'icmp-errors-sent': 0, 'arp-requests-sent': 0}})
