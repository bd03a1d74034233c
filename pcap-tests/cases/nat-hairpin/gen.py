#!/usr/bin/python3
"""NAT44 hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8), endpoint-independent
filtering. H2:5000 talks to a remote server (mapping pool:5000). H1:6000
sends to pool:5000: the packet comes back out of lan0 to H2:5000 with source
pool:6000 (H1's own mapping, port preserved), TTL - 1; H2's reply to
pool:6000 reaches H1:6000 from pool:5000. The same through a static forward:
H1:6001 opens TCP to pool:8080 (forwarded to H2:80); H2 sees pool:6001, and
its SYN-ACK reaches H1 from pool:8080; H1's ACK follows the same path."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat filtering endpoint-independent',
                  'nat forward add tcp %s:8080 to %s:80' % (POOL, H2_V4)], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=5000, dport=3478) / Raw(b'H2 to the server'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=POOL, ttl=64, id=2)
        / UDP(sport=6000, dport=5000) / Raw(b'H1 to H2 via the pool'), 1.1)
p3 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=POOL, ttl=64, id=3)
        / UDP(sport=5000, dport=6000) / Raw(b'H2 answers H1'), 1.2)
p4 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=POOL, ttl=64, id=4, flags='DF')
        / TCP(sport=6001, dport=8080, flags='S', seq=1000, window=29200,
              options=[('MSS', 1460)]), 1.3)
p5 = at(l2(H2_MAC, LAN['mac']) / IP(src=H2_V4, dst=POOL, ttl=64, id=5, flags='DF')
        / TCP(sport=80, dport=6001, flags='SA', seq=5000, ack=1001, window=28960,
              options=[('MSS', 1460)]), 1.4)
p6 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=POOL, ttl=64, id=6, flags='DF')
        / TCP(sport=6001, dport=8080, flags='A', seq=1001, ack=5001, window=29200), 1.5)
c.rx(LAN, p1, p2, p3, p4, p5, p6)
c.tx(WAN, nat_forward(p1, WAN, GW_MAC, src=POOL, sport=5000))
c.tx(LAN,
     nat_forward(p2, LAN, H2_MAC, src=POOL, sport=6000, dst=H2_V4, dport=5000),
     nat_forward(p3, LAN, H1_MAC, src=POOL, sport=5000, dst=H1_V4, dport=6000),
     nat_forward(p4, LAN, H2_MAC, src=POOL, sport=6001, dst=H2_V4, dport=80),
     nat_forward(p5, LAN, H1_MAC, src=POOL, sport=8080, dst=H1_V4, dport=6001),
     nat_forward(p6, LAN, H2_MAC, src=POOL, sport=6001, dst=H2_V4, dport=80))
c.write({'rx': 6, 'forwarded': 6, 'local': 0, 'dropped': 0})
