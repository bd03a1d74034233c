#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_pipeline: a handful of valid frames for the
gateway configured in fuzz_pipeline.c. Each file is one input: a first byte
(ingress port = byte % 3, clock step = byte >> 2 times 50 ms) and the frame.

    dataplane/fuzz/make_corpus.py dataplane/fuzz/corpus
"""
import os
import struct
import sys

IN, OUT = 0, 1  # fuzz-in (inside, and guest on VLAN 10), fuzz-out (outside)

MAC_INSIDE = bytes.fromhex('020000000101')
MAC_OUTSIDE = bytes.fromhex('020000000201')
MAC_GUEST = bytes.fromhex('020000000a01')
MAC_UPLINK = bytes.fromhex('0200000002fe')
MAC_HOST = bytes.fromhex('0200000001aa')
MAC_GUEST_HOST = bytes.fromhex('020000000a05')
BCAST = b'\xff' * 6


def ip4(s):
    return bytes(int(x) for x in s.split('.'))


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, etype, vlan=0):
    if vlan:
        return dst + src + struct.pack('!HHH', 0x8100, vlan, etype)
    return dst + src + struct.pack('!H', etype)


def ipv4(src, dst, proto, payload, ttl=64, df=False, options=b''):
    ihl = 5 + len(options) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(payload), 0x1234,
                    0x4000 if df else 0, ttl, proto, 0, ip4(src), ip4(dst)) + options
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def udp(n):
    body = bytes((i * 7 + 3) & 0xff for i in range(n))
    return struct.pack('!HHHH', 1234, 53, 8 + n, 0) + body


def icmp_echo(n):
    body = bytes(i & 0xff for i in range(n))
    h = struct.pack('!BBHHH', 8, 0, 0, 0x4242, 1) + body
    return h[:2] + struct.pack('!H', csum(h)) + h[4:]


def ipv6(src, dst, nxt, payload, hlim=64):
    s, d = ip6(src), ip6(dst)
    if nxt in (17, 58):
        ph = s + d + struct.pack('!IxxxB', len(payload), nxt)
        c = csum(ph + payload)
        off = 6 if nxt == 17 else 2
        payload = payload[:off] + struct.pack('!H', c) + payload[off + 2:]
    return struct.pack('!IHBB', 0x60000000, len(payload), nxt, hlim) + s + d + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))


def pad(f):
    return f + b'\0' * max(0, 60 - len(f))


def seeds():
    yield 'inside-udp-to-internet', IN, eth(MAC_INSIDE, MAC_HOST, 0x0800) + ipv4(
        '192.168.1.10', '8.8.8.8', 17, udp(64))
    yield 'inside-echo-to-gateway', IN, eth(MAC_INSIDE, MAC_HOST, 0x0800) + ipv4(
        '192.168.1.10', '192.168.1.1', 1, icmp_echo(32))
    yield 'inside-arp-request-for-gateway', IN, pad(eth(BCAST, MAC_HOST, 0x0806) + arp(
        1, MAC_HOST, '192.168.1.10', b'\0' * 6, '192.168.1.1'))
    yield 'inside-udp-ttl-1', IN, eth(MAC_INSIDE, MAC_HOST, 0x0800) + ipv4(
        '192.168.1.10', '8.8.8.8', 17, udp(20), ttl=1)
    yield 'inside-udp-record-route-option', IN, eth(MAC_INSIDE, MAC_HOST, 0x0800) + ipv4(
        '192.168.1.10', '198.51.100.9', 17, udp(20), options=bytes([7, 7, 4, 0, 0, 0, 0, 0]))
    yield 'outside-udp-to-unresolved-host', 4 * 2 + OUT, eth(MAC_OUTSIDE, MAC_UPLINK, 0x0800) + ipv4(
        '198.18.0.1', '192.168.1.20', 17, udp(100))
    yield 'outside-arp-reply', OUT, pad(eth(MAC_OUTSIDE, MAC_UPLINK, 0x0806) + arp(
        2, MAC_UPLINK, '203.0.113.1', MAC_OUTSIDE, '203.0.113.2'))
    yield 'outside-df-too-big-for-guest', OUT, eth(MAC_OUTSIDE, MAC_UPLINK, 0x0800) + ipv4(
        '198.18.0.1', '10.10.0.5', 17, udp(1450 - 28), df=True)
    yield 'guest-vlan-udp-to-internet', IN, eth(MAC_GUEST, MAC_GUEST_HOST, 0x0800, vlan=10) + ipv4(
        '10.10.0.5', '1.1.1.1', 17, udp(40))
    yield 'inside-ipv6-udp-to-internet', IN, eth(MAC_INSIDE, MAC_HOST, 0x86dd) + ipv6(
        'fd00:1::10', '2001:db8:1::1', 17, udp(48))
    yield 'inside-ipv6-echo-to-gateway', IN, eth(MAC_INSIDE, MAC_HOST, 0x86dd) + ipv6(
        'fd00:1::10', 'fd00:1::1', 58, struct.pack('!BBHHH', 128, 0, 0, 7, 1) + b'ping' * 4)
    ns = struct.pack('!BBHI', 135, 0, 0, 0) + ip6('fd00:1::1') + bytes([1, 1]) + MAC_HOST
    yield 'inside-ipv6-neighbour-solicitation', IN, eth(
        bytes.fromhex('3333ff000001'), MAC_HOST, 0x86dd) + ipv6(
            'fd00:1::10', 'ff02::1:ff00:1', 58, ns, hlim=255)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    os.makedirs(out, exist_ok=True)
    for name, first, frame in seeds():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([first]) + frame)


if __name__ == '__main__':
    main()
