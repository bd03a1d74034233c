"""Shared helpers for pcap-tests case generators.

Every generator builds its input frames and the frames the gateway must send
from first principles (the rules in README.md "Packet behaviour, exactly"),
never from sluice's output. This module holds the pieces several cases need:

- deterministic pcap writing (explicit timestamps, fixed global header),
- the standard lab topology (MACs and addresses used by most cases),
- the modified EUI-64 link-local address of a MAC,
- IPv4/IPv6 forwarding rewrites done at byte level (TTL/hop limit, checksum),
- ICMP/ICMPv6 error frames, ARP replies/requests, ND solicitations and
  advertisements, built field by field,
- expect.json writing with sanity checks.

Run generators with /usr/bin/python3 (Debian's python3-scapy).
"""

import json
import os
import struct
import sys

from scapy.all import (ARP, Dot1Q, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, Raw, conf)

conf.verb = 0

# ---------------------------------------------------------------------------
# The standard topology. Cases may add interfaces, but reuse these values so
# that diffs are easy to read.

LAN = dict(name='lan0', mac='02:00:00:00:01:01', v4='192.168.1.1', v4len=24,
           v6='fd00:1::1', v6len=64, vlan=None)
WAN = dict(name='wan0', mac='02:00:00:00:02:01', v4='203.0.113.2', v4len=24,
           v6='2001:db8:ffff::2', v6len=64, vlan=None)
DMZ = dict(name='dmz0', mac='02:00:00:00:03:01', v4='192.168.2.1', v4len=24,
           v6='fd00:2::1', v6len=64, vlan=None)

H1_MAC = '02:00:00:00:01:0a'    # LAN host
H1_V4 = '192.168.1.10'
H1_V6 = 'fd00:1::10'
GW_MAC = '02:00:00:00:02:fe'    # upstream router on wan0
GW_V4 = '203.0.113.1'
GW_V6 = '2001:db8:ffff::1'
DMZ_GW_MAC = '02:00:00:00:03:fe'
DMZ_GW_V4 = '192.168.2.254'
DMZ_GW_V6 = 'fd00:2::fe'
REMOTE_V4 = '198.51.100.7'      # somewhere behind the upstream router
REMOTE_V6 = '2001:db8:100::7'

BCAST = 'ff:ff:ff:ff:ff:ff'


def iface_line(i, device=None, extra=''):
    """Config line for an interface dict (no role: plain routing, no NAT)."""
    parts = ['interface', i['name'], 'device', device or ('port-' + i['name'])]
    if i.get('vlan'):
        parts += ['vlan', str(i['vlan'])]
    if i.get('v4'):
        parts += ['address', '%s/%d' % (i['v4'], i['v4len'])]
    if i.get('v6'):
        parts += ['address', '%s/%d' % (i['v6'], i['v6len'])]
    parts += ['mac', i['mac']]
    if extra:
        parts.append(extra)
    return ' '.join(parts)


def standard_config(ifaces=(LAN, WAN), extra_lines=(), header=None):
    lines = []
    if header:
        lines += ['# ' + h for h in header.splitlines()]
    lines += [iface_line(i) for i in ifaces]
    lines += list(extra_lines)
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------------------
# Small pure helpers


def csum(data):
    """RFC 1071 Internet checksum of bytes."""
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(':'))


def eui64_link_local(mac):
    """fe80::/64 + modified EUI-64 (RFC 4291 appendix A) of a MAC."""
    b = bytearray(mac_bytes(mac))
    b[0] ^= 0x02
    iid = bytes(b[:3]) + b'\xff\xfe' + bytes(b[3:])
    import ipaddress
    return str(ipaddress.IPv6Address(b'\xfe\x80' + b'\0' * 6 + iid))


def solicited_node(addr):
    """ff02::1:ffXX:XXXX for an IPv6 address, and its 33:33:ff:.. MAC."""
    import ipaddress
    last3 = ipaddress.IPv6Address(addr).packed[-3:]
    ip = str(ipaddress.IPv6Address(bytes.fromhex('ff02' + '00' * 8 + '0001ff') + last3))
    mac = '33:33:ff:%02x:%02x:%02x' % tuple(last3)
    return ip, mac


def at(pkt, t):
    """Set the timestamp of a packet (returns it, for chaining)."""
    pkt.time = t
    return pkt


def raw_frame(data, t):
    """A frame given as raw bytes (for malformed inputs)."""
    p = Raw(load=bytes(data))
    p.time = t
    return p


def l2(src, dst, vlan=None, ethertype=0x0800):
    """Ethernet header (plus one 802.1Q tag with PCP 0 when vlan is set)."""
    if vlan:
        return Ether(dst=dst, src=src, type=0x8100) / Dot1Q(prio=0, id=0, vlan=vlan,
                                                             type=ethertype)
    return Ether(dst=dst, src=src, type=ethertype)


def l2_len(frame):
    b = bytes(frame)
    et = struct.unpack('!H', b[12:14])[0]
    return 18 if et == 0x8100 else 14


def ip_packet(frame):
    """The IP packet inside a frame, without Ethernet padding (by IP length)."""
    b = bytes(frame)
    off = l2_len(frame)
    ver = b[off] >> 4
    if ver == 4:
        tot = struct.unpack('!H', b[off + 2:off + 4])[0]
        return b[off:off + tot]
    if ver == 6:
        plen = struct.unpack('!H', b[off + 4:off + 6])[0]
        return b[off:off + 40 + plen]
    raise ValueError('not IP')


# ---------------------------------------------------------------------------
# What the gateway sends


