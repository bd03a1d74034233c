#!/usr/bin/python3
"""IPv4 fragmentation towards a next hop not yet resolved (wan0 mtu 300, the
default gateway unknown): a 1500-byte datagram without DF is held whole (one
slot of the 4-packet hold queue: its six fragments would not fit) and an
ARP request goes out; when the reply comes the datagram leaves in six
fragments (RFC 791: five of 280 payload bytes and one of 80, MF on all but
the last) stamped with the reply's time, TTL - 1 in each. A second such datagram then
is fragmented at once. Counted as forwarded once each."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(ifaces=(LAN,), extra_lines=[
    iface_line(dict(WAN, v6=None), extra='mtu 300'),  # (IPv6 needs 1280)
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
], header=__doc__)
c = Case(__file__, cfg, __doc__)
SIZES = [280] * 5 + [None]


def dgram(t, i):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=i)
           / UDP(sport=40000, dport=9) / Raw(bytes(range(256)) * 5 + bytes(1472 - 1280)), t)
    assert len(p) == 14 + 1500
    return p


def fragmented(p, t):
    fwd = forward4(p, WAN, GW_MAC)
    return [ip_frame(WAN['mac'], GW_MAC, f, t) for f in ip_fragments(ip_packet(fwd), SIZES)]


p1 = dgram(1.0, 0x101)
reply = arp_reply_in(GW_MAC, GW_V4, WAN['mac'], WAN['v4'], t=1.3)
p2 = dgram(1.5, 0x102)
c.rx(LAN, p1, p2)
c.rx(WAN, reply)
f1, f2 = fragmented(p1, 1.3), fragmented(p2, 1.5)
c.tx(WAN, arp_request_out(WAN, GW_V4, t=1.0), *f1, *f2)
# XDP: a packet over the egress MTU is the kernel's (it fragments)
c.kernel(p1, p2)
c.kernel_out(*f1, *f2)
c.write({'rx': 3, 'forwarded': 2, 'local': 1, 'dropped': 0})
