#!/usr/bin/python3
"""NAT44 TCP established idle timeout, default 7440 s. After a handshake (SYN
seen both ways) the session is established: an inbound ACK 7000 s after the
last packet is still translated (far beyond the 240 s transitory timeout);
on a second connection, an inbound ACK 7441 s after the last packet is
nat-no-session. A session created by a non-SYN packet (an ACK of a
connection picked up mid-stream) counts as established: an inbound ACK
7000 s later is translated."""
EXTRA = []
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
    c.write({'rx': n_fwd + n_drop, 'forwarded': n_fwd, 'local': 0, 'dropped': n_drop},
            {'nat-no-session': n_drop} if n_drop else {})


def handshake(port, t):
    ev(t, 'o', port, 'S')
    ev(t + 0.1, 'i', port, 'SA')
    ev(t + 0.2, 'o', port, 'A')

handshake(42000, 1.0)                     # last packet at 1.2
ev(7001.2, 'i', 42000, 'A')               # 7000 s idle: translated
handshake(42001, 1.3)                     # last packet at 1.5
ev(7442.5, 'i', 42001, 'A', fwd=False)    # 7441 s idle: gone
ev(1.6, 'o', 42002, 'A')                  # picked up mid-stream: no SYN seen
ev(7001.6, 'i', 42002, 'A')               # counts as established: translated
emit()