def forward4(frame, out_iface, next_hop_mac, t=None):
    """IPv4 frame as forwarded: new MACs, TTL - 1, header checksum redone,
    Ethernet padding not copied, tag of the egress interface."""
    ip = bytearray(ip_packet(frame))
    ihl = (ip[0] & 0xf) * 4
    ip[8] -= 1
    ip[10:12] = b'\0\0'
    ip[10:12] = struct.pack('!H', csum(bytes(ip[:ihl])))
    out = Ether(bytes(l2(out_iface['mac'], next_hop_mac, out_iface.get('vlan'), 0x0800))
                + bytes(ip))
    out.time = frame.time if t is None else t
    return out


def forward6(frame, out_iface, next_hop_mac, t=None):
    """IPv6 frame as forwarded: new MACs, hop limit - 1."""
    ip = bytearray(ip_packet(frame))
    ip[7] -= 1
    out = Ether(bytes(l2(out_iface['mac'], next_hop_mac, out_iface.get('vlan'), 0x86dd))
                + bytes(ip))
    out.time = frame.time if t is None else t
    return out


def src_mac(frame):
    return ':'.join('%02x' % x for x in bytes(frame)[6:12])


def ip4_header(src, dst, payload_len, proto, tos=0, ident=0, flags_frag=0, ttl=64):
    h = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + payload_len, ident, flags_frag,
                              ttl, proto, 0, _v4(src), _v4(dst)))
    h[10:12] = struct.pack('!H', csum(bytes(h)))
    return bytes(h)


def _v4(a):
    import ipaddress
    return ipaddress.IPv4Address(a).packed


def _v6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def icmp4_error(frame, in_iface, icmp_type, code, rest=0, t=None):
    """ICMP error about `frame` (as received on in_iface), per README:
    back to the frame's source MAC, tagged as the ingress interface; IPv4 header
    v4 IHL 5 TOS 0xc0 id 0 no flags TTL 64 proto 1, src = first IPv4 address of
    the ingress interface, dst = offending source; ICMP type/code, 4 bytes
    `rest` (0, or the next-hop MTU for code 4), then the offending IP packet as
    received, cut so the whole error is at most 576 bytes."""
    orig = ip_packet(frame)
    quote = orig[:576 - 20 - 8]
    icmp = bytearray(struct.pack('!BBHI', icmp_type, code, 0, rest) + quote)
    icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
    orig_src = '.'.join(str(x) for x in orig[12:16])
    ip = ip4_header(in_iface['v4'], orig_src, len(icmp), 1, tos=0xc0, ident=0, ttl=64)
    out = Ether(bytes(l2(in_iface['mac'], src_mac(frame), in_iface.get('vlan'), 0x0800))
                + ip + bytes(icmp))
    out.time = frame.time if t is None else t
    return out


def icmp6_csum(src, dst, icmp):
    pseudo = _v6(src) + _v6(dst) + struct.pack('!I3xB', len(icmp), 58)
    return csum(pseudo + icmp)


def ip6_header(src, dst, payload_len, nh, hlim, tc=0, fl=0):
    return struct.pack('!IHBB16s16s', (6 << 28) | (tc << 20) | fl, payload_len, nh, hlim,
                       _v6(src), _v6(dst))


def icmp6_error(frame, in_iface, icmp_type, code, rest=0, t=None, src=None):
    """ICMPv6 error about `frame`: hop limit 64, TC 0, flow label 0, source =
    first global address of the ingress interface (link-local if none),
    quote cut so the whole error is at most 1280 bytes."""
    import ipaddress
    orig = ip_packet(frame)
    quote = orig[:1280 - 40 - 8]
    orig_src = str(ipaddress.IPv6Address(orig[8:24]))
    if src is None:
        src = in_iface.get('v6') or eui64_link_local(in_iface['mac'])
    icmp = bytearray(struct.pack('!BBHI', icmp_type, code, 0, rest) + quote)
    icmp[2:4] = struct.pack('!H', icmp6_csum(src, orig_src, bytes(icmp)))
    ip = ip6_header(src, orig_src, len(icmp), 58, 64)
    out = Ether(bytes(l2(in_iface['mac'], src_mac(frame), in_iface.get('vlan'), 0x86dd))
                + ip + bytes(icmp))
    out.time = frame.time if t is None else t
    return out


def arp_request_in(sender_mac, sender_ip, target_ip, dst=BCAST, vlan=None, pad=True, t=0):
    """An ARP request as a host sends it (padded to 60 bytes on the wire)."""
    p = l2(sender_mac, dst, vlan, 0x0806) / ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=1,
                                                 hwsrc=sender_mac, psrc=sender_ip,
                                                 hwdst='00:00:00:00:00:00', pdst=target_ip)
    if pad:
        p = Ether(_pad60(bytes(p)))
    p.time = t
    return p


def arp_reply_in(sender_mac, sender_ip, target_mac, target_ip, vlan=None, pad=True, t=0):
    """An ARP reply as a neighbour sends it (padded to 60 bytes)."""
    p = l2(sender_mac, target_mac, vlan, 0x0806) / ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4,
                                                        op=2, hwsrc=sender_mac, psrc=sender_ip,
                                                        hwdst=target_mac, pdst=target_ip)
    if pad:
        p = Ether(_pad60(bytes(p)))
    p.time = t
    return p


def _pad60(b):
    return b + b'\0' * max(0, 60 - len(b))


