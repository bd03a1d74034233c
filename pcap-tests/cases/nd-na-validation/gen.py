#!/usr/bin/python3
"""Neighbour advertisements that must not change the neighbour cache
(RFC 4861 7.1.2, 7.2.5; RFC 6980). A packet to the Internet via the router
2001:db8:ffff::1 is held and a solicitation goes out wan0. Then, from the
router's address: an NA to ff02::1 with Solicited set (invalid:
bad-icmp), a valid NA inside an atomic fragment (RFC 6980: ND in any
fragment is ignored, nd-ignored), and the valid NA, which releases the held
packet to the router's MAC. An unsolicited NA with Override clear and
another MAC is ignored (nd-ignored: the next packet still goes to the first
MAC); one with Override set replaces it (the packet after it goes to the
new MAC). A solicitation for wan0's address inside an atomic fragment gets
no answer (nd-ignored). On XDP the kernel does ND."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

NEW_MAC = '02:00:00:00:02:99'
cfg = standard_config(extra_lines=['route add ::/0 via %s dev wan0' % GW_V6], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(t, i):
    return at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
              / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=64, tc=0, fl=0)
              / UDP(sport=40000 + i, dport=9) / Raw(b'packet %d' % i), t)


def in_atomic_fragment(p, t):
    """p (an ND message) with a Fragment header, offset 0 and M 0."""
    e = Ether(bytes(p))
    ip6 = e[IPv6]
    body = bytes(ip6.payload)
    f = (l2(e.src, e.dst, None, 0x86dd)
         / IPv6(version=6, tc=0, fl=0, hlim=ip6.hlim, src=ip6.src, dst=ip6.dst, nh=44)
         / IPv6ExtHdrFragment(nh=58, offset=0, m=0, id=0x5a5a) / Raw(body))
    return at(Ether(bytes(f)), t)


p1 = out(1.0, 1)
na_mcast = nd_na(GW_MAC, '33:33:00:00:00:01', GW_V6, 'ff02::1', GW_V6, 1, 1, 1, t=1.1)
na_frag = in_atomic_fragment(nd_na(GW_MAC, WAN['mac'], GW_V6, WAN['v6'], GW_V6, 1, 1, 1), 1.2)
na_ok = nd_na(GW_MAC, WAN['mac'], GW_V6, WAN['v6'], GW_V6, 1, 1, 1, t=1.3)
na_o0 = nd_na(NEW_MAC, WAN['mac'], GW_V6, WAN['v6'], GW_V6, 1, 0, 0, t=1.4)
p2 = out(1.5, 2)
na_o1 = nd_na(NEW_MAC, WAN['mac'], GW_V6, WAN['v6'], GW_V6, 1, 0, 1, t=1.6)
p3 = out(1.7, 3)
ns_frag = in_atomic_fragment(nd_ns(GW_MAC, GW_V6, WAN['v6']), 1.8)
c.rx(LAN, p1, p2, p3)
c.rx(WAN, na_mcast, na_frag, na_ok, na_o0, na_o1, ns_frag)
c.tx(WAN, nd_ns_out(WAN, GW_V6, WAN['v6'], t=1.0), forward6(p1, WAN, GW_MAC, t=1.3),
     forward6(p2, WAN, GW_MAC), forward6(p3, WAN, NEW_MAC))
c.write({'rx': 9, 'forwarded': 3, 'local': 2, 'dropped': 4},
        {'bad-icmp': 1, 'nd-ignored': 3})
