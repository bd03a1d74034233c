#!/usr/bin/python3
"""scripts/samples/cgnat.conf, replayed: subscribers behind the access
router get pool addresses round-robin in pool order (paired pooling: the
same address for all of a subscriber's sessions), source ports kept;
replies come back to the right subscriber; an unsolicited packet to a pool
address is dropped; one subscriber reaching `nat limit sessions-per-host`
has its next new session dropped (nat-session-limit) while its existing
sessions and other subscribers carry on. Expected frames are built here
from the rules in README ("NAT44 behaviour").
Usage: sample_cgnat.py SLUICE_DP CONF"""
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from samplelib import Checker, conf_lines, at, replay, routed, arp_request, arp_reply, describe  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw  # noqa: E402

dp, conf = sys.argv[1], sys.argv[2]
c = Checker('cgnat')

ifs, pools, routes, limit, smax = {}, [], {}, None, None
for w in conf_lines(conf):
    if w[0] == 'interface':
        kv = dict(zip(w[2::2], w[3::2]))
        ifs[w[1]] = dict(mac=kv.get('mac'), ip=kv['address'].split('/')[0], role=kv.get('role'))
    elif w[:3] == ['nat', 'pool', 'add']:
        pools.append((w[3], w[5] if len(w) > 5 else '1024-65535'))
    elif w[:2] == ['route', 'add']:
        routes[w[2]] = w[4]
    elif w[:3] == ['nat', 'limit', 'sessions-per-host']:
        limit = int(w[3])
    elif w[:3] == ['nat', 'sessions', 'max']:
        smax = int(w[3])
inside = [n for n, i in ifs.items() if i['role'] == 'inside']
outside = [n for n, i in ifs.items() if i['role'] == 'outside']
c.check(len(inside) == 1 and len(outside) == 1, 'sample: one inside, one outside interface')
c.check(len(pools) == 1 and pools[0][0].endswith('/28'), 'sample: one /28 pool', str(pools))
c.check(limit is not None and 0 < limit <= 10000, 'sample: nat limit sessions-per-host', str(limit))
c.check(smax is not None and smax >= 100 * (limit or 0), 'sample: nat sessions max (room for 100 subscribers at the limit)',
        str(smax))
c.check(all(i['mac'] for i in ifs.values()), 'sample: every interface has a mac (replay needs it)')
SUB, UP = ifs[inside[0]], ifs[outside[0]]
sub_name, up_name = inside[0], outside[0]
pool = list(ipaddress.ip_network(pools[0][0]))
lo, hi = (int(x) for x in pools[0][1].split('-'))
ACCESS = routes['100.64.0.0/10']
UPSTREAM = routes['0.0.0.0/0']
ACC_MAC, UP_MAC = '02:00:00:00:03:fe', '02:00:00:00:04:fe'
A, B, C = '100.65.0.10', '100.65.0.11', '100.66.1.5'
DNS = '192.0.2.53'


def up(src, sport, dst, dport, t, payload=b'', ident=0):
    return at(Ether(src=ACC_MAC, dst=SUB['mac']) / IP(src=src, dst=dst, ttl=63, id=ident)
              / UDP(sport=sport, dport=dport) / Raw(payload), t)


def down(src, sport, dst, dport, t, payload=b'', ident=0):
    return at(Ether(src=UP_MAC, dst=UP['mac']) / IP(src=src, dst=dst, ttl=58, id=ident)
              / UDP(sport=sport, dport=dport) / Raw(payload), t)


