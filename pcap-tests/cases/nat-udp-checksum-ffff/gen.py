#!/usr/bin/python3
"""NAT44 UDP checksum that becomes zero: H1's datagram and the server's reply
are built so that after translation the UDP checksum computes to 0x0000,
which UDP sends as 0xffff (RFC 768; 0x0000 would mean "no checksum"): the
translated packets carry 0xffff in both directions, as a full recompute
gives."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def raw_sum(ip):
    """One's complement sum (pseudo-header + UDP, checksum field as zero)."""
    seg = bytearray(ip[20:])
    seg[6:8] = b'\0\0'
    pseudo = ip[12:20] + struct.pack('!BBH', 0, 17, len(seg))
    return (~csum(bytes(pseudo) + bytes(seg))) & 0xffff


def solve(src, dst, sport, dport, tsrc, tdst, tsport, tdport):
    """Payload whose UDP sum after translation is 0xffff (checksum 0)."""
    base = b'checksum goes to zero..'
    for fix in range(65536):
        data = base + struct.pack('!H', fix) + b'!'
        ip = bytes(IP(src=tsrc, dst=tdst, ttl=63, id=1) / UDP(sport=tsport, dport=tdport)
                   / Raw(data))
        if raw_sum(ip) == 0xffff:
            return data
    raise AssertionError('no solution')


d_out = solve(H1_V4, REMOTE_V4, 40000, 53, POOL, REMOTE_V4, 40000, 53)
d_in = solve(REMOTE_V4, POOL, 53, 40000, REMOTE_V4, H1_V4, 53, 40000)
o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x31)
        / UDP(sport=40000, dport=53) / Raw(d_out), 1.0)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=0x32)
        / UDP(sport=53, dport=40000) / Raw(d_in), 1.1)
w1 = nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000)
l1 = nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000)
assert ip_packet(w1)[26:28] == b'\xff\xff' and ip_packet(l1)[26:28] == b'\xff\xff'
assert ip_packet(o1)[26:28] != b'\xff\xff'
c.rx(LAN, o1)
c.rx(WAN, b1)
c.tx(WAN, w1)
c.tx(LAN, l1)
c.write({'rx': 2, 'forwarded': 2, 'local': 0, 'dropped': 0})
