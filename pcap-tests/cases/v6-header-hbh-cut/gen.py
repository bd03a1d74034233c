#!/usr/bin/python3
"""An IPv6 Hop-by-Hop header that does not fit in the payload makes a
malformed header (bad-ip-header), never a forwarded stub: payload length 0
with a Hop-by-Hop header and a Jumbo Payload option (a jumbogram, RFC 2675,
which these links cannot carry) and payload length 0 with a plain
Hop-by-Hop header (both with their bytes after the 40-byte header), and a
Hop-by-Hop header claiming 24 bytes in an 8-byte payload. A packet with a
Hop-by-Hop header that fits is forwarded unchanged but for the hop limit."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
eth = bytes(l2(H1_MAC, LAN['mac'], ethertype=0x86dd))
udp = bytes(UDP(sport=40000, dport=9, chksum=0) / Raw(b'behind hop-by-hop'))
jumbo = bytes([17, 0, 0xc2, 4]) + struct.pack('!I', 40 + 8 + len(udp))  # Jumbo Payload option
plain = bytes([17, 0, 1, 4, 0, 0, 0, 0])                                 # PadN
long_hbh = bytes([17, 2, 1, 4, 0, 0, 0, 0])                              # says 24 bytes


def frame(plen, rest, t):
    return raw_frame(eth + ip6_header(H1_V6, REMOTE_V6, plen, 0, 64) + rest, t)


bad = [frame(0, jumbo + udp, 1.0), frame(0, plain + udp, 1.1), frame(8, long_hbh, 1.2)]
ok = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
        / IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\0' * 4)])
        / UDP(sport=40001, dport=9) / Raw(b'a hop-by-hop header that fits'), 1.3)
c.rx(LAN, *bad, ok)
c.tx(WAN, forward6(ok, WAN, GW_MAC))
c.write({'rx': 4, 'forwarded': 1, 'local': 0, 'dropped': 3}, {'bad-ip-header': 3})
