#!/usr/bin/python3
"""NAT44 address-dependent filtering counts live sessions only: H1:40000
talks to R1 at t=1 and to R2 at t=200 (the mapping stays alive). At t=302
H1's session with R1 has expired, so a packet from R1 (another port) to
pool:40000 is nat-no-session, while one from R2's address with another
port is accepted (R2's session is live)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat filtering address-dependent'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(dst, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, ttl=64, id=int(t))
              / UDP(sport=40000, dport=3478) / Raw(b'to ' + dst.encode()), t)


def inb(src, sport, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t))
              / UDP(sport=sport, dport=40000) / Raw(b'from ' + src.encode()), t)


o1, o2 = out(REMOTE_V4, 1.0), out(REMOTE2_V4, 200.0)
i1, i2 = inb(REMOTE_V4, 3479, 302.0), inb(REMOTE2_V4, 3479, 302.1)
c.rx(LAN, o1, o2)
c.rx(WAN, i1, i2)
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, sport=40000) for p in (o1, o2)])
c.tx(LAN, nat_forward(i2, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 4, 'forwarded': 3, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
