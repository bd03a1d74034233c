#!/usr/bin/python3
"""NAT44 timeouts set by configuration (`nat timeout icmp 10`, `nat timeout
tcp-transitory 20`, `nat timeout tcp-established 100`): an echo reply 9 s
after the request is translated, 11 s after (another identifier) dropped; a
SYN-ACK 19 s after the SYN is translated, 21 s after (another connection)
dropped; after a handshake, an inbound ACK 99 s later is translated, 101 s
later (another connection) dropped (nat-no-session)."""
EXTRA = ['nat timeout icmp 10', 'nat timeout tcp-transitory 20',
         'nat timeout tcp-established 100']
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL] + EXTRA, header=__doc__)
c = Case(__file__, cfg, __doc__)
events = []   # (time, direction, port, flags, seq, ack, expect_forwarded)


def ev(t, d, port, flags, fwd=True):
    events.append((t, d, port, flags, fwd))


def emit():
    """Build every packet (sequence numbers follow the flags), feed them in
    time order, and expect the translated copy of those marked forwarded."""
    seqs = {}
    n_fwd = n_drop = 0
    for t, d, port, flags, fwd in sorted(events):
        s = seqs.setdefault(port, {'o': 1000, 'i': 5000})
        mine, theirs = ('o', 'i') if d == 'o' else ('i', 'o')
        ack = s[theirs] if 'A' in flags else 0
        tcp = TCP(sport=port if d == 'o' else 80, dport=80 if d == 'o' else port, flags=flags,
                  seq=s[mine], ack=ack, window=8192)
        s[mine] += 1 if ('S' in flags or 'F' in flags) else 0
        if d == 'o':
            p = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=port % 1000)
                   / tcp, t)
            c.rx(LAN, p)
            if fwd:
                c.tx(WAN, nat_forward(p, WAN, GW_MAC, src=POOL, sport=port))
        else:
            p = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=port % 1000)
                   / tcp, t)
            c.rx(WAN, p)
            if fwd:
                c.tx(LAN, nat_forward(p, LAN, H1_MAC, dst=H1_V4, dport=port))
        if fwd:
            n_fwd += 1
        else:
            n_drop += 1
    return n_fwd, n_drop


def handshake(port, t):
    ev(t, 'o', port, 'S')
    ev(t + 0.1, 'i', port, 'SA')
    ev(t + 0.2, 'o', port, 'A')

ev(1.0, 'o', 43000, 'S')
ev(20.0, 'i', 43000, 'SA')                # 19 s: translated
ev(1.1, 'o', 43001, 'S')
ev(22.1, 'i', 43001, 'SA', fwd=False)     # 21 s: gone
handshake(43002, 30.0)                    # last packet at 30.2
ev(129.2, 'i', 43002, 'A')                # 99 s: translated
handshake(43003, 30.3)                    # last packet at 30.5
ev(131.5, 'i', 43003, 'A', fwd=False)     # 101 s: gone


def req(ident, t):
    return at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=ident % 256)
              / ICMP(type=8, id=ident, seq=1) / Raw(b'ping'), t)


def rep(ident, t):
    return at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=ident % 256)
              / ICMP(type=0, id=ident, seq=1) / Raw(b'ping'), t)


n_fwd, n_drop = emit()
# the echo exchange comes after all TCP packets (emit() fed those in time order)
a1, a2 = req(0x1000, 200.0), req(0x1001, 200.1)
b1, b2 = rep(0x1000, 209.0), rep(0x1001, 211.1)    # 9 s: translated; 11 s: gone
c.rx(LAN, a1, a2)
c.rx(WAN, b1, b2)
c.tx(WAN, nat_forward(a1, WAN, GW_MAC, src=POOL, ident=0x1000),
     nat_forward(a2, WAN, GW_MAC, src=POOL, ident=0x1001))
c.tx(LAN, nat_forward(b1, LAN, H1_MAC, dst=H1_V4, ident=0x1000))
n_fwd, n_drop = n_fwd + 3, n_drop + 1
c.write({'rx': n_fwd + n_drop, 'forwarded': n_fwd, 'local': 0, 'dropped': n_drop},
        {'nat-no-session': n_drop})
