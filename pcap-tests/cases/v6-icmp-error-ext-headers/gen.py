#!/usr/bin/python3
"""No ICMPv6 error about an ICMPv6 error message behind extension headers
(RFC 4443 2.4(e.1)): hop limit 1 with Hop-by-Hop + destination unreachable,
Hop-by-Hop + Destination Options + time exceeded, Routing (segments left 0)
+ packet too big, a first fragment of a destination unreachable, and no
route for Destination Options + parameter problem are ttl-exceeded /
no-route without ICMPv6. Nor about a non-first fragment (RFC 4443 2.4(e.4)
in spirit; README: non-first fragments). A Hop-by-Hop header that runs
past the packet is a malformed header (bad-ip-header), no error either. Hop
limit 1 with Hop-by-Hop + echo request, with Hop-by-Hop + Destination
Options + UDP, and a first fragment of UDP do get their time exceeded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 2001:db8:100::/48 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
E = l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
INNER = bytes(IPv6(src=REMOTE_V6, dst=H1_V6, hlim=50) / UDP(sport=9, dport=40000)
              / Raw(b'quoted'))
PADN4 = PadN(otype=1, optlen=4, optdata=b'\0\0\0\0')


def v6(dst, t, *layers, hlim=1):
    p = E / IPv6(src=H1_V6, dst=dst, hlim=hlim, tc=0, fl=0)
    for x in layers:
        p = p / x
    return at(Ether(bytes(p)), t)


HBH = IPv6ExtHdrHopByHop(len=0, autopad=0, options=[PADN4])
DST = IPv6ExtHdrDestOpt(len=0, autopad=0, options=[PADN4])
a1 = v6(REMOTE_V6, 1.0, HBH, ICMPv6DestUnreach(code=4), Raw(INNER))
a2 = v6(REMOTE_V6, 1.1, HBH, DST, ICMPv6TimeExceeded(code=0), Raw(INNER))
a3 = v6(REMOTE_V6, 1.2, IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]),
        ICMPv6PacketTooBig(mtu=1280), Raw(INNER))
a4 = v6(REMOTE_V6, 1.3, IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x1234),
        ICMPv6DestUnreach(code=1), Raw(INNER[:32]))
a5 = v6(REMOTE_V6, 1.4, IPv6ExtHdrFragment(nh=17, offset=4, m=0, id=0x1235),
        Raw(b'later fragment data'))
# Hop-by-Hop claiming 48 bytes, 8 present: the chain runs past the packet
a6 = v6(REMOTE_V6, 1.5, Raw(bytes([58, 5, 1, 4, 0, 0, 0, 0])))
a6 = at(Ether(bytes(a6)[:14] + bytes(a6)[14:20] + bytes([0]) + bytes(a6)[21:]), 1.5)
a7 = v6('2001:db8:200::7', 1.6, DST, ICMPv6ParamProblem(code=0, ptr=6), Raw(INNER), hlim=64)
b1 = v6(REMOTE_V6, 2.0, HBH, ICMPv6EchoRequest(id=0x77, seq=1, data=b'query'))
b2 = v6(REMOTE_V6, 2.1, HBH, DST, UDP(sport=40001, dport=9), Raw(b'udp'))
b3 = v6(REMOTE_V6, 2.2, IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x1236),
        Raw(bytes(UDP(sport=40002, dport=9, len=100, chksum=0x1234)) + b'first fragment'))
assert bytes(a6)[14 + 6] == 0 and len(bytes(a6)) == 14 + 40 + 8
for p, nh in ((a1, 0), (a2, 0), (a3, 43), (a4, 44), (a5, 44), (a7, 60)):
    assert bytes(p)[14 + 6] == nh
c.rx(LAN, a1, a2, a3, a4, a5, a6, a7, b1, b2, b3)
c.tx(LAN, *[icmp6_error(p, LAN, 3, 0) for p in (b1, b2, b3)])
# XDP: hop limit expiry and no route go to the kernel, whether it answers or not
c.kernel(a1, a2, a3, a4, a5, a7)
c.write({'rx': 10, 'forwarded': 0, 'local': 0, 'dropped': 10},
        {'ttl-exceeded': 8, 'no-route': 1, 'bad-ip-header': 1})
