#!/usr/bin/python3
"""TCP MSS clamp (`tcp mss-clamp 1452 dev wan0`) when the MSS option is not
16-bit aligned in the TCP header (a single NOP before it, so the MSS value
straddles two checksum words): the value becomes 1452 and the TCP checksum
is still right (equal to a full recompute), on H1's SYN out and on the
server's SYN-ACK in. The update is incremental (RFC 1624) as every NAT
rewrite: a SYN whose TCP checksum is wrong leaves with it still wrong by the
same amount, not recomputed into a right one."""
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
OPTS = [('NOP', None), ('MSS', 1460), ('NOP', None), ('NOP', None), ('NOP', None)]
s1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1, flags='DF')
        / TCP(sport=42100, dport=443, flags='S', seq=1000, window=64240, options=OPTS), 1.0)
a1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=55, id=2, flags='DF')
        / TCP(sport=443, dport=42100, flags='SA', seq=9000, ack=1001, window=65160,
              options=OPTS), 1.1)
assert bytes(s1)[14 + 20 + 20:14 + 20 + 22] == b'\x01\x02'   # NOP, then MSS kind at odd offset
w1 = nat_forward(s1, WAN, GW_MAC, src=POOL, sport=42100, mss=1452)
l1 = nat_forward(a1, LAN, H1_MAC, dst=H1_V4, dport=42100, mss=1452)
assert w1[TCP].options[1] == ('MSS', 1452) and l1[TCP].options[1] == ('MSS', 1452)
# a wrong TCP checksum: updated, not repaired
s2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=3, flags='DF')
        / TCP(sport=42101, dport=443, flags='S', seq=2000, window=64240, options=OPTS,
              chksum=0x1234), 1.2)
w2 = nat_forward(s2, WAN, GW_MAC, src=POOL, sport=42101, mss=1452, check_full=False)
assert w2[TCP].options[1] == ('MSS', 1452)
assert w2[TCP].chksum != l4_csum_full(ip_packet(w2))   # still wrong
c.rx(LAN, s1, s2)
c.rx(WAN, a1)
c.tx(WAN, w1, w2)
c.tx(LAN, l1)
c.write({'rx': 3, 'forwarded': 3, 'local': 0, 'dropped': 0})
