#!/usr/bin/python3
"""Frames not addressed to the receiving interface are dropped as
l2-not-for-us: another host's unicast MAC, an IPv4 multicast MAC
(01:00:5e:...), and wan0's MAC seen on lan0's wire."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def pkt(dmac, t, i):
    return at(l2(H1_MAC, dmac) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x900 + i)
              / UDP(sport=40000 + i, dport=9) / Raw(b'not for us %d' % i), t)


c.rx(LAN, pkt('02:00:00:00:99:99', 1.0, 0), pkt('01:00:5e:00:00:fb', 1.1, 1),
     pkt(WAN['mac'], 1.2, 2))
c.write({'rx': 3, 'forwarded': 0, 'local': 0, 'dropped': 3}, {'l2-not-for-us': 3})
