#!/usr/bin/python3
"""NAT44 on a VLAN inside interface: iot0 (VLAN 20 on lan0's device, role
inside) and lan0 (untagged, role inside) share the pool. A tagged datagram
from an iot0 host leaves wan0 untagged and translated; the reply comes back
tagged with VLAN 20; lan0's host is translated as usual."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
IOT = dict(name='iot0', mac='02:00:00:00:14:01', v4='192.168.20.1', v4len=24, v6=None, vlan=20,
           role='inside')
IOT_MAC, IOT_V4 = '02:00:00:00:14:0a', '192.168.20.10'
cfg = nat_config(['interface iot0 device port-lan0 vlan 20 address 192.168.20.1/24 mac %s '
                  'role inside' % IOT['mac'],
                  'neighbor add %s lladdr %s dev iot0' % (IOT_V4, IOT_MAC),
                  'nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(IOT_MAC, IOT['mac'], vlan=20) / IP(src=IOT_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=45000, dport=8883) / Raw(b'sensor reading'), 1.0)
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=2)
        / UDP(sport=46000, dport=8883) / Raw(b'laptop'), 1.1)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=3)
        / UDP(sport=8883, dport=45000) / Raw(b'ack for the sensor'), 1.2)
b2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=4)
        / UDP(sport=8883, dport=46000) / Raw(b'ack for the laptop'), 1.3)
c.rx(LAN, o1, o2)       # both arrive on lan0's device (the wire)
c.rx(WAN, b1, b2)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=45000),
     nat_forward(o2, WAN, GW_MAC, src=POOL, sport=46000))
c.tx(IOT, nat_forward(b1, IOT, IOT_MAC, dst=IOT_V4, dport=45000))
c.tx(LAN, nat_forward(b2, LAN, H1_MAC, dst=H1_V4, dport=46000))
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
