#!/usr/bin/python3
"""NAT44 limits count live sessions only. With `nat limit sessions-per-host
2`, H1's third session at t=1.2 is nat-session-limit; at t=400 its two
sessions have been idle for more than 300 s (expired), so a new session of
H1 is accepted. With `nat sessions max 16`, the table's other 14 slots are
filled at t=2 (seven more hosts, two sessions each); H3's session at t=3 is
nat-session-limit (table full); at t=400 every session has expired and
H3's new session is accepted."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL,
                  'nat limit sessions-per-host 2', 'nat sessions max 16'], header=__doc__)
c = Case(__file__, cfg, __doc__)


def out(mac, ip, port, t, dport=53):
    return at(l2(mac, LAN['mac']) / IP(src=ip, dst=REMOTE_V4, ttl=64, id=port % 1000)
              / UDP(sport=port, dport=dport) / Raw(b'q%d' % port), t)


ok, dropped = [], []
ok += [out(H1_MAC, H1_V4, 40000, 1.0), out(H1_MAC, H1_V4, 40001, 1.1)]
dropped.append(out(H1_MAC, H1_V4, 40002, 1.2))
# 14 more sessions fill the table: 7 more hosts with 2 sessions each (the
# per-host limit is 2), all with distinct, preserved ports
hosts = [('02:00:00:00:01:%02x' % (0x40 + i), '192.168.1.%d' % (64 + i)) for i in range(7)]
t = 2.0
for mac, ip in hosts:
    for k in range(2):
        ok.append(out(mac, ip, 41000 + len(ok), t))
        t += 0.01
dropped.append(out(H3_MAC, H3_V4, 42000, 3.0))
late = [out(H1_MAC, H1_V4, 40003, 400.0), out(H3_MAC, H3_V4, 42001, 400.1)]
c.config += ''.join('neighbor add %s lladdr %s dev lan0\n' % (ip, mac) for mac, ip in hosts)
c.rx(LAN, *sorted(ok + dropped + late, key=lambda p: p.time))
c.tx(WAN, *[nat_forward(p, WAN, GW_MAC, src=POOL, sport=p[UDP].sport)
            for p in sorted(ok + late, key=lambda p: p.time)])
n = len(ok) + len(dropped) + len(late)
c.write({'rx': n, 'forwarded': len(ok) + len(late), 'local': 0, 'dropped': 2},
        {'nat-session-limit': 2})
