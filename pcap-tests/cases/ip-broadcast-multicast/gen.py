#!/usr/bin/python3
"""Broadcast and multicast destinations are not forwarded: lan0's directed
broadcast 192.168.1.255 (unicast and broadcast MAC), 255.255.255.255, and
wan0's subnet broadcast 203.0.113.255 received on lan0 are ip-broadcast;
224.0.0.251 and 239.1.2.3 sent to lan0's MAC are ip-multicast. No ICMP."""
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
rows = [('192.168.1.255', LAN['mac'], 'ip-broadcast'), ('192.168.1.255', BCAST, 'ip-broadcast'),
        ('255.255.255.255', BCAST, 'ip-broadcast'), ('203.0.113.255', LAN['mac'], 'ip-broadcast'),
        ('224.0.0.251', LAN['mac'], 'ip-multicast'), ('239.1.2.3', LAN['mac'], 'ip-multicast')]
pk = []
drops = {}
for i, (d, dmac, why) in enumerate(rows):
    pk.append(at(l2(H1_MAC, dmac) / IP(src=H1_V4, dst=d, ttl=64, id=0xb00 + i)
                 / UDP(sport=40000 + i, dport=9) / Raw(b'broadcast %d' % i), 1.0 + i / 10))
    drops[why] = drops.get(why, 0) + 1
c.rx(LAN, *pk)
c.write({'rx': len(pk), 'forwarded': 0, 'local': 0, 'dropped': len(pk)}, drops)
