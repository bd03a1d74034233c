#!/usr/bin/python3
"""A connected subnet's network address {<Network-prefix>, 0} as the
destination is an obsolete broadcast form: RFC 1812 4.2.3.1 says a router
SHOULD silently discard it, and if not, MUST treat it as a broadcast. It is
dropped as ip-broadcast, like the subnet's directed broadcast: UDP to
lan0's 192.168.1.0 (from lan0, unicast and broadcast MAC), an echo request
to it, UDP to dmz0's 192.168.2.0 and to wan0's 203.0.113.0. Nothing is sent:
no ARP for them, no ICMP. An ordinary host of dmz0 is still reached."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(ifaces=(LAN, WAN, DMZ), extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'neighbor add %s lladdr %s dev dmz0' % (DMZ_GW_V4, DMZ_GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def udp(dst, dmac, i):
    return at(l2(H1_MAC, dmac) / IP(src=H1_V4, dst=dst, ttl=64, id=0xc00 + i)
              / UDP(sport=41000 + i, dport=9) / Raw(b'network address %d' % i), 1.0 + i / 10)


pk = [udp('192.168.1.0', LAN['mac'], 0), udp('192.168.1.0', BCAST, 1),
      at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst='192.168.1.0', ttl=64, id=0xc02)
         / ICMP(type=8, id=7, seq=1) / Raw(b'ping the network'), 1.2),
      udp('192.168.2.0', LAN['mac'], 3), udp('203.0.113.0', LAN['mac'], 4)]
ok = udp(DMZ_GW_V4, LAN['mac'], 5)
c.rx(LAN, *pk, ok)
c.tx(DMZ, forward4(ok, DMZ, DMZ_GW_MAC))
c.write({'rx': len(pk) + 1, 'forwarded': 1, 'local': 0, 'dropped': len(pk)},
        {'ip-broadcast': len(pk)},
        extra={'events': {'icmp-errors-sent': 0, 'arp-requests-sent': 0}})
