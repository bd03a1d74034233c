#!/usr/bin/python3
"""Traffic, feeder and checker for tests/live/nat_multiworker.sh.

NAT44 with several workers, where the two directions of a session are
received by different workers. The difficulty: in live mode the RX queues are
read concurrently and the clock is real time, so a reply read from a file
could be processed before the outbound packet that creates its session. Here
the RX "files" are FIFOs that this script feeds step by step:

  - every step writes exactly one burst (SL_BURST = 32 packets) into each RX
    queue of one side (lan or wan), alternating lan, wan, lan, wan;
  - a worker polls its queues in order (lan first); net_pcap's rx_burst reads
    at most 32 packets, so after a step the worker has the whole burst,
    processes it, and blocks reading its queue of the *other* side;
  - the next step is written only when every step pipe is drained and every
    worker thread sleeps in pipe_read (so each worker has finished the step).

Flows (R rounds of 64): inside host 192.168.1.10-13, inside port (or ICMP
echo identifier) 20000 + f, distinct and inside the pool's port range, so
port preservation makes the outside tuple known in advance (one pool
address, 203.0.113.2). UDP, TCP and ICMP echo. Per round and flow:
  A (lan) out1: created on lan queue g (group g of the flow)
  B (wan) rep1: on wan queue (g + j) % 2   -> half the flows cross workers
  C (lan) out2: on lan queue 1 - g         -> the other worker, same session
  D (wan) rep2: on wan queue (g + j + 1) % 2
then E (wan): 64 unsolicited packets, all nat-no-session.
With 1 worker the same packets go through one queue per side, in an order
that respects the same causality (32 per step, alternating sides).

Expected output frames are computed from first principles (addresses and
ports rewritten, TTL - 1, MACs of the egress interface and next hop, all
checksums recomputed from scratch).

  nat_mw_traffic.py gen DIR            write DIR/plan.pkl, DIR/lan.pcap, DIR/wan.pcap (replay input)
  nat_mw_traffic.py feed DIR W PID     feed the FIFOs DIR/fifo/{lan,wan}.qN for W workers of PID
  nat_mw_traffic.py check DIR          compare DIR/replay, DIR/live1, DIR/live2 with the expectation
"""
import collections
import errno
import fcntl
import glob
import json
import os
import pickle
import struct
import sys
import termios
import time

from scapy.all import Ether, IP, UDP, TCP, ICMP, Raw, rdpcap

BURST = 32
ROUNDS = 8
LAN_MAC, WAN_MAC = '02:00:00:00:01:01', '02:00:00:00:02:01'
NH_MAC = '02:00:00:00:02:fe'            # 203.0.113.1, the default route's next hop
POOL = '203.0.113.2'
HOSTS = ['192.168.1.%d' % (10 + i) for i in range(4)]
HOST_MACS = ['02:00:00:00:01:%02x' % (0x0a + i) for i in range(4)]
OTHER_REMOTE = '198.51.100.250'         # never talks to anyone from inside

CONFIG = """\
interface lan0 device net_pcap0 address 192.168.1.1/24 mac 02:00:00:00:01:01 role inside
interface wan0 device net_pcap1 address 203.0.113.2/24 mac 02:00:00:00:02:01 role outside
route add 0.0.0.0/0 via 203.0.113.1 dev wan0
neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev wan0
""" + ''.join('neighbor add %s lladdr %s dev lan0\n' % (h, m) for h, m in zip(HOSTS, HOST_MACS)) + """\
nat pool add 203.0.113.2/32 ports 1024-65535
"""


def flow(f):
    """(proto, host index, inside port/ident, remote, remote port)"""
    proto = ('udp', 'tcp', 'icmp')[f % 3]
    return proto, f % 4, 20000 + f, '198.51.100.%d' % (1 + f % 50), {'udp': 53, 'tcp': 443}.get(proto, 0)


