#!/usr/bin/python3
"""NAT44 port collision: pool range 1024-1025. H1 sends from UDP 1024 and
keeps it (preserved); H2 then sends from the same UDP port 1024 to the same
server: 1024 is taken on the (shared, /32) pool address, so H2 gets the only
other port, 1025. Replies to 1024 and 1025 reach H1:1024 and H2:1024."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=1024, dport=5060) / Raw(b'from H1'), 1.0)
o2 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=1024, dport=5060) / Raw(b'from H2'), 1.1)
b2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=7)
        / UDP(sport=5060, dport=1025) / Raw(b'to H2'), 1.2)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=8)
        / UDP(sport=5060, dport=1024) / Raw(b'to H1'), 1.3)
c.rx(LAN, o1, o2)
c.rx(WAN, b2, b1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=1025))
c.tx(LAN, nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=1024),
     nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=1024))
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
