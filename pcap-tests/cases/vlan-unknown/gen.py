#!/usr/bin/python3
"""A tagged frame whose VLAN has no interface on that device is dropped as
no-interface (given in the untagged lan0's input and in the VLAN iot0's
input); the configured VLAN 20 still works next to it."""
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


def pkt(vlan, dmac, t, i):
    return at(l2('02:00:00:00:14:0a', dmac, vlan=vlan)
              / IP(src='192.168.20.10', dst=REMOTE_V4, ttl=64, id=i)
              / UDP(sport=1000 + i, dport=9) / Raw(b'vlan %d' % vlan), t)


p1 = pkt(99, LAN['mac'], 1.0, 1)
p2 = pkt(99, IOT['mac'], 1.1, 2)
p3 = pkt(21, IOT['mac'], 1.2, 3)
p4 = pkt(20, IOT['mac'], 1.3, 4)
# the same frame on wan0's wire: wan0 (port1) has no VLAN interfaces at all
p5 = pkt(20, WAN['mac'], 1.4, 5)
c.rx(LAN, p1)
c.rx(IOT, p2, p3, p4)
c.rx(WAN, p5)
c.tx(WAN, forward4(p4, WAN, GW_MAC))
c.write({'rx': 5, 'forwarded': 1, 'local': 0, 'dropped': 4}, {'no-interface': 4})
