#!/usr/bin/python3
"""Replay ordering: packets with equal timestamps are processed in the order
of the --in options (here wan0 before lan0, as listed in expect.json), then
in file order; forwarded copies appear on dmz0 in that order."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(ifaces=(LAN, WAN, DMZ), extra_lines=[
    'route add 10.0.0.0/8 via %s dev dmz0' % DMZ_GW_V4,
    'neighbor add %s lladdr %s dev dmz0' % (DMZ_GW_V4, DMZ_GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def pkt(src_if, smac, src, t, i):
    return at(l2(smac, src_if['mac']) / IP(src=src, dst='10.0.0.%d' % i, ttl=64, id=i)
              / UDP(sport=40000 + i, dport=9) / Raw(b'tie %d' % i), t)


w1, w2 = pkt(WAN, GW_MAC, REMOTE_V4, 1.0, 1), pkt(WAN, GW_MAC, REMOTE_V4, 1.0, 2)
l1, l2_ = pkt(LAN, H1_MAC, H1_V4, 1.0, 3), pkt(LAN, H1_MAC, H1_V4, 1.0, 4)
w3, l3 = pkt(WAN, GW_MAC, REMOTE_V4, 2.0, 5), pkt(LAN, H1_MAC, H1_V4, 1.5, 6)
c.rx(WAN, w1, w2, w3)
c.rx(LAN, l1, l2_, l3)
c.tx(DMZ, *[forward4(p, DMZ, DMZ_GW_MAC) for p in (w1, w2, l1, l2_, l3, w3)])
c.write({'rx': 6, 'forwarded': 6, 'local': 0, 'dropped': 0})