def l4(proto, sport, dport, which, f):
    """L4 layer of packet `which` (out1, rep1, out2, rep2) of flow f."""
    if proto == 'udp':
        return UDP(sport=sport, dport=dport) / Raw(b'%s-%05d' % (which.encode(), f))
    if proto == 'tcp':
        flags, seq, ack, data = {
            'out1': ('S', 1000 + f, 0, b''),
            'rep1': ('SA', 5000 + f, 1001 + f, b''),
            'out2': ('A', 1001 + f, 5001 + f, b''),
            'rep2': ('PA', 5001 + f, 1001 + f, b'rep2-%05d' % f),
        }[which]
        return TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=8192) / Raw(data)
    typ = 8 if which.startswith('out') else 0
    seq = 1 if which.endswith('1') else 2
    return ICMP(type=typ, id=sport if typ == 8 else dport, seq=seq) / Raw(b'%s-%05d' % (which.encode(), f))


def packets(f):
    """The four input frames of flow f and their expected translations."""
    proto, h, port, rem, rport = flow(f)
    out, exp = {}, {}
    for which in ('out1', 'out2'):
        ip_id = (f * 4 + (which == 'out2')) & 0xffff
        p = (Ether(src=HOST_MACS[h], dst=LAN_MAC) / IP(src=HOSTS[h], dst=rem, ttl=64, id=ip_id)
             / l4(proto, port, rport, which, f))
        e = (Ether(src=WAN_MAC, dst=NH_MAC) / IP(src=POOL, dst=rem, ttl=63, id=ip_id)
             / l4(proto, port, rport, which, f))
        out[which], exp[which] = bytes(p), bytes(e)
    for which in ('rep1', 'rep2'):
        ip_id = (f * 4 + 2 + (which == 'rep2')) & 0xffff
        p = (Ether(src=NH_MAC, dst=WAN_MAC) / IP(src=rem, dst=POOL, ttl=50, id=ip_id)
             / l4(proto, rport, port, which, f))
        e = (Ether(src=LAN_MAC, dst=HOST_MACS[h]) / IP(src=rem, dst=HOSTS[h], ttl=49, id=ip_id)
             / l4(proto, rport, port, which, f))
        out[which], exp[which] = bytes(p), bytes(e)
    return out, exp


def probes(nflows):
    """64 unsolicited inbound frames, each nat-no-session whatever the order."""
    res = []
    for k in range(2 * BURST):
        f = (k * 7) % nflows
        proto, h, port, rem, rport = flow(f)
        kind = k % 4
        if kind == 0:    # a remote with a session, to a port no mapping uses
            p = IP(src=rem, dst=POOL, ttl=50, id=40000 + k) / UDP(sport=rport or 53, dport=40000 + k)
        elif kind == 1:  # a live mapping, but a remote it never talked to (filtering)
            p = IP(src=OTHER_REMOTE, dst=POOL, ttl=50, id=40000 + k) / TCP(sport=443, dport=port, flags='S')
        elif kind == 2:  # TCP SYN to a port nothing listens on
            p = IP(src=rem, dst=POOL, ttl=50, id=40000 + k) / TCP(sport=50000 + k, dport=9999, flags='S')
        else:            # addressed straight to an inside host
            p = IP(src=rem, dst=HOSTS[h], ttl=50, id=40000 + k) / UDP(sport=53, dport=port)
        res.append(bytes(Ether(src=NH_MAC, dst=WAN_MAC) / p / Raw(b'unsolicited-%02d' % k)))
    return res


