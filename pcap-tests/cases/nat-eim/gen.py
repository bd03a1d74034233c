#!/usr/bin/python3
"""NAT44 endpoint-independent mapping (RFC 4787 REQ-1): pool range
3000-3001. H1:3000 keeps 3000; H2:3000 collides and gets 3001. H2:3000 then
sends to a second destination (another address and port): it reuses its
mapping 3001 (a new mapping would find no free port). H1:3000 to the second
destination reuses 3000. Replies from both destinations reach the right host
(each remote has a session, so the default address-and-port-dependent
filtering accepts them)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 3000-3001' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, dst, dport, t, data):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=dst, ttl=64, id=int(t * 10))
              / UDP(sport=3000, dport=dport) / Raw(data), t)


def back(src, sport, port, t, data):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t * 10))
              / UDP(sport=sport, dport=port) / Raw(data), t)


o1 = out(H1_MAC, H1_V4, REMOTE_V4, 3478, 1.0, b'H1 to R1')
o2 = out(H2_MAC, H2_V4, REMOTE_V4, 3478, 1.1, b'H2 to R1')
o3 = out(H2_MAC, H2_V4, REMOTE2_V4, 3479, 1.2, b'H2 to R2')
o4 = out(H1_MAC, H1_V4, REMOTE2_V4, 3479, 1.3, b'H1 to R2')
b1 = back(REMOTE2_V4, 3479, 3001, 1.4, b'R2 to H2')
b2 = back(REMOTE_V4, 3478, 3001, 1.5, b'R1 to H2')
b3 = back(REMOTE2_V4, 3479, 3000, 1.6, b'R2 to H1')
b4 = back(REMOTE_V4, 3478, 3000, 1.7, b'R1 to H1')
c.rx(LAN, o1, o2, o3, o4)
c.rx(WAN, b1, b2, b3, b4)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=3000),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=3001),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=3001),
     nat_forward(o4, WAN, GW_MAC, src=POOL, sport=3000))
c.tx(LAN, nat_forward(b1, LAN, H2_MAC, dst=H2_V4, dport=3000),
     nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=3000),
     nat_forward(b3, LAN, H1_MAC, dst=H1_V4, dport=3000),
     nat_forward(b4, LAN, H1_MAC, dst=H1_V4, dport=3000))
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
