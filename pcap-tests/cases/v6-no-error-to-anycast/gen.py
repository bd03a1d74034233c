#!/usr/bin/python3
"""No ICMPv6 error goes to a source the gateway knows to be an anycast
address (RFC 4443 2.4 e.3): the Subnet-Router anycast address of one of its
prefixes (RFC 4291 2.6.1), lan0's fd00:1:: or wan0's 2001:db8:ffff::. A
transit packet from either with hop limit 1 is ttl-exceeded, one with no
route is no-route, silently. The same from a unicast host draws the time
exceeded and the unreachable as usual. On XDP the kernel handles them."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 2001:db8:100::/48 via %s dev wan0' % GW_V6,
    'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)


def pkt(src, dst, hlim, t, i):
    return at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd)
              / IPv6(src=src, dst=dst, hlim=hlim, tc=0, fl=0)
              / UDP(sport=40000 + i, dport=9) / Raw(b'anycast source %d' % i), t)


quiet = [pkt('fd00:1::', REMOTE_V6, 1, 1.0, 0), pkt('2001:db8:ffff::', REMOTE_V6, 1, 1.1, 1),
         pkt('fd00:1::', '2001:db8:999::1', 64, 1.2, 2)]
loud = [pkt(H1_V6, REMOTE_V6, 1, 1.3, 3), pkt(H1_V6, '2001:db8:999::1', 64, 1.4, 4)]
c.rx(LAN, *quiet, *loud)
c.kernel(*quiet)
c.tx(LAN, icmp6_error(loud[0], LAN, 3, 0), icmp6_error(loud[1], LAN, 1, 0))
c.write({'rx': 5, 'forwarded': 0, 'local': 0, 'dropped': 5},
        {'ttl-exceeded': 3, 'no-route': 2}, extra={'events': {'icmp-errors-sent': 2}})
