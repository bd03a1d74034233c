#!/usr/bin/python3
"""Neighbour aging: a host learned from its ARP request at t=1 and not used
is forgotten after 30 s, so a packet for it at t=100 is held and a broadcast
request goes out (the reply releases it); a static neighbour never ages
(used at t=1 and t=100 without any ARP)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
r1 = arp_request_in(H1_MAC, H1_V4, LAN['v4'], t=1.0)
up1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
         / UDP(sport=40000, dport=9) / Raw(b'up 1'), 1.1)
down = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=H1_V4, ttl=60, id=2)
          / UDP(sport=9, dport=40000) / Raw(b'down after 99 s'), 100.0)
rep = arp_reply_in(H1_MAC, H1_V4, LAN['mac'], LAN['v4'], t=100.2)
up2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3)
         / UDP(sport=40000, dport=9) / Raw(b'up 2'), 100.3)
c.rx(LAN, r1, up1, rep, up2)
c.rx(WAN, down)
c.tx(LAN, arp_reply_out(r1, LAN), arp_request_out(LAN, H1_V4, t=100.0),
     forward4(down, LAN, H1_MAC, t=100.2))
c.tx(WAN, forward4(up1, WAN, GW_MAC), forward4(up2, WAN, GW_MAC))
c.write({'rx': 5, 'forwarded': 3, 'local': 2, 'dropped': 0})
