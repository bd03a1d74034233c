#!/usr/bin/python3
"""NAT44 hairpin of an inside host to its own static forward, from the
forward's inside endpoint (`nat forward add udp pool:5353 to H2:53`): H2:53
to pool:5353 comes back to H2:53 from pool:5353 (the forward is H2:53's
mapping; the session's two directions are one tuple), and again at 2 s. It
is one session of H2 for `nat limit sessions-per-host 1` for as long as it
lives (UDP 30 s here, not the shorter ICMP timeout of 10 s): H2's new flow
to the Internet at 13 s is dropped as nat-session-limit; once it has been
idle for more than 30 s (at 33 s), the same flow is translated."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat forward add udp %s:5353 to %s:53' % (POOL, H2_V4),
                  'nat timeout udp 30',
                  'nat timeout icmp 10',
                  'nat limit sessions-per-host 1'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def udp(src, dst, sport, dport, t, ipid, data):
    return at(l2(H2_MAC, LAN['mac']) / IP(src=src, dst=dst, ttl=64, id=ipid)
              / UDP(sport=sport, dport=dport) / Raw(data), t)


p1 = udp(H2_V4, POOL, 53, 5353, 1.0, 1, b'to my own forward')
p2 = udp(H2_V4, POOL, 53, 5353, 2.0, 2, b'and again')
p3 = udp(H2_V4, REMOTE_V4, 6000, 53, 13.0, 3, b'a second session: over the limit')
p4 = udp(H2_V4, REMOTE_V4, 6000, 53, 33.0, 4, b'the first one has expired')
c.rx(LAN, p1, p2, p3, p4)
c.tx(LAN, *[nat_forward(p, LAN, H2_MAC, src=POOL, sport=5353, dst=H2_V4, dport=53)
            for p in (p1, p2)])
c.tx(WAN, nat_forward(p4, WAN, GW_MAC, src=POOL, sport=6000))
c.write({'rx': 4, 'forwarded': 3, 'local': 0, 'dropped': 1}, {'nat-session-limit': 1})
