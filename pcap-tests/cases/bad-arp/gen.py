#!/usr/bin/python3
"""Malformed or unsupported ARP is bad-arp: hardware type 6 (IEEE 802),
protocol type 0x86dd, hardware length 8, and an ARP body cut short (28 bytes
needed, 20 present). A well-formed request for lan0's address is still
answered."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
good = arp_request_in(H1_MAC, H1_V4, LAN['v4'], pad=False)
b = bytes(good)
bad = []
x = bytearray(b); x[14:16] = b'\x00\x06'; bad.append(bytes(x))      # hwtype 6
x = bytearray(b); x[16:18] = b'\x86\xdd'; bad.append(bytes(x))      # ptype IPv6
x = bytearray(b); x[18] = 8; bad.append(bytes(x))                   # hlen 8
bad.append(b[:14 + 20])                                             # short
pk = [raw_frame(x + b'\0' * max(0, 60 - len(x)) if i < 3 else x, 1.0 + i / 10)
      for i, x in enumerate(bad)]
ok = arp_request_in(H1_MAC, H1_V4, LAN['v4'], t=2.0)
c.rx(LAN, *pk, ok)
c.tx(LAN, arp_reply_out(ok, LAN))
c.write({'rx': 5, 'forwarded': 0, 'local': 1, 'dropped': 4}, {'bad-arp': 4})
