#!/usr/bin/python3
"""NAT44 masquerade with wan0's own address as the pool (`nat pool add
203.0.113.2/32`, the usual home-gateway setup): H1's UDP and ICMP echo
leave from 203.0.113.2 and the replies come back to H1; an echo request
from the Internet to 203.0.113.2 (identifier not mapped) is still answered
by the gateway itself."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = WAN['v4']
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=53, dport=40000) / Raw(b'answer'), 1.1)
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3)
        / ICMP(type=8, id=0x7777, seq=1) / Raw(b'ping out'), 1.2)
b2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=4)
        / ICMP(type=0, id=0x7777, seq=1) / Raw(b'ping out'), 1.3)
q3 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE2_V4, dst=POOL, ttl=60, id=5)
        / ICMP(type=8, id=0x0101, seq=9) / Raw(b'ping the gateway'), 1.4)
c.rx(LAN, o1, o2)
c.rx(WAN, b1, b2, q3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(o2, WAN, GW_MAC, src=POOL, ident=0x7777),
     echo_reply4(q3, WAN))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(b2, LAN, H1_MAC, dst=H1_V4, ident=0x7777))
c.write({'rx': 5, 'forwarded': 4, 'local': 1, 'dropped': 0})
