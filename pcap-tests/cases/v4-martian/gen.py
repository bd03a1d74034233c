#!/usr/bin/python3
"""IPv4 martians are dropped as martian-address, without ICMP: source
127.0.0.1, 0.1.2.3, 224.0.0.5, 240.0.0.1 and 255.255.255.255; destination
127.0.0.1, 0.0.0.5 and 240.0.0.1 (even with a default route)."""
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
pairs = [('127.0.0.1', REMOTE_V4), ('0.1.2.3', REMOTE_V4), ('224.0.0.5', REMOTE_V4),
         ('240.0.0.1', REMOTE_V4), ('255.255.255.255', REMOTE_V4),
         (H1_V4, '127.0.0.1'), (H1_V4, '0.0.0.5'), (H1_V4, '240.0.0.1')]
pk = [at(l2(H1_MAC, LAN['mac']) / IP(src=s, dst=d, ttl=64, id=0xa00 + i)
         / UDP(sport=40000 + i, dport=9) / Raw(b'martian %d' % i), 1.0 + i / 10)
      for i, (s, d) in enumerate(pairs)]
c.rx(LAN, *pk)
c.write({'rx': len(pk), 'forwarded': 0, 'local': 0, 'dropped': len(pk)},
        {'martian-address': len(pk)})
