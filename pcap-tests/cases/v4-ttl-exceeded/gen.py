#!/usr/bin/python3
"""IPv4 TTL expiry: TTL 1 and TTL 0 packets that have a route are dropped as
ttl-exceeded and answered with ICMP time exceeded (type 11 code 0) from the
ingress interface's first address to the previous hop's MAC, quoting the
packet as received; a large packet's quote is cut so the error is 576 bytes;
TTL 2 is still forwarded (with TTL 1)."""
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

p1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=1)
        / UDP(sport=33434, dport=33435) / Raw(b'traceroute probe'), 1.0)
p2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=0, id=2, flags='DF')
        / TCP(sport=40000, dport=80, flags='S', seq=42, window=512), 1.1)
p3 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=1, id=3)
        / UDP(sport=33436, dport=33437) / Raw(bytes(range(256)) * 4), 1.2)
p4 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=2, id=4)
        / UDP(sport=33438, dport=33439) / Raw(b'still forwarded'), 1.3)
# from the WAN side too: the error leaves wan0 from wan0's address
p5 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst='192.168.1.77', ttl=1, id=5)
        / ICMP(type=8, code=0, id=9, seq=9) / Raw(b'ping'), 1.4)
cfg += 'neighbor add 192.168.1.77 lladdr 02:00:00:00:01:77 dev lan0\n'
c.config = cfg
c.rx(LAN, p1, p2, p3, p4)
c.rx(WAN, p5)
e1, e2, e3 = (icmp4_error(p, LAN, 11, 0) for p in (p1, p2, p3))
assert len(e3) == 14 + 576
c.tx(LAN, e1, e2, e3)
c.tx(WAN, forward4(p4, WAN, GW_MAC), icmp4_error(p5, WAN, 11, 0))
c.write({'rx': 5, 'forwarded': 1, 'local': 0, 'dropped': 4}, {'ttl-exceeded': 4})
