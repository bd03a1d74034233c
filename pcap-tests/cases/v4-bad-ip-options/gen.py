#!/usr/bin/python3
"""Malformed IPv4 option lists are dropped as bad-ip-options and answered
with an ICMP Parameter Problem (type 12 code 0; RFC 1812 4.3.3.5: a router
MUST send one for an error no other ICMP message covers) whose pointer is
the offset of the octet at fault (RFC 792), as Linux's ip_options_compile
points: the type octet of an option with length below 2, past the header,
or with no room for its length; the length octet of a Record Route shorter
than 3, a Timestamp shorter than 4 or a Router Alert shorter than 4; the
pointer octet of a Record Route pointer below 4 or a Timestamp pointer
below 5, or one leaving room for part of a slot (4 bytes, 8 for a
Timestamp with addresses). The usual suppression holds: an ICMP error with
a malformed list is dropped without a Parameter Problem. Well-formed lists
are forwarded unchanged: EOL followed by junk, a Record Route with one free
slot, a full one, a Timestamp with room for one stamp (RR and TS are not
filled in). On XDP the kernel gets the malformed ones (it sends the
Parameter Problem itself)."""
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

# (options, pointer: offset in the IP header of the octet at fault)
bad = [
    (b'\x44\x01\x00\x00', 20),                  # timestamp with length 1: its type octet
    (b'\x07\x10\x04\x00\x00\x00\x00\x00', 20),  # record route claiming 16 bytes in an 8-byte list
    (b'\x94\x00\x00\x00', 20),                  # router alert with length 0
    (b'\x01\x01\x01\x07', 23),                  # record route in the last octet: no length
    (b'\x07\x02\x00\x00', 21),                  # record route of length 2 (< 3)
    (b'\x07\x07\x03\x00\x00\x00\x00\x00', 22),  # record route pointer 3 (< 4)
    (b'\x07\x05\x04\x00\x00\x00\x00\x00', 22),  # record route: room for 2 of 4 bytes
    (b'\x44\x03\x05\x00', 21),                  # timestamp of length 3 (< 4)
    (b'\x44\x08\x04\x00\x00\x00\x00\x00', 22),  # timestamp pointer 4 (< 5)
    (b'\x44\x08\x05\x01\x00\x00\x00\x00', 22),  # timestamp with addresses: 4 of 8 bytes
    (b'\x94\x02\x00\x00', 21),                  # router alert of length 2 (< 4)
]
pk = []
errs = []
for i, (o, ptr) in enumerate(bad):
    p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x700 + i)
           / UDP(sport=40000 + i, dport=9) / Raw(b'bad options %d' % i), 1.0 + i / 10)
    p = with_ip_options(p, o)
    assert bytes(p)[14 + 20:14 + 20 + len(o)] == o and (bytes(p)[14] & 0xf) * 4 == 20 + len(o)
    pk.append(p)
    errs.append(icmp4_error(p, LAN, 12, 0, rest=ptr << 24))
# an ICMP error (port unreachable) with a malformed list: no error about an error
quote = bytes(IP(src=REMOTE_V4, dst=H1_V4, ttl=50, id=9) / UDP(sport=53, dport=40000))
perr = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x7a0)
          / ICMP(type=3, code=3) / Raw(quote), 3.0)
perr = with_ip_options(perr, b'\x44\x01\x00\x00')
c.kernel(perr)

good = [b'\x00\x07\x33\xff',                          # EOL, then junk
        b'\x07\x07\x04\x00\x00\x00\x00\x00',          # record route, one free slot
        b'\x07\x07\x08\xc0\x00\x02\x01\x00',          # record route, full (pointer 8 > 7)
        b'\x44\x08\x05\x00\x00\x00\x00\x00']          # timestamp only, room for one
ok = []
for i, o in enumerate(good):
    g = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x7f0 + i)
           / UDP(sport=41000 + i, dport=9) / Raw(b'good options %d' % i), 4.0 + i / 10)
    g = with_ip_options(g, o)
    assert bytes(g)[34:34 + len(o)] == o
    ok.append(g)
c.rx(LAN, *pk, perr, *ok)
c.tx(LAN, *errs)
c.tx(WAN, *[forward4(g, WAN, GW_MAC) for g in ok])
n = len(pk) + 1
c.write({'rx': n + len(ok), 'forwarded': len(ok), 'local': 0, 'dropped': n},
        {'bad-ip-options': n}, extra={'events': {'icmp-errors-sent': len(errs)}})
