#!/usr/bin/python3
"""ICMPv6 echo requests to the gateway behind extension headers are answered
(RFC 4443 4.1; RFC 8200 4: headers to skip are skipped): behind Hop-by-Hop
(PadN), Hop-by-Hop + Destination Options (to wan0's address, traffic class
and flow label kept), a Routing header with Segments Left 0, Destination
Options to lan0's link-local address, and in an atomic fragment (offset 0,
M 0: RFC 6946, processed as a whole packet). The reply is as README says
(hop limit 64, source = the address asked) and carries no extension header.
Not answered, local-unhandled: behind a Destination Options header with an
option whose action bits are 10 (RFC 8200 4.2: a parameter problem code 2
pointing at the option), behind a Routing header with Segments Left 1 (not
the final destination: RFC 8200 4.4, code 0 pointing at the Routing Type),
the first fragment of an echo (no reassembly: nothing sent), and UDP behind
Hop-by-Hop (port unreachable)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)
LAN_LL = eui64_link_local(LAN['mac'])
E = l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
PADN4 = PadN(otype=1, optlen=4, optdata=b'\0\0\0\0')


def v6(src, dst, t, *layers, tc=0, fl=0):
    p = E / IPv6(src=src, dst=dst, hlim=64, tc=tc, fl=fl)
    for x in layers:
        p = p / x
    return at(Ether(bytes(p)), t)


def echo(i):
    return ICMPv6EchoRequest(id=0x0909, seq=i, data=b'echo behind extension headers %d' % i)


def routed_via_us(p):
    """The destination field set to lan0's address (scapy puts the last
    hop there): the gateway is the next segment, REMOTE_V6 the final one."""
    b = bytearray(bytes(p))
    b[14 + 24:14 + 40] = IPv6(dst=LAN['v6']).build()[24:40]
    return at(Ether(bytes(b)), p.time)


HBH = IPv6ExtHdrHopByHop(len=0, autopad=0, options=[PADN4])
DST = IPv6ExtHdrDestOpt(len=0, autopad=0, options=[PADN4])
DST_DISCARD = IPv6ExtHdrDestOpt(len=0, autopad=0, options=[
    HBHOptUnknown(otype=0x87, optlen=4, optdata=b'\0\0\0\0')])
ok = [(H1_V6, LAN['v6'], (HBH,), {}),
      (H1_V6, WAN['v6'], (HBH, DST), dict(tc=0x20, fl=0x12345)),
      (H1_V6, LAN['v6'], (IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]),), {}),
      (H1_LL, LAN_LL, (DST,), {}),
      (H1_V6, LAN['v6'], (IPv6ExtHdrFragment(nh=58, offset=0, m=0, id=0x77),), {})]
good = []
for i, (s, d, hdrs, kw) in enumerate(ok):
    good.append((v6(s, d, 1.0 + i / 10, *(hdrs + (echo(i + 1),)), **kw),
                 sum(len(bytes(h)) for h in hdrs)))
bad = [v6(H1_V6, LAN['v6'], 2.0, DST_DISCARD, echo(11)),
       routed_via_us(v6(H1_V6, LAN['v6'], 2.1,
                        IPv6ExtHdrRouting(type=0, segleft=1, addresses=[REMOTE_V6]), echo(12))),
       v6(H1_V6, LAN['v6'], 2.2, IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x78), echo(13)),
       v6(H1_V6, LAN['v6'], 2.3, HBH, UDP(sport=40000, dport=9), Raw(b'udp'))]
assert [bytes(p)[14 + 6] for p, _ in good] == [0, 0, 43, 60, 44]
assert [bytes(p)[14 + 6] for p in bad] == [60, 43, 44, 0]
c.rx(LAN, *[p for p, _ in good], *bad)
replies = [echo_reply6(p, LAN, ext_len=n) for p, n in good]
c.tx(LAN, *replies, icmp6_error(bad[0], LAN, 4, 2, rest=42),
     icmp6_error(bad[1], LAN, 4, 0, rest=42), icmp6_error(bad[3], LAN, 1, 4))
# XDP: the gateway's own addresses: the kernel answers
c.kernel_out(*replies)
c.write({'rx': 9, 'forwarded': 0, 'local': 5, 'dropped': 4}, {'local-unhandled': 4})
