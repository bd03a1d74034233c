#!/usr/bin/python3
"""NAT44 mapping lifetime with endpoint-independent filtering: a mapping
lives while at least one of its sessions does. H1:40000 talks only to R1 at
t=1: at t=302 its only session has expired, so an unsolicited packet from R3
to pool:40000 is nat-no-session. H1:40001 talks to R1 at t=1 and to R2 at
t=200: at t=302 the R1 session is gone but the mapping lives (R2's
session), so a packet from R3 to pool:40001 is accepted and translated, and
R1's late reply too (as a new inbound session, endpoint-independent
filtering). H2 sending to pool:40000 at t=302 (hairpin to a dead mapping)
is nat-no-session too. At t=700 everything has expired: R2's packet to
pool:40001 is dropped."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
R3_V4 = '198.51.100.9'
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat filtering endpoint-independent'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(port, dst, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, ttl=64, id=int(t))
              / UDP(sport=port, dport=3478) / Raw(b'to ' + dst.encode()), t)


def inb(src, port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t))
              / UDP(sport=3478, dport=port) / Raw(b'from ' + src.encode()), t)


o1, o2, o3 = out(40000, REMOTE_V4, 1.0), out(40001, REMOTE_V4, 1.1), out(40001, REMOTE2_V4, 200.0)
i1 = inb(R3_V4, 40000, 302.0)         # mapping 40000 dead: dropped
i2 = inb(R3_V4, 40001, 302.1)         # mapping 40001 alive: accepted
i3 = inb(REMOTE_V4, 40001, 302.2)     # R1's session expired, mapping alive: accepted (EIF)
i4 = inb(REMOTE2_V4, 40001, 700.0)    # everything idle > 300 s: dropped
hp = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=POOL, ttl=64, id=9)
        / UDP(sport=6000, dport=40000) / Raw(b'hairpin to a dead mapping'), 302.3)
c.rx(LAN, o1, o2, o3, hp)
c.rx(WAN, i1, i2, i3, i4)
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, sport=p[UDP].sport) for p in (o1, o2, o3)])
c.tx(LAN, *[nat_forward(p, LAN, H1_MAC, dst=H1_V4, dport=40001) for p in (i2, i3)])
c.write({'rx': 8, 'forwarded': 5, 'local': 0, 'dropped': 3}, {'nat-no-session': 3})
