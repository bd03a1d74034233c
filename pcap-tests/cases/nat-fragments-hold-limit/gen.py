#!/usr/bin/python3
"""NAT44 fragment hold limit: at most 16 non-first fragments are held per
datagram. 17 non-first fragments of H1's datagram arrive before its first
one: the first 16 are held, the 17th finds no room and is dropped as
nat-fragment-unmatched at once. When the first fragment arrives it is
translated (pool `ports 3000-3000`: H1:5000 -> pool:3000) and sent, then
the 16 held ones in arrival order with its time (address translated only);
the last fragment, arriving after, passes normally."""
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

big = bytes(IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x5151) / UDP(sport=5000, dport=53)
            / Raw(bytes(range(256)) * 2 + b'end of it'))
frags = ip_fragments(big, [24] + [24] * 17 + [None])   # first, 17 middle, last
assert len(frags) == 19
middles = [out_frag(f, 1.0 + i * 0.01) for i, f in enumerate(frags[1:18])]
first = out_frag(frags[0], 2.0)
last = out_frag(frags[18], 2.1)
c.rx(LAN, *middles)
c.rx(LAN, first, last)
c.tx(WAN, sent_out(first), *[sent_out(m, t=2.0) for m in middles[:16]], sent_out(last))
check_reassembled([ip_packet(f) for f in [sent_out(first)] + [sent_out(m) for m in middles]
                   + [sent_out(last)]], (3000, 53))
c.write({'rx': 19, 'forwarded': 18, 'local': 0, 'dropped': 1}, {'nat-fragment-unmatched': 1})
