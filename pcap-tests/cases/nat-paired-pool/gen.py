#!/usr/bin/python3
"""NAT44 paired address pooling with a /30 pool (203.0.113.8-11, all four
addresses usable): hosts get pool addresses round-robin in pool order at
their first session (H1 -> .8, H2 -> .9, H3 -> .10), and every later session
of a host, to any destination and in any protocol, uses that host's address
(ports preserved). Replies to each address:port reach the right host; a
packet to H1's port on H2's address is nat-no-session."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = nat_config(['nat pool add 203.0.113.8/30 ports 1024-65535'], header=__doc__)
c = Case(__file__, cfg, __doc__)
ADDR = {H1_V4: '203.0.113.8', H2_V4: '203.0.113.9', H3_V4: '203.0.113.10'}
MAC = {H1_V4: H1_MAC, H2_V4: H2_MAC, H3_V4: H3_MAC}

flows = [  # (host, proto, port, remote, remote port)
    (H1_V4, 'udp', 10001, REMOTE_V4, 53),
    (H2_V4, 'udp', 20001, REMOTE_V4, 53),
    (H1_V4, 'tcp', 10002, REMOTE2_V4, 443),
    (H3_V4, 'udp', 30001, REMOTE2_V4, 123),
    (H2_V4, 'tcp', 20002, REMOTE_V4, 22),
    (H1_V4, 'udp', 10003, REMOTE2_V4, 53),
    (H2_V4, 'udp', 20003, REMOTE2_V4, 123),
]
t = 1.0
backs = []
for i, (h, proto, port, rem, rport) in enumerate(flows):
    l4o = (UDP(sport=port, dport=rport) / Raw(b'out %d' % i) if proto == 'udp' else
           TCP(sport=port, dport=rport, flags='S', seq=100 * i, window=1000))
    l4b = (UDP(sport=rport, dport=port) / Raw(b'back %d' % i) if proto == 'udp' else
           TCP(sport=rport, dport=port, flags='SA', seq=7000 + i, ack=100 * i + 1, window=1000))
    o = at(l2(MAC[h], LAN['mac']) / IP(src=h, dst=rem, ttl=64, id=i + 1) / l4o, t)
    b = at(l2(GW_MAC, WAN['mac']) / IP(src=rem, dst=ADDR[h], ttl=50, id=i + 100) / l4b, t + 1)
    c.rx(LAN, o)
    c.tx(WAN, nat_forward(o, WAN, GW_MAC, src=ADDR[h], sport=port))
    backs.append((b, h, port))
    t += 0.1
for b, h, port in backs:
    c.rx(WAN, b)
    c.tx(LAN, nat_forward(b, LAN, MAC[h], dst=h, dport=port))
wrong = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=ADDR[H2_V4], ttl=50, id=999)
           / UDP(sport=53, dport=10001) / Raw(b'H1 port on H2 address'), 3.0)
c.rx(WAN, wrong)
c.write({'rx': 15, 'forwarded': 14, 'local': 0, 'dropped': 1}, {'nat-no-session': 1})
