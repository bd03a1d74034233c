#!/usr/bin/python3
"""Egress MTU (wan0 mtu 1400): an IPv4 packet of 1500 bytes with DF set is
dropped as mtu-exceeded and answered with ICMP fragmentation needed (type 3
code 4, next-hop MTU 1400 in the low 16 bits of the 4 bytes after the
checksum); an IPv6 packet of 1500 bytes gets ICMPv6 packet too big (type 2,
MTU 1400); packets of exactly 1400 bytes are forwarded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(ifaces=(LAN,), extra_lines=[
    iface_line(WAN, extra='mtu 1400'),
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def v4(size, t, i):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=i, flags='DF')
           / UDP(sport=40000, dport=9) / Raw(bytes(size - 28)), t)
    assert len(p) == 14 + size
    return p


def v6(size, t):
    p = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
           / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
           / UDP(sport=40000, dport=9) / Raw(bytes(size - 48)), t)
    assert len(p) == 14 + size
    return p


a, b, d, e = v4(1500, 1.0, 1), v4(1400, 1.1, 2), v6(1500, 1.2), v6(1400, 1.3)
c.rx(LAN, a, b, d, e)
c.tx(LAN, icmp4_error(a, LAN, 3, 4, rest=1400), icmp6_error(d, LAN, 2, 0, rest=1400))
c.tx(WAN, forward4(b, WAN, GW_MAC), forward6(e, WAN, GW_MAC))
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'mtu-exceeded': 2})
