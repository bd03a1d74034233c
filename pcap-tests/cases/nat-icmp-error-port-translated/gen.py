#!/usr/bin/python3
"""NAT44 ICMP errors (RFC 5508) where the port itself is translated (pool
`ports 3000-3000`, so H1:5000 <-> pool:3000; static forward pool:8080 <->
H2:80). Inbound: a router's time exceeded about H1's datagram (embedded
source pool:3000 becomes H1:5000, embedded UDP checksum updated for address
and port), the same with the quote cut inside the payload (incremental
update), and fragmentation needed (MTU 1280) about H2's SYN-ACK that left as
pool:8080, quoting IP header + 8 bytes (embedded source port 8080 becomes
80; the TCP checksum is outside the quote). Outbound: H1's port unreachable
about a datagram it received on 5000 leaves with the embedded destination
pool:3000."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 3000-3000' % POOL,
                  'nat forward add tcp %s:8080 to %s:80' % (POOL, H2_V4)], header=__doc__)
c = Case(__file__, cfg, __doc__)

# 1. H1:5000 -> remote, time exceeded from a router (full quote)
o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x101)
        / UDP(sport=5000, dport=33434) / Raw(b'probe with a translated port'), 1.0)
w1 = nat_forward(o1, WAN, GW_MAC, src=POOL, sport=3000)
q1 = ip_with_ttl(ip_packet(w1), 1)
e1 = icmp4_error_frame(GW_MAC, WAN['mac'], ROUTER_V4, POOL, 11, 0, q1, ttl=250, ident=0x51,
                       tos=0xc0, t=1.1)
t1 = nat_rewrite_ip(q1, src=H1_V4, sport=5000)
assert t1 == ip_with_ttl(ip_packet(o1), 1)
x1 = icmp4_error_frame(LAN['mac'], H1_MAC, ROUTER_V4, H1_V4, 11, 0, t1, ttl=249, ident=0x51,
                       tos=0xc0, t=1.1)
# 2. a second datagram of the same mapping, quote cut 12 bytes into the payload
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x102)
        / UDP(sport=5000, dport=33435) / Raw(b'abcdefghij' * 20), 2.0)
w2 = nat_forward(o2, WAN, GW_MAC, src=POOL, sport=3000)
q2 = ip_with_ttl(ip_packet(w2), 1)[:40]
e2 = icmp4_error_frame(GW_MAC, WAN['mac'], ROUTER_V4, POOL, 11, 0, q2, ttl=250, ident=0x52,
                       tos=0xc0, t=2.1)
t2 = nat_rewrite_ip(q2, src=H1_V4, sport=5000)
# the cut quote's UDP checksum is the one H1 computed over the whole datagram
assert t2[26:28] == ip_packet(o2)[26:28]
x2 = icmp4_error_frame(LAN['mac'], H1_MAC, ROUTER_V4, H1_V4, 11, 0, t2, ttl=249, ident=0x52,
                       tos=0xc0, t=2.1)
# 3. static forward: client SYN in, H2's SYN-ACK out as pool:8080, frag needed about it
s3 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE2_V4, dst=POOL, ttl=50, id=0x103, flags='DF')
        / TCP(sport=52000, dport=8080, flags='S', seq=10, window=65535,
              options=[('MSS', 1460)]), 3.0)
a3 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=REMOTE2_V4, ttl=64, id=0x104, flags='DF')
        / TCP(sport=80, dport=52000, flags='SA', seq=20, ack=11, window=65160,
              options=[('MSS', 1460)]) / Raw(bytes(range(64))), 3.1)
w3 = nat_forward(a3, WAN, GW_MAC, src=POOL, sport=8080)
q3 = ip_with_ttl(ip_packet(w3), 61)[:28]
e3 = icmp4_error_frame(GW_MAC, WAN['mac'], ROUTER_V4, POOL, 3, 4, q3, rest=1280, ttl=250,
                       ident=0x53, tos=0xc0, t=3.2)
t3 = nat_rewrite_ip(q3, src=H2_V4, sport=80)
x3 = icmp4_error_frame(LAN['mac'], H2_MAC, ROUTER_V4, H2_V4, 3, 4, t3, rest=1280, ttl=249,
                       ident=0x53, tos=0xc0, t=3.2)
# 4. outbound: a datagram to pool:3000 reaches H1:5000; H1 says port unreachable
i4 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=0x105)
        / UDP(sport=33434, dport=3000) / Raw(b'to the translated port'), 4.0)
d4 = nat_forward(i4, LAN, H1_MAC, dst=H1_V4, dport=5000)
e4 = icmp4_error_frame(H1_MAC, LAN['mac'], H1_V4, REMOTE_V4, 3, 3, ip_packet(d4), ttl=64,
                       ident=0x54, tos=0xc0, t=4.1)
t4 = nat_rewrite_ip(ip_packet(d4), dst=POOL, dport=3000)
assert t4 == ip_with_ttl(ip_packet(i4), 59)
x4 = icmp4_error_frame(WAN['mac'], GW_MAC, POOL, REMOTE_V4, 3, 3, t4, ttl=63, ident=0x54,
                       tos=0xc0, t=4.1)

c.rx(LAN, o1, o2, a3, e4)
c.rx(WAN, e1, e2, s3, e3, i4)
c.tx(WAN, w1, w2, w3, x4)
c.tx(LAN, x1, x2, nat_forward(s3, LAN, H2_MAC, dst=H2_V4, dport=80), x3, d4)
c.write({'rx': 9, 'forwarded': 9, 'local': 0, 'dropped': 0})
