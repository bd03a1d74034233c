#!/usr/bin/python3
"""EtherTypes other than IPv4, IPv6 and ARP are dropped as
unsupported-ethertype: IPX (0x8137) and LLDP (0x88cc) to lan0's MAC, PPPoE
discovery (0x8863) to broadcast, and a VLAN-tagged frame on iot0 whose inner
EtherType is 0x88b5."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

IOT = dict(name='iot0', mac='02:00:00:00:14:01', v4='192.168.20.1', v4len=24, v6=None,
           vlan=20)
lines = [iface_line(LAN, device='port0'), iface_line(IOT, device='port0'),
         iface_line(WAN, device='port1')]
cfg = ''.join('# %s\n' % x for x in __doc__.splitlines()) + '\n'.join(lines) + '\n'
c = Case(__file__, cfg, __doc__)
pk = [at(l2(H1_MAC, LAN['mac'], ethertype=0x8137) / Raw(b'\xff\xff' + b'\0' * 44), 1.0),
      at(l2(H1_MAC, LAN['mac'], ethertype=0x88cc) / Raw(b'\x02\x07\x04' + b'\0' * 43), 1.1),
      at(l2(H1_MAC, BCAST, ethertype=0x8863) / Raw(b'\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00'
                                                    + b'\0' * 36), 1.2),
      at(l2('02:00:00:00:14:0a', IOT['mac'], vlan=20, ethertype=0x88b5) / Raw(b'local exp' * 5),
         1.3)]
c.rx(LAN, *pk)
c.write({'rx': 4, 'forwarded': 0, 'local': 0, 'dropped': 4}, {'unsupported-ethertype': 4})
