#!/usr/bin/python3
"""ICMPv6 echo to the gateway: requests to lan0's global address, to wan0's
global address (received on lan0) and to lan0's link-local address are
answered with hop limit 64, traffic class and flow label kept, source = the
address asked; a request to wan0's link-local address received on lan0 is not
ours (link-local of another interface): link-local-not-forwarded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)


def req(src, dst, t, i, **kw):
    return at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd) / IPv6(src=src, dst=dst, **kw)
              / ICMPv6EchoRequest(id=0x6666, seq=i, data=b'ping6 payload %d' % i), t)


p1 = req(H1_V6, LAN['v6'], 1.0, 1, hlim=64, tc=0, fl=0)
p2 = req(H1_V6, WAN['v6'], 1.1, 2, hlim=3, tc=0x20, fl=0x12345)
p3 = req(H1_LL, eui64_link_local(LAN['mac']), 1.2, 3, hlim=255, tc=0, fl=0)
p4 = req(H1_LL, eui64_link_local(WAN['mac']), 1.3, 4, hlim=255, tc=0, fl=0)
c.rx(LAN, p1, p2, p3, p4)
c.tx(LAN, *[echo_reply6(p, LAN) for p in (p1, p2, p3)])
c.write({'rx': 4, 'forwarded': 0, 'local': 3, 'dropped': 1},
        {'link-local-not-forwarded': 1})
