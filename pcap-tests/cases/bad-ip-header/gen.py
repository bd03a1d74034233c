#!/usr/bin/python3
"""Malformed IP headers are dropped as bad-ip-header without any ICMP: a
frame too short for the IPv4 header, IHL 4, total length larger than the
frame, total length smaller than IHL*4, a bad header checksum, version 5 in
an IPv4 EtherType; for IPv6, a payload length past the end of the frame, a
frame too short for the 40-byte header, and version 4 in an IPv6 EtherType.
A valid packet after them is still forwarded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def good(i):
    return l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x800 + i) \
        / UDP(sport=40000 + i, dport=9) / Raw(b'malformed %d' % i)


def fix_csum(b, off=14):
    b = bytearray(b)
    ihl = (b[off] & 0xf) * 4
    b[off + 10:off + 12] = b'\0\0'
    b[off + 10:off + 12] = struct.pack('!H', csum(bytes(b[off:off + max(ihl, 20)])))
    return bytes(b)


bad = []
bad.append(bytes(good(0))[:14 + 10])                        # truncated header
b = bytearray(bytes(good(1)))
b[14] = 0x44
bad.append(fix_csum(b))                                     # IHL 4
b = bytearray(bytes(good(2)))
b[16:18] = struct.pack('!H', len(b) - 14 + 10)
bad.append(fix_csum(b))                                     # total length > frame
b = bytearray(bytes(good(3)))
b[16:18] = struct.pack('!H', 16)
bad.append(fix_csum(b))                                     # total length < IHL*4
b = bytearray(bytes(good(4)))
b[24:26] = struct.pack('!H', struct.unpack('!H', bytes(b[24:26]))[0] ^ 0x0101)
bad.append(bytes(b))                                        # bad checksum
b = bytearray(bytes(good(5)))
b[14] = 0x55
bad.append(fix_csum(b))                                     # version 5
v6 = bytes(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
           / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
           / UDP(sport=40100, dport=9) / Raw(b'v6 malformed'))
b = bytearray(v6)
b[18:20] = struct.pack('!H', len(v6) - 54 + 20)
bad.append(bytes(b))                                        # payload length > frame
bad.append(v6[:14 + 30])                                    # short IPv6 header
bad.append(bytes(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)) + bytes(good(6))[14:])  # v4 in 86dd
t = 1.0
pk = []
for b in bad:
    pk.append(raw_frame(b, t))
    t += 0.1
ok = at(good(7), t)
c.rx(LAN, *pk, ok)
c.tx(WAN, forward4(ok, WAN, GW_MAC))
c.write({'rx': len(pk) + 1, 'forwarded': 1, 'local': 0, 'dropped': len(pk)},
        {'bad-ip-header': len(pk)})
