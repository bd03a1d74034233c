#!/usr/bin/python3
"""NAT44 inbound ICMP errors about translated packets (RFC 5508): errors
sent by a router on the path and by the remote host to the pool address are
translated back to H1: outer destination, the embedded packet's source
address and port (or echo identifier), the embedded IPv4 checksum, the
embedded UDP checksum (also when the quote is cut inside the payload: the
update is incremental; a zero UDP checksum stays zero) and the ICMP checksum;
TTL - 1; everything else (outer source, id, TOS, type/code, next-hop MTU,
embedded TTL and destination) unchanged. Cases: time exceeded about a UDP
probe (full quote), port unreachable about a UDP datagram with checksum 0,
fragmentation needed (MTU 1400) quoting a TCP SYN's IP header + 8 bytes
(ports translated, the TCP checksum is not in the quote), time exceeded
about an echo request (identifier kept), and time exceeded quoting a UDP
datagram cut after 28 bytes."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(l4, t, ipid, dst=REMOTE_V4, flags=0):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=dst, ttl=64, id=ipid, flags=flags)
              / l4, t)


# (outbound packet, translation kw, error type, code, rest, quoted TTL, quote length or None,
#  error source)
probes = [
    (out(UDP(sport=40000, dport=33434) / Raw(b'traceroute probe 1'), 1.0, 0x101),
     dict(sport=40000), 11, 0, 0, 1, None, ROUTER_V4),
    (out(UDP(sport=40002, dport=33435, chksum=0) / Raw(b'no checksum here'), 2.0, 0x102),
     dict(sport=40002), 3, 3, 0, 52, None, REMOTE_V4),
    (out(TCP(sport=40003, dport=80, flags='S', seq=77, window=64240,
             options=[('MSS', 1460), ('NOP', None), ('NOP', None), ('SAckOK', b'')])
         / Raw(bytes(range(200))), 3.0, 0x103, flags='DF'),
     dict(sport=40003), 3, 4, 1400, 60, 28, ROUTER_V4),
    (out(ICMP(type=8, code=0, id=0x2222, seq=1) / Raw(b'ping probe'), 4.0, 0x104),
     dict(ident=0x2222), 11, 0, 0, 1, None, ROUTER_V4),
    (out(UDP(sport=40004, dport=33436) / Raw(b'0123456789' * 10), 5.0, 0x105),
     dict(sport=40004), 11, 0, 0, 1, 28 + 20, ROUTER_V4),
]
for i, (p, kw, typ, code, rest, qttl, qlen, esrc) in enumerate(probes):
    c.rx(LAN, p)
    o = nat_forward(p, WAN, GW_MAC, src=POOL, **kw)
    c.tx(WAN, o)
    # what the router / remote host quotes: the packet as it received it
    quoted = ip_with_ttl(ip_packet(o), qttl)
    if qlen:
        quoted = quoted[:qlen]
    err = icmp4_error_frame(GW_MAC, WAN['mac'], esrc, POOL, typ, code, quoted, rest=rest,
                            ttl=250, ident=0x5000 + i, tos=0xc0, t=p.time + 0.5)
    c.rx(WAN, err)
    # translated back: embedded source = H1 and its port/identifier
    back_kw = dict(src=H1_V4)
    back_kw.update(kw)
    tq = nat_rewrite_ip(quoted, **back_kw)
    if qlen is None:  # a complete quote translates back to what H1 sent (TTL apart)
        assert tq == ip_with_ttl(ip_packet(p), qttl)
    c.tx(LAN, icmp4_error_frame(LAN['mac'], H1_MAC, esrc, H1_V4, typ, code, tq, rest=rest,
                                ttl=249, ident=0x5000 + i, tos=0xc0, t=err.time))
c.write({'rx': 10, 'forwarded': 10, 'local': 0, 'dropped': 0})
