#!/usr/bin/python3
"""NAT44 ICMP echo idle timeout, default 60 s: an echo reply 59 s after the
request is translated back; for another identifier, a reply 61 s after its
request finds no session (nat-no-session)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def req(ident, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=ident % 256)
              / ICMP(type=8, id=ident, seq=1) / Raw(b'ping'), t)


def rep(ident, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=ident % 256)
              / ICMP(type=0, id=ident, seq=1) / Raw(b'ping'), t)


a1, a2 = req(0x1000, 1.0), req(0x1001, 1.1)
b1, b2 = rep(0x1000, 60.0), rep(0x1001, 62.1)
c.rx(LAN, a1, a2)
c.rx(WAN, b1, b2)
c.tx(WAN, nat_forward(a1, WAN, GW_MAC, src=POOL, ident=0x1000),
     nat_forward(a2, WAN, GW_MAC, src=POOL, ident=0x1001))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, ident=0x1000))
c.write({'rx': 4, 'forwarded': 3, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
