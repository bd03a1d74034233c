#!/usr/bin/python3
"""NAT44 and the addresses of ICMP messages (RFC 5508), so that no inside
address or endpoint leaves through the NAT:
- an ICMP error about a translated inbound packet sent by another inside
  node than the packet's destination (an inside router, 192.168.1.254)
  leaves wan0 from the pool address, not its own (REQ-5c);
- an error arriving on wan0 that quotes pool:40000 -> R but is addressed to
  another outside host than the quoted source is not translated (an error
  goes to the source of the packet it quotes, REQ-4c): nat-no-session,
  where it used to be reflected with H1:40000 inside it;
- source quench (deprecated, RFC 6633) and redirect do not cross the NAT:
  outbound nat-unsupported-protocol, inbound nat-no-session;
- only an echo request makes an ICMP session (RFC 5508 3.1): an echo reply
  from H1 with no session is nat-no-session, and uses no identifier;
- an echo request from H1 to the pool address (not an interface address)
  is not hairpinned and not sent out: nat-no-session."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
RTR_V4, RTR_MAC = '192.168.1.254', '02:00:00:00:01:fe'
OTHER_V4 = '198.51.100.200'
c = Case(__file__, nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__),
         __doc__)
LANF = l2(H1_MAC, LAN['mac'])
WANF = l2(GW_MAC, WAN['mac'])

o1 = at(LANF / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=5000) / Raw(b'hello'), 1.0)
i1 = at(WANF / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=5000, dport=40000) / Raw(b'reply'), 1.1)
c.rx(LAN, o1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.rx(WAN, i1)
d1 = nat_forward(i1, LAN, H1_MAC, dst=H1_V4, dport=40000)
c.tx(LAN, d1)
# the inside router's time exceeded about the reply (as it would have seen it)
e1 = icmp4_error_frame(RTR_MAC, LAN['mac'], RTR_V4, REMOTE_V4, 11, 0,
                       ip_with_ttl(ip_packet(d1), 1), ttl=64, ident=0x0e01, tos=0xc0, t=1.2)
c.rx(LAN, e1)
c.tx(WAN, icmp4_error_frame(WAN['mac'], GW_MAC, POOL, REMOTE_V4, 11, 0,
                            nat_rewrite_ip(ip_with_ttl(ip_packet(d1), 1), dst=POOL,
                                           dport=40000),
                            ttl=63, ident=0x0e01, tos=0xc0, t=1.2))
# an outside error about pool:40000 -> R, addressed elsewhere: not translated
q = ip_packet(nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
x1 = icmp4_error_frame(GW_MAC, WAN['mac'], GW_V4, OTHER_V4, 3, 3, q, ttl=60, ident=0x0e02,
                       t=2.0)
c.rx(WAN, x1)
# source quench out, redirect in
sq = icmp4_error_frame(H1_MAC, LAN['mac'], H1_V4, REMOTE_V4, 4, 0, ip_packet(d1), ttl=64,
                       ident=0x0e03, t=3.0)
rd = icmp4_error_frame(GW_MAC, WAN['mac'], GW_V4, POOL, 5, 1, q, rest=0xcb00714d, ttl=60,
                       ident=0x0e04, t=3.1)
c.rx(LAN, sq)
c.rx(WAN, rd)
# an unsolicited echo reply out; an echo request to the pool address
er = at(LANF / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=5) / ICMP(type=0, id=0x1234, seq=1)
        / Raw(b'reply nobody asked for'), 4.0)
ep = at(LANF / IP(src=H1_V4, dst=POOL, ttl=64, id=6) / ICMP(type=8, id=0x4321, seq=1)
        / Raw(b'ping the pool address'), 4.1)
c.rx(LAN, er, ep)
c.write({'rx': 8, 'forwarded': 3, 'local': 0, 'dropped': 5},
        {'nat-no-session': 4, 'nat-unsupported-protocol': 1})
