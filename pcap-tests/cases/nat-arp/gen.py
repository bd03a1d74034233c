#!/usr/bin/python3
"""NAT44 and ARP: the gateway answers ARP on wan0 for a pool address in
wan0's subnet (sender = wan0's MAC and the pool address) but not for another
address of the subnet (arp-ignored). A translated reply for H1, whose MAC is
not known (no static neighbour; H1's own outbound packet does not teach it),
is held while the gateway ARPs for H1 on lan0, and leaves translated when
H1's ARP reply arrives, stamped with the reply's time."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__,
                 inside_neighbors=False)
c = Case(__file__, cfg, __doc__)

PEER_MAC, PEER_V4 = '02:00:00:00:02:32', '203.0.113.50'
a1 = arp_request_in(PEER_MAC, PEER_V4, POOL, t=1.0)
a2 = arp_request_in(PEER_MAC, PEER_V4, '203.0.113.11', t=1.1)
o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 2.0)
b1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=2)
        / UDP(sport=53, dport=40000) / Raw(b'answer'), 2.1)
h1 = arp_reply_in(H1_MAC, H1_V4, LAN['mac'], LAN['v4'], t=2.2)
c.rx(WAN, a1, a2, b1)
c.rx(LAN, o1, h1)
c.tx(WAN, arp_reply_out(a1, WAN), nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, arp_request_out(LAN, H1_V4, t=2.1),
     nat_forward(b1, LAN, H1_MAC, dst=H1_V4, dport=40000, t=2.2))
assert c.outputs['wan0'][0][ARP].psrc == POOL
c.write({'rx': 5, 'forwarded': 2, 'local': 2, 'dropped': 1}, {'arp-ignored': 1})
