#!/usr/bin/python3
"""NAT44 ICMP error about a translated echo request (RFC 5508): pool range
1024-1025; H1 pings with identifier 1024 (kept), H2 with 1024 too (becomes
1025). A router's time exceeded about each request reaches the right host:
embedded source address back to the host, embedded identifier back to 1024
with the embedded echo checksum updated with it (the quoted request is
exactly what the host sent, TTL apart), embedded IPv4 and outer ICMP
checksums updated."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def ping(mac, ip, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t * 10))
              / ICMP(type=8, id=1024, seq=7) / Raw(b'traceroute by ping ' + ip.encode()), t)


p1, p2 = ping(H1_MAC, H1_V4, 1.0), ping(H2_MAC, H2_V4, 1.1)
w1 = nat_forward(p1, WAN, GW_MAC, src=POOL, ident=1024)
w2 = nat_forward(p2, WAN, GW_MAC, src=POOL, ident=1025)
c.rx(LAN, p1, p2)
c.tx(WAN, w1, w2)
for i, (p, w, mac, ip, ident, t) in enumerate(((p2, w2, H2_MAC, H2_V4, 1025, 1.2),
                                               (p1, w1, H1_MAC, H1_V4, 1024, 1.3))):
    q = ip_with_ttl(ip_packet(w), 1)
    e = icmp4_error_frame(GW_MAC, WAN['mac'], ROUTER_V4, POOL, 11, 0, q, ttl=250,
                          ident=0x60 + i, tos=0xc0, t=t)
    tq = nat_rewrite_ip(q, src=ip, ident=1024)
    assert tq == ip_with_ttl(ip_packet(p), 1)
    c.rx(WAN, e)
    c.tx(LAN, icmp4_error_frame(LAN['mac'], mac, ROUTER_V4, ip, 11, 0, tq, ttl=249,
                                ident=0x60 + i, tos=0xc0, t=t))
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
