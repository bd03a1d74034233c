#!/usr/bin/python3
"""IPv6 scope and L2 multicast frames, with no default route: a packet from
H1's link-local address to an unrouted global destination is
link-local-not-forwarded (the scope check comes before the route lookup: no
ICMPv6 no-route error goes to a link-local source); an echo request to
lan0's global address in an L2 multicast frame (33:33:00:00:00:01) is for
the gateway and answered, as IPv4 in a broadcast frame is; an echo request
to an unrouted destination and one to a routed (connected) host in an L2
multicast frame are l2-not-for-us: such a frame is only delivered locally
(no forwarding, no ICMPv6 error about it; RFC 1812 5.3.4 in spirit)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)
MC = '33:33:00:00:00:01'


def req(dmac, src, dst, t, i):
    return at(l2(H1_MAC, dmac, ethertype=0x86dd) / IPv6(src=src, dst=dst, hlim=64)
              / ICMPv6EchoRequest(id=0x7777, seq=i, data=b'scope %d' % i), t)


p1 = req(LAN['mac'], H1_LL, REMOTE_V6, 1.0, 1)      # link-local source, no route
p2 = req(MC, H1_V6, LAN['v6'], 1.1, 2)               # ours, in an L2 multicast frame
p3 = req(MC, H1_V6, REMOTE_V6, 1.2, 3)               # no route, L2 multicast
p4 = req(MC, H1_V6, 'fd00:1::20', 1.3, 4)            # connected host, L2 multicast
c.rx(LAN, p1, p2, p3, p4)
c.tx(LAN, echo_reply6(p2, LAN))
c.write({'rx': 4, 'forwarded': 0, 'local': 1, 'dropped': 3},
        {'link-local-not-forwarded': 1, 'l2-not-for-us': 2})
