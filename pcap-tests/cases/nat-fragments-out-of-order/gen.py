#!/usr/bin/python3
"""NAT44 fragments out of order (pool `ports 3000-3000`): a non-first
fragment of H1's datagram arriving before the first is held; when the first
arrives it is translated and sent, then the held fragment right after it,
stamped with the first's time; the last fragment follows normally. Inbound,
a reply arriving last-fragment-first: both held, released in arrival order
after the first. A non-first fragment whose first never comes is dropped as
nat-fragment-unmatched once 2 s have passed (a later packet of the session
passes normally)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 3000-3000' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)
# payload whose first bytes look like the ports, so that a wrong rewrite of a
# non-first fragment would show
DATA = (b'\x13\x88\x00\x35' + b'frag') * 8


def datagram_out(ipid):
    return bytes(IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=ipid) / UDP(sport=5000, dport=53)
                 / Raw(DATA))


def datagram_in(ipid):
    return bytes(IP(src=REMOTE_V4, dst=POOL, ttl=60, id=ipid) / UDP(sport=53, dport=3000)
                 / Raw(DATA[::-1]))


def check_reassembled(frags, sport_dport):
    """The expected translated fragments reassemble to a datagram whose UDP
    checksum is right (the first fragment's incremental update is correct)."""
    body = b''.join(f[20:] for f in sorted(frags, key=lambda f: struct.unpack('!H', f[6:8])[0]
                                           & 0x1fff))
    whole = bytes(frags[0][:20]) + body
    whole = bytearray(whole)
    whole[2:4] = struct.pack('!H', len(whole))
    whole[6:8] = b'\0\0'
    assert struct.unpack('!HH', bytes(whole[20:24])) == sport_dport
    assert l4_csum_full(bytes(whole)) == struct.unpack('!H', bytes(whole[26:28]))[0]


def out_frag(ipb, t):
    return ip_frame(H1_MAC, LAN['mac'], ipb, t)


def in_frag(ipb, t):
    return ip_frame(GW_MAC, WAN['mac'], ipb, t)


def sent_out(frame, t=None):
    """Outbound fragment as sent: first fragment gets address + port, later
    ones the address only."""
    return nat_forward(frame, WAN, GW_MAC, t=t, src=POOL, sport=3000)


def sent_in(frame, t=None):
    return nat_forward(frame, LAN, H1_MAC, t=t, dst=H1_V4, dport=5000)

f1, f2, f3 = ip_fragments(datagram_out(0x4242), [24, 24, None])
o2, o1, o3 = out_frag(f2, 1.0), out_frag(f1, 1.1), out_frag(f3, 1.2)
g1, g2, g3 = ip_fragments(datagram_in(0x9999), [32, 16, None])
i3, i2, i1 = in_frag(g3, 2.0), in_frag(g2, 2.1), in_frag(g1, 2.2)
# a lone non-first fragment of another datagram (id 0x4343)
lone = out_frag(ip_fragments(datagram_out(0x4343), [24, 24, None])[1], 2.5)
later = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x4444)
           / UDP(sport=5000, dport=53) / Raw(b'unfragmented, 3 s later'), 5.0)
c.rx(LAN, o2, o1, o3, lone, later)
c.rx(WAN, i3, i2, i1)
c.tx(WAN, sent_out(o1), sent_out(o2, t=1.1), sent_out(o3), sent_out(later))
c.tx(LAN, sent_in(i1), sent_in(i3, t=2.2), sent_in(i2, t=2.2))
check_reassembled([ip_packet(f) for f in c.outputs['wan0'][:3]], (3000, 53))
check_reassembled([ip_packet(f) for f in c.outputs['lan0']], (53, 5000))
c.write({'rx': 8, 'forwarded': 7, 'local': 0, 'dropped': 1}, {'nat-fragment-unmatched': 1})
