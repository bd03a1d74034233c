#!/usr/bin/python3
"""NAT44 and a truncated L4 header: an inside host's IPv4 packets towards the
Internet whose header is valid but whose UDP, TCP or ICMP header is cut short
(the IP total length says so), in a frame of exactly that length and in one
padded to the 60-byte Ethernet minimum. NAT cannot read the ports (or echo
id) it would translate: each is dropped as bad-l4-header, not bad-ip-header,
and nothing leaves. A whole UDP datagram after them is translated as usual."""
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
for proto, l4 in cut:
    frame = eth + ip4_header(H1_V4, REMOTE_V4, len(l4), proto, ident=int(t * 10)) + l4
    for padded in (False, True):
        data = frame + b'\0' * (60 - len(frame)) if padded else frame
        assert len(data) < 60 or padded
        rx.append(raw_frame(data, t))
        t += 0.1
ok = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1001)
        / UDP(sport=40000, dport=53) / Raw(b'a whole datagram'), t)
c.rx(LAN, *rx, ok)
c.tx(WAN, nat_forward(ok, WAN, GW_MAC, src=POOL, sport=40000))
n = len(rx)
c.write({'rx': n + 1, 'forwarded': 1, 'local': 0, 'dropped': n}, drops={'bad-l4-header': n})
