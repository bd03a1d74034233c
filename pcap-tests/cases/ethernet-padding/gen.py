#!/usr/bin/python3
"""Ethernet padding on input is not forwarded: a 60-byte frame carrying a
28-byte IPv4 packet (UDP without payload, padding zero) leaves as a 42-byte
frame; a 40-byte TCP ACK padded with non-zero bytes leaves as 54 bytes."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
a = l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0xc00) / UDP(sport=40000,
                                                                                  dport=9)
assert len(a) == 14 + 28
p1 = at(Ether(bytes(a) + b'\0' * 18), 1.0)
b = l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0xc01, flags='DF') \
    / TCP(sport=40001, dport=443, flags='A', seq=100, ack=200, window=500)
assert len(b) == 14 + 40
p2 = at(Ether(bytes(b) + b'\xaa\x55\xaa\x55\xaa\x55'), 1.1)
assert len(p1) == 60 and len(p2) == 60
c.rx(LAN, p1, p2)
o1, o2 = forward4(p1, WAN, GW_MAC), forward4(p2, WAN, GW_MAC)
assert len(o1) == 42 and len(o2) == 54
c.tx(WAN, o1, o2)
c.write({'rx': 2, 'forwarded': 2, 'local': 0, 'dropped': 0})
