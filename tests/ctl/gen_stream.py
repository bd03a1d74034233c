#!/usr/bin/python3
"""Write (or check) the live-update test's traffic.

gen OUT.pcap N LANMAC: N IPv4/UDP packets from 192.168.1.10 to the stable
  prefixes 10.S.0.0/24 (S = 0..63), addresses 10.S.0.1..10.S.0.127, cycling.
check OUT.pcap WANMAC: every packet must leave with the next-hop MAC of its
  prefix (even S: gateway A, odd S: gateway B), source MAC WANMAC, TTL 63;
  prints 'packets N misforwarded M' and exits 1 on any misforward.
Raw struct packing: fast enough for a million packets, stdlib only.
"""
import struct
import sys

GW_MAC = {0: bytes.fromhex("020000000a0a"), 1: bytes.fromhex("020000000b0b")}


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def gen(path, n, lanmac):
    src_mac = bytes.fromhex("02000000010a")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        payload = b"sluice-live-update"  # 18 bytes
        for i in range(n):
            s, h = i % 64, 1 + (i // 64) % 127
            dst = bytes([10, s, 0, h])
            udp = struct.pack("!HHHH", 40000 + (i % 1000), 9, 8 + len(payload) + 4, 0) + payload + struct.pack("!I", i)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, bytes([192, 168, 1, 10]), dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = mac(lanmac) + src_mac + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(frame), len(frame)))
            f.write(frame)


def check(path, wanmac):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "not a pcap"
    off, n, bad, seen = 24, 0, 0, set()
    wm = mac(wanmac)
    while off + 16 <= len(data):
        caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
        p = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        s = p[14 + 17]
        if p[0:6] != GW_MAC[s % 2] or p[6:12] != wm or p[14 + 8] != 63 or p[14 + 16] != 10:
            bad += 1
            if bad <= 5:
                print("misforwarded: dst", ".".join(map(str, p[30:34])), "mac", p[0:6].hex(), file=sys.stderr)
        seen.add(struct.unpack("!I", p[-4:])[0])
    print("packets %d misforwarded %d distinct %d" % (n, bad, len(seen)))
    return 1 if bad or len(seen) != n else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
