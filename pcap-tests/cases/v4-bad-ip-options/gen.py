#!/usr/bin/python3
"""Malformed IPv4 option lists are dropped as bad-ip-options: an option with
length 1, an option whose length runs past the header, and an option with
length 0. A valid header with an EOL followed by junk is fine (EOL ends the
list) and is forwarded."""
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

opts = [
    b'\x44\x01\x00\x00',                  # timestamp with length 1
    b'\x07\x10\x04\x00\x00\x00\x00\x00',  # record route claiming 16 bytes in an 8-byte list
    b'\x94\x00\x00\x00',                  # router alert with length 0
]
pk = []
for i, o in enumerate(opts):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x700 + i)
           / UDP(sport=40000 + i, dport=9) / Raw(b'bad options %d' % i), 1.0 + i / 10)
    p = with_ip_options(p, o)
    assert bytes(p)[14 + 20:14 + 20 + len(o)] == o and (bytes(p)[14] & 0xf) * 4 == 20 + len(o)
    pk.append(p)
ok = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x7ff)
        / UDP(sport=41000, dport=9) / Raw(b'eol then junk'), 2.0)
ok = with_ip_options(ok, b'\x00\x07\x33\xff')
assert bytes(ok)[34:38] == b'\x00\x07\x33\xff'
c.rx(LAN, *pk, ok)
c.tx(WAN, forward4(ok, WAN, GW_MAC))
c.write({'rx': len(pk) + 1, 'forwarded': 1, 'local': 0, 'dropped': len(pk)},
        {'bad-ip-options': len(pk)})
