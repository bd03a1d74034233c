#!/usr/bin/python3
"""Randomised differential test: sluice-xdp replay against sluice-dp replay.

    differential.py --sluice-dp PATH --sluice-xdp PATH [--seeds N] [--packets N]
                    [--seed-base B] [--keep DIR] [--exclude CLASS]... [--keep-going]
                    [--no-minimise] [--budget SECONDS] [--timeout SECONDS] [-v]
    differential.py --list-classes

For each seed B, B+1, ... B+N-1 (default 1..12, 400 packets each) the script
makes a NAT gateway config and a random, mostly plausible packet stream, and
checks that both backends do the same with it.

The config: lan0 (inside) and wan0 (outside) with IPv4 and IPv6 addresses,
in some seeds a VLAN inside interface on lan0's wire, a default route via the
upstream router and a route via an inside router, static `neighbor` entries
for every next hop (no ARP/ND resolution), a NAT pool (one address, a /30,
two pools, or the outside interface's own address; the whole port range or a
few ports), static forwards, and by seed the filtering mode, the timeouts,
`nat limit sessions-per-host`, `nat sessions max`, `nat port-block` and
`tcp mss-clamp`.

The stream, on both wires, with increasing timestamps (ties too, and jumps
just short of and past the NAT timeouts, the 2 s fragment memory and the
120 s port cool-down): TCP (SYN/data/FIN/RST in varied orders, options, MSS
aligned or not), UDP (zero and computed checksums) and ICMP echo from
several inside hosts and ports to several outside hosts; replies aimed at
the pool address and the port the inside host most likely got; unsolicited
inbound; the static forwards; hairpinning; ICMP errors about translated
packets from outside and from inside (full and cut quotes, fragmented,
misaddressed, bad checksums); IPv4 fragments in and out of order; TTL 0/1/2;
IPv4 options; IPv6 with extension headers, hop limit 0/1, link-local and
martian addresses; traffic to the gateway; broadcast and multicast; ARP;
VLAN tags; other EtherTypes and protocols; and mutations of all of these
(truncation, wrong total length or IHL, bad IPv4 or L4 checksum, flipped
header bits, padding). `--list-classes` lists the packet classes and the
config features.

The stream goes through `sluice-xdp replay --json --seed S`; the input
packets it passed to the kernel (its JSON "kernel" object) are removed and
the rest goes through `sluice-dp replay --json --seed S` with the same
config. Every interface's output must be identical, packet by packet (bytes,
timestamp and order), and so must the counters: rx, forwarded, local,
dropped, held and every drop reason. The per-interface counters and the
events are not compared (the outputs cover what was sent; XDP reports no
events). What legitimately differs, and only what README documents, is
allowed for (in `expected_dp_counters`): the packets XDP passes to the
kernel (README "What the kernel handles, and how the agent prepares it")
are not given to the DP at all; XDP counts them as "local", so the DP must
have XDP's counters minus them.

The generator never makes two things this method cannot compare (nothing is
excluded from the comparison for them, the packets are simply not made): a
gap of 0 < dt <= 1 ms between two packets (XDP writes a session's last-seen
time at most once per 1 ms, README "The fast path"; ties, dt = 0, are made),
IPv4 packets without DF larger than an egress MTU, and IPv4 packets from
inside to an address on wan0's subnet without a static neighbour (XDP
translates such a packet, then passes it to the kernel to fragment it or to
resolve the next hop: leaving it out of the DP's input would also leave out
the session it made).

On a mismatch the seed and the differences are printed, the stream is
minimised (the shortest failing prefix, then whole packet classes, then
delta debugging: packets are dropped while the same difference, an output
interface or a counter, persists, within --budget seconds) and the minimal
case is written to a directory /tmp/diff-repro-seedS-* (under --keep DIR if
given): config, the inputs, the DP's inputs (without the packets XDP passed
), both outputs and counters, and README.txt with the
two replay commands, a one-line summary and a scapy show() of every input
and output packet, the counters side by side and the differences (all
printed too when the case has at most 40 packets, or with -v). Without
--keep-going the run stops at the first seed that differs.

--exclude CLASS leaves a packet class or a config feature out of every
stream, to look past a known discrepancy; the rest of the stream is the
same.

Exit status: 0 when every seed matched, 1 otherwise, 77 (meson "skip") when
the XDP program cannot be loaded for want of privileges (not root; as root a
program the verifier refuses fails).
"""

import argparse
import ipaddress
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, 'lib'))
from casegen import csum, mac_bytes as mac_b  # noqa: E402
from corpus import xdp_unavailable  # noqa: E402
from run import dissect, parse_json_stdout, read_packets, summary_line  # noqa: E402

from scapy.all import (ICMP, IP, TCP, UDP, ICMPv6EchoRequest, IPv6,  # noqa: E402
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, PadN, Raw, conf)

conf.verb = 0

CLASSES = {
    'tcp': 'outbound TCP flows and their replies (SYN/data/FIN/RST in varied orders, options)',
    'udp': 'outbound UDP flows (zero and non-zero checksums) and their replies',
    'echo': 'ICMP echo requests out and replies back',
    'forward': 'traffic to the static forwards and the inside servers\' replies',
    'unsolicited': 'inbound packets matching no session: other remotes, other ports, direct',
    'hairpin': 'inside hosts to pool addresses (mappings and forwards)',
    'icmp-err-in': 'ICMP errors from outside quoting translated packets (and misaddressed)',
    'icmp-err-out': 'ICMP errors from inside quoting packets received from outside',
    'frag': 'IPv4 fragments of NAT flows, in order',
    'frag-ooo': 'IPv4 fragments of NAT flows out of order, or the first one missing',
    'frag-dup': 'IPv4 fragments of NAT flows with one fragment sent twice (the first too)',
    'ttl': 'TTL 0, 1 or 2 on any kind of packet',
    'ip-options': 'IPv4 options (NOP, RR, TS, RA, LSRR, malformed)',
    'ipv6': 'IPv6 routed both ways, hop limit 0/1/2',
    'ipv6-ext': 'IPv6 with extension headers (HBH, DestOpts, Routing, Fragment)',
    'local': 'traffic to the gateway\'s own addresses',
    'spoofed-pool': 'from outside with a pool address as source (replies to hairpin flows)',
    'bcast': 'broadcast and multicast, IPv4 and IPv6, L2 and L3',
    'arp': 'ARP requests and replies',
    'vlan': 'VLAN tagged frames: the VLAN interface, unknown VLANs, QinQ',
    'l2': 'foreign MACs, other EtherTypes, runt frames',
    'other-proto': 'GRE, ESP, SCTP and ICMP queries other than echo, both ways',
    'inside-routed': 'inside to inside (lan0, the VLAN, the inside router), no NAT',
    'inside-frag': 'inside to inside fragments, in order or last first',
    'mut-trunc': 'mutation: frame cut short',
    'mut-len': 'mutation: wrong IPv4 total length',
    'mut-ihl': 'mutation: wrong IPv4 IHL',
    'mut-ipcsum': 'mutation: bad IPv4 header checksum',
    'mut-l4csum': 'mutation: bad TCP/UDP/ICMP checksum',
    'mut-flip': 'mutation: random bytes of the headers flipped (IPv4 checksum fixed or not)',
    'mut-pad': 'mutation: Ethernet padding or trailing bytes past the IP length',
}

# Config features a seed may use; --exclude takes these too (the seed then
# uses the plain alternative: wide pool, one pool, no VLAN interface, ...).
FEATURES = {
    'narrow-pool': 'pools of 2-16 ports: random port draws, collisions, exhaustion',
    'multi-pool': 'a second pool, or a /30 pool',
    'iface-pool': 'the pool is the outside interface\'s own address',
    'port-block': 'nat port-block',
    'vlan-iface': 'a VLAN inside interface on lan0\'s wire',
    'session-limit': 'nat limit sessions-per-host',
    'sessions-max': 'a small nat sessions max',
    'mss-clamp': 'tcp mss-clamp',
    'short-timeouts': 'NAT timeouts of a few seconds',
}

US = 1000000

# ---------------------------------------------------------------------------
# Small helpers


def v4b(a):
    return ipaddress.IPv4Address(a).packed


def eth_hdr(src, dst, ethertype, vlan=None, prio=0):
    if vlan is not None:
        return mac_b(dst) + mac_b(src) + struct.pack('!HHH', 0x8100, (prio << 13) | vlan,
                                                     ethertype)
    return mac_b(dst) + mac_b(src) + struct.pack('!H', ethertype)


def l2_len(frame):
    if len(frame) >= 18 and frame[12:14] == b'\x81\x00':
        return 18
    return 14


def fix_ip_csum(ip):
    ip = bytearray(ip)
    ihl = (ip[0] & 0xf) * 4
    ip[10:12] = b'\0\0'
    ip[10:12] = struct.pack('!H', csum(bytes(ip[:ihl])))
    return bytes(ip)


def l4_fix(ip):
    """Recompute the TCP/UDP/ICMP checksum of a complete IPv4 packet (bytes,
    options allowed); a UDP checksum of 0 stays 0 (not computed)."""
    ip = bytearray(ip)
    ihl = (ip[0] & 0xf) * 4
    tot = struct.unpack('!H', bytes(ip[2:4]))[0]
    proto = ip[9]
    seg = bytearray(ip[ihl:tot])
    if proto == 6 and len(seg) >= 20:
        seg[16:18] = b'\0\0'
        c = csum(bytes(ip[12:20]) + struct.pack('!BBH', 0, 6, len(seg)) + bytes(seg))
        ip[ihl + 16:ihl + 18] = struct.pack('!H', c)
    elif proto == 17 and len(seg) >= 8:
        if seg[6:8] != b'\0\0':
            seg[6:8] = b'\0\0'
            c = csum(bytes(ip[12:20]) + struct.pack('!BBH', 0, 17, len(seg)) + bytes(seg))
            ip[ihl + 6:ihl + 8] = struct.pack('!H', c or 0xffff)
    elif proto == 1 and len(seg) >= 4:
        seg[2:4] = b'\0\0'
        ip[ihl + 2:ihl + 4] = struct.pack('!H', csum(bytes(seg)))
    return bytes(ip)