def plan():
    """Steps for 1 and 2 workers: lists of (side, {queue: [frames]})."""
    nflows = ROUNDS * 2 * BURST
    pk = {f: packets(f) for f in range(nflows)}
    steps = {1: [], 2: []}
    for r in range(ROUNDS):
        grp = [[r * 2 * BURST + g * BURST + j for j in range(BURST)] for g in (0, 1)]
        # two workers
        a = {g: [pk[f][0]['out1'] for f in grp[g]] for g in (0, 1)}
        b = {0: [], 1: []}
        c = {g: [pk[f][0]['out2'] for f in grp[1 - g]] for g in (0, 1)}
        d = {0: [], 1: []}
        for g in (0, 1):
            for j, f in enumerate(grp[g]):
                b[(g + j) % 2].append(pk[f][0]['rep1'])
                d[(g + j + 1) % 2].append(pk[f][0]['rep2'])
        steps[2] += [('lan', a), ('wan', b), ('lan', c), ('wan', d)]
        # one worker: the same frames, causality kept
        for g in (0, 1):
            steps[1] += [('lan', {0: [pk[f][0]['out1'] for f in grp[g]]}),
                         ('wan', {0: [pk[f][0]['rep1'] for f in grp[g]]})]
        for g in (0, 1):
            steps[1] += [('lan', {0: [pk[f][0]['out2'] for f in grp[g]]}),
                         ('wan', {0: [pk[f][0]['rep2'] for f in grp[g]]})]
    pr = probes(nflows)
    steps[2].append(('wan', {0: pr[0::2], 1: pr[1::2]}))
    steps[1].append(('wan', {0: pr}))
    # which queue each flow's packets were given to (2 workers)
    queues = {}
    for r in range(ROUNDS):
        for g in (0, 1):
            for j in range(BURST):
                f = r * 2 * BURST + g * BURST + j
                queues[f] = {'out1': g, 'rep1': (g + j) % 2, 'out2': 1 - g, 'rep2': (g + j + 1) % 2}
    return {'nflows': nflows, 'packets': pk, 'steps': steps, 'queues': queues, 'probes': pr}


PCAP_HDR = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_records(frames, t0=0.0, dt=0.0):
    out = bytearray()
    for i, fr in enumerate(frames):
        t = t0 + i * dt
        sec = int(t)
        out += struct.pack('<IIII', sec, int(round((t - sec) * 1e6)), len(fr), len(fr)) + fr
    return bytes(out)


def gen(d):
    p = plan()
    with open(os.path.join(d, 'plan.pkl'), 'wb') as fh:
        pickle.dump(p, fh)
    with open(os.path.join(d, 'gw.conf'), 'w') as fh:
        fh.write(CONFIG)
    # replay input: the one-worker order, each step 10 ms after the previous
    side = {'lan': bytearray(PCAP_HDR), 'wan': bytearray(PCAP_HDR)}
    t = 1.0
    for s, qs in p['steps'][1]:
        side[s] += pcap_records(qs[0], t, 0.0001)
        t += 0.01
    for s in side:
        with open(os.path.join(d, s + '.pcap'), 'wb') as fh:
            fh.write(side[s])


# ---------------------------------------------------------------- feeding
def fionread(fd):
    buf = fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0')
    return struct.unpack('i', buf)[0]


def worker_threads(pid):
    res = []
    for task in glob.glob('/proc/%d/task/*' % pid):
        try:
            comm = open(task + '/comm').read().strip()
        except OSError:
            continue
        if comm.startswith(('rte-worker', 'lcore-worker')):
            res.append(task)
    return res


def thread_blocked_on_pipe(task):
    try:
        st = open(task + '/stat').read()
        state = st[st.rindex(')') + 2]
    except (OSError, ValueError):
        return False
    if state != 'S':
        return False
    try:
        wchan = open(task + '/wchan').read().strip()
    except OSError:
        wchan = ''
    # pipe_read (older kernels), anon_pipe_read / fifo_pipe_read (6.14+); an
    # unreadable wchan ('' or '0') leaves the sleeping state as the evidence
    return wchan in ('', '0') or 'pipe' in wchan


