#!/usr/bin/python3
"""IPv6 hop limit expiry: hop limit 1 and 0 are dropped as ttl-exceeded and
answered with ICMPv6 time exceeded (type 3 code 0), hop limit 64, from the
ingress interface's first global address; a 1500-byte packet's quote is cut so
the error is 1280 bytes."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add ::/0 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)

p1 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=1, tc=0, fl=0)
        / UDP(sport=33434, dport=33435) / Raw(b'probe'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=0, tc=0xb8, fl=0x54321)
        / TCP(sport=40000, dport=80, flags='S', seq=42, window=512), 1.1)
p3 = at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
        / IPv6(src=H1_V6, dst=REMOTE_V6, hlim=1, tc=0, fl=0)
        / UDP(sport=33436, dport=33437) / Raw(bytes(range(256)) * 5 + bytes(172)), 1.2)
assert len(p3) == 14 + 1500
c.rx(LAN, p1, p2, p3)
errs = [icmp6_error(p, LAN, 3, 0) for p in (p1, p2, p3)]
assert len(errs[2]) == 14 + 1280
c.tx(LAN, *errs)
c.write({'rx': 3, 'forwarded': 0, 'local': 0, 'dropped': 3}, {'ttl-exceeded': 3})
