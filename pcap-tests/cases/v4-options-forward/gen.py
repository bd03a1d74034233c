#!/usr/bin/python3
"""IPv4 options other than source routes are forwarded unchanged (the
gateway does not fill in record route or timestamps): record route + NOP,
router alert, NOP/NOP/NOP/EOL padding and a timestamp option; only the TTL and
the header checksum change."""
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
    b'\x07\x0f\x04' + b'\0' * 12 + b'\x01',          # record route (3 slots) + NOP
    b'\x94\x04\x00\x00',                              # router alert
    b'\x01\x01\x01\x00',                              # NOP NOP NOP EOL
    b'\x44\x0c\x05\x00' + b'\0' * 8,                  # timestamp, ts only, 2 slots
    b'\x07\x07\x04\x00\x00\x00\x00\x94\x04\x00\x00\x01',  # RR(1 slot) + RA + NOP
]
pk = []
for i, o in enumerate(opts):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x500 + i)
           / UDP(sport=40000 + i, dport=9) / Raw(b'options %d' % i), 1.0 + i / 10)
    p = with_ip_options(p, o)
    assert bytes(p)[14 + 20:14 + 20 + len(o)] == o and (bytes(p)[14] & 0xf) * 4 == 20 + len(o)
    pk.append(p)
c.rx(LAN, *pk)
c.tx(WAN, *[forward4(p, WAN, GW_MAC) for p in pk])
c.write({'rx': len(pk), 'forwarded': len(pk), 'local': 0, 'dropped': 0})
