#!/usr/bin/python3
"""NAT44 and TTL expiry: a reply to a live session arriving on wan0 with
TTL 1 is dropped as ttl-exceeded and answered with ICMP time exceeded out of
wan0 (from wan0's address, to the previous hop's MAC) quoting the packet as
it was received, i.e. not translated (destination still the pool address);
the same reply with TTL 2 is translated and forwarded with TTL 1. An
outbound TTL-1 packet of the session is answered on lan0 quoting H1's
untranslated packet."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)
r1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=1, id=2)
        / UDP(sport=53, dport=40000) / Raw(b'answer, ttl 1'), 1.1)
r2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=2, id=3)
        / UDP(sport=53, dport=40000) / Raw(b'answer, ttl 2'), 1.2)
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=4)
        / UDP(sport=40000, dport=53) / Raw(b'query, ttl 1'), 1.3)
c.rx(LAN, o1, o2)
c.rx(WAN, r1, r2)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000), icmp4_error(r1, WAN, 11, 0))
c.tx(LAN, nat_forward(r2, LAN, H1_MAC, dst=H1_V4, dport=40000), icmp4_error(o2, LAN, 11, 0))
assert bytes(c.outputs['wan0'][1])[14 + 28 + 16:14 + 28 + 20] == bytes(r1)[14 + 16:14 + 20]
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'ttl-exceeded': 2})
