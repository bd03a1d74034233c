#!/usr/bin/python3
"""IPv6 with no route: dropped as no-route and answered with ICMPv6
destination unreachable type 1 code 0 (no route to destination), hop limit 64,
source = the ingress interface's first global address."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
        / UDP(sport=40000, dport=9) / Raw(b'nowhere'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst='2001:db8:dead::1', hlim=1, tc=0, fl=0x1)
        / TCP(sport=40001, dport=22, flags='S', seq=7, window=100), 1.1)
c.rx(LAN, p1, p2)
c.tx(LAN, icmp6_error(p1, LAN, 1, 0), icmp6_error(p2, LAN, 1, 0))
c.write({'rx': 2, 'forwarded': 0, 'local': 0, 'dropped': 2}, {'no-route': 2})
