#!/usr/bin/python3
"""More ND rules: an NS whose source link-layer option differs from the
frame's source MAC is answered to the option's MAC (and that MAC is learned);
a unicast NS without the option (as in NUD) is answered to the frame's source
and teaches nothing, so a later packet for that host starts resolution (a
multicast NS from lan0's global address) and, with no answer, ends as
no-neighbour when the replay ends; an NS with a bad checksum is bad-icmp."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H2_V6, H2_MAC, H2_OPT_MAC = 'fd00:1::20', '02:00:00:00:01:14', '02:00:00:00:01:15'
H3_V6, H3_MAC = 'fd00:1::30', '02:00:00:00:01:1e'
s1 = nd_ns(H2_MAC, H2_V6, LAN['v6'], t=1.0)
b = bytearray(bytes(s1))
b[14 + 40 + 24 + 2:14 + 40 + 24 + 8] = mac_bytes(H2_OPT_MAC)   # the option's MAC
b[14 + 42:14 + 44] = b'\0\0'
b[14 + 42:14 + 44] = struct.pack('!H', icmp6_csum(H2_V6, solicited_node(LAN['v6'])[0],
                                                  bytes(b[14 + 40:])))
s1 = at(Ether(bytes(b)), 1.0)
assert s1[ICMPv6NDOptSrcLLAddr].lladdr == H2_OPT_MAC
s2 = nd_ns(H3_MAC, H3_V6, LAN['v6'], dst_ip=LAN['v6'], dst_mac=LAN['mac'], sllao=False, t=1.1)
s3 = nd_ns(H3_MAC, H3_V6, LAN['v6'], t=1.2)
b = bytearray(bytes(s3))
b[14 + 42] ^= 0x55
s3 = at(Ether(bytes(b)), 1.2)


def down(dst, t, i):
    return at(l2(GW_MAC, WAN['mac'], ethertype=0x86dd)
              / IPv6(src=REMOTE_V6, dst=dst, hlim=60, tc=0, fl=0)
              / UDP(sport=9, dport=40000) / Raw(b'down %d' % i), t)


p1, p2 = down(H2_V6, 2.0, 1), down(H3_V6, 2.1, 2)
c.rx(LAN, s1, s2, s3)
c.rx(WAN, p1, p2)
c.tx(LAN, nd_na(LAN['mac'], H2_OPT_MAC, LAN['v6'], H2_V6, LAN['v6'], 1, 1, 1, t=1.0),
     nd_na(LAN['mac'], H3_MAC, LAN['v6'], H3_V6, LAN['v6'], 1, 1, 1, t=1.1),
     forward6(p1, LAN, H2_OPT_MAC), nd_ns_out(LAN, H3_V6, LAN['v6'], t=2.1))
c.kernel(p2)  # XDP: unresolved neighbour, passed to the kernel
c.write({'rx': 5, 'forwarded': 1, 'local': 2, 'dropped': 2}, {'bad-icmp': 1, 'no-neighbour': 1})