def feed(d, nw, pid):
    with open(os.path.join(d, 'plan.pkl'), 'rb') as fh:
        p = pickle.load(fh)
    steps = p['steps'][nw]
    fifo = {(s, q): os.path.join(d, 'fifo', '%s.q%d' % (s, q)) for s in ('lan', 'wan') for q in range(nw)}
    fds = {}
    start = time.time()
    deadline = start + 60
    # net_pcap opens its rx_pcap files while EAL probes the vdevs; open the
    # write ends as the reader appears (non-blocking: ENXIO until then).
    while len(fds) < len(fifo):
        for k, path in fifo.items():
            if k in fds:
                continue
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                continue
            os.write(fd, PCAP_HDR)
            fds[k] = fd
        if len(fds) < len(fifo):
            if not os.path.exists('/proc/%d' % pid) or time.time() > deadline:
                sys.exit('feed: sluice-dp never opened all FIFOs (%s open)' % sorted(fds))
            time.sleep(0.01)
    opened = time.time()
    workers = None
    waits = []
    for i, (side, qs) in enumerate(steps):
        for q, frames in qs.items():
            assert len(frames) == BURST or i == len(steps) - 1, (i, side, q, len(frames))
            data = pcap_records(frames, 1.0 + i)
            assert len(data) < 65536
            os.write(fds[(side, q)], data)
        if i == len(steps) - 1:
            break   # the last step is read after the lan sides reach EOF
        # wait until the step's pipes are drained and every worker sleeps in a
        # pipe read (then it has processed the burst and waits on the other side)
        t0 = time.time()
        stable = 0
        while True:
            if not os.path.exists('/proc/%d' % pid):
                sys.exit('feed: sluice-dp exited during step %d' % i)
            if time.time() - t0 > 30:
                sys.exit('feed: step %d (%s) not consumed within 30 s' % (i, side))
            if workers is None:
                w = worker_threads(pid)
                if len(w) == nw:
                    workers = w
            drained = all(fionread(fds[(side, q)]) == 0 for q in qs)
            if drained and workers is not None and all(thread_blocked_on_pipe(t) for t in workers):
                stable += 1
                if stable >= 3:
                    break
            elif drained and workers is None and time.time() - t0 > 0.3:
                break   # cannot see the worker threads: drained + 0.3 s
            else:
                stable = 0
            time.sleep(0.005)
        waits.append(time.time() - t0)
    for fd in fds.values():
        os.close(fd)
    print('feed: %d workers, %d steps in %.2f s (FIFOs opened after %.2f s), %s, step wait max %.3f s' % (
        nw, len(steps), time.time() - start, opened - start,
        'worker threads watched' if workers else 'worker threads NOT found (timed waits)',
        max(waits) if waits else 0))


# ---------------------------------------------------------------- checking
def frames(paths):
    c = collections.Counter()
    for path in paths:
        for pkt in rdpcap(path):
            c[bytes(pkt)] += 1
    return c


def stats(path):
    txt = open(path).read()
    return json.loads(txt[txt.index('{'):])


def describe(fr):
    try:
        return Ether(fr).summary()
    except Exception:  # noqa: BLE001
        return fr.hex()


