#!/usr/bin/python3
"""ARP updates a known neighbour: a host learned from its ARP request later
announces a new MAC with a gratuitous ARP request, then another with an
unsolicited ARP reply; packets routed to it follow each change. A
gratuitous ARP about an address with no entry is arp-ignored."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
MAC_B = '02:00:00:00:01:0b'
MAC_C = '02:00:00:00:01:0c'


def down(t, i):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=H1_V4, ttl=60, id=i)
              / UDP(sport=9, dport=40000) / Raw(b'down %d' % i), t)


r1 = arp_request_in(H1_MAC, H1_V4, LAN['v4'], t=1.0)
p1 = down(1.1, 1)
g1 = arp_request_in(MAC_B, H1_V4, H1_V4, t=1.2)              # gratuitous request
p2 = down(1.3, 2)
g2 = arp_reply_in(MAC_C, H1_V4, BCAST, H1_V4, t=1.4)         # gratuitous reply
p3 = down(1.5, 3)
g3 = arp_request_in('02:00:00:00:01:32', '192.168.1.50', '192.168.1.50', t=1.6)
c.rx(LAN, r1, g1, g2, g3)
c.rx(WAN, p1, p2, p3)
c.tx(LAN, arp_reply_out(r1, LAN), forward4(p1, LAN, H1_MAC), forward4(p2, LAN, MAC_B),
     forward4(p3, LAN, MAC_C))
c.write({'rx': 7, 'forwarded': 3, 'local': 3, 'dropped': 1}, {'arp-ignored': 1})
