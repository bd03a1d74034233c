#!/usr/bin/python3
"""NAT44 mappings are per protocol, even with endpoint-independent
filtering: H1's UDP mapping pool:40000 accepts UDP from anyone, but a TCP
SYN to pool:40000 and an ICMP echo reply with identifier 40000 find no
mapping and are nat-no-session."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat filtering endpoint-independent'], header=__doc__)
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=3478) / Raw(b'udp mapping'), 1.0)


def inb(l4, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE2_V4, dst=POOL, ttl=60, id=int(t * 10))
              / l4, t)


i1 = inb(TCP(sport=5555, dport=40000, flags='S', seq=1, window=1024), 1.1)
i2 = inb(ICMP(type=0, id=40000, seq=1) / Raw(b'pong'), 1.2)
i3 = inb(UDP(sport=5555, dport=40000) / Raw(b'udp from anyone'), 1.3)
c.rx(LAN, o1)
c.rx(WAN, i1, i2, i3)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
c.tx(LAN, nat_forward(i3, LAN, H1_MAC, dst=H1_V4, dport=40000))
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'nat-no-session': 2})