def arp_reply_out(request, iface, t=None):
    """The gateway's reply to an ARP request received on iface (42 bytes, or
    46 with the interface's tag)."""
    a = request[ARP]
    p = l2(iface['mac'], a.hwsrc, iface.get('vlan'), 0x0806) / ARP(
        hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=2, hwsrc=iface['mac'], psrc=a.pdst,
        hwdst=a.hwsrc, pdst=a.psrc)
    p = Ether(bytes(p))
    p.time = request.time if t is None else t
    return p


def arp_request_out(iface, next_hop, sender_ip=None, t=0):
    """The gateway's broadcast ARP request for next_hop out of iface."""
    p = l2(iface['mac'], BCAST, iface.get('vlan'), 0x0806) / ARP(
        hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=1, hwsrc=iface['mac'],
        psrc=sender_ip or iface['v4'], hwdst='00:00:00:00:00:00', pdst=next_hop)
    p = Ether(bytes(p))
    p.time = t
    return p


def nd_ns(src_mac_, src_ip, target, dst_ip=None, dst_mac=None, sllao=True, hlim=255, vlan=None,
          t=0):
    """A neighbour solicitation (multicast to the solicited-node group by default)."""
    snip, snmac = solicited_node(target)
    dst_ip = dst_ip or snip
    dst_mac = dst_mac or snmac
    p = (l2(src_mac_, dst_mac, vlan, 0x86dd)
         / IPv6(version=6, tc=0, fl=0, hlim=hlim, src=src_ip, dst=dst_ip, nh=58)
         / ICMPv6ND_NS(type=135, code=0, res=0, tgt=target))
    if sllao:
        p = p / ICMPv6NDOptSrcLLAddr(type=1, len=1, lladdr=src_mac_)
    p = Ether(bytes(p))
    p.time = t
    return p


def nd_na(src_mac_, dst_mac, src_ip, dst_ip, target, r, s, o, tllao=True, hlim=255, vlan=None,
          t=0):
    """A neighbour advertisement."""
    p = (l2(src_mac_, dst_mac, vlan, 0x86dd)
         / IPv6(version=6, tc=0, fl=0, hlim=hlim, src=src_ip, dst=dst_ip, nh=58)
         / ICMPv6ND_NA(type=136, code=0, R=r, S=s, O=o, res=0, tgt=target))
    if tllao:
        p = p / ICMPv6NDOptDstLLAddr(type=2, len=1, lladdr=src_mac_)
    p = Ether(bytes(p))
    p.time = t
    return p


def nd_ns_out(iface, target, src_ip, t=0):
    """The gateway's multicast solicitation for target out of iface."""
    return nd_ns(iface['mac'], src_ip, target, vlan=iface.get('vlan'), t=t)


# ---------------------------------------------------------------------------
# Writing


PCAP_GLOBAL = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_bytes(pkts):
    out = bytearray(PCAP_GLOBAL)
    for p in pkts:
        data = bytes(p)
        if p.time is None:
            raise ValueError('packet without an explicit time')
        us = int(round(float(p.time) * 1000000))
        out += struct.pack('<IIII', us // 1000000, us % 1000000, len(data), len(data))
        out += data
    return bytes(out)


def _check_frame(p, where):
    """Dissect a frame with scapy and check the IPv4 header checksum it
    carries, over the raw bytes (unless the frame is marked broken)."""
    if id(p) in _BROKEN or isinstance(p, Raw):
        return
    b = bytes(p)
    Ether(b)  # must dissect
    off = l2_len(p)
    et = struct.unpack('!H', b[off - 2:off])[0]
    if et == 0x0800 and len(b) >= off + 20:
        ihl = (b[off] & 0xf) * 4
        if csum(b[off:off + ihl]) != 0:
            raise AssertionError('%s: bad IPv4 header checksum' % where)


class Case:
    """Collects inputs, expected outputs and counters of one case, then writes
    them into the case directory (or into $SLUICE_GEN_OUT if set: used by
    run.py --check-generated)."""

    def __init__(self, gen_file, config, description):
        self.src_dir = os.path.dirname(os.path.abspath(gen_file))
        self.out_dir = os.environ.get('SLUICE_GEN_OUT') or self.src_dir
        self.config = config
        self.description = ' '.join(description.split())
        self.inputs = {}    # iface -> [pkt]
        self.outputs = {}   # iface -> [pkt]
        self.order = []     # --in order

    def rx(self, iface, *pkts):
        name = iface if isinstance(iface, str) else iface['name']
        if name not in self.inputs:
            self.inputs[name] = []
            self.order.append(name)
        self.inputs[name].extend(pkts)

    def tx(self, iface, *pkts):
        name = iface if isinstance(iface, str) else iface['name']
        self.outputs.setdefault(name, []).extend(pkts)

    def write(self, packets, drops=None, extra=None):
        """packets: dict rx/forwarded/local/dropped; drops: reason -> count
        (every reason that must be non-zero; their sum must equal dropped)."""
        drops = drops or {}
        for k in ('rx', 'forwarded', 'local', 'dropped'):
            if k not in packets:
                raise ValueError('packets.%s missing' % k)
        n_in = sum(len(v) for v in self.inputs.values())
        if packets['rx'] != n_in:
            raise AssertionError('rx %d but %d input packets' % (packets['rx'], n_in))
        if packets['rx'] != packets['forwarded'] + packets['local'] + packets['dropped']:
            raise AssertionError('rx != forwarded + local + dropped')
        if sum(drops.values()) != packets['dropped']:
            raise AssertionError('sum of drops != dropped')
        for name, pkts in list(self.inputs.items()) + list(self.outputs.items()):
            for i, p in enumerate(pkts):
                _check_frame(p, '%s[%d]' % (name, i))
            times = [float(p.time) for p in pkts]
            if times != sorted(times):
                raise AssertionError('%s: timestamps not in order' % name)
        os.makedirs(self.out_dir, exist_ok=True)
        with open(os.path.join(self.out_dir, 'config'), 'w') as f:
            f.write(self.config)
        for name, pkts in self.inputs.items():
            with open(os.path.join(self.out_dir, name + '.in.pcap'), 'wb') as f:
                f.write(pcap_bytes(pkts))
        for name, pkts in self.outputs.items():
            if not pkts:
                continue
            with open(os.path.join(self.out_dir, name + '.out.pcap'), 'wb') as f:
                f.write(pcap_bytes(pkts))
        exp = {'description': self.description, 'inputs': self.order, 'packets': packets}
        if drops:
            exp['drops'] = drops
        if extra:
            exp.update(extra)
        with open(os.path.join(self.out_dir, 'expect.json'), 'w') as f:
            json.dump(exp, f, indent=2, sort_keys=True)
            f.write('\n')
        self.write_xdp(packets, drops, extra)


_BROKEN = set()


def broken(p):
    """Mark a frame as deliberately invalid (skip checksum sanity checks)."""
    _BROKEN.add(id(p))
    return p


def echo_reply4(request, in_iface, t=None):
    """Echo reply to an IPv4 echo request received on in_iface: the request's
    IPv4 header with source/destination swapped, TTL 64, options removed,
    id/TOS/flags kept, checksum recomputed; ICMP type 0 with the same
    id/seq/data; back to the request's source MAC, tagged as in_iface."""
    ip = ip_packet(request)
    ihl = (ip[0] & 0xf) * 4
    tos = ip[1]
    ident, flags_frag = struct.unpack('!HH', ip[4:8])
    src, dst = ip[12:16], ip[16:20]
    icmp = bytearray(ip[ihl:])
    icmp[0] = 0
    icmp[1] = 0
    icmp[2:4] = b'\0\0'
    icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
    hdr = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, tos, 20 + len(icmp), ident, flags_frag,
                                64, 1, 0, dst, src))
    hdr[10:12] = struct.pack('!H', csum(bytes(hdr)))
    out = Ether(bytes(l2(in_iface['mac'], src_mac(request), in_iface.get('vlan'), 0x0800))
                + bytes(hdr) + bytes(icmp))
    out.time = request.time if t is None else t
    return out


