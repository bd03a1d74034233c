#!/usr/bin/python3
"""IPv4 source-route options are dropped as ip-source-route, without any
ICMP: loose source route (LSRR), strict source route (SSRR), and LSRR behind
a NOP; also when the packet is addressed to the gateway itself."""
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
    (REMOTE_V4, b'\x83\x0b\x04' + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + b'\x01'),  # LSRR + NOP
    (REMOTE_V4, b'\x89\x0b\x04' + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + b'\x00'),  # SSRR + EOL
    (REMOTE_V4, b'\x01\x83\x07\x04' + bytes([10, 0, 0, 1])),                    # NOP + LSRR
    (LAN['v4'], b'\x83\x07\x04' + bytes([10, 0, 0, 1]) + b'\x00'),              # LSRR to us
]
pk = []
for i, (dst, o) in enumerate(opts):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, ttl=64, id=0x600 + i)
           / UDP(sport=40000 + i, dport=9) / Raw(b'source route %d' % i), 1.0 + i / 10)
    p = with_ip_options(p, o)
    assert bytes(p)[14 + 20:14 + 20 + len(o)] == o
    pk.append(p)
c.rx(LAN, *pk)
c.write({'rx': len(pk), 'forwarded': 0, 'local': 0, 'dropped': len(pk)},
        {'ip-source-route': len(pk)})
