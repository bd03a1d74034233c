#!/usr/bin/python3
"""The hold queue of an unresolved next hop takes 4 packets: of 6 packets
sent before the ARP reply, the first 4 are held and leave in order when the
reply arrives (stamped with its time); the 5th and 6th are neigh-queue-full.
Only one ARP request is sent."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(extra_lines=[
    'route add 0.0.0.0/0 via %s dev wan0' % GW_V4,
], header=__doc__)
c = Case(__file__, cfg, __doc__)
pk = [at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=i)
         / UDP(sport=40000, dport=9) / Raw(b'packet %d' % i), 1.0 + i / 100) for i in range(6)]
reply = arp_reply_in(GW_MAC, GW_V4, WAN['mac'], WAN['v4'], t=1.5)
c.rx(LAN, *pk)
c.rx(WAN, reply)
c.tx(WAN, arp_request_out(WAN, GW_V4, t=1.0), *[forward4(p, WAN, GW_MAC, t=1.5) for p in pk[:4]])
c.kernel(*pk[4:])  # XDP: held beyond the queue by DPDK; the kernel's on XDP
c.write({'rx': 7, 'forwarded': 4, 'local': 1, 'dropped': 2}, {'neigh-queue-full': 2})
