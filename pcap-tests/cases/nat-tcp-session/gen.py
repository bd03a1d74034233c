#!/usr/bin/python3
"""NAT44 TCP connection: H1's SYN (with options) leaves wan0 from the pool
address and the same port; SYN-ACK, ACK, data in both directions, FIN from
each side and the last ACK are all translated (source out, destination back),
TTL - 1, IPv4 and TCP checksums updated; sequence numbers, options, flags
and payload are unchanged."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)

OPTS = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1000, 0)), ('NOP', None),
        ('WScale', 7)]
S = 0x11111111
R = 0x22222222
t = [1.0]


def out(flags, seq, ack, data=b'', opts=None, ipid=0):
    t[0] += 0.01
    tcp = TCP(sport=41000, dport=80, flags=flags, seq=seq, ack=ack, window=64240,
              options=opts or [])
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=ipid,
                                            flags='DF') / tcp / Raw(data), t[0])


def back(flags, seq, ack, data=b'', opts=None, ipid=0):
    t[0] += 0.01
    tcp = TCP(sport=80, dport=41000, flags=flags, seq=seq, ack=ack, window=65160,
              options=opts or [])
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=55, id=ipid,
                                          flags='DF') / tcp / Raw(data), t[0])


req = b'GET / HTTP/1.1\r\nHost: example\r\n\r\n'
resp = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
seq = [
    out('S', S, 0, opts=OPTS, ipid=1),
    back('SA', R, S + 1, opts=[('MSS', 1400), ('SAckOK', b''), ('WScale', 7)], ipid=0),
    out('A', S + 1, R + 1, ipid=2),
    out('PA', S + 1, R + 1, req, ipid=3),
    back('A', R + 1, S + 1 + len(req), ipid=0),
    back('PA', R + 1, S + 1 + len(req), resp, ipid=0),
    out('A', S + 1 + len(req), R + 1 + len(resp), ipid=4),
    out('FA', S + 1 + len(req), R + 1 + len(resp), ipid=5),
    back('FA', R + 1 + len(resp), S + 2 + len(req), ipid=0),
    out('A', S + 2 + len(req), R + 2 + len(resp), ipid=6),
]
for p in seq:
    if p[IP].src == H1_V4:
        c.rx(LAN, p)
        c.tx(WAN, nat_forward(p, WAN, GW_MAC, src=POOL, sport=41000))
    else:
        c.rx(WAN, p)
        c.tx(LAN, nat_forward(p, LAN, H1_MAC, dst=H1_V4, dport=41000))
c.write({'rx': 10, 'forwarded': 10, 'local': 0, 'dropped': 0})