def echo_reply6(request, in_iface, t=None, ext_len=0, src=None):
    """Echo reply to an ICMPv6 echo request: hop limit 64, traffic class and
    flow label kept, source = the address the request was sent to (or `src`:
    a unicast address answering for an anycast one), no extension headers
    (the request's `ext_len` bytes of them after the fixed header are left
    out of the reply)."""
    import ipaddress
    ip = ip_packet(request)
    vtcfl = struct.unpack('!I', ip[0:4])[0]
    src = src or str(ipaddress.IPv6Address(ip[24:40]))
    dst = str(ipaddress.IPv6Address(ip[8:24]))
    if ip[6] != 58 and not ext_len:
        raise ValueError('echo_reply6: extension headers: give ext_len')
    icmp = bytearray(ip[40 + ext_len:])
    assert icmp[0] == 128
    icmp[0] = 129
    icmp[1] = 0
    icmp[2:4] = b'\0\0'
    icmp[2:4] = struct.pack('!H', icmp6_csum(src, dst, bytes(icmp)))
    hdr = struct.pack('!IHBB16s16s', vtcfl, len(icmp), 58, 64, _v6(src), _v6(dst))
    out = Ether(bytes(l2(in_iface['mac'], src_mac(request), in_iface.get('vlan'), 0x86dd))
                + hdr + bytes(icmp))
    out.time = request.time if t is None else t
    return out


