#!/usr/bin/python3
"""NAT44 applies only from role inside to role outside (and back). With
lan0 inside, wan0 outside and dmz0 without a role: H1 to a network routed
back out of lan0 (inside to inside) is forwarded untranslated; H1 to a dmz0
host (inside to no role) untranslated; a dmz0 host to the Internet (no role
to outside) untranslated; the Internet to the dmz0 host (outside to no
role: not towards an inside interface) forwarded untranslated; H1 to the
Internet is translated as usual."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
DMZ_H_MAC, DMZ_H_V4 = '02:00:00:00:03:0a', '192.168.2.10'
LAN_RTR_MAC, LAN_RTR_V4 = '02:00:00:00:01:fe', '192.168.1.254'
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'route add 10.0.0.0/8 via %s dev lan0' % LAN_RTR_V4,
                  'neighbor add %s lladdr %s dev lan0' % (LAN_RTR_V4, LAN_RTR_MAC),
                  'neighbor add %s lladdr %s dev dmz0' % (DMZ_H_V4, DMZ_H_MAC)],
                 header=__doc__, ifaces=(NAT_LAN, NAT_WAN, DMZ))
c = Case(__file__, cfg, __doc__)


def pkt(smac, dmac, src, dst, sport, dport, t, data):
    return at(l2(smac, dmac) / IP(src=src, dst=dst, ttl=64, id=int(t * 10))
              / UDP(sport=sport, dport=dport) / Raw(data), t)


p1 = pkt(H1_MAC, LAN['mac'], H1_V4, '10.1.1.1', 40000, 53, 1.0, b'inside to inside')
p2 = pkt(H1_MAC, LAN['mac'], H1_V4, DMZ_H_V4, 40001, 53, 1.1, b'inside to dmz')
p3 = pkt(DMZ_H_MAC, DMZ['mac'], DMZ_H_V4, REMOTE_V4, 40002, 53, 1.2, b'dmz to internet')
p4 = pkt(GW_MAC, WAN['mac'], REMOTE_V4, DMZ_H_V4, 53, 40002, 1.3, b'internet to dmz')
p5 = pkt(H1_MAC, LAN['mac'], H1_V4, REMOTE_V4, 40003, 53, 1.4, b'inside to internet')
c.rx(LAN, p1, p2, p5)
c.rx(DMZ, p3)
c.rx(WAN, p4)
c.tx(LAN, forward4(p1, LAN, LAN_RTR_MAC))
c.tx(DMZ, forward4(p2, DMZ, DMZ_H_MAC), forward4(p4, DMZ, DMZ_H_MAC))
c.tx(WAN, forward4(p3, WAN, GW_MAC), nat_forward(p5, WAN, GW_MAC, src=POOL, sport=40003))
c.write({'rx': 5, 'forwarded': 5, 'local': 0, 'dropped': 0})
