#!/usr/bin/python3
"""Longest prefix wins: nested IPv4 routes (/0, /8, /16, /24, /32) and IPv6
routes (/0, /48, /64) with different next hops on two interfaces; each packet
leaves via the most specific route that covers its destination."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

GW2_MAC = '02:00:00:00:02:fd'
GW2_V4 = '203.0.113.3'
GW2_V6 = '2001:db8:ffff::3'
cfg = standard_config(ifaces=(LAN, WAN, DMZ), extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'route add 10.0.0.0/8 via %s dev dmz0' % DMZ_GW_V4,
    'route add 10.1.0.0/16 via %s dev wan0' % GW2_V4,
    'route add 10.1.2.0/24 via %s dev wan0' % GW_V4,
    'route add 10.1.2.3/32 via %s dev dmz0' % DMZ_GW_V4,
    'route add ::/0 via %s dev wan0' % GW_V6,
    'route add 2001:db8:a::/48 via %s dev dmz0' % DMZ_GW_V6,
    'route add 2001:db8:a:b::/64 via %s dev wan0' % GW2_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'neighbor add %s lladdr %s dev wan0' % (GW2_V4, GW2_MAC),
    'neighbor add %s lladdr %s dev dmz0' % (DMZ_GW_V4, DMZ_GW_MAC),
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
    'neighbor add %s lladdr %s dev wan0' % (GW2_V6, GW2_MAC),
    'neighbor add %s lladdr %s dev dmz0' % (DMZ_GW_V6, DMZ_GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

# (destination, egress interface, next-hop MAC)
v4 = [('10.9.9.9', DMZ, DMZ_GW_MAC),     # /8
      ('10.1.9.9', WAN, GW2_MAC),        # /16
      ('10.1.2.9', WAN, GW_MAC),         # /24
      ('10.1.2.3', DMZ, DMZ_GW_MAC),     # /32
      ('10.1.2.4', WAN, GW_MAC),         # /24 (next to the /32)
      ('11.0.0.1', WAN, GW_MAC),         # /0
      ('10.255.255.254', DMZ, DMZ_GW_MAC)]
v6 = [('2001:db8:a:1::1', DMZ, DMZ_GW_MAC),   # /48
      ('2001:db8:a:b::1', WAN, GW2_MAC),      # /64
      ('2001:db8:a:c::1', DMZ, DMZ_GW_MAC),   # /48 next to the /64
      ('2001:db8:b::1', WAN, GW_MAC)]         # /0
t = 1.0
outs = []
for i, (dst, oif, nh) in enumerate(v4):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, ttl=64, id=100 + i)
           / UDP(sport=10000 + i, dport=9) / Raw(b'v4-%d' % i), t)
    c.rx(LAN, p)
    c.tx(oif, forward4(p, oif, nh))
    t += 0.01
for i, (dst, oif, nh) in enumerate(v6):
    p = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
           / IPv6(src=H1_V6, dst=dst, hlim=64, tc=0, fl=0)
           / UDP(sport=20000 + i, dport=9) / Raw(b'v6-%d' % i), t)
    c.rx(LAN, p)
    c.tx(oif, forward6(p, oif, nh))
    t += 0.01
n = len(v4) + len(v6)
c.write({'rx': n, 'forwarded': n, 'local': 0, 'dropped': 0})
