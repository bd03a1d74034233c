#!/usr/bin/python3
"""Stacked VLAN tags are dropped as vlan-qinq: 0x8100 outer + 0x8100 inner,
0x88a8 outer + 0x8100 inner, and 0x8100 outer + 0x88a8 inner, whether the
outer VLAN exists as an interface or not. Nothing is transmitted."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

IOT = dict(name='iot0', mac='02:00:00:00:14:01', v4='192.168.20.1', v4len=24, v6=None,
           vlan=20)
lines = [iface_line(LAN, device='port0'), iface_line(IOT, device='port0'),
         iface_line(WAN, device='port1'),
         'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
         'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC)]
cfg = ''.join('# %s\n' % x for x in __doc__.splitlines()) + '\n'.join(lines) + '\n'
c = Case(__file__, cfg, __doc__)


def inner():
    return IP(src='192.168.20.10', dst=REMOTE_V4, ttl=64, id=1) / UDP(sport=1, dport=9) / Raw(b'q')


p1 = at(Ether(dst=IOT['mac'], src='02:00:00:00:14:0a', type=0x8100)
        / Dot1Q(prio=0, id=0, vlan=20, type=0x8100) / Dot1Q(prio=0, id=0, vlan=30, type=0x0800)
        / inner(), 1.0)
p2 = at(Ether(dst=IOT['mac'], src='02:00:00:00:14:0a', type=0x88a8)
        / Dot1AD(prio=0, id=0, vlan=20, type=0x8100) / Dot1Q(prio=0, id=0, vlan=30, type=0x0800)
        / inner(), 1.1)
p3 = at(Ether(dst=IOT['mac'], src='02:00:00:00:14:0a', type=0x8100)
        / Dot1Q(prio=0, id=0, vlan=20, type=0x88a8) / Dot1Q(prio=0, id=0, vlan=30, type=0x0800)
        / inner(), 1.2)
p4 = at(Ether(dst=LAN['mac'], src='02:00:00:00:14:0a', type=0x8100)
        / Dot1Q(prio=0, id=0, vlan=99, type=0x8100) / Dot1Q(prio=0, id=0, vlan=30, type=0x0800)
        / inner(), 1.3)
c.rx(LAN, p1, p2, p3, p4)
c.write({'rx': 4, 'forwarded': 0, 'local': 0, 'dropped': 4}, {'vlan-qinq': 4})
