#!/usr/bin/python3
"""NAT44 unsolicited inbound traffic (RFC 5382 REQ-4a): with a pool and no
sessions, UDP, TCP SYN, TCP ACK, TCP RST and an ICMP echo reply to the pool
address are all dropped as nat-no-session, and nothing at all is sent: no
ICMP unreachable, no TCP RST, nothing towards the inside."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def inb(l4, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=50, id=int(t * 10))
              / l4, t)


c.rx(WAN,
     inb(UDP(sport=53, dport=40000) / Raw(b'unsolicited'), 1.0),
     inb(TCP(sport=40000, dport=22, flags='S', seq=1, window=1024), 1.1),
     inb(TCP(sport=40001, dport=443, flags='A', seq=1, ack=1, window=1024), 1.2),
     inb(TCP(sport=40002, dport=80, flags='R', seq=1, window=0), 1.3),
     inb(ICMP(type=0, id=0x4000, seq=1) / Raw(b'pong'), 1.4),
     inb(UDP(sport=500, dport=500) / Raw(b'ike'), 1.5))
c.write({'rx': 6, 'forwarded': 0, 'local': 0, 'dropped': 6}, {'nat-no-session': 6},
        extra={'events': {'icmp-errors-sent': 0}})
