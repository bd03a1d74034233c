#!/usr/bin/python3
"""A UDP datagram in IPv4 fragments sent out of order, for the NAT e2e tests.

  frag_udp.py recv PORT TIMEOUT   print "FROM-IP LEN SHA256" of the first
                                  datagram to PORT, then the time it came
                                  (exit 1 on timeout)
  frag_udp.py send IFACE MAC SRC DST PORT
                                  send one 3000-byte UDP datagram from SRC
                                  to DST:PORT as three fragments, the last
                                  one first, then the first, then the middle,
                                  as Ethernet frames to MAC out of IFACE
                                  (AF_PACKET: the sender's own IP stack,
                                  whose netfilter may reassemble what it
                                  sends, is not involved); print its
                                  "LEN SHA256", then the time the last
                                  fragment went

The datagram reaches the receiver only if every fragment crossed the
gateway with the same address translation (the kernel reassembles it) and
the first fragment's UDP checksum was updated to match.
"""
import hashlib
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'pcap-tests', 'lib'))
from casegen import csum  # noqa: E402

SPORT = 4711


def payload():
    return bytes((i * 7 + 3) & 0xff for i in range(3000))


def send(ifname, mac, src, dst, port):
    data = payload()
    s_ip, d_ip = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(data)
    pseudo = s_ip + d_ip + struct.pack('!BBH', 0, 17, ulen)
    udp = struct.pack('!HHHH', SPORT, port, ulen, 0) + data
    c = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    ipid = 0x5a5a
    cuts = [0, 1480, 2960, len(udp)]  # offsets multiple of 8
    frags = []
    for i in range(3):
        part = udp[cuts[i]:cuts[i + 1]]
        mf = 0x2000 if i < 2 else 0
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(part), ipid,
                          mf | (cuts[i] // 8), 64, 17, 0, s_ip, d_ip)
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        frags.append(hdr + part)
    with open('/sys/class/net/%s/address' % ifname) as f:
        smac = bytes.fromhex(f.read().strip().replace(':', ''))
    eth = bytes.fromhex(mac.replace(':', '')) + smac + b'\x08\x00'
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sk.bind((ifname, 0))
    for i in (2, 0, 1):
        sk.send(eth + frags[i])
    sent = time.time()
    print(len(data), hashlib.sha256(data).hexdigest())
    print('%.6f' % sent)


def recv(port, timeout):
    sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sk.bind(('0.0.0.0', port))
    sk.settimeout(timeout)
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    try:
        data, addr = sk.recvfrom(65535)
    except socket.timeout:
        print('timeout')
        return 1
    came = time.time()
    print(addr[0], len(data), hashlib.sha256(data).hexdigest())
    print('%.6f' % came)
    return 0


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'recv':
        sys.exit(recv(int(sys.argv[2]), float(sys.argv[3])))
    if len(sys.argv) == 7 and sys.argv[1] == 'send':
        send(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
        sys.exit(0)
    sys.exit(__doc__)
