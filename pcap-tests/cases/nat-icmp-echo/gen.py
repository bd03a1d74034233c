#!/usr/bin/python3
"""NAT44 ICMP echo: H1's echo requests leave wan0 from the pool address with
the identifier kept (it is free and inside the pool's range, so it is
preserved like a port), TTL - 1, IPv4 checksum updated, ICMP checksum
unchanged (nothing it covers changed); echo replies to the pool address with
that identifier go back to H1. Two pings with different identifiers are two
sessions; a reply with an identifier that has no session is nat-no-session."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def req(ident, sq, t, data=b'abcdefghijklmnopqrstuvwabcdefghi'):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x100 + sq,
                                            flags='DF')
              / ICMP(type=8, code=0, id=ident, seq=sq) / Raw(data), t)


def rep(ident, sq, t, data=b'abcdefghijklmnopqrstuvwabcdefghi'):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=58, id=0x900 + sq)
              / ICMP(type=0, code=0, id=ident, seq=sq) / Raw(data), t)


a1, b1 = req(0x1234, 1, 1.0), rep(0x1234, 1, 1.05)
a2, b2 = req(0x1234, 2, 2.0), rep(0x1234, 2, 2.05)
a3, b3 = req(0x4321, 1, 2.1, b'other'), rep(0x4321, 1, 2.15, b'other')
stray = rep(0x5555, 1, 2.2)
c.rx(LAN, a1, a2, a3)
c.rx(WAN, b1, b2, b3, stray)
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, ident=p[ICMP].id) for p in (a1, a2, a3)])
c.tx(LAN, *[nat_forward(p, LAN, H1_MAC, dst=H1_V4, ident=p[ICMP].id) for p in (b1, b2, b3)])
for o, i in zip(c.outputs['wan0'], (a1, a2, a3)):
    assert bytes(o)[36:38] == bytes(i)[36:38]
c.write({'rx': 7, 'forwarded': 6, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
