#!/usr/bin/python3
"""NAT44 and a truncated L4 header: an inside host's IPv4 packets towards the
Internet whose header is valid but whose UDP, TCP or ICMP header is cut short
(the IP total length says so), in a frame of exactly that length and in one
padded to the 60-byte Ethernet minimum. NAT cannot read the ports (or echo
id) it would translate: each is dropped as bad-l4-header, not bad-ip-header,
and nothing leaves. A whole UDP datagram after them is translated as usual.
The same from outside to the pool address, also to the live mapping the
whole datagram made: bad-l4-header (the header is checked before the
session lookup), in both directions alike; then the whole reply is
translated back. A tiny first TCP fragment (8 bytes: the ports but not the
checksum, which NAT must update) is bad-l4-header both ways too."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

eth = bytes(l2(H1_MAC, LAN['mac']))
cut = [(17, bytes.fromhex('1388')),            # UDP: 2 of 8 bytes
       (17, bytes.fromhex('13880035000800')),  # UDP: 7 of 8
       (6, bytes.fromhex('13880050000000010000')),  # TCP: 10 of 20
       (1, bytes.fromhex('0800')),             # ICMP echo request: 2 of 8
       (1, bytes.fromhex('08000000000100'))]   # ICMP echo request: 7 of 8
rx = []
t = 1.0


def pad60(b):
    return b + b'\0' * max(0, 60 - len(b))


for proto, l4 in cut:
    frame = eth + ip4_header(H1_V4, REMOTE_V4, len(l4), proto, ident=int(t * 10)) + l4
    for padded in (False, True):
        data = frame + b'\0' * (60 - len(frame)) if padded else frame
        assert len(data) < 60 or padded
        rx.append(raw_frame(data, t))
        t += 0.1
ok = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1001)
        / UDP(sport=40000, dport=53) / Raw(b'a whole datagram'), t)
t += 0.1
# from outside, to the pool address: UDP to the live mapping (ports 53 ->
# 40000 present, length and checksum not), TCP and ICMP echo reply cut short
weth = bytes(l2(GW_MAC, WAN['mac']))
inbound_cut = [(17, bytes.fromhex('00359c40000800')),       # UDP 53 -> 40000: 7 of 8
               (6, bytes.fromhex('01bb9c4100000001')),       # TCP 443 -> 40001: 8 of 20
               (1, bytes.fromhex('0000'))]                   # ICMP echo reply: 2 of 8
rx_in = []
for proto, l4 in inbound_cut:
    rx_in.append(raw_frame(pad60(weth + ip4_header(REMOTE_V4, POOL, len(l4), proto, ttl=50,
                                                    ident=int(t * 10)) + l4), t))
    t += 0.1
# tiny first TCP fragments (MF set, 8 bytes of TCP), out and in
tcp8 = bytes.fromhex('9c4201bb00000001')                      # 40002 -> 443
frag_out = raw_frame(pad60(eth + ip4_header(H1_V4, REMOTE_V4, 8, 6, ident=0x2001,
                                             flags_frag=0x2000) + tcp8), t)
t += 0.1
frag_in = raw_frame(pad60(weth + ip4_header(REMOTE_V4, POOL, 8, 6, ttl=50, ident=0x2002,
                                             flags_frag=0x2000) + tcp8[2:4] + tcp8[0:2] + tcp8[4:]), t)
t += 0.1
back = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=50, id=0x3001)
          / UDP(sport=53, dport=40000) / Raw(b'the whole answer'), t)
c.rx(LAN, *rx, ok, frag_out)
c.rx(WAN, *rx_in, frag_in, back)
c.tx(WAN, nat_forward(ok, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, nat_forward(back, LAN, H1_MAC, dst=H1_V4, dport=40000))
n = len(rx) + len(rx_in) + 2
c.write({'rx': n + 2, 'forwarded': 2, 'local': 0, 'dropped': n}, drops={'bad-l4-header': n})
