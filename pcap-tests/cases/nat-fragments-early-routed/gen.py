#!/usr/bin/python3
"""IPv4 fragments on NAT interfaces whose datagram needs no NAT are routed as
they come, even before their first fragment: only a datagram that may need
translation waits for its first fragment (nat-fragments-out-of-order). With
lan0 and dmz0 role inside, wan0 outside: H1's datagram to a dmz0 host
(inside to inside), last fragment first, leaves dmz0 in arrival order,
untranslated (TTL - 1); a datagram from the Internet to another Internet
address routed back out of wan0 (outside to outside), last fragment first,
leaves wan0 in arrival order, untranslated. A datagram from the Internet
straight to H1's inside address (no pool address: nothing unsolicited gets
in) is dropped as nat-no-session, its early later fragment at once, its
first fragment and the last one after it too. Then H1's datagram to the
Internet, last fragment first, still waits for its first fragment (held,
then sent after it)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
DMZ_H_MAC, DMZ_H_V4 = '02:00:00:00:03:0a', '192.168.2.10'
cfg = nat_config(['nat pool add %s/32 ports 3000-3000' % POOL,
                  'neighbor add %s lladdr %s dev dmz0' % (DMZ_H_V4, DMZ_H_MAC)],
                 header=__doc__, ifaces=(NAT_LAN, NAT_WAN, dict(DMZ, role='inside')))
c = Case(__file__, cfg, __doc__)
DATA = (b'\x13\x88\x00\x35' + b'frag') * 8


def datagram(src, dst, ipid, sport=5000, dport=53):
    return bytes(IP(src=src, dst=dst, ttl=64, id=ipid) / UDP(sport=sport, dport=dport)
                 / Raw(DATA))


def frames(smac, dmac, ip, t0, sizes=(24, None)):
    """The datagram's fragments as frames, last first, 0.1 s apart."""
    frs = ip_fragments(ip, list(sizes))[::-1]
    return [ip_frame(smac, dmac, f, t0 + 0.1 * i) for i, f in enumerate(frs)]


# inside to inside: routed as they come
ii = frames(H1_MAC, LAN['mac'], datagram(H1_V4, DMZ_H_V4, 0x1111), 1.0)
# outside to outside: routed as they come
oo = frames(GW_MAC, WAN['mac'], datagram(REMOTE_V4, REMOTE2_V4, 0x2222), 2.0)
# outside to an inside address: never let in, before and after the first
oi = frames(GW_MAC, WAN['mac'], datagram(REMOTE_V4, H1_V4, 0x3333), 3.0, (16, 8, None))
oi = [oi[0], oi[2], oi[1]]   # last, first, middle
for i, f in enumerate(oi):
    f.time = 3.0 + 0.1 * i
# inside to outside: the first fragment decides
io = frames(H1_MAC, LAN['mac'], datagram(H1_V4, REMOTE_V4, 0x4444), 4.0)
c.rx(LAN, *ii, *io)
c.rx(WAN, *oo, *oi)
c.tx(DMZ, *[forward4(f, DMZ, DMZ_H_MAC) for f in ii])
eo = [nat_forward(io[1], WAN, GW_MAC, src=POOL, sport=3000),
      nat_forward(io[0], WAN, GW_MAC, t=io[1].time, src=POOL, sport=3000)]
c.tx(WAN, *[forward4(f, WAN, GW_MAC) for f in oo], *eo)
c.write({'rx': 9, 'forwarded': 6, 'local': 0, 'dropped': 3}, {'nat-no-session': 3})