def check(d):
    with open(os.path.join(d, 'plan.pkl'), 'rb') as fh:
        p = pickle.load(fh)
    n = p['nflows']
    exp = {'wan0': collections.Counter(), 'lan0': collections.Counter()}
    owner = {}   # expected frame -> (flow, which)
    for f in range(n):
        for which, fr in p['packets'][f][1].items():
            exp['wan0' if which.startswith('out') else 'lan0'][fr] += 1
            owner[fr] = (f, which)
    total_in = 4 * n + len(p['probes'])
    ok = True
    results = []

    def bad(msg):
        nonlocal ok
        ok = False
        print('  ' + msg)

    runs = [('replay', os.path.join(d, 'replay'), os.path.join(d, 'replay.json'))]
    for w in (1, 2):
        runs.append(('live %d worker%s' % (w, 's' if w > 1 else ''), os.path.join(d, 'live%d' % w),
                     os.path.join(d, 'live%d' % w, 'out.json')))
    counters = {}
    for name, odir, js in runs:
        good = True
        print('%s:' % name)
        for iface in ('wan0', 'lan0'):
            got = frames(sorted(glob.glob(os.path.join(odir, iface + '*.pcap'))))
            extra, missing = got - exp[iface], exp[iface] - got
            print('  %s: %d frames out, %d expected; %d unexpected, %d missing' % (
                iface, sum(got.values()), sum(exp[iface].values()), sum(extra.values()), sum(missing.values())))
            if extra or missing:
                good = False
                for fr in list(extra)[:5]:
                    bad('unexpected on %s: %s' % (iface, describe(fr)))
                for fr in list(missing)[:5]:
                    bad('missing on %s: flow %d %s: %s' % ((iface,) + owner[fr] + (describe(fr),)))
        s = stats(js)
        counters[name] = s
        want = {'rx': total_in, 'forwarded': 4 * n, 'local': 0, 'dropped': len(p['probes'])}
        for k, v in want.items():
            if s['packets'][k] != v:
                good = False
                bad('packets.%s = %d, want %d' % (k, s['packets'][k], v))
        nz = {k: v for k, v in s['drops'].items() if v}
        if nz != {'nat-no-session': len(p['probes'])}:
            good = False
            bad('drops %s, want {"nat-no-session": %d}' % (nz, len(p['probes'])))
        print('  packets %s, drops %s' % (s['packets'], nz))
        results.append((name, good))
        ok = ok and good

    # counters: the same in every run
    base = counters['replay']
    for name, s in counters.items():
        for k in ('rx', 'forwarded', 'local', 'dropped'):
            if s['packets'][k] != base['packets'][k]:
                bad('%s: packets.%s %d != replay %d' % (name, k, s['packets'][k], base['packets'][k]))
        for k, v in base['drops'].items():
            if s['drops'].get(k) != v:
                bad('%s: drops.%s %s != replay %d' % (name, k, s['drops'].get(k), v))
        for i in ('lan0', 'wan0'):
            for k in ('rx', 'tx'):
                if s['interfaces'][i][k] != base['interfaces'][i][k]:
                    bad('%s: %s.%s %d != replay %d' % (name, i, k, s['interfaces'][i][k],
                                                      base['interfaces'][i][k]))

    # two workers: which worker (TX queue) handled each packet
    odir = os.path.join(d, 'live2')
    txq = {}
    for iface in ('wan0', 'lan0'):
        for q in (0, 1):
            for fr in frames([os.path.join(odir, '%s.q%d.pcap' % (iface, q))]):
                if fr in owner:
                    txq[owner[fr]] = q
    rxq_worker = {}   # (side, rx queue) -> worker seen
    for f in range(n):
        for which, q in p['queues'][f].items():
            side = 'lan' if which.startswith('out') else 'wan'
            w = txq.get((f, which))
            if w is None:
                continue
            rxq_worker.setdefault((side, q), set()).add(w)
    print('two workers: RX queue -> worker (= TX queue) seen: %s' % (
        ', '.join('%s q%d -> %s' % (s, q, sorted(w)) for (s, q), w in sorted(rxq_worker.items()))))
    if any(len(w) != 1 for w in rxq_worker.values()):
        bad('an RX queue was served by more than one worker')
    cross = {'A/B': 0, 'C/D': 0, 'A/D': 0, 'B/C': 0}
    same_session_workers = 0
    for f in range(n):
        t = {wh: txq.get((f, wh)) for wh in ('out1', 'rep1', 'out2', 'rep2')}
        if None in t.values():
            continue
        cross['A/B'] += t['out1'] != t['rep1']
        cross['C/D'] += t['out2'] != t['rep2']
        cross['A/D'] += t['out1'] != t['rep2']
        cross['B/C'] += t['rep1'] != t['out2']
        same_session_workers += len(set(t.values())) == 2
    print('two workers: flows whose packets were handled by different workers: '
          'out1/rep1 %(A/B)d, out2/rep2 %(C/D)d, out1/rep2 %(A/D)d, rep1/out2 %(B/C)d' % cross
          + ', of %d flows; %d flows used both workers' % (n, same_session_workers))
    if cross['A/B'] == 0 or cross['C/D'] == 0 or same_session_workers != n:
        bad('expected in->out and out->in packets of sessions on different workers '
            '(out1/rep1 > 0, out2/rep2 > 0, every flow on both workers)')
    for name, good in results:
        print('%s %s: every frame translated exactly as expected, counters as expected' % (
            'PASS' if good else 'FAIL', name))
    return ok


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == 'gen':
        gen(d)
    elif cmd == 'feed':
        feed(d, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == 'check':
        sys.exit(0 if check(d) else 1)
    else:
        sys.exit('unknown command %s' % cmd)


if __name__ == '__main__':
    main()
