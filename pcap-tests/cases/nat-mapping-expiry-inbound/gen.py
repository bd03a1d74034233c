#!/usr/bin/python3
"""A mapping ends when its last session expires, at that session's time,
however long the traffic pauses (README: a mapping lives while at least one
session uses it; in replay, timers fire at their own time). Endpoint-
independent filtering: H1:40000 -> R1:3478 at t=1 makes mapping pool:40000
(UDP timeout 300 s: it ends after t=301). Nothing else happens until R3's
packet to pool:40000 at t=310: no live mapping, nat-no-session; R1's own
reply at t=320 too. H1 sends again at t=700: a new mapping, the inside port
kept (the outside port's 120 s hold-down is past)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
R3_V4 = '198.51.100.9'
c = Case(__file__, nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
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
o2 = out(700.0, 3478, b'H1 again')
c.rx(LAN, o1, o2)
c.rx(WAN, i2, i3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=40000))
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'nat-no-session': 2})
