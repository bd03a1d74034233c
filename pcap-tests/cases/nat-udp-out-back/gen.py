#!/usr/bin/python3
"""NAT44 UDP out and back: H1's datagrams to a remote server leave wan0 with
source = the pool address and the same port (preserved: free and in range),
TTL - 1, IPv4 and UDP checksums updated (equal to a full recompute); the
server's replies to pool:port are translated back to H1:port. A datagram
with UDP checksum 0 keeps checksum 0 in both directions. The session is
reused: a second request and reply take the same path."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

q1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1001, flags='DF')
        / UDP(sport=40000, dport=53) / Raw(b'dns query one'), 1.0)
r1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=57, id=0x2001)
        / UDP(sport=53, dport=40000) / Raw(b'dns answer one, a bit longer'), 1.1)
q2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1002, flags='DF')
        / UDP(sport=40000, dport=53) / Raw(b'dns query two!'), 1.2)
r2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=57, id=0x2002)
        / UDP(sport=53, dport=40000) / Raw(b'dns answer two'), 1.3)
# zero UDP checksum (no checksum) both ways, another port
z1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1003)
        / UDP(sport=40001, dport=5000, chksum=0) / Raw(b'no checksum out'), 1.4)
z2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=50, id=0x2003)
        / UDP(sport=5000, dport=40001, chksum=0) / Raw(b'no checksum back'), 1.5)
c.rx(LAN, q1, q2, z1)
c.rx(WAN, r1, r2, z2)
c.tx(WAN, nat_forward(q1, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(q2, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(z1, WAN, GW_MAC, src=POOL, sport=40001))
c.tx(LAN, nat_forward(r1, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(r2, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(z2, LAN, H1_MAC, dst=H1_V4, dport=40001))
assert bytes(c.outputs['wan0'][2])[14 + 26:14 + 28] == b'\0\0'
c.write({'rx': 6, 'forwarded': 6, 'local': 0, 'dropped': 0})
