#!/usr/bin/python3
"""Neighbour solicitations for our addresses are answered: for lan0's global
address and for its link-local address (advertisement from the target
address to the solicitor, hop limit 255, R=1 S=1 O=1, target link-layer
option = lan0's MAC, Ethernet dst = the source link-layer option); a DAD
probe from :: gets an advertisement to ff02::1 with S=0; the solicitor is
learned (a later packet from the Internet reaches it without ND). An NS with
hop limit 64 is bad-icmp; a router solicitation is nd-ignored."""
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

s1 = nd_ns(H1_MAC, H1_V6, LAN['v6'], t=1.0)
s2 = nd_ns(H1_MAC, H1_LL, LAN_LL, t=1.1)
s3 = nd_ns(H1_MAC, '::', LAN['v6'], sllao=False, t=1.2)
s4 = broken(nd_ns(H1_MAC, H1_V6, LAN['v6'], hlim=64, t=1.3))
rs = at(Ether(bytes(l2(H1_MAC, '33:33:00:00:00:02', ethertype=0x86dd)
                    / IPv6(src=H1_LL, dst='ff02::2', hlim=255, tc=0, fl=0)
                    / ICMPv6ND_RS(type=133, code=0, res=0)
                    / ICMPv6NDOptSrcLLAddr(type=1, len=1, lladdr=H1_MAC))), 1.4)
p6 = at(l2(GW_MAC, WAN['mac'], ethertype=0x86dd)
        / IPv6(src=REMOTE_V6, dst=H1_V6, hlim=60, tc=0, fl=0)
        / UDP(sport=9, dport=40000) / Raw(b'to the learned host'), 2.0)
c.rx(LAN, s1, s2, s3, s4, rs)
c.rx(WAN, p6)
a1 = nd_na(LAN['mac'], H1_MAC, LAN['v6'], H1_V6, LAN['v6'], 1, 1, 1, t=1.0)
a2 = nd_na(LAN['mac'], H1_MAC, LAN_LL, H1_LL, LAN_LL, 1, 1, 1, t=1.1)
a3 = nd_na(LAN['mac'], '33:33:00:00:00:01', LAN['v6'], 'ff02::1', LAN['v6'], 1, 0, 1, t=1.2)
c.tx(LAN, a1, a2, a3, forward6(p6, LAN, H1_MAC))
c.write({'rx': 6, 'forwarded': 1, 'local': 3, 'dropped': 2},
        {'bad-icmp': 1, 'nd-ignored': 1})
