#!/usr/bin/python3
"""NAT44 with many fragmented datagrams at once: 500 UDP datagrams of H1,
each in two fragments, from 500 source ports; first the 500 first
fragments (0.5 ms apart), then the 500 last ones, all within 0.6 s, so
that 500 datagrams wait for their later fragments at the same time. Each
first fragment makes a session (port preserved: pool:5000+i) and is
translated with its ports; each last fragment gets its datagram's address
translation. Nothing is dropped: the gateway tracks thousands of
fragmented datagrams at once (4096; sluice-dp tracked 64 before, and
dropped the rest as nat-fragment-unmatched)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
N = 500
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def datagram(i):
    return bytes(IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1000 + i)
                 / UDP(sport=5000 + i, dport=53) / Raw(b'many fragments %04d ' % i * 2))


frags = [ip_fragments(datagram(i), [24, None]) for i in range(N)]
firsts = [ip_frame(H1_MAC, LAN['mac'], frags[i][0], 1.0 + i * 0.0005) for i in range(N)]
lasts = [ip_frame(H1_MAC, LAN['mac'], frags[i][1], 1.3 + i * 0.0005) for i in range(N)]
c.rx(LAN, *firsts, *lasts)
# port preservation: each source port is free on the pool address
c.tx(WAN, *[nat_forward(f, WAN, GW_MAC, src=POOL) for f in firsts + lasts])
c.write({'rx': 2 * N, 'forwarded': 2 * N, 'local': 0, 'dropped': 0}, {})
