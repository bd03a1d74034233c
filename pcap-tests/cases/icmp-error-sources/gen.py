#!/usr/bin/python3
"""Details of generated ICMP errors: the quote of a TTL-1 packet with IP
options includes the options as received; a first fragment (MF set, offset
0) does get an error; an interface without an IPv4 address (dmz0, IPv6 only)
sends no ICMP error; an interface without a global IPv6 address (v4only)
sends ICMPv6 errors from its link-local address."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

DMZ6 = dict(DMZ, v4=None)
V4ONLY = dict(name='v4only', mac='02:00:00:00:04:01', v4='192.168.4.1', v4len=24, v6=None,
              vlan=None)
cfg = standard_config(ifaces=(LAN, WAN, DMZ6, V4ONLY), extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=1)
        / UDP(sport=40000, dport=9) / Raw(b'with options'), 1.0)
p1 = with_ip_options(p1, b'\x94\x04\x00\x00\x07\x07\x04\x00\x00\x00\x00\x00')
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=2, flags='MF', frag=0)
        / UDP(sport=40001, dport=9, len=1008, chksum=0) / Raw(bytes(32)), 1.1)
p3 = at(l2('02:00:00:00:03:0a', DMZ['mac']) / IP(src='192.168.2.10', dst=REMOTE_V4, ttl=1, id=3)
        / UDP(sport=40002, dport=9) / Raw(b'no v4 on dmz0'), 1.2)
p4 = at(l2('02:00:00:00:04:0a', V4ONLY['mac'], ethertype=0x86dd)
        / IPv6(src='2001:db8:4::10', dst=REMOTE_V6, hlim=1, tc=0, fl=0)
        / UDP(sport=40003, dport=9) / Raw(b'no global v6 on v4only'), 1.3)
c.rx(LAN, p1, p2)
c.rx(DMZ6, p3)
c.rx(V4ONLY, p4)
c.tx(LAN, icmp4_error(p1, LAN, 11, 0), icmp4_error(p2, LAN, 11, 0))
c.tx(V4ONLY, icmp6_error(p4, V4ONLY, 3, 0, src=eui64_link_local(V4ONLY['mac'])))
c.kernel(p3)  # XDP: TTL expiry goes to the kernel, error or not
c.write({'rx': 4, 'forwarded': 0, 'local': 0, 'dropped': 4}, {'ttl-exceeded': 4})
