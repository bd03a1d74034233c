#!/usr/bin/python3
"""ARP on a VLAN interface: a tagged request for iot0's address gets a
tagged 46-byte reply; a tagged request for lan0's address (another
interface of the same device) is arp-ignored; resolving a host on the VLAN
sends a tagged broadcast request from iot0's address, and the tagged reply
releases the held packet, which leaves tagged."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

IOT = dict(name='iot0', mac='02:00:00:00:14:01', v4='192.168.20.1', v4len=24, v6=None,
           vlan=20)
IOT_H_MAC = '02:00:00:00:14:0a'
IOT_H_V4 = '192.168.20.10'
lines = [iface_line(LAN, device='port0'), iface_line(IOT, device='port0'),
         iface_line(WAN, device='port1')]
cfg = ''.join('# %s\n' % x for x in __doc__.splitlines()) + '\n'.join(lines) + '\n'
c = Case(__file__, cfg, __doc__)
r1 = arp_request_in(IOT_H_MAC, IOT_H_V4, IOT['v4'], vlan=20, t=1.0)
r2 = arp_request_in(IOT_H_MAC, IOT_H_V4, LAN['v4'], vlan=20, t=1.1)
p1 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst='192.168.20.30', ttl=60, id=1)
        / UDP(sport=9, dport=40000) / Raw(b'to an unresolved VLAN host'), 2.0)
rep = arp_reply_in('02:00:00:00:14:1e', '192.168.20.30', IOT['mac'], IOT['v4'], vlan=20, t=2.2)
c.rx(IOT, r1, r2, rep)
c.rx(WAN, p1)
o1 = arp_reply_out(r1, IOT)
assert len(o1) == 46
c.tx(IOT, o1, arp_request_out(IOT, '192.168.20.30', t=2.0),
     forward4(p1, IOT, '02:00:00:00:14:1e', t=2.2))
c.write({'rx': 4, 'forwarded': 1, 'local': 2, 'dropped': 1}, {'arp-ignored': 1})
