#!/usr/bin/python3
"""NAT44 ICMP errors that match no session are dropped as nat-no-session and
nothing is sent: inbound port unreachable and time exceeded to the pool
address quoting a UDP port / echo identifier the NAT never mapped (while
H1:40000 has a live session), and an inside host's port unreachable about a
packet that no session delivered. The live session itself still works."""
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
        / UDP(sport=40000, dport=53) / Raw(b'live session'), 1.0)
c.rx(LAN, o1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))

# what the errors quote: packets from the pool address the NAT never sent
q_udp = bytes(IP(src=POOL, dst=REMOTE_V4, ttl=1, id=77) / UDP(sport=40001, dport=53)
              / Raw(b'never sent'))
q_echo = bytes(IP(src=POOL, dst=REMOTE_V4, ttl=1, id=78) / ICMP(type=8, id=0x3333, seq=1)
               / Raw(b'never sent'))
e1 = icmp4_error_frame(GW_MAC, WAN['mac'], REMOTE_V4, POOL, 3, 3, q_udp, ttl=60, ident=9,
                       t=1.1)
e2 = icmp4_error_frame(GW_MAC, WAN['mac'], ROUTER_V4, POOL, 11, 0, q_echo, ttl=60, ident=10,
                       t=1.2)
# H1's error about a packet from REMOTE:53 to H1:40002 that no session delivered
q_in = bytes(IP(src=REMOTE_V4, dst=H1_V4, ttl=59, id=79) / UDP(sport=53, dport=40002)
             / Raw(b'not via the NAT'))
e3 = icmp4_error_frame(H1_MAC, LAN['mac'], H1_V4, REMOTE_V4, 3, 3, q_in, ttl=64, ident=11,
                       tos=0xc0, t=1.3)
r1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=53, dport=40000) / Raw(b'live reply'), 1.4)
c.rx(WAN, e1, e2)
c.rx(LAN, e3)
c.rx(WAN, r1)
c.tx(LAN, nat_forward(r1, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 5, 'forwarded': 2, 'local': 0, 'dropped': 3}, {'nat-no-session': 3})
