#!/usr/bin/python3
"""TCP MSS clamping with NAT (`tcp mss-clamp 1452 dev wan0`): H1's SYN with
MSS 1460 leaves wan0 translated and with MSS 1452 (TCP checksum updated for
both changes); the server's SYN-ACK received on wan0 with MSS 1460 reaches
H1 with MSS 1452; a SYN with MSS 1400 (already below) and a SYN without an
MSS option are unchanged apart from the translation; a non-SYN segment that
carries an MSS option is not touched."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'tcp mss-clamp 1452 dev wan0'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def syn_out(port, opts, t, flags='S', seq=1000, ack=0):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=port % 1000,
                                            flags='DF')
              / TCP(sport=port, dport=443, flags=flags, seq=seq, ack=ack, window=64240,
                    options=opts), t)


def syn_in(port, opts, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=55, id=port % 1000,
                                          flags='DF')
              / TCP(sport=443, dport=port, flags='SA', seq=9000, ack=1001, window=65160,
                    options=opts), t)


LINUX = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (12345, 0)), ('NOP', None),
         ('WScale', 7)]
s1 = syn_out(42000, LINUX, 1.0)
a1 = syn_in(42000, [('MSS', 1460), ('NOP', None), ('NOP', None), ('SAckOK', b''),
                    ('NOP', None), ('WScale', 9)], 1.1)
s2 = syn_out(42001, [('MSS', 1400), ('NOP', None), ('WScale', 2)], 1.2)
s3 = syn_out(42002, [], 1.3)
a3 = syn_in(42002, [('MSS', 1460)], 1.4)
ack3 = syn_out(42002, [('MSS', 1460)], 1.5, flags='A', seq=1001, ack=9001)
c.rx(LAN, s1, s2, s3, ack3)
c.rx(WAN, a1, a3)
c.tx(WAN, nat_forward(s1, WAN, GW_MAC, src=POOL, sport=42000, mss=1452),
     nat_forward(s2, WAN, GW_MAC, src=POOL, sport=42001),
     nat_forward(s3, WAN, GW_MAC, src=POOL, sport=42002),
     nat_forward(ack3, WAN, GW_MAC, src=POOL, sport=42002))
c.tx(LAN, nat_forward(a1, LAN, H1_MAC, dst=H1_V4, dport=42000, mss=1452),
     nat_forward(a3, LAN, H1_MAC, dst=H1_V4, dport=42002, mss=1452))
c.write({'rx': 6, 'forwarded': 6, 'local': 0, 'dropped': 0})
