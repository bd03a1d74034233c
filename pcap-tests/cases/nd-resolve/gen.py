#!/usr/bin/python3
"""ND resolution of IPv6 next hops: a packet to a route via the router's
global address is held and a multicast solicitation goes out wan0 (to the
solicited-node group, source = wan0's global address on the target's prefix,
hop limit 255, source link-layer option); a route via a link-local next hop
solicits from wan0's link-local address. The router's advertisements release
the held packets, stamped with the advertisement's time."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

GW_LL = 'fe80::1'
cfg = standard_config(extra_lines=[
    'route add ::/0 via %s dev wan0' % GW_V6,
    'route add 2001:db8:200::/48 via %s dev wan0' % GW_LL,
], header=__doc__)
c = Case(__file__, cfg, __doc__)
WAN_LL = eui64_link_local(WAN['mac'])

p1 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
        / UDP(sport=40000, dport=9) / Raw(b'via global next hop'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst='2001:db8:200::5', hlim=64, tc=0, fl=0)
        / UDP(sport=40000, dport=9) / Raw(b'via link-local next hop'), 1.1)
na1 = nd_na(GW_MAC, WAN['mac'], GW_V6, WAN['v6'], GW_V6, 1, 1, 1, t=1.2)
na2 = nd_na(GW_MAC, WAN['mac'], GW_LL, WAN_LL, GW_LL, 1, 1, 1, t=1.3)
p3 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst='2001:db8:200::6', hlim=64, tc=0, fl=0)
        / UDP(sport=40000, dport=9) / Raw(b'resolved'), 1.4)
c.rx(LAN, p1, p2, p3)
c.rx(WAN, na1, na2)
c.tx(WAN, nd_ns_out(WAN, GW_V6, WAN['v6'], t=1.0), nd_ns_out(WAN, GW_LL, WAN_LL, t=1.1),
     forward6(p1, WAN, GW_MAC, t=1.2), forward6(p2, WAN, GW_MAC, t=1.3),
     forward6(p3, WAN, GW_MAC))
c.write({'rx': 5, 'forwarded': 3, 'local': 2, 'dropped': 0})
