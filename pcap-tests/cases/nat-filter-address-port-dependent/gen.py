#!/usr/bin/python3
"""NAT44 address-and-port-dependent filtering, the default (no `nat
filtering` line): after H1:40000 sent to R1:3478 (mapping pool:40000), only
packets from R1:3478 itself reach H1:40000; the same address with another
port, another address, and a port with no mapping are all nat-no-session,
silently (nothing is sent back)."""
MODE_LINES = []
MODE = 2
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
R3_V4 = '198.51.100.9'
c = Case(__file__, nat_config(['nat pool add %s/32 ports 1024-65535' % POOL] + MODE_LINES,
                              header=__doc__), __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=3478) / Raw(b'binding request'), 1.0)


def inb(src, sport, dport, t, data):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=src, dst=POOL, ttl=60, id=int(t * 10))
              / UDP(sport=sport, dport=dport) / Raw(data), t)


tests = [
    # (packet, accepted in EIF, ADF, APDF)
    (inb(REMOTE_V4, 3478, 40000, 1.1, b'from the known remote'), True, True, True),
    (inb(REMOTE_V4, 3479, 40000, 1.2, b'known address, other port'), True, True, False),
    (inb(REMOTE2_V4, 3478, 40000, 1.3, b'unknown address'), True, False, False),
    (inb(R3_V4, 9999, 40001, 1.4, b'port with no mapping'), False, False, False),
]
c.rx(LAN, o1)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000))
for p, *modes in tests:
    c.rx(WAN, p)
    if modes[MODE]:
        c.tx(LAN, nat_forward(p, LAN, H1_MAC, dst=H1_V4, dport=40000))
# H1 answers every new remote that reached it, through the same mapping
t = 2.0
for p, *modes in tests:
    if modes[MODE] and (p[IP].src, p[UDP].sport) != (REMOTE_V4, 3478):
        a = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=p[IP].src, ttl=64, id=int(t * 10))
               / UDP(sport=40000, dport=p[UDP].sport) / Raw(b'answer'), t)
        c.rx(LAN, a)
        c.tx(WAN, nat_forward(a, WAN, GW_MAC, src=POOL, sport=40000))
        t += 0.1
n = sum(len(v) for v in c.inputs.values())
fwd = sum(len(v) for v in c.outputs.values())
c.write({'rx': n, 'forwarded': fwd, 'local': 0, 'dropped': n - fwd},
        {'nat-no-session': n - fwd})