sub_in, up_in = [], []
exp_up, exp_sub = [], []
# the access router resolves the gateway (the gateway learns it)
sub_in.append(at(arp_request(ACC_MAC, ACCESS, SUB['ip']), 1.0))
exp_sub.append(bytes(arp_reply(SUB['mac'], SUB['ip'], ACC_MAC, ACCESS)))
# three subscribers' first sessions: A's waits for the upstream's ARP reply
qa, qb, qc = (up(h, 33000 + i, DNS, 53, 1.1 + i / 10, b'query %d' % i, ident=i) for i, h in enumerate((A, B, C)))
sub_in += [qa, qb, qc]
up_in.append(at(arp_reply(UP_MAC, UPSTREAM, UP['mac'], UP['ip']), 1.15))
exp_up.append(bytes(arp_request(UP['mac'], UP['ip'], UPSTREAM)))
addr = {A: str(pool[0]), B: str(pool[1]), C: str(pool[2])}  # round-robin, pool order
for q, h in ((qa, A), (qb, B), (qc, C)):
    exp_up.append(routed(q, UP['mac'], UP_MAC, src=addr[h]))       # port kept (in range, free)
# replies: to B's and C's mappings
rb = down(DNS, 53, addr[B], 33001, 1.5, b'answer B', ident=50)
rc = down(DNS, 53, addr[C], 33002, 1.6, b'answer C', ident=51)
up_in += [rb, rc]
exp_sub.append(routed(rb, SUB['mac'], ACC_MAC, dst=B))
exp_sub.append(routed(rc, SUB['mac'], ACC_MAC, dst=C))
# unsolicited: to A's address on a port nobody uses, and to an unused pool address
up_in.append(down('198.51.100.200', 4444, addr[A], 9999, 1.7, ident=52))
up_in.append(down('198.51.100.200', 4444, str(pool[9]), 33000, 1.71, ident=53))
# A opens sessions up to its limit (it has 1): all translated to A's address
t = 2.0
for i in range(limit - 1):
    t += 0.0001
    p = up(A, 20000 + i, '192.0.2.%d' % (100 + i % 100), 443, t, ident=1000 + i)
    sub_in.append(p)
    exp_up.append(routed(p, UP['mac'], UP_MAC, src=addr[A]))
# one more new session of A: over the limit, dropped
over = up(A, 20000 + limit, DNS, 53, t + 0.01, b'one too many', ident=9000)
sub_in.append(over)
# A's existing session still works, and B can still open a new one
again = up(A, 33000, DNS, 53, t + 0.02, b'query 0 again', ident=9001)
bnew = up(B, 40000, DNS, 53, t + 0.03, b'B new', ident=9002)
sub_in += [again, bnew]
exp_up.append(routed(again, UP['mac'], UP_MAC, src=addr[A]))
exp_up.append(routed(bnew, UP['mac'], UP_MAC, src=addr[B]))

outs, st = replay(dp, conf, {sub_name: sub_in, up_name: up_in})
got = {k: [b for _, b in v] for k, v in outs.items()}
for name, exp in ((up_name, exp_up), (sub_name, exp_sub)):
    g = got.get(name, [])
    bad = [i for i, (a, b) in enumerate(zip(g, exp)) if a != b]
    c.check(g == exp, f'{name}: {len(exp)} frames exactly as expected',
            f'got {len(g)}' + ''.join(f'\n  frame {i}: got {describe([g[i]])} {g[i].hex()}\n'
                                      f'           exp {describe([exp[i]])} {exp[i].hex()}' for i in bad[:3]))
c.check(len(set(Ether(b)[IP].src for b in got.get(up_name, [])[1:])) == 3,
        'paired pooling: three subscribers, three addresses, whatever the number of sessions')
p = st['packets']
n_fwd = len(exp_up) - 1 + len(exp_sub) - 1
c.check((p['rx'], p['forwarded'], p['local'], p['dropped']) == (len(sub_in) + len(up_in), n_fwd, 2, 3),
        f'counters: all received, {n_fwd} forwarded, 2 local (ARP), 3 dropped', str(p))
drops = {k: v for k, v in st['drops'].items() if v}
c.check(drops == {'nat-no-session': 2, 'nat-session-limit': 1},
        'drops: 2 nat-no-session (unsolicited), 1 nat-session-limit (over the per-host limit)', str(drops))
c.done()
