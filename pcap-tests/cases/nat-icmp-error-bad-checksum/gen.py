#!/usr/bin/python3
"""NAT44 drops an ICMP error it would translate when its checksums do not
hold (RFC 5508 REQ-3, REQ-3a): about H1's UDP session pool:40000 <-> R, an
inbound port unreachable with a wrong ICMP checksum, one whose embedded IP
header checksum is wrong (ICMP checksum right), and H1's outbound port
unreachable about R's reply with a wrong ICMP checksum are all bad-icmp;
the same inbound error with both checksums right is translated to H1."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
c = Case(__file__, nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__),
         __doc__)


def corrupt(frame, off, mask):
    b = bytearray(bytes(frame))
    b[off] ^= mask
    return at(Ether(bytes(b)), frame.time)


o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=5000) / Raw(b'hello'), 1.0)
w1 = nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000)
i1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=5000, dport=40000) / Raw(b'reply'), 1.1)
d1 = nat_forward(i1, LAN, H1_MAC, dst=H1_V4, dport=40000)
q = ip_with_ttl(ip_packet(w1), 9)   # as a router 54 hops on quotes it
good = icmp4_error_frame(GW_MAC, WAN['mac'], REMOTE_V4, POOL, 3, 3, q, ttl=60, ident=0x0e01,
                         t=2.0)
bad_icmp = corrupt(icmp4_error_frame(GW_MAC, WAN['mac'], REMOTE_V4, POOL, 3, 3, q, ttl=60,
                                     ident=0x0e02, t=3.0), 14 + 20 + 2, 0x5a)
qb = bytearray(q)
qb[10] ^= 0x33                      # the embedded header checksum
bad_emb = icmp4_error_frame(GW_MAC, WAN['mac'], REMOTE_V4, POOL, 3, 3, bytes(qb), ttl=60,
                            ident=0x0e03, t=4.0)
bad_out = corrupt(icmp4_error_frame(H1_MAC, LAN['mac'], H1_V4, REMOTE_V4, 3, 3,
                                    ip_packet(d1), ttl=64, ident=0x0e04, t=5.0),
                  14 + 20 + 3, 0x11)
c.rx(LAN, o1, bad_out)
c.rx(WAN, i1, good, bad_icmp, bad_emb)
c.tx(WAN, w1)
c.tx(LAN, d1, icmp4_error_frame(LAN['mac'], H1_MAC, REMOTE_V4, H1_V4, 3, 3,
                                nat_rewrite_ip(q, src=H1_V4, sport=40000), ttl=59,
                                ident=0x0e01, t=2.0))
c.write({'rx': 6, 'forwarded': 3, 'local': 0, 'dropped': 3}, {'bad-icmp': 3})
