#!/usr/bin/python3
"""ICMP error rate limit (token bucket per interface, 1000/s, burst 50, full
at start): 55 TTL-1 packets at the same instant get 50 time-exceeded errors;
10 ms later (10 tokens back) 3 more packets get 3 errors. All 58 are counted
as ttl-exceeded; the 5 suppressed errors are icmp-rate-limited (not drops)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
pk = [at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=i)
         / UDP(sport=33434 + i, dport=9) / Raw(b'burst'), 1.0) for i in range(55)]
pk += [at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=100 + i)
          / UDP(sport=34000 + i, dport=9) / Raw(b'later'), 1.01) for i in range(3)]
c.rx(LAN, *pk)
c.tx(LAN, *[icmp4_error(p, LAN, 11, 0) for p in pk[:50] + pk[55:]])
c.kernel(*pk[50:55])  # XDP: the kernel rate-limits its own errors
c.write({'rx': 58, 'forwarded': 0, 'local': 0, 'dropped': 58}, {'ttl-exceeded': 58},
        extra={'events': {'icmp-rate-limited': 5, 'icmp-errors-sent': 53}})
