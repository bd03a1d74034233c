#!/usr/bin/python3
"""Traffic addressed to the gateway that no local service handles is dropped
as local-unhandled, and answered as a host without that service would be:
- UDP (to lan0's address, to wan0's address received on lan0, to lan0's
  global IPv6 address) draws a port unreachable (ICMP 3/3, RFC 1122
  4.1.3.1; ICMPv6 1/4, RFC 4443 3.1), which is what ends a traceroute to
  the gateway; a UDP datagram with a bad checksum is bad-l4-header, no ICMP.
- IPv6 with an upper layer we do not know (253, also behind a Destination
  Options header) draws a parameter problem code 1 pointing at the Next
  Header field naming it (RFC 8200 4); an echo request behind a Hop-by-Hop
  option with action bits 10 draws code 2 pointing at the option (RFC 8200
  4.2), action 01 is dropped silently; a Routing header with segments left
  draws code 0 pointing at its Routing Type (RFC 8200 4.4, RFC 5095).
- Silently: TCP SYN to lan0's address, an ICMP timestamp request and an echo
  reply to it, a TTL-1 TCP segment to it (local, so no time exceeded), TCP
  to lan0's link-local IPv6 address.
On XDP the kernel gets them all (and answers as Linux does)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)
L4 = [IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=1) / TCP(sport=40000, dport=22, flags='S', seq=1,
                                                       window=1024),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=2) / UDP(sport=40001, dport=9) / Raw(b'udp'),
      IP(src=H1_V4, dst=WAN['v4'], ttl=64, id=3) / UDP(sport=40002, dport=9) / Raw(b'udp'),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=4) / ICMP(type=13, code=0, id=1, seq=1, ts_ori=0,
                                                        ts_rx=0, ts_tx=0),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=5) / ICMP(type=0, code=0, id=1, seq=1) / Raw(b'x'),
      IP(src=H1_V4, dst=LAN['v4'], ttl=1, id=6) / TCP(sport=40003, dport=179, flags='S', seq=1,
                                                      window=1024)]
L6 = [IPv6(src=H1_V6, dst=LAN['v6'], hlim=64, tc=0, fl=0) / UDP(sport=40004, dport=9)
      / Raw(b'udp6'),
      IPv6(src=H1_LL, dst=eui64_link_local(LAN['mac']), hlim=64, tc=0, fl=0)
      / TCP(sport=40005, dport=22, flags='S', seq=1, window=1024)]
pk = [at(l2(H1_MAC, LAN['mac']) / p, 1.0 + i / 10) for i, p in enumerate(L4)]
pk += [at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd) / p, 2.0 + i / 10) for i, p in enumerate(L6)]
bad_udp = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=7)
             / UDP(sport=40006, dport=9, chksum=0x1234) / Raw(b'bad sum'), 3.0)
zero_udp = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=8)
              / UDP(sport=40007, dport=9, chksum=0) / Raw(b'no checksum'), 3.1)


def v6(t, *layers):
    p = l2(H1_MAC, LAN['mac'], ethertype=0x86dd) / IPv6(src=H1_V6, dst=LAN['v6'], hlim=64, tc=0,
                                                         fl=0)
    for x in layers:
        p = p / x
    return at(Ether(bytes(p)), t)


unknown = v6(3.2, Raw(b'\0' * 16))
unknown = at(Ether(bytes(unknown)[:20] + bytes([253]) + bytes(unknown)[21:]), 3.2)
dst_unknown = v6(3.3, IPv6ExtHdrDestOpt(nh=253, len=0, autopad=0,
                                        options=[PadN(otype=1, optlen=4, optdata=b'\0' * 4)]),
                 Raw(b'\0' * 16))
opt10 = v6(3.4, IPv6ExtHdrHopByHop(len=0, autopad=0, options=[
    HBHOptUnknown(otype=0x9e, optlen=4, optdata=b'\0' * 4)]),
    ICMPv6EchoRequest(id=0x55, seq=1, data=b'behind an option to refuse'))
opt01 = v6(3.5, IPv6ExtHdrHopByHop(len=0, autopad=0, options=[
    HBHOptUnknown(otype=0x5e, optlen=4, optdata=b'\0' * 4)]),
    ICMPv6EchoRequest(id=0x55, seq=2, data=b'behind an option to skip silently'))
routed = v6(3.6, IPv6ExtHdrRouting(type=0, segleft=1, addresses=['fd00:1::20']),
            ICMPv6EchoRequest(id=0x55, seq=3, data=b'source routed'))
assert bytes(unknown)[20] == 253 and bytes(dst_unknown)[54] == 253
assert bytes(opt10)[14 + 42] == 0x9e and bytes(routed)[14 + 42] == 0
extra = [bad_udp, zero_udp, unknown, dst_unknown, opt10, opt01, routed]
c.rx(LAN, *pk, *extra)
c.tx(LAN, icmp4_error(pk[1], LAN, 3, 3), icmp4_error(pk[2], LAN, 3, 3),
     icmp6_error(pk[6], LAN, 1, 4), icmp4_error(zero_udp, LAN, 3, 3),
     icmp6_error(unknown, LAN, 4, 1, rest=6), icmp6_error(dst_unknown, LAN, 4, 1, rest=40),
     icmp6_error(opt10, LAN, 4, 2, rest=42), icmp6_error(routed, LAN, 4, 0, rest=42))
n = len(pk) + len(extra)
c.write({'rx': n, 'forwarded': 0, 'local': 0, 'dropped': n},
        {'local-unhandled': n - 1, 'bad-l4-header': 1}, extra={'events': {'icmp-errors-sent': 8}})
