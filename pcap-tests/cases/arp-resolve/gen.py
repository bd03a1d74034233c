#!/usr/bin/python3
"""ARP resolution of an unknown next hop: the first packet is held and a
broadcast ARP request goes out wan0 (sender = wan0's MAC and the wan0 address
on the next hop's subnet); a second packet waits with it (no new request
within 1 s); the router's reply resolves the neighbour, and both held packets
leave in arrival order stamped with the reply's time; a later packet goes
straight out."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=9) / Raw(b'first'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst='198.51.100.8', ttl=64, id=2)
        / UDP(sport=40000, dport=9) / Raw(b'second'), 1.1)
reply = arp_reply_in(GW_MAC, GW_V4, WAN['mac'], WAN['v4'], t=1.3)
p3 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3)
        / UDP(sport=40000, dport=9) / Raw(b'third'), 1.5)
c.rx(LAN, p1, p2, p3)
c.rx(WAN, reply)
c.tx(WAN, arp_request_out(WAN, GW_V4, t=1.0),
     forward4(p1, WAN, GW_MAC, t=1.3), forward4(p2, WAN, GW_MAC, t=1.3),
     forward4(p3, WAN, GW_MAC))
c.write({'rx': 4, 'forwarded': 3, 'local': 1, 'dropped': 0})
