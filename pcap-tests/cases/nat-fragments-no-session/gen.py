#!/usr/bin/python3
"""NAT44: fragments of inbound datagrams that match no session never reach
the inside. The first fragment decides for the whole datagram: datagram A's
first fragment (to pool:40000, no session) is nat-no-session, and its later
fragments share that fate (nat-no-session); datagram B's middle fragment
arrives first and is held, then its first fragment is refused and the held
fragment is dropped with it (nat-no-session); datagram C's first fragment
never comes, so its two fragments are nat-fragment-unmatched once 2 s have
passed (a later packet moves the clock). Nothing is sent."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def frags(ipid, dport):
    dg = bytes(IP(src=REMOTE_V4, dst=POOL, ttl=60, id=ipid) / UDP(sport=53, dport=dport)
               / Raw(b'unsolicited and fragmented!' * 3))
    return ip_fragments(dg, [32, 32, None])


a, b, cc = frags(0x7771, 40000), frags(0x7772, 40001), frags(0x7773, 40002)
seq = [a[0], a[1], a[2], b[1], b[0], b[2], cc[1], cc[2]]
c.rx(WAN, *[ip_frame(GW_MAC, WAN['mac'], f, 1.0 + i * 0.1) for i, f in enumerate(seq)])
c.rx(WAN, at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=0x7778)
             / UDP(sport=53, dport=40003) / Raw(b'clock mover'), 5.0))
c.write({'rx': 9, 'forwarded': 0, 'local': 0, 'dropped': 9},
        {'nat-no-session': 7, 'nat-fragment-unmatched': 2})
