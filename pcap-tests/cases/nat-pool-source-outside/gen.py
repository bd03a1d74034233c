#!/usr/bin/python3
"""NAT44: a packet arriving on the outside interface with a pool address as
its source is forged (only the gateway sends from a pool address; a
hairpinned packet never leaves it): dropped as martian-address, whatever it
is sent to: a live mapping open to anyone (endpoint-independent filtering)
or a static forward. Such a packet's session would alias the inside tuple
of a hairpin session (H1 -> pool:port of another inside host), which the
XDP backend then overwrote. The same mapping from a real remote is
accepted."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat filtering endpoint-independent',
                  'nat forward add udp %s:5353 to %s:53' % (POOL, H2_V4)], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)
r1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=53, dport=40000) / Raw(b'answer'), 1.1)
f1 = at(l2(GW_MAC, WAN['mac']) / IP(src=POOL, dst=POOL, ttl=60, id=3)
        / UDP(sport=5000, dport=40000) / Raw(b'forged to a mapping'), 1.2)
f2 = at(l2(GW_MAC, WAN['mac']) / IP(src=POOL, dst=POOL, ttl=60, id=4)
        / UDP(sport=1234, dport=5353) / Raw(b'forged to a forward'), 1.3)
c.rx(LAN, o1)
c.rx(WAN, r1, f1, f2)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, nat_forward(r1, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'martian-address': 2})
