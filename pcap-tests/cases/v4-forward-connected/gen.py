#!/usr/bin/python3
"""IPv4 forwarding to a directly connected subnet: packets arriving on wan0
for a LAN host (static neighbour on lan0's connected subnet) leave lan0 to the
host's MAC with TTL - 1."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'neighbor add %s lladdr %s dev lan0' % (H1_V4, H1_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=H1_V4, ttl=57, id=0xbeef)
        / UDP(sport=9, dport=40000) / Raw(b'answer' * 10), 2.0)
p2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=H1_V4, ttl=2, id=0xbef0, flags='DF')
        / TCP(sport=443, dport=40001, flags='SA', seq=5000, ack=1001, window=65535), 2.5)
c.rx(WAN, p1, p2)
c.tx(LAN, *[forward4(p, LAN, H1_MAC) for p in (p1, p2)])
c.write({'rx': 2, 'forwarded': 2, 'local': 0, 'dropped': 0})
