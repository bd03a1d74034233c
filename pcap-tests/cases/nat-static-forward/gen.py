#!/usr/bin/python3
"""NAT44 static port forward (`nat forward add tcp POOL:8080 to
192.168.1.10:80`): a WAN client's SYN to pool:8080 reaches H1:80 (source
unchanged, TTL - 1, checksums updated); H1's SYN-ACK and data leave wan0
from pool:8080; the whole exchange (handshake, request, response, FINs)
follows the session. A second client gets its own session through the same
forward. A SYN to pool:8081 (no forward, no session) and a UDP packet to
pool:8080 (the forward is TCP only) are nat-no-session."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat forward add tcp %s:8080 to %s:80' % (POOL, H1_V4)], header=__doc__)
c = Case(__file__, cfg, __doc__)


def cin(cl, cport, flags, seq, ack, t, data=b'', dport=8080, opts=None):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=cl, dst=POOL, ttl=50, id=seq % 65536, flags='DF')
              / TCP(sport=cport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535,
                    options=opts or []) / Raw(data), t)


def sout(cl, cport, flags, seq, ack, t, data=b'', opts=None):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=cl, ttl=64, id=seq % 65536, flags='DF')
              / TCP(sport=80, dport=cport, flags=flags, seq=seq, ack=ack, window=65160,
                    options=opts or []) / Raw(data), t)


A, B = 100000, 900000
req = b'GET /index.html HTTP/1.0\r\n\r\n'
resp = b'HTTP/1.0 200 OK\r\n\r\nserved from inside'
pkts = [
    cin(REMOTE_V4, 50000, 'S', A, 0, 1.0, opts=[('MSS', 1460)]),
    sout(REMOTE_V4, 50000, 'SA', B, A + 1, 1.1, opts=[('MSS', 1460)]),
    cin(REMOTE_V4, 50000, 'A', A + 1, B + 1, 1.2),
    cin(REMOTE_V4, 50000, 'PA', A + 1, B + 1, 1.3, req),
    sout(REMOTE_V4, 50000, 'PA', B + 1, A + 1 + len(req), 1.4, resp),
    sout(REMOTE_V4, 50000, 'FA', B + 1 + len(resp), A + 1 + len(req), 1.5),
    cin(REMOTE_V4, 50000, 'FA', A + 1 + len(req), B + 2 + len(resp), 1.6),
    sout(REMOTE_V4, 50000, 'A', B + 2 + len(resp), A + 2 + len(req), 1.7),
    # second client, same forward
    cin(REMOTE2_V4, 51000, 'S', 7, 0, 2.0),
    sout(REMOTE2_V4, 51000, 'SA', 77, 8, 2.1),
]
for p in pkts:
    if p[IP].src == H1_V4:
        c.rx(LAN, p)
        c.tx(WAN, nat_forward(p, WAN, GW_MAC, src=POOL, sport=8080))
    else:
        c.rx(WAN, p)
        c.tx(LAN, nat_forward(p, LAN, H1_MAC, dst=H1_V4, dport=80))
c.rx(WAN, cin(REMOTE_V4, 50001, 'S', 5, 0, 3.0, dport=8081))
c.rx(WAN, at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=50, id=1)
             / UDP(sport=50002, dport=8080) / Raw(b'udp to a tcp forward'), 3.1))
c.write({'rx': 12, 'forwarded': 10, 'local': 0, 'dropped': 2}, {'nat-no-session': 2})
