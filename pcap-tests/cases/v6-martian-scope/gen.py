#!/usr/bin/python3
"""IPv6 martians and scope: source ::1, :: or multicast and destination ::1
or :: are martian-address, and so is an IPv4-mapped address ::ffff:0:0/96
as source or destination (RFC 4291 2.5.5.2: never on the wire; Linux drops
such sources too); a link-local source or destination that is not
the gateway's own is link-local-not-forwarded; a multicast destination
(ff0e::1, not ND) is ip-multicast. No ICMPv6 is sent for any of them."""
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
H1_LL = eui64_link_local(H1_MAC)
rows = [('::1', REMOTE_V6, 'martian-address'), ('::', REMOTE_V6, 'martian-address'),
        ('ff02::1', REMOTE_V6, 'martian-address'), (H1_V6, '::1', 'martian-address'),
        (H1_V6, '::', 'martian-address'),
        ('::ffff:192.168.1.10', REMOTE_V6, 'martian-address'),
        (H1_V6, '::ffff:198.51.100.7', 'martian-address'),
        (H1_LL, REMOTE_V6, 'link-local-not-forwarded'),
        (H1_V6, 'fe80::99', 'link-local-not-forwarded'),
        (H1_V6, 'ff0e::1', 'ip-multicast')]
pk = []
drops = {}
for i, (s, d, why) in enumerate(rows):
    pk.append(at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
                 / IPv6(src=s, dst=d, hlim=64, tc=0, fl=0)
                 / UDP(sport=40000 + i, dport=9) / Raw(b'v6 martian %d' % i), 1.0 + i / 10))
    drops[why] = drops.get(why, 0) + 1
c.rx(LAN, *pk)
c.write({'rx': len(pk), 'forwarded': 0, 'local': 0, 'dropped': len(pk)}, drops)
