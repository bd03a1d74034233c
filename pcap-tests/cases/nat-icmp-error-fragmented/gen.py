#!/usr/bin/python3
"""NAT44 and a fragmented ICMP error (RFC 5508 with RFC 791 fragments): the
remote host's port unreachable about H1's translated 600-byte UDP datagram
quotes all of it, so the error (656 bytes of IP) arrives in three fragments.
The first fragment holds the embedded IPv4 and UDP headers: it is translated
as an unfragmented error would be (outer destination to H1, embedded source
address and port back to H1:40000, the embedded IPv4 and UDP checksums), and
the ICMP checksum, which covers all three fragments' bytes, is updated
incrementally to the value of the whole translated message. The later
fragments get the first one's outer addresses. TTL - 1 on each."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
c = Case(__file__, cfg, __doc__)
SIZES = [200, 200, None]

q = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=0x1001)
       / UDP(sport=40000, dport=53) / Raw(bytes(range(256)) * 2 + bytes(88)), 1.0)
c.rx(LAN, q)
o = nat_forward(q, WAN, GW_MAC, src=POOL, sport=40000)
c.tx(WAN, o)
quoted = ip_packet(o)  # as the remote host received it (TTL 63)
err = icmp4_error_frame(GW_MAC, WAN['mac'], REMOTE_V4, POOL, 3, 3, quoted, ttl=250,
                        ident=0x5001, t=1.5)
frags_in = ip_fragments(ip_packet(err), SIZES)
assert len(frags_in) == 3 and len(ip_packet(err)) == 656
c.rx(WAN, *[ip_frame(GW_MAC, WAN['mac'], f, 1.5 + i / 100) for i, f in enumerate(frags_in)])
# the whole error as it must leave, then cut at the same places
tq = nat_rewrite_ip(quoted, src=H1_V4, sport=40000)
assert tq == ip_with_ttl(ip_packet(q), 63)
back = icmp4_error_frame(LAN['mac'], H1_MAC, REMOTE_V4, H1_V4, 3, 3, tq, ttl=249,
                         ident=0x5001, t=1.5)
frags_out = ip_fragments(ip_packet(back), SIZES)
c.tx(LAN, *[ip_frame(LAN['mac'], H1_MAC, f, 1.5 + i / 100) for i, f in enumerate(frags_out)])
c.write({'rx': 4, 'forwarded': 4, 'local': 0, 'dropped': 0})
