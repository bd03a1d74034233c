#!/usr/bin/python3
"""Frames shorter than their Ethernet header (10 and 13 bytes) or than their
VLAN header (an 0x8100 frame of 16 bytes) are dropped as truncated."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
eth = mac_bytes(LAN['mac']) + mac_bytes(H1_MAC)
c.rx(LAN, raw_frame(eth[:10], 1.0), raw_frame(eth + b'\x08', 1.1),
     raw_frame(eth + b'\x81\x00\x00', 1.2), raw_frame(eth + b'\x81\x00\x00\x14', 1.3))
c.write({'rx': 4, 'forwarded': 0, 'local': 0, 'dropped': 4}, {'truncated': 4})