def ip4_set(ip, src=None, dst=None, sport=None, dport=None, ident=None, ttl=None):
    """Rewrite fields of a complete IPv4 packet and redo its checksums."""
    ip = bytearray(ip)
    ihl = (ip[0] & 0xf) * 4
    if src:
        ip[12:16] = v4b(src)
    if dst:
        ip[16:20] = v4b(dst)
    if ttl is not None:
        ip[8] = ttl
    if ip[9] in (6, 17):
        if sport is not None:
            ip[ihl:ihl + 2] = struct.pack('!H', sport)
        if dport is not None:
            ip[ihl + 2:ihl + 4] = struct.pack('!H', dport)
    elif ip[9] == 1 and ident is not None:
        ip[ihl + 4:ihl + 6] = struct.pack('!H', ident)
    return fix_ip_csum(l4_fix(bytes(ip)))


def add_ip_options(ip, opts):
    """Insert raw IPv4 options (padded with EOL to a multiple of 4)."""
    opts = bytes(opts)
    if len(opts) % 4:
        opts += b'\0' * (4 - len(opts) % 4)
    if len(opts) > 40:
        opts = opts[:40]
    ip = bytearray(ip)
    ihl = (ip[0] & 0xf) * 4
    out = bytearray(ip[:ihl]) + opts + ip[ihl:]
    out[0] = 0x40 | ((ihl + len(opts)) // 4)
    out[2:4] = struct.pack('!H', struct.unpack('!H', bytes(ip[2:4]))[0] + len(opts))
    return fix_ip_csum(bytes(out))


def fragments(ip, rng, n):
    """Split a complete IPv4 packet into n fragments (8-byte aligned)."""
    ihl = (ip[0] & 0xf) * 4
    hdr, payload = ip[:ihl], ip[ihl:]
    if len(payload) < 16 or n < 2:
        return [ip]
    cuts = sorted(rng.sample(range(1, len(payload) // 8), min(n - 1, len(payload) // 8 - 1)))
    pos, out = 0, []
    bounds = [c * 8 for c in cuts] + [len(payload)]
    ff0 = struct.unpack('!H', hdr[6:8])[0] & 0x4000 if rng.random() < 0.1 else 0   # DF: rarely
    for i, b in enumerate(bounds):
        chunk = payload[pos:b]
        h = bytearray(hdr)
        last = i == len(bounds) - 1
        h[6:8] = struct.pack('!H', ff0 | (0 if last else 0x2000) | (pos // 8))
        h[2:4] = struct.pack('!H', ihl + len(chunk))
        out.append(fix_ip_csum(bytes(h) + chunk))
        pos = b
    return out


def randbytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


# ---------------------------------------------------------------------------
# The gateway and its world

LAN_MAC = '02:00:00:00:01:01'
WAN_MAC = '02:00:00:00:02:01'
IOT_MAC = '02:00:00:00:14:01'
GW_MAC = '02:00:00:00:02:fe'
GW_V4 = '203.0.113.1'
GW_V6 = '2001:db8:ffff::1'
WANHOST_MAC = '02:00:00:00:02:32'
WANHOST_V4 = '203.0.113.50'
IRTR_MAC = '02:00:00:00:01:fe'    # a router inside, towards 10.1.0.0/16
IRTR_V4 = '192.168.1.254'
IRTR_V6 = 'fd00:1::fe'
LAN_V4, LAN_V6 = '192.168.1.1', 'fd00:1::1'
WAN_V4, WAN_V6 = '203.0.113.2', '2001:db8:ffff::2'
IOT_V4, IOT_V6 = '192.168.20.1', 'fd00:20::1'
IOT_VLAN = 20
REMOTES = ['198.51.100.7', '198.51.100.8', '192.0.2.33', WANHOST_V4]
WAN_NET = ipaddress.ip_network('203.0.113.0/24')
REMOTES6 = ['2001:db8:100::7', '2001:db8:200::8']
ROUTER_V4 = '192.0.2.1'           # a router on the path that sends ICMP errors


class Host:
    """An inside host (on lan0, on the VLAN interface, or behind the inside
    router, whose MAC its frames carry)."""

    def __init__(self, name, ip, mac, wire, vlan=None, ip6=None, via_mac=None):
        self.name, self.ip, self.mac, self.wire, self.vlan = name, ip, mac, wire, vlan
        self.ip6 = ip6
        self.l2mac = via_mac or mac     # the MAC frames from/to it carry on the wire

    def behind_router(self):
        return self.mac == IRTR_MAC


class World:
    """One seed's config and the state of the flows the generator made."""

    def __init__(self, seed, rng, exclude=()):
        self.seed = seed
        self.rng = rng
        r = rng
        self.vlan_iface = r.random() < 0.5 and 'vlan-iface' not in exclude
        self.hosts = [
            Host('H1', '192.168.1.10', '02:00:00:00:01:0a', 'lan0', ip6='fd00:1::10'),
            Host('H2', '192.168.1.20', '02:00:00:00:01:14', 'lan0', ip6='fd00:1::20'),
            Host('H3', '192.168.1.30', '02:00:00:00:01:1e', 'lan0', ip6='fd00:1::30'),
            Host('R1', '10.1.2.3', IRTR_MAC, 'lan0', via_mac=IRTR_MAC),
        ]
        if self.vlan_iface:
            self.hosts.append(Host('V1', '192.168.20.10', '02:00:00:00:14:0a', 'lan0',
                                   vlan=IOT_VLAN, ip6='fd00:20::10'))
        # pools
        kind = r.choice(['one', 'one', 'quad', 'iface', 'multi'])
        if kind in ('quad', 'multi') and 'multi-pool' in exclude or \
                kind == 'iface' and 'iface-pool' in exclude:
            kind = 'one'
        narrow = r.random() < 0.35 and 'narrow-pool' not in exclude
        if narrow:
            lo = r.choice([3000, 40000])
            hi = lo + r.choice([1, 3, 7, 15])
        else:
            lo, hi = 1024, 65535
        if kind == 'one':
            self.pools = [('203.0.113.10/32', lo, hi)]
        elif kind == 'quad':
            self.pools = [('203.0.113.8/30', lo, hi)]
        elif kind == 'iface':
            self.pools = [(WAN_V4 + '/32', lo, hi)]
        else:
            hi2 = 2000 + r.choice([0, 3, 50])
            if 'narrow-pool' in exclude:
                hi2 = 9999
            self.pools = [('203.0.113.10/32', lo, hi), ('203.0.113.20/31', 2000, hi2)]
        self.pool_addrs = []
        self.pool_range = {}
        for net, plo, phi in self.pools:
            for a in ipaddress.ip_network(net):
                self.pool_addrs.append(str(a))
                self.pool_range[str(a)] = (plo, phi)
        self.pool0 = self.pool_addrs[0]
        # wan0's subnet: its addresses the gateway has a static neighbour for,
        # is, or does not forward to
        self.wan_known = set(self.pool_addrs) | {GW_V4, WANHOST_V4, WAN_V4, '203.0.113.0',
                                                 '203.0.113.255'}
        self.port_block = None
        if narrow and r.random() < 0.3 and 'port-block' not in exclude:
            self.port_block = (r.choice([2, 4]), r.choice([1, 2]))
        fw_lo = self.pool_range[self.pool0][0]
        self.forwards = [('tcp', self.pool0, 8080, self.hosts[1], 80),
                         ('udp', self.pool0, 5353, self.hosts[2], 53)]
        if r.random() < 0.3:
            # a forward inside the dynamic range
            self.forwards.append(('tcp', self.pool0, fw_lo, self.hosts[0], 22))
        self.filtering = r.choice(['endpoint-independent', 'address-dependent',
                                   'address-port-dependent'])
        self.timeouts = {
            'udp': r.choice([300, 30, 6]),
            'tcp-established': r.choice([7440, 60, 8]),
            'tcp-transitory': r.choice([240, 20, 4]),
            'icmp': r.choice([60, 10, 3]),
        }
        if 'short-timeouts' in exclude:
            self.timeouts = {k: max(v, 60) for k, v in self.timeouts.items()}
        self.limit = r.choice([0, 0, 0, 0, 0, 2, 4, 16])
        if 'session-limit' in exclude:
            self.limit = 0
        self.sessions_max = r.choice([None, None, None, None, 24])
        if 'sessions-max' in exclude:
            self.sessions_max = None
        self.mss = []
        if r.random() < 0.5:
            self.mss.append((r.choice([1400, 1452, 536]), 'wan0'))
        if r.random() < 0.25:
            self.mss.append((r.choice([1360, 1460]), 'lan0'))
        if 'mss-clamp' in exclude:
            self.mss = []
        self.host_pool = {}
        self.flows = []           # recent flows, for replies, errors, hairpins
        self.next_id = r.randint(1, 60000)

    def config(self):
        L = ['# differential test, seed %d' % self.seed,
             'interface lan0 device port-lan0 address %s/24 address %s/64 mac %s role inside' %
             (LAN_V4, LAN_V6, LAN_MAC),
             'interface wan0 device port-wan0 address %s/24 address %s/64 mac %s role outside' %
             (WAN_V4, WAN_V6, WAN_MAC)]
        if self.vlan_iface:
            L.append('interface iot0 device port-lan0 vlan %d address %s/24 address %s/64 mac %s '
                     'role inside' % (IOT_VLAN, IOT_V4, IOT_V6, IOT_MAC))
        L += ['route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
              'route add ::/0 via %s dev wan0' % GW_V6,
              'route add 10.1.0.0/16 via %s dev lan0' % IRTR_V4,
              'route add fd00:99::/48 via %s dev lan0' % IRTR_V6,
              'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
              'neighbor add %s lladdr %s dev wan0' % (GW_V6, GW_MAC),
              'neighbor add %s lladdr %s dev wan0' % (WANHOST_V4, WANHOST_MAC),
              'neighbor add %s lladdr %s dev lan0' % (IRTR_V4, IRTR_MAC),
              'neighbor add %s lladdr %s dev lan0' % (IRTR_V6, IRTR_MAC)]
        for h in self.hosts:
            if h.behind_router():
                continue
            dev = 'iot0' if h.vlan else 'lan0'
            L.append('neighbor add %s lladdr %s dev %s' % (h.ip, h.mac, dev))
            if h.ip6:
                L.append('neighbor add %s lladdr %s dev %s' % (h.ip6, h.mac, dev))
        for net, lo, hi in self.pools:
            L.append('nat pool add %s ports %d-%d' % (net, lo, hi))
        for proto, addr, port, h, hport in self.forwards:
            L.append('nat forward add %s %s:%d to %s:%d' % (proto, addr, port, h.ip, hport))
        L.append('nat filtering %s' % self.filtering)
        for k, v in self.timeouts.items():
            L.append('nat timeout %s %d' % (k, v))
        if self.limit:
            L.append('nat limit sessions-per-host %d' % self.limit)
        if self.sessions_max:
            L.append('nat sessions max %d' % self.sessions_max)
        if self.port_block:
            L.append('nat port-block size %d blocks-per-host %d' % self.port_block)
        for n, dev in self.mss:
            L.append('tcp mss-clamp %d dev %s' % (n, dev))
        return '\n'.join(L) + '\n'

    # guesses of the translation (wrong guesses are useful too)
    def pool_of(self, h, sent=False):
        """Paired pooling: a host's address is the next one round-robin at
        its first session (sent: the packet that makes it is on its way)."""
        if h.ip in self.host_pool:
            return self.host_pool[h.ip]
        a = self.pool_addrs[len(self.host_pool) % len(self.pool_addrs)]
        if sent:
            self.host_pool[h.ip] = a
        return a

    def port_guess(self, pool, port):
        lo, hi = self.pool_range[pool]
        if lo <= port <= hi and self.rng.random() < 0.9:
            return port
        return self.rng.randint(lo, hi)

    def ipid(self):
        self.next_id = (self.next_id + self.rng.randint(1, 50)) & 0xffff
        return self.next_id


# ---------------------------------------------------------------------------
# The stream generator


class Gen:
    """Builds the packet stream of one seed: a list of (time_us, wire, bytes, class)."""

    def __init__(self, seed, n_packets, exclude=()):
        self.seed = seed
        self.rng = random.Random(seed * 7919 + 17)
        self.w = World(seed, self.rng, exclude)
        self.n = n_packets
        self.t = 1700000000 * US + self.rng.randint(0, 10 ** 6)
        self.out = []
        self.timeouts = sorted(set(self.w.timeouts.values()) | {2, 120})

    # -- time
    def tick(self):
        r = self.rng
        x = r.random()
        if x < 0.04:
            dt = 0                           # a tie
        elif x < 0.07:
            # past (or just short of) a timeout: NAT idle times, the fragment
            # memory (2 s), the port cool-down (120 s)
            base = r.choice(self.timeouts) * US
            dt = base + r.choice([-1, 1]) * r.randint(100000, 900000)
        else:
            dt = max(2000, int(r.expovariate(1 / 40000.0)))
        # never 0 < dt <= 1 ms: XDP refreshes last-seen at most once per ms
        if 0 < dt <= 1000:
            dt = 2000
        self.t += max(dt, 0)
        return self.t

    def emit(self, wire, frame, cls):
        frame = bytes(frame)
        off = l2_len(frame)
        if frame[off - 2:off] == b'\x08\x00' and len(frame) >= off + 20:
            src = str(ipaddress.IPv4Address(frame[off + 12:off + 16]))
            dst = ipaddress.IPv4Address(frame[off + 16:off + 20])
            if wire == 'lan0' and dst in WAN_NET and str(dst) not in self.w.wan_known:
                # never made: XDP would translate it (a new session) and then
                # pass it to the kernel to resolve the next hop; without it
                # the DP would not have that session
                return
            if wire == 'wan0' and src in self.w.pool_addrs:
                cls = 'spoofed-pool'    # from outside, "from" our own pool address
        self.out.append([self.t, wire, frame, cls])

    # -- frame builders
    def frame4(self, h_from, ip, outbound, vlan=None):
        """An IPv4 packet on the wire: from inside host h_from (outbound) or
        from the upstream router (inbound)."""
        if outbound:
            vl = h_from.vlan if vlan is None else vlan
            dst = IOT_MAC if h_from.vlan else LAN_MAC
            return 'lan0', eth_hdr(h_from.l2mac, dst, 0x0800, vl) + ip
        src = WANHOST_MAC if h_from == 'wanhost' else GW_MAC
        return 'wan0', eth_hdr(src, WAN_MAC, 0x0800) + ip

    def tcp_ip(self, src, dst, sport, dport, flags, seq, ack, data=b'', syn_opts=True,
               df=None, ttl=64):
        r = self.rng
        opts = []
        if 'S' in flags and syn_opts:
            pick = r.random()
            if pick < 0.6:
                opts = [('MSS', r.choice([1460, 1400, 536, 8960, 1380]))]
                if r.random() < 0.5:
                    opts += [('NOP', None), ('WScale', 7), ('SAckOK', b''),
                             ('Timestamp', (r.getrandbits(32), 0))]
            elif pick < 0.75:
                opts = [('NOP', None), ('MSS', r.choice([1460, 1200]))]   # unaligned MSS
            elif pick < 0.85:
                opts = [('SAckOK', b''), ('Timestamp', (r.getrandbits(32), 0)), ('NOP', None),
                        ('MSS', 1460)]
        elif r.random() < 0.2:
            opts = [('NOP', None), ('NOP', None), ('Timestamp', (r.getrandbits(32),
                                                                 r.getrandbits(32)))]
        if df is None:
            df = r.random() < 0.6
        p = IP(src=src, dst=dst, ttl=ttl, id=self.w.ipid(), flags='DF' if df else 0) / \
            TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                window=r.choice([65535, 29200, 512]), options=opts)
        if data:
            p = p / Raw(data)
        return bytes(p)

    def udp_ip(self, src, dst, sport, dport, data, zero=None, df=None, ttl=64):
        r = self.rng
        if df is None:
            df = r.random() < 0.3
        p = IP(src=src, dst=dst, ttl=ttl, id=self.w.ipid(), flags='DF' if df else 0) / \
            UDP(sport=sport, dport=dport) / Raw(data)
        b = bytearray(bytes(p))
        if zero is None:
            zero = r.random() < 0.2
        if zero:
            b[26:28] = b'\0\0'
        return bytes(b)

    def echo_ip(self, src, dst, ident, seq, data, reply=False, ttl=64):
        p = IP(src=src, dst=dst, ttl=ttl, id=self.w.ipid()) / \
            ICMP(type=0 if reply else 8, id=ident, seq=seq) / Raw(data)
        return bytes(p)

    def payload(self, big=False):
        r = self.rng
        n = r.choice([0, 1, 8, 20, 64, 100, 200, 512]) if not big else r.randint(600, 1400)
        return randbytes(r, n)

    # -- modifiers applied to some packets (class changes)
    def maybe_modify(self, wire, frame, cls):
        """TTL and option changes on an IPv4 frame; returns (frame, cls)."""
        r = self.rng
        off = l2_len(frame)
        if len(frame) < off + 20 or frame[off] >> 4 != 4:
            return frame, cls
        ip = frame[off:]
        x = r.random()
        if x < 0.05:
            ip = bytearray(ip)
            ip[8] = r.choice([0, 1, 1, 2])
            return frame[:off] + fix_ip_csum(bytes(ip)), 'ttl'
        if x < 0.09 and (ip[0] & 0xf) == 5:
            opts = r.choice([
                b'\x01\x01\x01\x01',                                   # NOPs
                b'\x07\x07\x04' + b'\0' * 4 + b'\x00',                 # RR, one slot
                b'\x07\x0b\x04' + b'\0' * 8 + b'\x00',                 # RR, two slots
                b'\x44\x0c\x05\x00' + b'\0' * 8,                       # timestamp
                b'\x94\x04\x00\x00',                                   # router alert
                b'\x83\x07\x04' + v4b('192.0.2.99') + b'\x00',         # LSRR
                b'\x89\x07\x04' + v4b('192.0.2.99') + b'\x00',         # SSRR
                b'\x07\x02\x04\x00',                                   # RR too short
                b'\x44\x0c\x03\x00' + b'\0' * 8,                       # TS bad pointer
                b'\x01\x33\x00\x00',                                   # length past the end
                b'\x07\x07\x08' + b'\0' * 4 + b'\x00',                 # RR full
            ])
            return frame[:off] + add_ip_options(bytes(ip), opts), 'ip-options'
        return frame, cls

    def mutate(self, frame, cls):
        r = self.rng
        off = l2_len(frame)
        b = bytearray(frame)
        is4 = len(b) >= off + 20 and b[off] >> 4 == 4 and b[off - 2:off] == b'\x08\x00'
        kinds = ['mut-trunc', 'mut-flip', 'mut-pad']
        if is4:
            kinds += ['mut-len', 'mut-ihl', 'mut-ipcsum', 'mut-l4csum', 'mut-flip']
        k = r.choice(kinds)
        if k == 'mut-trunc':
            cut = r.choice([r.randint(0, 14), r.randint(off, off + 24),
                            r.randint(off + 20, max(off + 20, len(b) - 1)),
                            r.randint(1, max(1, len(b) - 1))])
            return bytes(b[:min(cut, len(b))]), k
        if k == 'mut-pad':
            extra = r.choice([b'\0' * r.randint(1, 30), randbytes(r, r.randint(1, 30))])
            return bytes(b) + extra, k
        if k == 'mut-flip':
            end = min(len(b), off + 60)
            for _ in range(r.randint(1, 3)):
                i = r.randint(0, end - 1)
                b[i] ^= 1 << r.randint(0, 7)
            if is4 and r.random() < 0.6 and b[off] >> 4 == 4 and (b[off] & 0xf) >= 5:
                ihl = (b[off] & 0xf) * 4
                if off + ihl <= len(b):
                    b[off:off + ihl] = fix_ip_csum(bytes(b[off:off + ihl]))
            return bytes(b), k
        ip = bytearray(b[off:])
        ihl = (ip[0] & 0xf) * 4
        if k == 'mut-len':
            tot = struct.unpack('!H', bytes(ip[2:4]))[0]
            new = r.choice([tot + r.randint(1, 40), max(0, tot - r.randint(1, 30)),
                            r.randint(0, 19), ihl, ihl + r.randint(1, 7)])
            ip[2:4] = struct.pack('!H', new & 0xffff)
            return bytes(b[:off]) + fix_ip_csum(bytes(ip)), k
        if k == 'mut-ihl':
            ip[0] = 0x40 | r.choice([0, 1, 4, 6, 7, 15])
            if r.random() < 0.7:
                h = bytearray(ip[:20])
                h[10:12] = b'\0\0'
                n = min(len(ip), (ip[0] & 0xf) * 4) if (ip[0] & 0xf) >= 5 else 20
                h2 = bytearray(ip[:n])
                h2[10:12] = b'\0\0'
                c = csum(bytes(h2))
                ip[10:12] = struct.pack('!H', c)
            return bytes(b[:off]) + bytes(ip), k
        if k == 'mut-ipcsum':
            ip[10] ^= 0xff & (1 << r.randint(0, 7))
            return bytes(b[:off]) + bytes(ip), k
        # mut-l4csum
        proto = ip[9]
        pos = {6: 16, 17: 6, 1: 2}.get(proto)
        if pos is not None and len(ip) >= ihl + pos + 2:
            ip[ihl + pos] ^= 1 << r.randint(0, 7)
        return bytes(b[:off]) + bytes(ip), k

    # -- flows
    def pick_host(self):
        return self.rng.choice(self.w.hosts)

    def sport(self, h):
        """An inside source port: mostly in the pool's range (preserved when
        free, so replies can be aimed), some popular ones (collisions), some
        outside it (a random port is drawn)."""
        r = self.rng
        lo, hi = self.w.pool_range[self.w.pool_of(h)]
        x = r.random()
        if x < 0.35:
            return r.randint(lo, hi)
        if x < 0.55:
            return r.choice([lo, lo + 1, min(hi, lo + 2), 40000, 40001, 3000, 3001])
        if x < 0.65:
            return r.choice([53, 123, 500, 1023, 5060])
        return r.randint(32768, 60999)

    def new_flow(self, proto):
        r = self.rng
        h = self.pick_host()
        remote = r.choice(REMOTES)
        f = dict(proto=proto, h=h, remote=remote, sport=self.sport(h),
                 dport=r.choice([80, 443, 53, 3478, 123, 8080, 22]),
                 state='new', seq=r.getrandbits(32), rseq=r.getrandbits(32),
                 last_out=None, last_in=None, born=self.t, kind='nat')
        if proto == 'icmp':
            f['sport'] = r.choice([r.randint(1, 65535), 3000, 40000, 1])
            f['dport'] = 0
            f['seqn'] = 0
        pool = self.w.pool_of(h)
        f['pool'] = pool
        f['mport'] = self.w.port_guess(pool, f['sport'])
        self.w.flows.append(f)
        if len(self.w.flows) > 40:
            self.w.flows.pop(0)
        return f

    def pick_flow(self, proto=None, new_p=0.3):
        fl = [f for f in self.w.flows if f.get('kind') == 'nat' and
              (proto is None or f['proto'] == proto)]
        if not fl or self.rng.random() < new_p:
            return self.new_flow(proto or self.rng.choice(['tcp', 'udp', 'icmp']))
        # recent flows more often
        return fl[-1 - min(len(fl) - 1, int(self.rng.expovariate(0.3)))]

    def send_out(self, f, ip, cls):
        wire, fr = self.frame4(f['h'], ip, True)
        if not f.get('fwd'):
            pool = self.w.pool_of(f['h'], sent=True)
            if pool != f['pool']:
                f['pool'], f['mport'] = pool, self.w.port_guess(pool, f['sport'])
        f['last_out'] = ip
        f['touched'] = self.t
        self.emit_mod(wire, fr, cls)

    def send_in(self, f, ip, cls):
        src = 'wanhost' if f['remote'] == WANHOST_V4 else 'gw'
        wire, fr = self.frame4(src, ip, False)
        f['last_in'] = ip
        f['touched'] = self.t
        self.emit_mod(wire, fr, cls)

    def recent(self, flows, n=6):
        """One of the n flows used last (their sessions are likely alive)."""
        if not flows:
            return None
        flows = sorted(flows, key=lambda f: f.get('touched', f['born']))[-n:]
        return self.rng.choice(flows)

    def emit_mod(self, wire, frame, cls):
        frame, cls = self.maybe_modify(wire, frame, cls)
        if self.rng.random() < 0.12:
            frame, cls = self.mutate(frame, cls)
        self.emit(wire, frame, cls)

    def ev_tcp(self):
        r = self.rng
        f = self.pick_flow('tcp', 0.25)
        h, st = f['h'], f['state']
        steps = {
            'new': ['syn_out'],
            'syn_sent': ['synack_in', 'synack_in', 'synack_in', 'syn_out', 'rst_in'],
            'syn_rcvd': ['ack_out', 'ack_out', 'data_out', 'rst_out'],
            'est': ['data_out', 'data_in', 'data_out', 'data_in', 'fin_out', 'fin_in', 'rst_out',
                    'rst_in'],
            'fin': ['fin_in', 'fin_out', 'ack_out', 'ack_in', 'data_in'],
            'closed': ['syn_out', 'ack_out', 'data_in', 'rst_in'],
        }[st]
        step = r.choice(steps)
        if r.random() < 0.12:
            step = r.choice(['syn_out', 'synack_in', 'ack_out', 'data_out', 'data_in', 'fin_out',
                             'fin_in', 'rst_out', 'rst_in', 'syn_in'])
        out = step.endswith('_out')
        data = self.payload() if step.startswith('data') else b''
        flags = {'syn': 'S', 'synack': 'SA', 'ack': 'A', 'data': 'PA', 'fin': 'FA', 'rst': 'R',
                 }[step.split('_')[0]]
        if step == 'rst_out' and r.random() < 0.5:
            flags = 'RA'
        if r.random() < 0.04:
            flags = r.choice(['', 'SF', 'FPU', 'SR', 'U', 'SRA'])    # odd combinations
        if out:
            ip = self.tcp_ip(h.ip, f['remote'], f['sport'], f['dport'], flags, f['seq'],
                             f['rseq'] if 'A' in flags else 0, data)
            f['seq'] = (f['seq'] + len(data) + (1 if 'S' in flags or 'F' in flags else 0)) \
                & 0xffffffff
            self.send_out(f, ip, 'tcp')
        else:
            ip = self.tcp_ip(f['remote'], f['pool'], f['dport'], f['mport'], flags, f['rseq'],
                             f['seq'] if 'A' in flags else 0, data)
            f['rseq'] = (f['rseq'] + len(data) + (1 if 'S' in flags or 'F' in flags else 0)) \
                & 0xffffffff
            self.send_in(f, ip, 'tcp')
        f['state'] = {'syn_out': 'syn_sent', 'synack_in': 'syn_rcvd', 'ack_out': 'est',
                      'data_out': 'est' if st != 'fin' else 'fin',
                      'data_in': 'est' if st != 'fin' else 'fin', 'fin_out': 'fin',
                      'fin_in': 'fin' if st != 'fin' else 'closed', 'rst_out': 'closed',
                      'rst_in': 'closed', 'ack_in': st, 'syn_in': st}.get(step, st)

    def ev_udp(self):
        r = self.rng
        f = self.pick_flow('udp', 0.35)
        h = f['h']
        big = r.random() < 0.05
        if f['state'] == 'new' or r.random() < 0.55:
            ip = self.udp_ip(h.ip, f['remote'], f['sport'], f['dport'], self.payload(big),
                             df=True if big else None)
            f['state'] = 'out'
            self.send_out(f, ip, 'udp')
        else:
            ip = self.udp_ip(f['remote'], f['pool'], f['dport'], f['mport'], self.payload(big),
                             df=True if big else None)
            self.send_in(f, ip, 'udp')

    def ev_echo(self):
        r = self.rng
        f = self.pick_flow('icmp', 0.35)
        h = f['h']
        f['seqn'] += 1
        if f['state'] == 'new' or r.random() < 0.55:
            ip = self.echo_ip(h.ip, f['remote'], f['sport'], f['seqn'], self.payload())
            f['state'] = 'out'
            self.send_out(f, ip, 'echo')
        else:
            ip = self.echo_ip(f['remote'], f['pool'], f['mport'], f['seqn'], self.payload(),
                              reply=r.random() < 0.9)
            self.send_in(f, ip, 'echo')

    def ev_forward(self):
        r = self.rng
        proto, addr, port, h, hport = r.choice(self.w.forwards)
        fl = [f for f in self.w.flows if f.get('fwd') == (proto, port)]
        if not fl or r.random() < 0.3:
            f = dict(proto=proto, h=h, remote=r.choice(REMOTES), sport=hport,
                     dport=r.randint(1024, 65535), pool=addr, mport=port, state='new',
                     seq=r.getrandbits(32), rseq=r.getrandbits(32), last_out=None,
                     last_in=None, fwd=(proto, port), born=self.t)
            self.w.flows.append(f)
        else:
            f = r.choice(fl)
        inbound = f['state'] == 'new' or r.random() < 0.5
        if proto == 'tcp':
            if inbound:
                flags = 'S' if f['state'] == 'new' else r.choice(['A', 'PA', 'FA', 'R', 'S'])
                data = self.payload() if flags == 'PA' else b''
                ip = self.tcp_ip(f['remote'], addr, f['dport'], port, flags, f['rseq'],
                                 f['seq'] if 'A' in flags else 0, data)
                f['rseq'] = (f['rseq'] + len(data) + 1) & 0xffffffff
                f['state'] = 'open'
                self.send_in(f, ip, 'forward')
            else:
                flags = r.choice(['SA', 'SA', 'A', 'PA', 'FA', 'R'])
                data = self.payload() if flags == 'PA' else b''
                ip = self.tcp_ip(h.ip, f['remote'], hport, f['dport'], flags, f['seq'],
                                 f['rseq'], data)
                f['seq'] = (f['seq'] + len(data) + 1) & 0xffffffff
                self.send_out(f, ip, 'forward')
        else:
            if inbound:
                ip = self.udp_ip(f['remote'], addr, f['dport'], port, self.payload())
                f['state'] = 'open'
                self.send_in(f, ip, 'forward')
            else:
                ip = self.udp_ip(h.ip, f['remote'], hport, f['dport'], self.payload())
                self.send_out(f, ip, 'forward')

    def ev_unsolicited(self):
        r = self.rng
        x = r.random()
        remote = r.choice(REMOTES + ['192.0.2.200'])
        src = 'wanhost' if remote == WANHOST_V4 else 'gw'
        fl = [f for f in self.w.flows if f['proto'] in ('tcp', 'udp')]
        if x < 0.45 and fl:
            # a live mapping, from another remote or another port (filtering)
            f = r.choice(fl)
            sport = f['dport'] if r.random() < 0.5 else r.randint(1, 65535)
            rem = f['remote'] if r.random() < 0.4 else remote
            src = 'wanhost' if rem == WANHOST_V4 else 'gw'
            if f['proto'] == 'tcp':
                ip = self.tcp_ip(rem, f['pool'], sport, f['mport'], r.choice(['S', 'A', 'SA']),
                                 r.getrandbits(32), 0)
            else:
                ip = self.udp_ip(rem, f['pool'], sport, f['mport'], self.payload())
        elif x < 0.65:
            pool = r.choice(self.w.pool_addrs)
            port = r.randint(1, 65535)
            ip = r.choice([self.tcp_ip(remote, pool, r.randint(1, 65535), port, 'S',
                                       r.getrandbits(32), 0),
                           self.udp_ip(remote, pool, r.randint(1, 65535), port, self.payload()),
                           self.echo_ip(remote, pool, r.randint(0, 65535), 1, b'ping'),
                           self.echo_ip(remote, pool, r.randint(0, 65535), 1, b'pong', True),
                           bytes(IP(src=remote, dst=pool, proto=47, id=self.w.ipid()) /
                                 Raw(b'\0\0\x08\0' + randbytes(r, 20)))])
        elif x < 0.85:
            h = self.pick_host()
            ip = r.choice([self.udp_ip(remote, h.ip, 5000, r.randint(1, 65535), b'direct'),
                           self.tcp_ip(remote, h.ip, 5000, 22, 'S', 1, 0),
                           self.echo_ip(remote, h.ip, 7, 1, b'direct')])
        else:
            ip = r.choice([self.udp_ip(remote, '203.0.113.77', 5000, 53, b'wan host'),
                           self.tcp_ip(remote, '198.51.100.99', 5000, 22, 'S', 1, 0)])
        wire, fr = self.frame4(src, ip, False)
        self.emit_mod(wire, fr, 'unsolicited')

    def ev_hairpin(self):
        r = self.rng
        h = self.pick_host()
        fl = [f for f in self.w.flows if f['proto'] in ('tcp', 'udp') and f['h'] is not h]
        if fl and r.random() < 0.7:
            f = r.choice(fl)
            dst, dport, proto = f['pool'], f['mport'], f['proto']
        else:
            proto, dst, dport, _, _ = r.choice(self.w.forwards)
        sp = self.sport(h)
        if proto == 'tcp':
            ip = self.tcp_ip(h.ip, dst, sp, dport, r.choice(['S', 'A', 'PA', 'SA']),
                             r.getrandbits(32), r.getrandbits(32), self.payload())
        else:
            ip = self.udp_ip(h.ip, dst, sp, dport, self.payload())
        if r.random() < 0.15:
            ip = self.echo_ip(h.ip, r.choice(self.w.pool_addrs), 99, 1, b'ping pool')
        wire, fr = self.frame4(h, ip, True)
        # a hairpin flow: its source mapping may be replied to later
        f = dict(proto=proto, h=h, remote=dst, sport=sp, dport=dport, state='out',
                 pool=self.w.pool_of(h), mport=self.w.port_guess(self.w.pool_of(h), sp),
                 seq=0, rseq=0, last_out=ip, last_in=None, born=self.t)
        self.w.flows.append(f)
        self.emit_mod(wire, fr, 'hairpin')

    def translated_out(self, f):
        """Our guess of f's last outbound packet as it left the NAT."""
        ip = f['last_out']
        if ip is None or (ip[0] & 0xf) != 5 or len(ip) < 28:
            return None
        if f.get('fwd'):
            return ip4_set(ip, src=f['pool'], sport=f['mport'], ttl=max(ip[8] - 1, 0))
        if f['proto'] == 'icmp':
            return ip4_set(ip, src=f['pool'], ident=f['mport'], ttl=max(ip[8] - 1, 0))
        return ip4_set(ip, src=f['pool'], sport=f['mport'], ttl=max(ip[8] - 1, 0))

    def icmp_err(self, src, dst, typ, code, quote, rest=0, bad=False, ttl=None):
        r = self.rng
        icmp = bytearray(struct.pack('!BBHI', typ, code, 0, rest) + quote)
        icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
        if bad:
            icmp[2] ^= 0x10
        ipb = bytes(IP(src=src, dst=dst, ttl=ttl or r.choice([64, 255, 250]), id=self.w.ipid(),
                       tos=r.choice([0, 0xc0]), proto=1) / Raw(bytes(icmp)))
        return ipb

    def err_kind(self):
        r = self.rng
        return r.choice([(3, 3, 0), (3, 3, 0), (3, 1, 0), (3, 4, r.choice([1400, 1280, 576])),
                         (11, 0, 0), (11, 0, 0), (3, 13, 0), (12, 0, 0x14000000), (4, 0, 0),
                         (5, 1, 0)])

    def quote_cut(self, q):
        r = self.rng
        ihl = (q[0] & 0xf) * 4
        c = r.choice(['full', 'full', '8', '8', 'mid', 'ip'])
        if c == 'full':
            return q[:548]
        if c == '8':
            return q[:ihl + 8]
        if c == 'ip':
            return q[:ihl + r.randint(0, 7)]
        return q[:r.randint(ihl + 8, max(ihl + 8, len(q)))]

    def ev_icmp_err_in(self):
        r = self.rng
        f = self.recent([f for f in self.w.flows if f['last_out'] is not None])
        if f is None:
            return self.ev_udp()
        q = self.translated_out(f)
        if q is None:
            return self.ev_udp()
        typ, code, rest = self.err_kind()
        src = f['remote'] if typ == 3 and code == 3 else r.choice([ROUTER_V4, f['remote'],
                                                                    GW_V4])
        dst = f['pool'] if r.random() < 0.9 else r.choice([WAN_V4, self.w.pool0, f['h'].ip])
        quote = self.quote_cut(q)
        ip = self.icmp_err(src, dst, typ, code, quote, rest, bad=r.random() < 0.05)
        if r.random() < 0.12 and len(ip) > 60:
            # a fragmented error (long quote), in order
            frs = fragments(ip, r, 2)
            for i, fr in enumerate(frs):
                if i:
                    self.tick()
                wire, b = self.frame4('wanhost' if src == WANHOST_V4 else 'gw', fr, False)
                self.emit(wire, b, 'icmp-err-in')
            return
        wire, b = self.frame4('wanhost' if src == WANHOST_V4 else 'gw', ip, False)
        self.emit_mod(wire, b, 'icmp-err-in')

    def ev_icmp_err_out(self):
        r = self.rng
        f = self.recent([f for f in self.w.flows if f['last_in'] is not None])
        if f is None:
            return self.ev_udp()
        q = f['last_in']
        if (q[0] & 0xf) != 5 or len(q) < 28:
            return self.ev_udp()
        # the inbound packet as the inside host got it
        if f['proto'] == 'icmp':
            q = ip4_set(q, dst=f['h'].ip, ident=f['sport'], ttl=max(q[8] - 1, 0))
        else:
            q = ip4_set(q, dst=f['h'].ip, dport=f['sport'], ttl=max(q[8] - 1, 0))
        typ, code, rest = self.err_kind()
        h = f['h']
        src = h.ip if r.random() < 0.7 else IRTR_V4
        dst = f['remote'] if r.random() < 0.9 else '198.51.100.250'
        ip = self.icmp_err(src, dst, typ, code, self.quote_cut(q), rest, bad=r.random() < 0.05)
        wire, b = self.frame4(h, ip, True)
        self.emit_mod(wire, b, 'icmp-err-out')

    def ev_frag(self):
        r = self.rng
        out = r.random() < 0.6
        if out:
            f = self.pick_flow(r.choice(['udp', 'udp', 'icmp', 'tcp']), 0.3)
            h = f['h']
            data = randbytes(r, r.randint(40, 1200))
            if f['proto'] == 'udp':
                ip = self.udp_ip(h.ip, f['remote'], f['sport'], f['dport'], data, df=False)
            elif f['proto'] == 'icmp':
                f['seqn'] += 1
                ip = self.echo_ip(h.ip, f['remote'], f['sport'], f['seqn'], data)
            else:
                ip = self.tcp_ip(h.ip, f['remote'], f['sport'], f['dport'], 'PA', f['seq'],
                                 f['rseq'], data, df=False)
            f['last_out'] = ip
            f['state'] = 'out' if f['proto'] != 'tcp' else f['state']
        else:
            fl = [x for x in self.w.flows if x['proto'] in ('udp', 'icmp', 'tcp')]
            if not fl:
                return self.ev_udp()
            f = r.choice(fl)
            data = randbytes(r, r.randint(40, 1200))
            if f['proto'] == 'udp':
                ip = self.udp_ip(f['remote'], f['pool'], f['dport'], f['mport'], data, df=False)
            elif f['proto'] == 'icmp':
                ip = self.echo_ip(f['remote'], f['pool'], f['mport'], 1, data, reply=True)
            else:
                ip = self.tcp_ip(f['remote'], f['pool'], f['dport'], f['mport'], 'PA',
                                 f['rseq'], f['seq'], data, df=False)
            f['last_in'] = ip
        frs = fragments(ip, r, r.choice([2, 2, 3, 4]))
        order = list(range(len(frs)))
        cls = 'frag'
        x = r.random()
        if x < 0.35:
            cls = 'frag-ooo'
            y = r.random()
            if y < 0.3:
                order = order[::-1]                       # last first
            elif y < 0.55:
                order = order[1:] + order[:1]             # first last
            elif y < 0.7:
                order = order[1:]                         # first never comes
            elif y < 0.85:
                order = order + [r.choice(order)]         # a duplicate
                cls = 'frag-dup'
            else:
                r.shuffle(order)
        for k, i in enumerate(order):
            if k:
                self.tick() if r.random() < 0.95 else self.jump(2.5)
            if out:
                wire, b = self.frame4(f['h'], frs[i], True)
            else:
                wire, b = self.frame4('wanhost' if f['remote'] == WANHOST_V4 else 'gw',
                                      frs[i], False)
            if r.random() < 0.04:
                b, c2 = self.mutate(b, cls)
            self.emit(wire, b, cls)

    def jump(self, sec):
        self.t += int(sec * US)

    def ev_ipv6(self):
        r = self.rng
        hs = [h for h in self.w.hosts if h.ip6]
        h = r.choice(hs)
        remote = r.choice(REMOTES6)
        out = r.random() < 0.55
        hl = 64
        cls = 'ipv6'
        if r.random() < 0.15:
            hl = r.choice([0, 1, 1, 2])
        src, dst = (h.ip6, remote) if out else (remote, h.ip6)
        x = r.random()
        if x < 0.05:
            dst = 'fd00:99::5' if out else dst
        elif x < 0.1:
            src = 'fe80::1:2' if out else 'fe80::fe'           # link-local source
        elif x < 0.13:
            dst = 'fe80::99' if out else 'fe80::10'             # link-local, not ours
        elif x < 0.16:
            src, dst = r.choice([('::1', dst), (src, '::ffff:192.0.2.1'), ('::', dst),
                                 (src, '::1')])                 # martians
        kind = r.choice(['udp', 'tcp', 'echo'])
        if kind == 'udp':
            l4 = UDP(sport=r.randint(1024, 65535), dport=53) / Raw(self.payload())
        elif kind == 'tcp':
            l4 = TCP(sport=r.randint(1024, 65535), dport=443, flags='S',
                     options=[('MSS', 1440)])
        else:
            l4 = ICMPv6EchoRequest(id=r.randint(0, 65535), seq=1, data=self.payload())
        ext = None
        if r.random() < 0.3:
            cls = 'ipv6-ext'
            ext = r.choice(['hbh', 'dst', 'rt0', 'rt-sl', 'frag-atomic', 'frag', 'hbh-dst'])
        ipl = IPv6(src=src, dst=dst, hlim=hl, tc=r.choice([0, 0, 0x28]),
                   fl=r.choice([0, 0x12345]))
        if ext == 'hbh':
            p = ipl / IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\0' * 4)]) / l4
        elif ext == 'dst':
            p = ipl / IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\0' * 4)]) / l4
        elif ext == 'hbh-dst':
            p = ipl / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / l4
        elif ext == 'rt0':
            p = ipl / IPv6ExtHdrRouting(type=r.choice([0, 2, 4]), segleft=0,
                                        addresses=['2001:db8:300::1']) / l4
        elif ext == 'rt-sl':
            p = ipl / IPv6ExtHdrRouting(type=0, segleft=1, addresses=['2001:db8:300::1']) / l4
        elif ext == 'frag-atomic':
            p = ipl / IPv6ExtHdrFragment(offset=0, m=0, id=r.getrandbits(32)) / l4
        elif ext == 'frag':
            p = ipl / IPv6ExtHdrFragment(offset=r.choice([0, 10]), m=1, id=r.getrandbits(32)) / \
                Raw(bytes(ipl / l4)[40:88])
        else:
            p = ipl / l4
        b = bytes(p)
        if out:
            vl = h.vlan
            fr = eth_hdr(h.l2mac, IOT_MAC if h.vlan else LAN_MAC, 0x86dd, vl) + b
            wire = 'lan0'
        else:
            fr = eth_hdr(GW_MAC, WAN_MAC, 0x86dd) + b
            wire = 'wan0'
        if r.random() < 0.06:
            fr, cls = self.mutate(fr, cls)
        self.emit(wire, fr, cls)

    def ev_other_proto(self):
        r = self.rng
        h = self.pick_host()
        remote = r.choice(REMOTES)
        out = r.random() < 0.6
        src, dst = (h.ip, remote) if out else (remote, r.choice(self.w.pool_addrs + [h.ip]))
        x = r.random()
        if x < 0.3:
            ip = bytes(IP(src=src, dst=dst, proto=47, id=self.w.ipid()) /
                       Raw(b'\0\0\x08\0' + randbytes(r, 24)))              # GRE
        elif x < 0.5:
            ip = bytes(IP(src=src, dst=dst, proto=50, id=self.w.ipid()) /
                       Raw(randbytes(r, 40)))                               # ESP
        elif x < 0.6:
            ip = bytes(IP(src=src, dst=dst, proto=132, id=self.w.ipid()) /
                       Raw(randbytes(r, 28)))                               # SCTP
        else:
            ip = bytes(IP(src=src, dst=dst, id=self.w.ipid()) /
                       ICMP(type=r.choice([13, 14, 17, 10, 9, 0]), id=r.randint(0, 65535)) /
                       Raw(b'\0' * 12))                                     # ICMP queries
        wire, fr = self.frame4(h if out else 'gw', ip, out)
        self.emit_mod(wire, fr, 'other-proto')

    def ev_local(self):
        r = self.rng
        h = self.pick_host()
        inside = r.random() < 0.6
        if inside:
            dst = r.choice([LAN_V4, WAN_V4] + ([IOT_V4] if self.w.vlan_iface else []))
            src = h.ip
        else:
            dst = r.choice([WAN_V4, LAN_V4])
            src = r.choice(REMOTES)
        ip = r.choice([self.echo_ip(src, dst, r.randint(0, 65535), 1, b'hello gw'),
                       self.udp_ip(src, dst, 5000, r.choice([53, 33434, 161]), b'q'),
                       self.tcp_ip(src, dst, 5000, 22, 'S', 1, 0),
                       bytes(IP(src=src, dst=dst, id=self.w.ipid()) /
                             ICMP(type=13, id=1, seq=1) / Raw(b'\0' * 12))])
        if inside:
            wire, fr = self.frame4(h, ip, True)
        else:
            wire, fr = self.frame4('gw', ip, False)
        self.emit_mod(wire, fr, 'local')

    def ev_bcast(self):
        r = self.rng
        h = self.pick_host()
        x = r.random()
        if x < 0.7:
            dst = r.choice(['255.255.255.255', '192.168.1.255', '192.168.1.0', '224.0.0.251',
                            '239.1.2.3', '203.0.113.255', '198.51.100.255'])
            l2dst = r.choice(['ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb', None])
            src = h.ip if r.random() < 0.8 else '192.168.1.255'
            ip = self.udp_ip(src, dst, 5353, 5353, b'mdns?')
            if r.random() < 0.3:
                # unicast IP in an L2 broadcast frame
                ip = self.udp_ip(h.ip, r.choice(REMOTES), 5000, 53, b'bcast frame')
            if r.random() < 0.5:
                fr = eth_hdr(h.l2mac, l2dst or LAN_MAC, 0x0800, h.vlan) + ip
                wire = 'lan0'
            else:
                ip = self.udp_ip(r.choice(REMOTES), dst, 5353, 5353, b'from outside')
                fr = eth_hdr(GW_MAC, l2dst or WAN_MAC, 0x0800) + ip
                wire = 'wan0'
        else:
            dst6 = r.choice(['ff02::1', 'ff02::2', 'ff05::1:3', 'ff0e::101', 'ff02::1:ff00:10'])
            ip = bytes(IPv6(src=h.ip6 or 'fd00:1::10', dst=dst6, hlim=r.choice([1, 64, 255])) /
                       UDP(sport=5353, dport=5353) / Raw(b'v6 mcast'))
            mac = '33:33:' + ':'.join('%02x' % x for x in ipaddress.ip_address(dst6).packed[-4:])
            fr = eth_hdr(h.l2mac, mac, 0x86dd, h.vlan) + ip
            wire = 'lan0'
        self.emit(wire, fr, 'bcast')

    def ev_arp(self):
        r = self.rng
        h = self.pick_host()
        tgt = r.choice([LAN_V4, WAN_V4, self.w.pool0, '192.168.1.99'])
        op = r.choice([1, 1, 2])
        body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mac_b(h.mac) + v4b(h.ip) + \
            (b'\0' * 6 if op == 1 else mac_b(LAN_MAC)) + v4b(tgt)
        fr = eth_hdr(h.mac, 'ff:ff:ff:ff:ff:ff' if op == 1 else LAN_MAC, 0x0806, h.vlan) + body
        if r.random() < 0.5:
            fr += b'\0' * 18
        self.emit('lan0', fr, 'arp')

    def ev_vlan(self):
        r = self.rng
        h = self.pick_host()
        ip = self.udp_ip(h.ip, r.choice(REMOTES), 4444, 53, b'tagged')
        x = r.random()
        if x < 0.4:
            fr = eth_hdr(h.l2mac, IOT_MAC if self.w.vlan_iface else LAN_MAC, 0x0800,
                         IOT_VLAN, prio=r.choice([0, 5])) + ip
        elif x < 0.6:
            fr = eth_hdr(h.l2mac, LAN_MAC, 0x0800, r.choice([30, 4095, 0])) + ip
        elif x < 0.8:
            fr = eth_hdr(h.l2mac, LAN_MAC, 0x8100, 20) + struct.pack('!HH', 20, 0x0800) + ip
        else:
            fr = mac_b(LAN_MAC) + mac_b(h.l2mac) + struct.pack('!HH', 0x88a8, 20) + \
                struct.pack('!HHH', 0x8100, 20, 0x0800) + ip
        wire = 'lan0' if r.random() < 0.8 else 'wan0'
        self.emit(wire, fr, 'vlan')

    def ev_l2(self):
        r = self.rng
        h = self.pick_host()
        ip = self.udp_ip(h.ip, r.choice(REMOTES), 4444, 53, b'l2')
        x = r.random()
        if x < 0.3:
            fr = eth_hdr(h.l2mac, r.choice(['02:00:00:00:99:99', WAN_MAC]), 0x0800) + ip
        elif x < 0.6:
            fr = eth_hdr(h.l2mac, LAN_MAC, r.choice([0x88cc, 0x8863, 0x8137, 0x0842])) + ip
        elif x < 0.8:
            fr = eth_hdr(h.l2mac, LAN_MAC, 0x86dd) + ip       # IPv4 inside an IPv6 type
        else:
            fr = randbytes(r, r.randint(0, 13))
        self.emit(r.choice(['lan0', 'wan0']), fr, 'l2')

    def ev_inside_routed(self):
        r = self.rng
        h = self.pick_host()
        others = [x for x in self.w.hosts if x is not h]
        d = r.choice(others)
        ip = r.choice([self.udp_ip(h.ip, d.ip, 4000, 4001, self.payload()),
                       self.tcp_ip(h.ip, d.ip, 4000, 22, 'S', 1, 0),
                       self.echo_ip(h.ip, d.ip, 5, 1, b'inside')])
        if r.random() < 0.2:
            frs = fragments(ip, r, 2)
            if r.random() < 0.5:
                frs = frs[::-1]
            for i, fr in enumerate(frs):
                if i:
                    self.tick()
                wire, b = self.frame4(h, fr, True)
                self.emit(wire, b, 'inside-frag')
            return
        wire, fr = self.frame4(h, ip, True)
        self.emit_mod(wire, fr, 'inside-routed')

    EVENTS = [('tcp', 22), ('udp', 16), ('echo', 7), ('forward', 6), ('unsolicited', 6),
              ('hairpin', 4), ('icmp_err_in', 6), ('icmp_err_out', 3), ('frag', 5), ('ipv6', 6),
              ('local', 2), ('bcast', 2), ('arp', 1), ('vlan', 2), ('l2', 1),
              ('inside_routed', 2), ('other_proto', 2)]

    def run(self):
        names = [e for e, _ in self.EVENTS]
        weights = [w for _, w in self.EVENTS]
        while len(self.out) < self.n:
            self.tick()
            ev = self.rng.choices(names, weights)[0]
            getattr(self, 'ev_' + ev)()
        return self.out[:self.n]


# ---------------------------------------------------------------------------
# Replaying and comparing

PCAP_GLOBAL = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def write_pcap(path, pkts):
    with open(path, 'wb') as f:
        f.write(PCAP_GLOBAL)
        for t, data in pkts:
            f.write(struct.pack('<IIII', t // US, t % US, len(data), len(data)))
            f.write(data)


WIRES = ('lan0', 'wan0')


def split_wires(stream):
    """stream: list of [t, wire, bytes, cls] in time order -> {wire: [(t, bytes)]}
    and {wire: [global index]}."""
    per, idx = {w: [] for w in WIRES}, {w: [] for w in WIRES}
    for gi, (t, wire, data, _) in enumerate(stream):
        per[wire].append((t, data))
        idx[wire].append(gi)
    return per, idx


class ReplayError(Exception):
    pass


def replay(binary, config_path, inputs_dir, out_dir, seed, timeout):
    os.makedirs(out_dir, exist_ok=True)
    cmd = [binary, 'replay', '--config', config_path]
    for w in WIRES:
        cmd += ['--in', '%s=%s' % (w, os.path.join(inputs_dir, w + '.pcap'))]
    cmd += ['--out-dir', out_dir, '--seed', str(seed), '--json']
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ReplayError('timed out after %ds: %s' % (timeout, ' '.join(cmd)))
    out = r.stdout.decode('utf-8', 'replace')
    err = r.stderr.decode('utf-8', 'replace')
    if r.returncode != 0:
        raise ReplayError('exit status %d: %s\n%s' % (r.returncode, ' '.join(cmd),
                                                      err.strip()[-2000:]))
    try:
        counters = parse_json_stdout(out)
    except ValueError as e:
        raise ReplayError('%s: %s' % (e, out[-500:]))
    outputs = {}
    for f in sorted(os.listdir(out_dir)):
        if f.endswith('.pcap'):
            outputs[f[:-5]] = [(int(round(t * US)), d) for t, d in
                               read_packets(os.path.join(out_dir, f))]
    return cmd, counters, outputs


def counter_view(c):
    p = c.get('packets', {})
    out = {'packets.' + k: p.get(k, 0) for k in ('rx', 'forwarded', 'local', 'dropped', 'held')}
    for k, v in c.get('drops', {}).items():
        out['drops.' + k] = v
    return out


def expected_dp_counters(xc, n_kernel):
    """The DP's counters XDP's imply, given what was removed from the DP's
    input: the n_kernel packets XDP passed (XDP counts them "local")."""
    e = dict(xc)
    e['packets.rx'] -= n_kernel
    e['packets.local'] -= n_kernel
    return e


class Result:
    def __init__(self):
        self.diffs = []         # (key, lines)
        self.keys = set()
        self.when = {}          # output key -> time of its first difference

    def focus(self):
        """The difference to minimise for: the earliest output difference,
        else the first counter."""
        if self.when:
            return min(self.when, key=lambda k: (self.when[k], k))
        return self.diffs[0][0]


def compare(xdp, dp, n_kernel):
    res = Result()
    _, xc, xo = xdp
    _, dc, do = dp
    for iface in sorted(set(xo) | set(do)):
        a, b = xo.get(iface, []), do.get(iface, [])
        lines = []
        for i, (pa, pb) in enumerate(zip(a, b)):
            if pa[1] != pb[1] or pa[0] != pb[0]:
                lines.append('%s: output packet #%d differs (%s)' % (
                    iface, i, 'bytes' if pa[1] != pb[1] else 'timestamp %d vs %d' %
                    (pa[0], pb[0])))
                lines.append('  xdp: t=%.6f %s' % (pa[0] / US, summary_line(pa[1])))
                lines.append('  dp:  t=%.6f %s' % (pb[0] / US, summary_line(pb[1])))
                res.when['out.' + iface] = min(pa[0], pb[0])
                break
        if not lines and len(a) != len(b):
            lines.append('%s: xdp sent %d packets, dp %d' % (iface, len(a), len(b)))
            longer, who = (a, 'xdp') if len(a) > len(b) else (b, 'dp')
            res.when['out.' + iface] = longer[min(len(a), len(b))][0]
            for i in range(min(len(a), len(b)), min(len(longer), min(len(a), len(b)) + 5)):
                lines.append('  only %s #%d t=%.6f %s' % (who, i, longer[i][0] / US,
                                                          summary_line(longer[i][1])))
        if lines:
            res.diffs.append(('out.' + iface, lines))
            res.keys.add('out.' + iface)
    xv, dv = counter_view(xc), counter_view(dc)
    exp = expected_dp_counters(xv, n_kernel)
    for k in sorted(set(exp) | set(dv)):
        if exp.get(k, 0) != dv.get(k, 0):
            res.diffs.append((k, ['counter %s: xdp %d (implies dp %d), dp %d' %
                                  (k, xv.get(k, 0), exp.get(k, 0), dv.get(k, 0))]))
            res.keys.add(k)
    return res


class Runner:
    def __init__(self, args):
        self.args = args
        self.runs = 0

    def run(self, seed, config, stream, workdir):
        """Replay stream on both backends; returns (result, detail dict)."""
        os.makedirs(workdir, exist_ok=True)
        cfg = os.path.join(workdir, 'config')
        with open(cfg, 'w') as f:
            f.write(config)
        per, idx = split_wires(stream)
        xin = os.path.join(workdir, 'in')
        os.makedirs(xin, exist_ok=True)
        for w in WIRES:
            write_pcap(os.path.join(xin, w + '.pcap'), per[w])
        self.runs += 1
        xdp = replay(self.args.sluice_xdp, cfg, xin, os.path.join(workdir, 'xdp-out'), seed,
                     self.args.timeout)
        kern = xdp[1].get('kernel')
        if not isinstance(kern, dict):
            raise ReplayError('sluice-xdp printed no "kernel" object')
        kernel = set()
        for w in WIRES:
            for i in kern.get(w, []):
                kernel.add(idx[w][i])
        kept = [gi for gi in range(len(stream)) if gi not in kernel]
        dstream = [stream[gi] for gi in kept]
        dper, _ = split_wires(dstream)
        din = os.path.join(workdir, 'dp-in')
        os.makedirs(din, exist_ok=True)
        for w in WIRES:
            write_pcap(os.path.join(din, w + '.pcap'), dper[w])
        dp = replay(self.args.sluice_dp, cfg, din, os.path.join(workdir, 'dp-out'), seed,
                    self.args.timeout)
        res = compare(xdp, dp, len(kernel))
        return res, dict(xdp=xdp, dp=dp, kernel=kernel)


def minimise(runner, seed, config, stream, focus, workdir, budget, log):
    """Smallest stream (by delta debugging) whose replays still differ at
    `focus` (a comparison key: an output interface or a counter)."""
    deadline = time.time() + budget
    n_tests = [0]

    def fails(sub):
        if time.time() > deadline:
            return False
        n_tests[0] += 1
        try:
            res, _ = runner.run(seed, config, sub, workdir)
        except ReplayError as e:
            log('  (a replay failed while minimising: %s)' % str(e).splitlines()[0])
            return False
        return focus in res.keys

    cur = list(stream)
    # 1. the shortest failing prefix (binary search)
    lo, hi = 1, len(cur)
    while lo < hi:
        mid = (lo + hi) // 2
        if fails(cur[:mid]):
            hi = mid
        else:
            lo = mid + 1
    cur = cur[:hi]
    log('  shortest failing prefix: %d packets' % len(cur))
    # 2. whole classes of packets at once
    for cls in sorted({p[3] for p in cur[:-1]}):
        cand = [p for p in cur[:-1] if p[3] != cls] + cur[-1:]
        if len(cand) < len(cur) and fails(cand):
            cur = cand
    log('  after removing whole classes: %d packets' % len(cur))
    # 3. delta debugging: remove chunks of halving size, from the end
    chunk = max(1, len(cur) // 2)
    while True:
        end = len(cur)
        while end > 0 and len(cur) > 1:
            start = max(0, end - chunk)
            cand = cur[:start] + cur[end:]
            if cand and fails(cand):
                cur = cand
            end = start
        if chunk == 1 or time.time() > deadline:
            break
        chunk = max(1, chunk // 2)
    log('  minimised to %d packets in %d replay pairs' % (len(cur), n_tests[0]))
    return cur


def show_frame(data, indent='    '):
    return [indent + x for x in dissect(data)]


def brief(data):
    """One line: scapy's summary and the IPv4 fields NAT and routing touch."""
    line = summary_line(data)
    try:
        from scapy.all import Ether
        p = Ether(data)
        if IP in p:
            line += ' (ttl %d, id %d, len %d, flags %s, frag %d)' % (
                p[IP].ttl, p[IP].id, p[IP].len, p[IP].flags, p[IP].frag)
    except Exception:  # noqa: BLE001 - a summary is best effort
        pass
    return line


def describe(seed, config, stream, detail, res):
    lines = ['seed %d: minimal reproducer, %d input packets' % (seed, len(stream))]
    lines.append('config:')
    lines += ['    ' + x for x in config.rstrip('\n').splitlines()]
    lines.append('in short:')
    per_wire = {w: 0 for w in WIRES}
    for gi, (t, wire, data, cls) in enumerate(stream):
        mark = ' [XDP_PASS]' if gi in detail['kernel'] else ''
        lines.append('    in  %s[%d] t=%.6f %s%s' % (wire, per_wire[wire], t / US, brief(data),
                                                      mark))
        per_wire[wire] += 1
    for name in ('xdp', 'dp'):
        for iface, pkts in sorted(detail[name][2].items()):
            for i, (t, data) in enumerate(pkts):
                lines.append('    %-3s %s #%d t=%.6f %s' % (name, iface, i, t / US, brief(data)))
    lines.append('in full:')
    per_wire = {w: 0 for w in WIRES}
    for gi, (t, wire, data, cls) in enumerate(stream):
        tags = []
        if gi in detail['kernel']:
            tags.append('XDP_PASS: not given to the DP')
        lines.append('input #%d: %s[%d] t=%.6f class %s%s' % (
            gi, wire, per_wire[wire], t / US, cls, ' (' + '; '.join(tags) + ')' if tags else ''))
        per_wire[wire] += 1
        lines += show_frame(data)
        lines.append('    hex: ' + data.hex())
    for name in ('xdp', 'dp'):
        _, c, outs = detail[name]
        for iface in sorted(outs):
            for i, (t, data) in enumerate(outs[iface]):
                lines.append('%s output %s #%d t=%.6f:' % (name, iface, i, t / US))
                lines += show_frame(data)
                lines.append('    hex: ' + data.hex())
    xv, dv = counter_view(detail['xdp'][1]), counter_view(detail['dp'][1])
    lines.append('counters (non-zero):            xdp      dp')
    for k in sorted(set(xv) | set(dv)):
        if xv.get(k, 0) or dv.get(k, 0):
            lines.append('    %-32s %6d  %6d' % (k, xv.get(k, 0), dv.get(k, 0)))
    lines.append('kernel (XDP_PASS): %s' % json.dumps(detail['xdp'][1].get('kernel')))
    lines.append('differences:')
    for _, dl in res.diffs:
        lines += ['    ' + x for x in dl]
    return lines


def save_repro(seed, config, stream, detail, res, text, keep_dir):
    base = keep_dir or '/tmp'
    d = tempfile.mkdtemp(prefix='diff-repro-seed%d-' % seed, dir=base)
    with open(os.path.join(d, 'config'), 'w') as f:
        f.write(config)
    per, _ = split_wires(stream)
    for w in WIRES:
        write_pcap(os.path.join(d, w + '.in.pcap'), per[w])
    kept = [s for gi, s in enumerate(stream) if gi not in detail['kernel']]
    dper, _ = split_wires(kept)
    for w in WIRES:
        write_pcap(os.path.join(d, w + '.dp-in.pcap'), dper[w])
    for name in ('xdp', 'dp'):
        cmd, c, outs = detail[name]
        od = os.path.join(d, name + '-out')
        os.makedirs(od, exist_ok=True)
        for iface, pkts in outs.items():
            write_pcap(os.path.join(od, iface + '.pcap'), pkts)
        with open(os.path.join(d, name + '.json'), 'w') as f:
            json.dump(c, f, indent=1, sort_keys=True)
            f.write('\n')
    with open(os.path.join(d, 'README.txt'), 'w') as f:
        f.write('Reproduce (from the repository root):\n')
        f.write('  sluice-xdp replay --config %s/config --in lan0=%s/lan0.in.pcap '
                '--in wan0=%s/wan0.in.pcap --out-dir OUT --seed %d --json\n' % (d, d, d, seed))
        f.write('  sluice-dp replay --config %s/config --in lan0=%s/lan0.dp-in.pcap '
                '--in wan0=%s/wan0.dp-in.pcap --out-dir OUT --seed %d --json\n\n' % (d, d, d,
                                                                                   seed))
        f.write('\n'.join(text) + '\n')
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sluice-dp', help='path of the sluice-dp binary')
    ap.add_argument('--sluice-xdp', help='path of the sluice-xdp binary')
    ap.add_argument('--seeds', type=int, default=12, help='number of seeds (default 12)')
    ap.add_argument('--packets', type=int, default=400, help='packets per seed (default 400)')
    ap.add_argument('--seed-base', type=int, default=1, help='first seed (default 1)')
    ap.add_argument('--keep', metavar='DIR',
                    help='keep every seed\'s work directory (and reproducers) under DIR')
    ap.add_argument('--exclude', action='append', default=[], metavar='CLASS',
                    help='leave a class of generated packets, or a config feature, out '
                    '(repeatable; see --list-classes)')
    ap.add_argument('--list-classes', action='store_true')
    ap.add_argument('--keep-going', action='store_true',
                    help='after a mismatching seed, go on with the next seeds')
    ap.add_argument('--no-minimise', action='store_true')
    ap.add_argument('--budget', type=int, default=600,
                    help='seconds the minimisation of one mismatch may take (default 600)')
    ap.add_argument('--timeout', type=int, default=120, help='per-replay timeout, seconds')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()

    if args.list_classes:
        print('packet classes:')
        for k, v in CLASSES.items():
            print('  %-14s %s' % (k, v))
        print('config features:')
        for k, v in FEATURES.items():
            print('  %-14s %s' % (k, v))
        return 0
    bad = [c for c in args.exclude if c not in CLASSES and c not in FEATURES]
    if bad:
        ap.error('unknown class(es) %s (see --list-classes)' % ', '.join(bad))
    if not args.sluice_dp or not args.sluice_xdp:
        ap.error('--sluice-dp PATH and --sluice-xdp PATH are required')
    why = xdp_unavailable(args.sluice_xdp)
    if why:
        if os.geteuid() == 0:
            # as root the program must load: a verifier rejection is a failure
            print('FAIL: %s' % why)
            return 1
        print('SKIP: the XDP program cannot be loaded here (root/CAP_BPF): %s' % why[-200:])
        return SKIP
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    def log(s):
        print(s)
        sys.stdout.flush()

    if args.exclude:
        log('excluded from every stream: %s' % ', '.join(args.exclude))
    runner = Runner(args)
    t0 = time.time()
    matched = failed = 0
    for seed in range(args.seed_base, args.seed_base + args.seeds):
        g = Gen(seed, args.packets, args.exclude)
        stream = [p for p in g.run() if p[3] not in args.exclude]
        config = g.w.config()
        if args.keep:
            work = os.path.join(args.keep, 'seed%d' % seed)
            shutil.rmtree(work, ignore_errors=True)
        else:
            work = tempfile.mkdtemp(prefix='diff-seed%d-' % seed)
        try:
            try:
                res, detail = runner.run(seed, config, stream, work)
            except ReplayError as e:
                log('FAIL seed %d: a replay failed: %s' % (seed, e))
                failed += 1
                if not args.keep_going:
                    break
                continue
            xc = detail['xdp'][1]['packets']
            summary = ('%d packets: xdp forwarded %d, dropped %d, held %d, kernel %d'
                       % (len(stream), xc['forwarded'], xc['dropped'], xc.get('held', 0),
                          len(detail['kernel'])))
            if not res.diffs:
                matched += 1
                log('PASS seed %d: %s' % (seed, summary))
                continue
            failed += 1
            log('FAIL seed %d: %s' % (seed, summary))
            for _, lines in res.diffs:
                for x in lines:
                    log('  ' + x)
            if args.verbose:
                log('  config:')
                for x in config.splitlines():
                    log('    ' + x)
            focus = res.focus()
            small = stream
            if not args.no_minimise:
                log('  minimising (focus: %s) ...' % focus)
                mwork = tempfile.mkdtemp(prefix='diff-min-seed%d-' % seed)
                try:
                    small = minimise(runner, seed, config, stream, focus, mwork, args.budget,
                                     log)
                finally:
                    shutil.rmtree(mwork, ignore_errors=True)
            rwork = tempfile.mkdtemp(prefix='diff-final-seed%d-' % seed)
            try:
                res2, det2 = runner.run(seed, config, small, rwork)
            finally:
                shutil.rmtree(rwork, ignore_errors=True)
            text = describe(seed, config, small, det2, res2)
            d = save_repro(seed, config, small, det2, res2, text, args.keep)
            if len(small) <= 40 or args.verbose:
                for x in text:
                    log('  ' + x)
            log('  reproducer written to %s (README.txt there: packets, outputs, counters)' % d)
            if not args.keep_going:
                break
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    log('%d seeds matched, %d differed (%d replay pairs, %.0f s)' % (
        matched, failed, runner.runs, time.time() - t0))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
