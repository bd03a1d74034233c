#!/usr/bin/python3
"""IPv6 forwarding with a static neighbour: hop limit decremented, MACs
rewritten, nothing else changes (traffic class, flow label, extension headers
and payload kept); hop limit 2 still leaves with 1."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
    'neighbor add %s lladdr %s dev lan0' % (H1_V6, H1_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0x28, fl=0xabcde)
        / UDP(sport=40000, dport=9) / Raw(b'v6 query'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=2, tc=0, fl=0)
        / TCP(sport=40000, dport=443, flags='S', seq=1, window=1000), 1.1)
p3 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=255, tc=0, fl=1)
        / IPv6ExtHdrDestOpt(nh=58, options=[PadN(optdata=b'\0' * 4)])
        / ICMPv6EchoRequest(id=7, seq=1, data=b'ping'), 1.2)
# and back in from the Internet to the LAN host
p4 = at(l2(GW_MAC, WAN['mac'], ethertype=0x86dd)
        / IPv6(src=REMOTE_V6, dst=H1_V6, hlim=50, tc=0, fl=0)
        / UDP(sport=9, dport=40000) / Raw(b'v6 answer'), 1.3)
c.rx(LAN, p1, p2, p3)
c.rx(WAN, p4)
c.tx(WAN, *[forward6(p, WAN, GW_MAC) for p in (p1, p2, p3)])
c.tx(LAN, forward6(p4, LAN, H1_MAC))
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
