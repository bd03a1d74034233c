#!/usr/bin/python3
"""NAT44, inbound packets that need an ICMP error on their way to the inside
(lan0 has MTU 1280; pool 203.0.113.10, and 203.0.113.2, wan0's own address,
as a second pool address; static forwards to H1 on both). The error quotes
the packet as it was received, never the inside address (RFC 5508 in
spirit, README "TTL"): a SYN with DF too big for lan0 that a forward takes
in gets fragmentation needed (MTU 1280) quoting the pool address. TTL at a
pool address that is the gateway's own is judged once the packet is known
to go on inside (to the gateway itself TTL 1 is fine, RFC 1812 4.2.2.9):
TTL 1 and TTL 0 to the forward get time exceeded (they were forwarded with
TTL 0 / a wrapped TTL); TTL 1 to a port without a mapping is nat-no-session.
A live session's TTL-1 packet and its too-big packet get the same errors.
XDP: these errors cannot come from the kernel (it would deliver a packet for
its own address locally, route one for another pool address back out): the
program sends them itself, the same bytes."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
OWN = WAN['v4']
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat pool add %s/32 ports 1024-65535' % OWN,
                  'nat forward add tcp %s:8080 to %s:80' % (POOL, H1_V4),
                  'nat forward add tcp %s:8081 to %s:81' % (OWN, H1_V4)], header=__doc__)
cfg = cfg.replace('role inside', 'role inside mtu 1280')
assert 'mtu 1280' in cfg
c = Case(__file__, cfg, __doc__)
BIG = b'x' * 1400   # 20 + 20 + 1400 = 1440 > 1280


def syn(dst, dport, sport, ttl, t, payload=b'', flags='S', df=True):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=dst, ttl=ttl, id=sport,
                                          flags='DF' if df else 0)
              / TCP(sport=sport, dport=dport, flags=flags, seq=1000, window=8192)
              / Raw(payload), t)


big_new = syn(POOL, 8080, 1001, 64, 1.0, BIG)
ttl1_own = syn(OWN, 8081, 1002, 1, 1.1)
ttl0_own = syn(OWN, 8081, 1003, 0, 1.2)
ok_own = syn(OWN, 8081, 1004, 64, 1.3)
ttl1_live = syn(OWN, 8081, 1004, 1, 1.4, b'data', flags='A')
big_live = syn(OWN, 8081, 1004, 64, 1.5, BIG, flags='A')
ttl1_nomap = syn(OWN, 22, 1005, 1, 1.6)
c.rx(WAN, big_new, ttl1_own, ttl0_own, ok_own, ttl1_live, big_live, ttl1_nomap)
errs = [icmp4_error(big_new, WAN, 3, 4, rest=1280),
        icmp4_error(ttl1_own, WAN, 11, 0),
        icmp4_error(ttl0_own, WAN, 11, 0)]
fwd = nat_forward(ok_own, LAN, H1_MAC, dst=H1_V4, dport=81)
errs2 = [icmp4_error(ttl1_live, WAN, 11, 0), icmp4_error(big_live, WAN, 3, 4, rest=1280)]
c.tx(WAN, *errs, *errs2)
c.tx(LAN, fwd)
for e, p in zip(errs + errs2, (big_new, ttl1_own, ttl0_own, ttl1_live, big_live)):
    q = ip_packet(e)[28:]
    assert q[16:20] == ip_packet(p)[16:20]      # quoted as received: the pool address
    assert q[22:24] == ip_packet(p)[22:24]      # and its port
# XDP: dropped under the same reasons and answered by the program itself
c.not_kernel(big_new, ttl1_own, ttl0_own, ttl1_live, big_live)
c.xdp_sends(*errs, *errs2)
c.write({'rx': 7, 'forwarded': 1, 'local': 0, 'dropped': 6},
        {'mtu-exceeded': 2, 'ttl-exceeded': 3, 'nat-no-session': 1})
