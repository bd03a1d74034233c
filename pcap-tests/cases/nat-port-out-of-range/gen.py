#!/usr/bin/python3
"""NAT44 port outside the pool's range: with `ports 3000-3000`, H1's UDP
source port 40000 cannot be preserved and gets the range's only port, 3000
(UDP checksum updated for address and port); the reply to pool:3000 goes back
to H1:40000. A second inside port of H1 (UDP 2999, also outside the range)
finds no free port: nat-port-exhausted; H1:40000 keeps working."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 3000-3000' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=53, dport=3000) / Raw(b'answer'), 1.1)
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3)
        / UDP(sport=2999, dport=53) / Raw(b'no port left'), 1.2)
o3 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=4)
        / UDP(sport=40000, dport=53) / Raw(b'query again'), 1.3)
b3 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=5)
        / UDP(sport=53, dport=3000) / Raw(b'answer again'), 1.4)
c.rx(LAN, o1, o2, o3)
c.rx(WAN, b1, b3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=3000),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=3000))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(b3, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 5, 'forwarded': 4, 'local': 0, 'dropped': 1}, {'nat-port-exhausted': 1})
