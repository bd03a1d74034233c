#!/usr/bin/python3
"""NAT44 ICMP errors about expired sessions: H1:40000 sent a datagram at
t=1; a port unreachable about it arriving at t=300 (299 s, session live) is
translated to H1; another arriving at t=650 (more than 300 s after any
packet of the session) matches no session: nat-no-session. The same for an
echo request (ICMP timeout 60 s): a time exceeded at t=59 is translated, one
at t=200 is dropped."""
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
        / UDP(sport=40000, dport=9999) / Raw(b'to a closed port'), 1.0)
p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE2_V4, ttl=64, id=2)
        / ICMP(type=8, id=0x2468, seq=1) / Raw(b'ping'), 1.1)
w1 = nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000)
wp = nat_forward(p1, WAN, GW_MAC, src=POOL, ident=0x2468)
q1 = ip_with_ttl(ip_packet(w1), 50)
qp = ip_with_ttl(ip_packet(wp), 1)
errs = []
for i, (src, typ, q, t) in enumerate(((ROUTER_V4, 11, qp, 59.0), (REMOTE_V4, 3, q1, 300.0),
                                      (ROUTER_V4, 11, qp, 200.0), (REMOTE_V4, 3, q1, 650.0))):
    errs.append(icmp4_error_frame(GW_MAC, WAN['mac'], src, POOL, typ, 3 if typ == 3 else 0, q,
                                  ttl=250, ident=0x70 + i, tos=0xc0, t=t))
c.rx(LAN, o1, p1)
c.rx(WAN, *sorted(errs, key=lambda p: p.time))
c.tx(WAN, w1, wp)
c.tx(LAN,
     icmp4_error_frame(LAN['mac'], H1_MAC, ROUTER_V4, H1_V4, 11, 0,
                       nat_rewrite_ip(qp, src=H1_V4, ident=0x2468), ttl=249, ident=0x70,
                       tos=0xc0, t=59.0),
     icmp4_error_frame(LAN['mac'], H1_MAC, REMOTE_V4, H1_V4, 3, 3,
                       nat_rewrite_ip(q1, src=H1_V4, sport=40000), ttl=249, ident=0x71,
                       tos=0xc0, t=300.0))
c.write({'rx': 6, 'forwarded': 4, 'local': 0, 'dropped': 2}, {'nat-no-session': 2})
