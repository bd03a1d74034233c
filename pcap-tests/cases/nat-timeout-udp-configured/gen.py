#!/usr/bin/python3
"""NAT44 UDP idle timeout set by `nat timeout udp 30`: a reply 29 s after
H1's datagram is translated, and another 29 s after that reply; on a second
session, a reply 31 s after the last packet is nat-no-session."""
EXTRA = ['nat timeout udp 30']
TIMEOUT = 30
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL] + EXTRA, header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(port, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=port % 1000)
              / UDP(sport=port, dport=53) / Raw(b'request'), t)


def back(port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=port % 1000)
              / UDP(sport=53, dport=port) / Raw(b'reply after %d s' % TIMEOUT), t)


o1, o2 = out(40000, 1.0), out(40001, 1.1)
b1 = back(40000, 1.0 + TIMEOUT - 1)     # idle TIMEOUT - 1 s: translated
b2 = back(40001, 1.1 + TIMEOUT + 1)     # idle TIMEOUT + 1 s: session gone
b3 = back(40000, 1.0 + 2 * (TIMEOUT - 1))   # an inbound packet refreshed it too
c.rx(LAN, o1, o2)
c.rx(WAN, b1, b2, b3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=40001))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(b3, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 5, 'forwarded': 4, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
