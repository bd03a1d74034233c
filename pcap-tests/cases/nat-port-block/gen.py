#!/usr/bin/python3
"""NAT44 port block allocation (RFC 6888/7422 style): pool ports 1024-1029
cut into blocks of 2 ([1024,1025], [1026,1027], [1028,1029]), one block per
inside host (`nat port-block size 2 blocks-per-host 1`). A host's first
mapping gives it the lowest free block; its mappings take only ports of its
block: the inside port when it lies in the block and is free (H1 UDP 1024,
H2 UDP 1027, H3 UDP 1029, H1 TCP 1024: ports are per protocol), else a free
port of the block (H1 UDP 5000 -> 1025, the block's only free UDP port).
H1's next UDP mapping finds its block full and may not take a second one:
dropped as nat-port-exhausted. Replies reach each host through its block."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1029' % POOL,
                  'nat port-block size 2 blocks-per-host 1'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def udp_out(mac, ip, sport, t, dst=REMOTE_V4):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=dst, ttl=64, id=int(t * 10))
              / UDP(sport=sport, dport=4500) / Raw(b'from %s:%d' % (ip.encode(), sport)), t)


def udp_back(dport, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=int(t * 10))
              / UDP(sport=4500, dport=dport) / Raw(b'back to %d' % dport), t)


o1 = udp_out(H1_MAC, H1_V4, 1024, 1.0)       # H1: block [1024,1025], 1024 kept
o2 = udp_out(H2_MAC, H2_V4, 1027, 1.1)       # H2: block [1026,1027], 1027 kept
o3 = udp_out(H1_MAC, H1_V4, 5000, 1.2)       # H1: 5000 not in its block -> 1025
o4 = udp_out(H1_MAC, H1_V4, 1027, 1.3, dst=REMOTE2_V4)  # H1: block full -> exhausted
o5 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=15)
        / TCP(sport=1024, dport=443, flags='S', seq=1000, window=8192), 1.4)  # TCP 1024 kept
o6 = udp_out(H3_MAC, H3_V4, 1029, 1.5)       # H3: block [1028,1029], 1029 kept
b1, b2, b3, b6 = udp_back(1025, 2.0), udp_back(1027, 2.1), udp_back(1024, 2.2), udp_back(1029, 2.3)
b5 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=25)
        / TCP(sport=443, dport=1024, flags='SA', seq=5000, ack=1001, window=8192), 2.4)
c.rx(LAN, o1, o2, o3, o4, o5, o6)
c.rx(WAN, b1, b2, b3, b6, b5)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=1027),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=1025),
     nat_forward(o5, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o6, WAN, GW_MAC, src=POOL, sport=1029))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=5000),
     nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=1027),
     nat_forward(b3, LAN, H1_MAC, dst=H1_V4, dport=1024),
     nat_forward(b6, LAN, H3_MAC, dst=H3_V4, dport=1029),
     nat_forward(b5, LAN, H1_MAC, dst=H1_V4, dport=1024))
c.write({'rx': 11, 'forwarded': 10, 'local': 0, 'dropped': 1}, {'nat-port-exhausted': 1})
