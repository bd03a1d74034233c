#!/usr/bin/python3
"""ARP requests: one for lan0's address is answered (42-byte reply, sender =
lan0's MAC and the asked address, target = the requester) and the requester
is learned, so a later packet from the Internet reaches it without any ARP;
requests for an address that is not ours, or for wan0's address asked on
lan0, are arp-ignored and get no reply."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)

r1 = arp_request_in(H1_MAC, H1_V4, LAN['v4'], t=1.0)
r2 = arp_request_in(H1_MAC, H1_V4, '192.168.1.77', t=1.1)
r3 = arp_request_in(H1_MAC, H1_V4, WAN['v4'], t=1.2)
# unicast request (as a host re-checking its cache) is answered too
r4 = arp_request_in(H1_MAC, H1_V4, LAN['v4'], dst=LAN['mac'], t=1.3)
p5 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=H1_V4, ttl=60, id=5)
        / UDP(sport=9, dport=40000) / Raw(b'to the learned host'), 2.0)
c.rx(LAN, r1, r2, r3, r4)
c.rx(WAN, p5)
c.tx(LAN, arp_reply_out(r1, LAN), arp_reply_out(r4, LAN), forward4(p5, LAN, H1_MAC))
assert len(arp_reply_out(r1, LAN)) == 42
c.write({'rx': 5, 'forwarded': 1, 'local': 2, 'dropped': 2}, {'arp-ignored': 2})