def with_ip_options(frame, opts):
    """Insert raw option bytes (a multiple of 4) into an option-less IPv4 frame,
    fixing IHL, total length and header checksum. For malformed option lists
    that scapy cannot build."""
    assert len(opts) % 4 == 0
    b = bytes(frame)
    off = l2_len(frame)
    ip = bytearray(b[off:off + 20])
    assert ip[0] == 0x45
    rest = b[off + 20:]
    ip[0] = 0x40 | (5 + len(opts) // 4)
    ip[2:4] = struct.pack('!H', struct.unpack('!H', bytes(ip[2:4]))[0] + len(opts))
    hdr = bytearray(bytes(ip) + opts)
    hdr[10:12] = b'\0\0'
    hdr[10:12] = struct.pack('!H', csum(bytes(hdr)))
    out = Ether(b[:off] + bytes(hdr) + rest)
    out.time = frame.time
    return out


# ---------------------------------------------------------------------------
# NAT44 helpers (README "NAT44 behaviour, exactly"). Appended for the nat-*
# cases; nothing above depends on them.
#
# Expected translated packets are built at byte level from the input: the
# address/port/identifier fields are rewritten, the IPv4 header checksum is
# recomputed, and the L4 checksum is updated. For a complete datagram the
# updated L4 checksum is checked to equal a full recompute (RFC 1624: the
# incremental update equals a recompute); for fragments and truncated ICMP
# quotes, where a recompute is impossible, the RFC 1624 eqn. 3 update is used
# on the words that changed.

NAT_POOL_V4 = '203.0.113.10'     # the pool address most nat-* cases use


class NatRng:
    """The port generator both backends share (include/sluice/rng.h,
    xorshift64*): state = seed * 0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d
    (1 if that is 0); a draw shifts 12, 25, 27 and returns state *
    0x2545f4914f6cdd1d (mod 2^64). Replay seeds it with --seed (default 0)."""
    M64 = (1 << 64) - 1

    def __init__(self, seed=0):
        self.x = (seed * 0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d) & self.M64 or 1

    def next(self):
        x = self.x
        x ^= x >> 12
        x ^= (x << 25) & self.M64
        x ^= x >> 27
        self.x = x
        return (x * 0x2545f4914f6cdd1d) & self.M64
H2_MAC = '02:00:00:00:01:14'
H2_V4 = '192.168.1.20'
H3_MAC = '02:00:00:00:01:1e'
H3_V4 = '192.168.1.30'
REMOTE2_V4 = '198.51.100.8'
ROUTER_V4 = '192.0.2.1'          # a router on the path that sends ICMP errors
NAT_LAN = dict(LAN, role='inside')
NAT_WAN = dict(WAN, role='outside')


def nat_config(extra_lines=(), header=None, ifaces=None, inside_neighbors=True,
               gw_neighbor=True):
    """Config of the standard NAT topology: lan0 role inside, wan0 role outside,
    default route via the upstream router (static neighbour), static
    neighbours for H1/H2/H3 on lan0, then extra_lines (pool, options)."""
    lines = []
    if header:
        lines += ['# ' + h for h in header.splitlines()]
    for i in (ifaces or (NAT_LAN, NAT_WAN)):
        lines.append(iface_line(i, extra=('role ' + i['role']) if i.get('role') else ''))
    lines.append('route add 0.0.0.0/0 via %s dev wan0' % GW_V4)
    if gw_neighbor:
        lines.append('neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC))
    if inside_neighbors:
        for ip, mac in ((H1_V4, H1_MAC), (H2_V4, H2_MAC), (H3_V4, H3_MAC)):
            lines.append('neighbor add %s lladdr %s dev lan0' % (ip, mac))
    lines += list(extra_lines)
    return '\n'.join(lines) + '\n'


def _fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def csum_update(hc, old_words, new_words):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the changed 16-bit words."""
    s = (~hc) & 0xffff
    for m, m2 in zip(old_words, new_words):
        s += ((~m) & 0xffff) + m2
    return (~_fold(s)) & 0xffff


def _words(b):
    return list(struct.unpack('!%dH' % (len(b) // 2), b))


def l4_csum_full(ip):
    """Full TCP/UDP checksum of a complete, unfragmented IPv4 packet (bytes),
    computed with the checksum field as zero; UDP 0 is sent as 0xffff."""
    ihl = (ip[0] & 0xf) * 4
    proto = ip[9]
    tot = struct.unpack('!H', ip[2:4])[0]
    seg = bytearray(ip[ihl:tot])
    off = 16 if proto == 6 else 6
    seg[off:off + 2] = b'\0\0'
    pseudo = ip[12:20] + struct.pack('!BBH', 0, proto, len(seg))
    c = csum(bytes(pseudo) + bytes(seg))
    if proto == 17 and c == 0:
        c = 0xffff
    return c


def nat_rewrite_ip(ip, src=None, sport=None, dst=None, dport=None, ident=None, ttl=None,
                   mss=None, check_full=True):
    """Rewrite an IPv4 packet (bytes; may be a fragment or a truncated quote):
    source/destination address, TCP/UDP source/destination port (first
    fragment only), ICMP echo identifier (`ident`), TTL, TCP MSS option value
    (`mss`, on whatever MSS option is present). IPv4 header checksum is
    recomputed; the L4 checksum is updated by RFC 1624 when its field is
    present (UDP checksum 0 stays 0); for a complete unfragmented packet the
    result is asserted equal to a full recompute."""
    ip = bytearray(ip)
    ihl = (ip[0] & 0xf) * 4
    proto = ip[9]
    ff = struct.unpack('!H', bytes(ip[6:8]))[0]
    offset = ff & 0x1fff
    mf = bool(ff & 0x2000)
    tot = struct.unpack('!H', bytes(ip[2:4]))[0]
    complete = (offset == 0 and not mf and len(ip) >= tot)
    old_pseudo = bytes(ip[12:20])
    if src:
        ip[12:16] = _v4(src)
    if dst:
        ip[16:20] = _v4(dst)
    if ttl is not None:
        ip[8] = ttl
    new_pseudo = bytes(ip[12:20])
    if offset == 0 and proto in (6, 17) and len(ip) >= ihl + 4:
        old = bytes(ip[ihl:ihl + 4])
        if sport is not None:
            ip[ihl:ihl + 2] = struct.pack('!H', sport)
        if dport is not None:
            ip[ihl + 2:ihl + 4] = struct.pack('!H', dport)
        new = bytes(ip[ihl:ihl + 4])
        coff = ihl + (16 if proto == 6 else 6)
        old_opts = new_opts = b''
        if mss is not None and proto == 6:
            doff = (ip[ihl + 12] >> 4) * 4
            i = ihl + 20
            while i < ihl + doff:
                kind = ip[i]
                if kind == 0:
                    break
                if kind == 1:
                    i += 1
                    continue
                ln = ip[i + 1]
                if kind == 2 and ln == 4:
                    # the MSS value; when it is not 16-bit aligned in the TCP
                    # header, the two aligned words it straddles change
                    a = i + 2 if (i - ihl) % 2 == 0 else i + 1
                    w = 2 if a == i + 2 else 4
                    old_opts = bytes(ip[a:a + w])
                    ip[i + 2:i + 4] = struct.pack('!H', mss)
                    new_opts = bytes(ip[a:a + w])
                i += ln
        if len(ip) >= coff + 2:
            hc = struct.unpack('!H', bytes(ip[coff:coff + 2]))[0]
            if not (proto == 17 and hc == 0):
                nc = csum_update(hc, _words(old_pseudo + old + old_opts),
                                 _words(new_pseudo + new + new_opts))
                if proto == 17 and nc == 0:
                    nc = 0xffff   # RFC 768: a computed zero is sent as all ones
                if complete and check_full:
                    full = l4_csum_full(bytes(ip))
                    if nc != full:
                        raise AssertionError('incremental %04x != full %04x: pick other data'
                                             % (nc, full))
                ip[coff:coff + 2] = struct.pack('!H', nc)
    elif offset == 0 and proto == 1 and ident is not None and len(ip) >= ihl + 8:
        old = bytes(ip[ihl + 4:ihl + 6])
        ip[ihl + 4:ihl + 6] = struct.pack('!H', ident)
        hc = struct.unpack('!H', bytes(ip[ihl + 2:ihl + 4]))[0]
        nc = csum_update(hc, _words(old), _words(bytes(ip[ihl + 4:ihl + 6])))
        if complete and check_full:
            body = bytearray(ip[ihl:tot])
            body[2:4] = b'\0\0'
            if nc != csum(bytes(body)):
                raise AssertionError('ICMP incremental != full: pick other data')
        ip[ihl + 2:ihl + 4] = struct.pack('!H', nc)
    ip[10:12] = b'\0\0'
    ip[10:12] = struct.pack('!H', csum(bytes(ip[:ihl])))
    return bytes(ip)


def nat_forward(frame, out_iface, next_hop_mac, t=None, **kw):
    """A frame as the NAT gateway forwards it: translated by nat_rewrite_ip
    (keywords src, sport, dst, dport, ident, mss), TTL - 1, new MACs, egress tag."""
    ip = ip_packet(frame)
    ip = nat_rewrite_ip(ip, ttl=ip[8] - 1, **kw)
    out = Ether(bytes(l2(out_iface['mac'], next_hop_mac, out_iface.get('vlan'), 0x0800)) + ip)
    out.time = frame.time if t is None else t
    return out


def ip_with_ttl(ip, ttl):
    """An IPv4 packet (bytes) with another TTL and its header checksum redone
    (as a later router would quote it)."""
    return nat_rewrite_ip(ip, ttl=ttl)


def icmp4_error_frame(src_mac_, dst_mac, src, dst, icmp_type, code, quote, rest=0, ttl=64,
                      ident=0, tos=0, t=0):
    """An ICMP error frame built field by field: IPv4 (given id/TTL/TOS, no
    options, no flags), ICMP type/code/checksum, 4 bytes `rest`, `quote`."""
    icmp = bytearray(struct.pack('!BBHI', icmp_type, code, 0, rest) + bytes(quote))
    icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
    ip = ip4_header(src, dst, len(icmp), 1, tos=tos, ident=ident, ttl=ttl)
    out = Ether(bytes(l2(src_mac_, dst_mac, None, 0x0800)) + ip + bytes(icmp))
    out.time = t
    return out


def ip_fragments(ip, sizes):
    """Split a complete IPv4 packet (bytes, no options) into fragments whose
    payload sizes are `sizes` (multiples of 8 except the last; the last size
    may be None for the rest). Returns a list of IPv4 packets (bytes)."""
    ihl = (ip[0] & 0xf) * 4
    assert ihl == 20
    payload = ip[ihl:]
    out = []
    pos = 0
    for i, sz in enumerate(sizes):
        last = i == len(sizes) - 1
        if sz is None:
            sz = len(payload) - pos
        chunk = payload[pos:pos + sz]
        assert last or sz % 8 == 0
        more = not last
        h = bytearray(ip[:20])
        flags = struct.unpack('!H', bytes(h[6:8]))[0] & 0x4000
        h[6:8] = struct.pack('!H', flags | (0x2000 if more else 0) | (pos // 8))
        h[2:4] = struct.pack('!H', 20 + len(chunk))
        h[10:12] = b'\0\0'
        h[10:12] = struct.pack('!H', csum(bytes(h)))
        out.append(bytes(h) + bytes(chunk))
        pos += sz
    assert pos == len(payload)
    return out


def ip_frame(src_mac_, dst_mac, ip, t):
    """An Ethernet frame carrying the IPv4 packet `ip` (bytes)."""
    out = Ether(bytes(l2(src_mac_, dst_mac, None, 0x0800)) + bytes(ip))
    out.time = t
    return out


# ---------------------------------------------------------------------------
# The XDP backend: what it leaves to the kernel
#
# The XDP program does the fast path only; what the DPDK backend does in its
# slow path goes XDP_PASS to the kernel: ARP, ND, packets for the gateway's
# own addresses (echo, local-unhandled), and the packets that draw an ICMP
# error (TTL expiry, no route, too big) or wait for a neighbour. For such a
# case Case.write() also writes xdp.json: the input packets the kernel gets
# ("kernel"), the counters as XDP counts them ("expect": the kernel's packets
# are "local") and, when the gateway's own frames (ICMP errors, ARP/ND,
# echo replies, packets sent after resolution) were expected, the output
# without them (IF.xdp.out.pcap). The rules below find most of them (ARP,
# ND, the gateway's own addresses, causes of ICMP errors, frames forwarded
# to a neighbour that is not static: replay has no kernel to learn one); a
# generator names the others with Case.kernel() / Case.kernel_out(), the
# ICMP errors the XDP program sends itself with Case.xdp_sends(), and a
# case XDP does not handle with Case.xdp_skip().

_SLOW_OUT = {}    # id -> frame: built by the gateway's slow path (the kernel, on XDP)
_KERNEL_IN = {}   # id -> frame: input packets the XDP program passes to the kernel

# drop reasons of packets that XDP hands to the kernel instead
XDP_KERNEL_REASONS = ('ttl-exceeded', 'no-route', 'mtu-exceeded', 'no-neighbour',
                      'neigh-queue-full', 'arp-ignored', 'bad-arp', 'bad-icmp', 'nd-ignored',
                      'local-unhandled', 'bad-ip-options', 'bad-l4-header')


def _slow(out, cause=None):
    _SLOW_OUT[id(out)] = out
    if cause is not None:
        _KERNEL_IN[id(cause)] = cause
    return out


def _wrap_slow(fn, cause_arg=True):
    def w(*a, **kw):
        return _slow(fn(*a, **kw), a[0] if cause_arg and a else None)
    w.__doc__ = fn.__doc__
    w.__name__ = fn.__name__
    return w


icmp4_error = _wrap_slow(icmp4_error)
icmp6_error = _wrap_slow(icmp6_error)
arp_reply_out = _wrap_slow(arp_reply_out)
echo_reply4 = _wrap_slow(echo_reply4)
echo_reply6 = _wrap_slow(echo_reply6)
arp_request_out = _wrap_slow(arp_request_out, cause_arg=False)
nd_ns_out = _wrap_slow(nd_ns_out, cause_arg=False)


_FWD_OUT = {}   # id(out) -> (cause, egress interface name, next-hop MAC): forwarded frames


def _wrap_fwd(fn):
    """forward4/forward6/nat_forward: remember which input a forwarded frame
    comes from and the neighbour it is sent to. The XDP program knows only
    the neighbours in its map: in replay, the config's static `neighbor add`
    entries (live, the agent copies the kernel's table into it). A frame the
    DPDK backend sends to a neighbour it learned (ARP/ND, resolution) is, on
    XDP replay, an input passed to the kernel."""
    def w(frame, out_iface, next_hop_mac, *a, **kw):
        out = fn(frame, out_iface, next_hop_mac, *a, **kw)
        name = out_iface if isinstance(out_iface, str) else out_iface['name']
        _FWD_OUT[id(out)] = (frame, name, next_hop_mac.lower(), out)
        return out
    w.__doc__ = fn.__doc__
    w.__name__ = fn.__name__
    return w


forward4 = _wrap_fwd(forward4)
forward6 = _wrap_fwd(forward6)
nat_forward = _wrap_fwd(nat_forward)


def _static_neighbours(config):
    """(interface name, MAC) of the config's `neighbor add` entries."""
    out = set()
    for line in config.splitlines():
        w = line.split('#')[0].split()
        if w[:2] == ['neighbor', 'add'] and 'lladdr' in w and 'dev' in w:
            out.add((w[w.index('dev') + 1], w[w.index('lladdr') + 1].lower()))
    return out


def _gateway_built(p, macs):
    """True for an ARP or ND frame sent from one of the gateway's MACs: the
    slow path builds those (on XDP, the kernel)."""
    b = bytes(p)
    if len(b) < 14 or b[6:12] not in macs:
        return False
    off, et = 14, struct.unpack('!H', b[12:14])[0]
    if et == 0x8100 and len(b) >= 18:
        off, et = 18, struct.unpack('!H', b[16:18])[0]
    if et == 0x0806:
        return True
    return (et == 0x86dd and len(b) >= off + 41 and b[off + 6] == 58 and b[off + 7] == 255
            and 133 <= b[off + 40] <= 137)


def _config_macs(config):
    out = set()
    for line in config.splitlines():
        w = line.split('#')[0].split()
        if w[:1] == ['interface'] and 'mac' in w:
            out.add(mac_bytes(w[w.index('mac') + 1]))
    return out


def _config_addrs(config):
    """(interface addresses, IPv6 link-locals, NAT pool networks) of a config."""
    import ipaddress
    addrs, pools = set(), []
    _LINK_LOCAL.clear()
    for line in config.splitlines():
        w = line.split('#')[0].split()
        if w[:1] == ['interface']:
            for i, x in enumerate(w):
                if x == 'address' and i + 1 < len(w):
                    addrs.add(ipaddress.ip_interface(w[i + 1]).ip)
                if x == 'mac' and i + 1 < len(w):
                    _LINK_LOCAL[w[1]] = ipaddress.ip_address(eui64_link_local(w[i + 1]))
        if w[:3] == ['nat', 'pool', 'add']:
            pools.append(ipaddress.ip_network(w[3], strict=False))
    return addrs, pools


_LINK_LOCAL = {}  # interface name -> its EUI-64 link-local address


def _ipv4_source_routed(opts):
    i = 0
    while i < len(opts):
        if opts[i] == 0:
            return False
        if opts[i] == 1:
            i += 1
            continue
        if opts[i] in (131, 137):
            return True
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            return True  # malformed: dropped too
        i += opts[i + 1]
    return False


def _xdp_kernel_rule(p, addrs, pools, iface=None):
    """True when the XDP program passes input frame p to the kernel by rule:
    ARP, ND to multicast, IP to one of the gateway's addresses."""
    import ipaddress
    b = bytes(p)
    if len(b) < 14:
        return False
    off, et = 14, struct.unpack('!H', b[12:14])[0]
    if et == 0x8100 and len(b) >= 18:
        off, et = 18, struct.unpack('!H', b[16:18])[0]
    if et == 0x0806:
        return True
    if et == 0x0800 and len(b) >= off + 20 and b[off] >> 4 == 4:
        ihl = (b[off] & 0xf) * 4
        if ihl < 20 or csum(b[off:off + ihl]) != 0:
            return False
        if ihl > 20 and _ipv4_source_routed(b[off + 20:off + ihl]):
            return False
        dst = ipaddress.ip_address(b[off + 16:off + 20])
        if dst not in addrs:
            return False
        proto = b[off + 9]
        if any(dst in n for n in pools):
            # NAT: only an echo request to an interface address is ours
            return proto == 1 and len(b) > off + ihl and b[off + ihl] == 8
        return True
    if et == 0x86dd and len(b) >= off + 40 and b[off] >> 4 == 6:
        dst = b[off + 24:off + 40]
        if dst[:2] == b'\xff\x02' and (dst[2:11] == b'\0' * 9 or dst[11:13] == b'\x01\xff'):
            return dst[11:13] == b'\x01\xff' or dst[15] in (1, 2)
        a = ipaddress.ip_address(dst)
        return a in addrs or (iface is not None and _LINK_LOCAL.get(iface) == a)
    return False


def _case_kernel(self, *pkts):
    """Input packets the XDP program passes to the kernel beyond the rules
    (e.g. a packet held for neighbour resolution)."""
    for p in pkts:
        _KERNEL_IN[id(p)] = p


def _case_kernel_out(self, *pkts):
    """Expected frames that, on XDP, the kernel sends (not the program)."""
    for p in pkts:
        _SLOW_OUT[id(p)] = p


def _case_not_kernel(self, *pkts):
    """Input packets the rules would give the kernel but the program handles."""
    self._not_kernel = getattr(self, '_not_kernel', set()) | {id(p) for p in pkts}


def _case_xdp_sends(self, *outputs):
    """ICMP errors (outputs built by the gateway's slow path) that the XDP
    program sends itself (XDP_TX) instead of leaving them to the kernel; it
    counts their packets as dropped, as sluice-dp does."""
    self._xdp_own = getattr(self, '_xdp_own', set()) | {id(p) for p in outputs}


def _case_xdp_skip(self, reason):
    """The XDP backend does not handle this case: xdp.json {"skip": reason}."""
    self._xdp_skip = reason


def _write_xdp(self, packets, drops, extra=None):
    path = os.path.join(self.out_dir, 'xdp.json')
    if getattr(self, '_xdp_skip', None):
        with open(path, 'w') as f:
            json.dump({'skip': self._xdp_skip}, f, indent=2, sort_keys=True)
            f.write('\n')
        return
    addrs, pools = _config_addrs(self.config)
    static = _static_neighbours(self.config)
    macs = _config_macs(self.config)
    for pkts in self.outputs.values():
        for p in pkts:
            f = _FWD_OUT.get(id(p))
            if f is not None and (f[1], f[2]) not in static:
                _slow(p, f[0])
            elif _gateway_built(p, macs):
                _slow(p)
    not_k = getattr(self, '_not_kernel', set())
    kernel = {}
    for name in self.order:
        idx = [i for i, p in enumerate(self.inputs[name])
               if id(p) not in not_k and (id(p) in _KERNEL_IN or
                                          _xdp_kernel_rule(p, addrs, pools, name))]
        if idx:
            kernel[name] = idx
    own = getattr(self, '_xdp_own', set())
    outputs, out_files = {}, {}
    for name, pkts in self.outputs.items():
        kept = [p for p in pkts if id(p) not in _SLOW_OUT or id(p) in own]
        if len(kept) != len(pkts):
            outputs[name] = kept
            out_files[name] = name + '.xdp.out.pcap'
    for f in os.listdir(self.out_dir):   # an earlier run's declarations
        if f == 'xdp.json' or f.endswith('.xdp.out.pcap'):
            os.remove(os.path.join(self.out_dir, f))
    if not kernel and not outputs:
        return
    n_local = sum(len(v) for v in kernel.values())
    n_fwd = sum(len([p for p in pkts if id(p) not in _SLOW_OUT]) for pkts in self.outputs.values())
    # (the errors XDP sends itself count as the drops they answer)
    xp = {'rx': packets['rx'], 'forwarded': n_fwd, 'local': n_local,
          'dropped': packets['rx'] - n_fwd - n_local}
    expect = {'packets': xp}
    xd = {k: v for k, v in drops.items() if k not in XDP_KERNEL_REASONS}
    if sum(xd.values()) == xp['dropped']:
        expect['drops'] = dict(xd, **{k: 0 for k in XDP_KERNEL_REASONS})
    if extra and 'events' in extra:
        # events of the gateway's slow path (ICMP errors, ARP/ND): the kernel's
        expect['events'] = {k: 0 for k in extra['events']}
    for name, pkts in outputs.items():
        with open(os.path.join(self.out_dir, out_files[name]), 'wb') as f:
            f.write(pcap_bytes(pkts))
    notes = ('XDP: the kernel handles ARP/ND, the gateway\'s own addresses, ICMP '
             'errors and unresolved neighbours (generated by pcap-tests/lib/casegen.py)')
    x = {'notes': notes, 'kernel': kernel, 'expect': expect}
    if out_files:
        x['outputs'] = out_files
    with open(path, 'w') as f:
        json.dump(x, f, indent=2, sort_keys=True)
        f.write('\n')


Case.kernel = _case_kernel
Case.kernel_out = _case_kernel_out
Case.not_kernel = _case_not_kernel
Case.xdp_sends = _case_xdp_sends
Case.xdp_skip = _case_xdp_skip
Case.write_xdp = _write_xdp
