#!/usr/bin/python3
"""NAT44 port exhaustion with a tiny pool (`ports 1024-1025`): H1:1024 and
H2:1025 keep their ports; H3's new sessions (UDP 1024, and 5000 which is
outside the range) find no free port and are dropped as nat-port-exhausted.
The two existing mappings are untouched: replies reach H1 and H2, and H1's
datagram to a second destination reuses its mapping (EIM) without needing
a new port."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, port, t, dst=REMOTE_V4):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=dst, ttl=64, id=int(t * 10))
              / UDP(sport=port, dport=4500) / Raw(b'from ' + ip.encode()), t)


def back(port, t, src=REMOTE_V4):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t * 10))
              / UDP(sport=4500, dport=port) / Raw(b'back to %d' % port), t)


o1 = out(H1_MAC, H1_V4, 1024, 1.0)
o2 = out(H2_MAC, H2_V4, 1025, 1.1)
o3 = out(H3_MAC, H3_V4, 1024, 1.2)
o4 = out(H3_MAC, H3_V4, 5000, 1.3)
o5 = out(H1_MAC, H1_V4, 1024, 1.4, dst=REMOTE2_V4)
b1, b2, b5 = back(1024, 2.0), back(1025, 2.1), back(1024, 2.2, src=REMOTE2_V4)
c.rx(LAN, o1, o2, o3, o4, o5)
c.rx(WAN, b1, b2, b5)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=1025),
     nat_forward(o5, WAN, GW_MAC, src=POOL, sport=1024))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=1024),
     nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=1025),
     nat_forward(b5, LAN, H1_MAC, dst=H1_V4, dport=1024))
c.write({'rx': 8, 'forwarded': 6, 'local': 0, 'dropped': 2}, {'nat-port-exhausted': 2})
