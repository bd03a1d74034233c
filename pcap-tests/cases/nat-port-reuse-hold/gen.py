#!/usr/bin/python3
"""NAT44: an outside port whose mapping expired is not given to another
inside endpoint for 120 s (pool `ports 1024-1025`). H1:1024 gets 1024 at
t=1; its session expires at t=301 (UDP 300 s), a late reply at t=320 is
nat-no-session. At t=310 H2:1024 cannot have 1024 (held until t=421) and
gets 1025. At t=430 the hold is over: H3:1024 gets 1024. Replies reach H2
and H3."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-1025' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, t):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=int(t))
              / UDP(sport=1024, dport=123) / Raw(b'from ' + ip.encode()), t)


def back(port, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=int(t))
              / UDP(sport=123, dport=port) / Raw(b'to %d' % port), t)


o1, o2, o3 = out(H1_MAC, H1_V4, 1.0), out(H2_MAC, H2_V4, 310.0), out(H3_MAC, H3_V4, 430.0)
late = back(1024, 320.0)
b2, b3 = back(1025, 431.0), back(1024, 432.0)
c.rx(LAN, o1, o2, o3)
c.rx(WAN, late, b2, b3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=1024),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=1025),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=1024))
c.tx(LAN, nat_forward(b2, LAN, H2_MAC, dst=H2_V4, dport=1024),
     nat_forward(b3, LAN, H3_MAC, dst=H3_V4, dport=1024))
c.write({'rx': 6, 'forwarded': 5, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
