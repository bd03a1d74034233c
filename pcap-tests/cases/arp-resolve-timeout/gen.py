#!/usr/bin/python3
"""ARP resolution that never completes, with a gap in the traffic: the first
held packet triggers a request at t=1.0; the pcap clock runs between packets
too, so the request is repeated at 2.0 and 3.0 (every 1 s) and at 4.0, after
3 requests without a reply, the two held packets are dropped as
no-neighbour, each answered with an ICMP host unreachable (type 3 code 1,
RFC 1812 5.2.7.1) back to its sender on lan0 -- all before the next input
at 9.0, although no packet arrived between 2.5 and 9.0. The next packet for
that next hop at 9.8 starts again with a new request, and is still waiting
when the replay ends, so it is dropped as no-neighbour too (the end of a
replay is not a resolution failure: no ICMP)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev lan0' % (H1_V4, H1_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(t, i):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=i)
              / UDP(sport=40000, dport=9) / Raw(b'held %d' % i), t)


def drv(t, i):
    return at(l2(GW_MAC, WAN['mac']) / IP(src='198.51.100.9', dst=H1_V4, ttl=64, id=100 + i)
              / UDP(sport=9, dport=40000) / Raw(b'clock %d' % i), t)


p1, p2, p3 = out(1.0, 1), out(1.5, 2), out(9.8, 3)
d1, d2, d3 = drv(2.5, 1), drv(9.0, 2), drv(9.5, 3)
c.rx(LAN, p1, p2, p3)
c.rx(WAN, d1, d2, d3)
c.tx(WAN, *[arp_request_out(WAN, GW_V4, t=t) for t in (1.0, 2.0, 3.0, 9.8)])
c.tx(LAN, forward4(d1, LAN, H1_MAC),
     icmp4_error(p1, LAN, 3, 1, t=4.0), icmp4_error(p2, LAN, 3, 1, t=4.0),
     forward4(d2, LAN, H1_MAC), forward4(d3, LAN, H1_MAC))
c.kernel(p1, p2, p3)  # XDP: unresolved next hop, passed to the kernel
c.write({'rx': 6, 'forwarded': 3, 'local': 0, 'dropped': 3}, {'no-neighbour': 3})
