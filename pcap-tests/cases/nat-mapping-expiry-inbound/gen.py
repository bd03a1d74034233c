#!/usr/bin/python3
"""A mapping ends when its last session expires, at that session's time,
however long the traffic pauses (README: a mapping lives while at least one
session uses it; in replay, timers fire at their own time). Endpoint-
independent filtering, pool ports 40000-40001: H1:40000 -> R1:3478 at t=1
makes mapping pool:40000 (UDP timeout 300 s: it ends after t=301). Nothing
else happens until R3's packet to pool:40000 at t=310: no live mapping,
nat-no-session; R1's own reply at t=320 too. H1:40000 sends to R1:4000 at t=330:
a new mapping, and port 40000 is cooling down until t=421 even for the
endpoint that had it (RFC 6888 REQ-8): it gets 40001. At t=700 (40000's
hold-down past, the t=330 mapping ended at 630) H1:40000 gets 40000."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
R3_V4 = '198.51.100.9'
c = Case(__file__, nat_config(['nat pool add %s/32 ports 40000-40001' % POOL,
                               'nat filtering endpoint-independent'],
                              header=__doc__), __doc__)


def out(t, dport, data):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=int(t))
              / UDP(sport=40000, dport=dport) / Raw(data), t)


def inb(src, sport, t, data):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t))
              / UDP(sport=sport, dport=40000) / Raw(data), t)


o1 = out(1.0, 3478, b'binding request')
i2 = inb(R3_V4, 6000, 310.0, b'R3 after the mapping ended')
i3 = inb(REMOTE_V4, 3478, 320.0, b'R1 after its session expired')
o3 = out(330.0, 4000, b'H1 during the hold-down, to another port')
o2 = out(700.0, 3478, b'H1 again')
c.rx(LAN, o1, o3, o2)
c.rx(WAN, i2, i3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(o3, WAN, GW_MAC, src=POOL, sport=40001),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=40000))
c.write({'rx': 5, 'forwarded': 3, 'local': 0, 'dropped': 2}, {'nat-no-session': 2})
