#!/usr/bin/python3
"""NAT44 outbound ICMP errors about translated inbound packets (RFC 5508):
an inside host's error about a packet it received through the NAT leaves
wan0 translated the other way: outer source = the pool address, the
embedded packet's destination address and port = the mapping (pool:port),
embedded IPv4 and UDP checksums and the ICMP checksum updated, TTL - 1.
Cases: H1's port unreachable about a reply to its own session (pool:40000),
the same with a zero UDP checksum (stays zero), and H2's port unreachable
about a datagram that came in through a static UDP forward (pool:5353 ->
H2:53: the embedded destination becomes pool:5353)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat forward add udp %s:5353 to %s:53' % (POOL, H2_V4)], header=__doc__)
c = Case(__file__, cfg, __doc__)


def host_error(host_mac, host_ip, delivered, t, ipid):
    """The inside host's port unreachable about the frame it was delivered."""
    q = ip_packet(delivered)
    remote = '.'.join(str(x) for x in q[12:16])
    return icmp4_error_frame(host_mac, LAN['mac'], host_ip, remote, 3, 3, q, ttl=64,
                             ident=ipid, tos=0xc0, t=t)


# H1's session, a reply, and H1's error about the reply
o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=5000) / Raw(b'hello'), 1.0)
i1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=5000, dport=40000) / Raw(b'late reply, socket closed'), 1.1)
# zero checksum variant on another port
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3)
        / UDP(sport=40001, dport=5001, chksum=0) / Raw(b'hello again'), 2.0)
i2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=4)
        / UDP(sport=5001, dport=40001, chksum=0) / Raw(b'no checksum reply'), 2.1)
# static forward
i3 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE2_V4, dst=POOL, ttl=60, id=5)
        / UDP(sport=7000, dport=5353) / Raw(b'query to the forward'), 3.0)

c.rx(LAN, o1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.rx(WAN, i1)
d1 = nat_forward(i1, LAN, H1_MAC, dst=H1_V4, dport=40000)
c.tx(LAN, d1)
e1 = host_error(H1_MAC, H1_V4, d1, 1.2, 0x0e01)
c.rx(LAN, e1)
c.tx(WAN, icmp4_error_frame(WAN['mac'], GW_MAC, POOL, REMOTE_V4, 3, 3,
                            nat_rewrite_ip(ip_packet(d1), dst=POOL, dport=40000),
                            ttl=63, ident=0x0e01, tos=0xc0, t=1.2))

c.rx(LAN, o2)
c.tx(WAN, nat_forward(o2, WAN, GW_MAC, src=POOL, sport=40001))
c.rx(WAN, i2)
d2 = nat_forward(i2, LAN, H1_MAC, dst=H1_V4, dport=40001)
c.tx(LAN, d2)
e2 = host_error(H1_MAC, H1_V4, d2, 2.2, 0x0e02)
c.rx(LAN, e2)
q2 = nat_rewrite_ip(ip_packet(d2), dst=POOL, dport=40001)
assert q2[20 + 6:20 + 8] == b'\0\0'
c.tx(WAN, icmp4_error_frame(WAN['mac'], GW_MAC, POOL, REMOTE_V4, 3, 3, q2,
                            ttl=63, ident=0x0e02, tos=0xc0, t=2.2))

c.rx(WAN, i3)
d3 = nat_forward(i3, LAN, H2_MAC, dst=H2_V4, dport=53)
c.tx(LAN, d3)
e3 = host_error(H2_MAC, H2_V4, d3, 3.1, 0x0e03)
c.rx(LAN, e3)
q3 = nat_rewrite_ip(ip_packet(d3), dst=POOL, dport=5353)
# the translated quote is the packet as it arrived on wan0, TTL apart
assert q3 == ip_with_ttl(ip_packet(i3), 59)
c.tx(WAN, icmp4_error_frame(WAN['mac'], GW_MAC, POOL, REMOTE2_V4, 3, 3, q3,
                            ttl=63, ident=0x0e03, tos=0xc0, t=3.1))
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
