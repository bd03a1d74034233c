#!/usr/bin/python3
"""VLAN interfaces: iot0 is VLAN 20 on the same device as the untagged lan0.
Tagged frames in on iot0 are forwarded out wan0 untagged; the reply from the
Internet is routed back out iot0 tagged (VLAN 20, PCP 0); a VLAN-20 frame
given in lan0's input (same wire) is received by iot0; the echo reply and the
ICMP error the gateway sends on iot0 carry its tag too."""
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
         iface_line(WAN, device='port1'),
         'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
         'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
         'neighbor add %s lladdr %s dev iot0' % (IOT_H_V4, IOT_H_MAC)]
cfg = ''.join('# %s\n' % x for x in __doc__.splitlines()) + '\n'.join(lines) + '\n'
c = Case(__file__, cfg, __doc__)

p1 = at(l2(IOT_H_MAC, IOT['mac'], vlan=20) / IP(src=IOT_H_V4, dst=REMOTE_V4, ttl=64, id=1)
        / UDP(sport=40000, dport=9) / Raw(b'ntp?'), 1.0)
p2 = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=IOT_H_V4, ttl=60, id=2)
        / UDP(sport=9, dport=40000) / Raw(b'ntp!'), 1.1)
# echo request to iot0's address with PCP 5 on the way in: the reply has PCP 0
p3 = at(Ether(dst=IOT['mac'], src=IOT_H_MAC, type=0x8100)
        / Dot1Q(prio=5, id=0, vlan=20, type=0x0800)
        / IP(src=IOT_H_V4, dst=IOT['v4'], ttl=64, id=3)
        / ICMP(type=8, code=0, id=0x77, seq=1) / Raw(b'are you there'), 1.2)
# TTL 1 from the VLAN: time exceeded back out tagged, from iot0's address
p4 = at(l2(IOT_H_MAC, IOT['mac'], vlan=20) / IP(src=IOT_H_V4, dst=REMOTE_V4, ttl=1, id=4)
        / UDP(sport=33434, dport=33435) / Raw(b'probe'), 1.3)
# a VLAN-20 frame captured on lan0's wire (same device) belongs to iot0
p5 = at(l2(IOT_H_MAC, IOT['mac'], vlan=20) / IP(src=IOT_H_V4, dst=REMOTE_V4, ttl=64, id=5)
        / UDP(sport=40001, dport=9) / Raw(b'via lan0 file'), 1.4)
# an untagged frame on lan0 is lan0's
p6 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=6)
        / UDP(sport=40002, dport=9) / Raw(b'untagged'), 1.5)
c.rx(IOT, p1, p3, p4)
c.rx(WAN, p2)
c.rx(LAN, p5, p6)
c.tx(WAN, forward4(p1, WAN, GW_MAC), forward4(p5, WAN, GW_MAC), forward4(p6, WAN, GW_MAC))
c.tx(IOT, forward4(p2, IOT, IOT_H_MAC), echo_reply4(p3, IOT), icmp4_error(p4, IOT, 11, 0))
c.write({'rx': 6, 'forwarded': 4, 'local': 1, 'dropped': 1}, {'ttl-exceeded': 1})
