#!/usr/bin/python3
"""NAT44 fragments in order (pool `ports 3000-3000`, so H1:5000 becomes
pool:3000): a UDP datagram from H1 in three fragments leaves wan0 as three
fragments; the first (offset 0, ports present) is translated like any packet
(source address and port, UDP checksum updated incrementally for the whole
datagram), the later two get the source address translation only (their
payload is not touched, even where it looks like ports); TTL - 1 and the
IPv4 checksum on all. The reply, fragmented too, comes back the same way
(destination address on all, port on the first). A duplicate of the first
fragment (the network may duplicate, RFC 791 reassembly tolerates it) is
translated exactly as the first one, port and UDP checksum included; a
duplicate later fragment like the later ones."""
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

fo = [out_frag(f, 1.0 + i * 0.01) for i, f in enumerate(ip_fragments(datagram_out(0x4242),
                                                                      [24, 24, None]))]
fi = [in_frag(f, 1.5 + i * 0.01) for i, f in enumerate(ip_fragments(datagram_in(0x9999),
                                                                     [32, 16, None]))]
dups = [ip_frame(H1_MAC, LAN['mac'], ip_packet(fo[0]), 1.04),
        ip_frame(H1_MAC, LAN['mac'], ip_packet(fo[1]), 1.05)]
c.rx(LAN, *fo, *dups)
c.rx(WAN, *fi)
eo = [sent_out(f) for f in fo]
edups = [sent_out(f) for f in dups]
assert ip_packet(edups[0])[20:] == ip_packet(eo[0])[20:]   # the same L4 header and payload
assert ip_packet(edups[1])[20:] == ip_packet(eo[1])[20:]
ei = [sent_in(f) for f in fi]
check_reassembled([ip_packet(f) for f in eo], (3000, 53))
check_reassembled([ip_packet(f) for f in ei], (53, 5000))
for a, b in zip(fo[1:] + fi[1:], eo[1:] + ei[1:]):   # later fragments: payload untouched
    assert ip_packet(a)[20:] == ip_packet(b)[20:]
c.tx(WAN, *eo, *edups)
c.tx(LAN, *ei)
c.write({'rx': 8, 'forwarded': 8, 'local': 0, 'dropped': 0})
