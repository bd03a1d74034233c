#!/usr/bin/python3
"""NAT44 ICMP echo identifier collision: with a pool range of two ports
(1024-1025), H1 pings with identifier 1024 and keeps it (preserved); H2 then
pings the same server with identifier 1024, which is taken on the pool
address, so H2 gets the only free one, 1025 (ICMP checksum updated). The
server's replies to 1024 and 1025 reach H1 and H2 with their own identifier
1024; each host's second ping reuses its mapping."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def req(mac, ip, sq, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=0x100 + sq)
              / ICMP(type=8, code=0, id=1024, seq=sq) / Raw(b'ping from ' + ip.encode()), t)


def rep(ident, ip, sq, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=58, id=0x900 + sq)
              / ICMP(type=0, code=0, id=ident, seq=sq) / Raw(b'ping from ' + ip.encode()), t)


h1a = req(H1_MAC, H1_V4, 1, 1.0)
h2a = req(H2_MAC, H2_V4, 1, 1.1)
r1a = rep(1024, H1_V4, 1, 1.2)
r2a = rep(1025, H2_V4, 1, 1.3)
h1b = req(H1_MAC, H1_V4, 2, 2.0)
h2b = req(H2_MAC, H2_V4, 2, 2.1)
r2b = rep(1025, H2_V4, 2, 2.2)
r1b = rep(1024, H1_V4, 2, 2.3)
c.rx(LAN, h1a, h2a, h1b, h2b)
c.rx(WAN, r1a, r2a, r2b, r1b)
c.tx(WAN, nat_forward(h1a, WAN, GW_MAC, src=POOL, ident=1024),
     nat_forward(h2a, WAN, GW_MAC, src=POOL, ident=1025),
     nat_forward(h1b, WAN, GW_MAC, src=POOL, ident=1024),
     nat_forward(h2b, WAN, GW_MAC, src=POOL, ident=1025))
c.tx(LAN, nat_forward(r1a, LAN, H1_MAC, dst=H1_V4, ident=1024),
     nat_forward(r2a, LAN, H2_MAC, dst=H2_V4, ident=1024),
     nat_forward(r2b, LAN, H2_MAC, dst=H2_V4, ident=1024),
     nat_forward(r1b, LAN, H1_MAC, dst=H1_V4, ident=1024))
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
