#!/usr/bin/python3
"""ND resolution that never completes, with a gap in the traffic:
solicitations at t=1.0, 2.0 and 3.0 (the pcap clock runs between packets:
no input arrives between 2.5 and 9.0), then at 4.0 the two held packets are
dropped as no-neighbour, each answered with an ICMPv6 destination
unreachable, address unreachable (type 1 code 3, RFC 4861 7.2.2), from
lan0's global address back to its sender, before the 9.0 packet to a static
IPv6 neighbour on lan0 is forwarded."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev lan0' % (H1_V6, H1_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(t, i):
    return at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
              / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
              / UDP(sport=40000, dport=9) / Raw(b'held %d' % i), t)


def drv(t, i):
    return at(l2(GW_MAC, WAN['mac'], ethertype=0x86dd)
              / IPv6(src='2001:db8:100::9', dst=H1_V6, hlim=64, tc=0, fl=0)
              / UDP(sport=9, dport=40000) / Raw(b'clock %d' % i), t)


p1, p2 = out(1.0, 1), out(1.5, 2)
d1, d2, d3 = drv(2.5, 1), drv(9.0, 2), drv(9.5, 3)
c.rx(LAN, p1, p2)
c.rx(WAN, d1, d2, d3)
c.tx(WAN, *[nd_ns_out(WAN, GW_V6, WAN['v6'], t=t) for t in (1.0, 2.0, 3.0)])
c.tx(LAN, forward6(d1, LAN, H1_MAC),
     icmp6_error(p1, LAN, 1, 3, t=4.0), icmp6_error(p2, LAN, 1, 3, t=4.0),
     forward6(d2, LAN, H1_MAC), forward6(d3, LAN, H1_MAC))
c.kernel(p1, p2)  # XDP: unresolved next hop, passed to the kernel
c.write({'rx': 5, 'forwarded': 3, 'local': 0, 'dropped': 2}, {'no-neighbour': 2})
