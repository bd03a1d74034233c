#!/usr/bin/python3
"""NAT44 and a failed ARP resolution: replies for H1 (whose MAC is not
known) arrive translated at t=2.0, 3.05 and 4.1 and are held while the
gateway ARPs for H1 on lan0 (a request at each of those times, at least 1 s
apart). H1 never answers: when the 5.2 reply arrives the three held replies
are dropped as no-neighbour, with no ICMP error: an error about a translated
packet would quote the inside address to the remote peer (it is only
dropped). The 5.2 reply starts a new resolution and is still held when the
replay ends (no-neighbour, no ICMP either)."""
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

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=53) / Raw(b'query'), 1.0)


def reply(t, i):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=10 + i)
              / UDP(sport=53, dport=40000) / Raw(b'answer %d' % i), t)


b = [reply(t, i) for i, t in enumerate((2.0, 3.05, 4.1, 5.2))]
c.rx(LAN, o1)
c.rx(WAN, *b)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, *[arp_request_out(LAN, H1_V4, t=t) for t in (2.0, 3.05, 4.1, 5.2)])
c.kernel(*b)  # XDP: unresolved neighbour, passed to the kernel
c.write({'rx': 5, 'forwarded': 1, 'local': 0, 'dropped': 4}, {'no-neighbour': 4})
