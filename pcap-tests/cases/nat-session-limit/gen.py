#!/usr/bin/python3
"""NAT44 per-host session limit (`nat limit sessions-per-host 2`): H1 opens
two UDP sessions (ports 40000, 40001 to a server); its third new session
(port 40002) is dropped as nat-session-limit, and so is a fourth (TCP);
packets of its two existing sessions still pass both ways, and H2 still
opens new sessions."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat limit sessions-per-host 2'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, port, t, l4=None):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=port % 1000)
              / (l4 or UDP(sport=port, dport=53) / Raw(b'q%d' % port)), t)


def back(port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=port % 1000)
              / UDP(sport=53, dport=port) / Raw(b'a%d' % port), t)


h1a, h1b = out(H1_MAC, H1_V4, 40000, 1.0), out(H1_MAC, H1_V4, 40001, 1.1)
h1c = out(H1_MAC, H1_V4, 40002, 1.2)
h1d = out(H1_MAC, H1_V4, 40003, 1.3, TCP(sport=40003, dport=443, flags='S', seq=1, window=100))
h1a2 = out(H1_MAC, H1_V4, 40000, 1.4)
h2a = out(H2_MAC, H2_V4, 41000, 1.5)
h2b = out(H2_MAC, H2_V4, 41001, 1.6)
ba, bb, bc = back(40000, 2.0), back(40001, 2.1), back(40002, 2.2)
b2a, b2b = back(41000, 2.3), back(41001, 2.4)
c.rx(LAN, h1a, h1b, h1c, h1d, h1a2, h2a, h2b)
c.rx(WAN, ba, bb, bc, b2a, b2b)
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, sport=p[UDP].sport)
            for p in (h1a, h1b, h1a2, h2a, h2b)])
c.tx(LAN, nat_forward(ba, LAN, H1_MAC, dst=H1_V4, dport=40000),
     nat_forward(bb, LAN, H1_MAC, dst=H1_V4, dport=40001),
     nat_forward(b2a, LAN, H2_MAC, dst=H2_V4, dport=41000),
     nat_forward(b2b, LAN, H2_MAC, dst=H2_V4, dport=41001))
c.write({'rx': 12, 'forwarded': 9, 'local': 0, 'dropped': 3},
        {'nat-session-limit': 2, 'nat-no-session': 1})
