#!/usr/bin/python3
"""IPv4 echo to the gateway: requests to lan0's address, to wan0's address
(received on lan0), with TTL 1 (local delivery whatever the TTL), with IP
options (removed in the reply) and in a padded 60-byte frame (padding not
echoed) are answered out lan0; a request with a bad ICMP checksum is bad-icmp
and a fragmented request is local-unhandled, both without reply."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)


def req(dst, t, i, **kw):
    data = kw.pop('data', b'abcdefghijklmnopqrstuvwabcdefghi')
    icmp = ICMP(type=8, code=0, id=0x4242, seq=i) / Raw(data)
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, id=0x100 + i, **kw) / icmp, t)


p1 = req(LAN['v4'], 1.0, 1, ttl=64, flags='DF')
p2 = req(WAN['v4'], 1.1, 2, ttl=64, tos=0x28)
p3 = req(LAN['v4'], 1.2, 3, ttl=1)
p4 = req(LAN['v4'], 1.3, 4, ttl=64, options=[IPOption_Router_Alert(), IPOption_NOP(),
                                              IPOption_NOP(), IPOption_NOP(), IPOption_NOP()])
# 28-byte IP packet (echo without data) padded to the 60-byte Ethernet minimum
p5 = req(LAN['v4'], 1.4, 5, ttl=64, data=b'')
p5 = at(Ether(bytes(p5) + b'\0' * (60 - len(p5))), 1.4)
assert len(p5) == 60
# bad ICMP checksum
p6 = req(LAN['v4'], 1.5, 6, ttl=64)
p6[ICMP].chksum = 0x1234
p6 = broken(at(Ether(bytes(p6)), 1.5))
# a first fragment of an echo request (MF set)
p7 = req(LAN['v4'], 1.6, 7, ttl=64, flags='MF', data=b'A' * 64)
c.rx(LAN, p1, p2, p3, p4, p5, p6, p7)
replies = [echo_reply4(p, LAN) for p in (p1, p2, p3, p4, p5)]
assert len(replies[4]) == 42
c.tx(LAN, *replies)
c.write({'rx': 7, 'forwarded': 0, 'local': 5, 'dropped': 2},
        {'bad-icmp': 1, 'local-unhandled': 1})
