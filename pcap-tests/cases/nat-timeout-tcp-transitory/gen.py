#!/usr/bin/python3
"""NAT44 TCP transitory idle timeout, default 240 s, and the state machine
of RFC 7857 2.2. A session with only an outbound SYN is transitory: a
SYN-ACK 239 s later is translated, one 241 s later (another connection) is
nat-no-session. After a full handshake and FINs both ways, an inbound ACK 239 s
later is translated, 241 s later (another connection) dropped. The same
after an RST from H1: an inbound ACK 239 s later is translated, 241 s later
dropped. One FIN (a half-close) keeps a session established: the other
side's data 300 s later is translated. A segment after an RST other than a
RST undoes it: an ACK 300 s after that is translated. A new SYN on a tuple
closed by FINs both ways starts a new connection: once its handshake is
done, data 300 s later is translated."""
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

ev(1.0, 'o', 41000, 'S')
ev(240.0, 'i', 41000, 'SA')               # 239 s: translated
ev(1.1, 'o', 41001, 'S')
ev(242.1, 'i', 41001, 'SA', fwd=False)    # 241 s: gone
handshake(41002, 300.0)
ev(300.3, 'o', 41002, 'FA')
ev(300.35, 'i', 41002, 'FA')
ev(539.35, 'i', 41002, 'A')               # 239 s after the FINs: translated
handshake(41003, 300.0)
ev(300.4, 'o', 41003, 'FA')
ev(300.45, 'i', 41003, 'FA')
ev(541.45, 'i', 41003, 'A', fwd=False)    # 241 s after the FINs: gone
handshake(41004, 600.0)
ev(600.3, 'o', 41004, 'R')
ev(839.3, 'i', 41004, 'A')                # 239 s after the RST: translated
handshake(41005, 600.0)
ev(600.4, 'o', 41005, 'R')
ev(841.4, 'i', 41005, 'A', fwd=False)     # 241 s after the RST: gone
handshake(41006, 900.0)
ev(900.3, 'o', 41006, 'FA')               # half-close: still established
ev(1200.3, 'i', 41006, 'PA')              # 300 s later: translated
handshake(41007, 900.0)
ev(900.4, 'i', 41007, 'R')
ev(900.5, 'o', 41007, 'A')                # after the RST: established again
ev(1200.5, 'i', 41007, 'A')               # 300 s later: translated
handshake(41008, 900.0)
ev(900.6, 'o', 41008, 'FA')
ev(900.7, 'i', 41008, 'FA')
ev(900.8, 'o', 41008, 'A')
handshake(41008, 910.0)                   # the same tuple again: a new connection
ev(1210.3, 'i', 41008, 'PA')              # 300 s later: translated
emit()
