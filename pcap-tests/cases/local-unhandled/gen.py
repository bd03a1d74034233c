#!/usr/bin/python3
"""Traffic addressed to the gateway that no local service handles is dropped
as local-unhandled: TCP SYN and UDP to lan0's address, UDP to wan0's address
received on lan0, an ICMP timestamp request and an echo reply to lan0's
address, a TTL-1 TCP segment to lan0's address (local, so no time exceeded),
and UDP/TCP to lan0's global and link-local IPv6 addresses."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)
L4 = [IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=1) / TCP(sport=40000, dport=22, flags='S', seq=1,
                                                       window=1024),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=2) / UDP(sport=40001, dport=9) / Raw(b'udp'),
      IP(src=H1_V4, dst=WAN['v4'], ttl=64, id=3) / UDP(sport=40002, dport=9) / Raw(b'udp'),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=4) / ICMP(type=13, code=0, id=1, seq=1, ts_ori=0,
                                                        ts_rx=0, ts_tx=0),
      IP(src=H1_V4, dst=LAN['v4'], ttl=64, id=5) / ICMP(type=0, code=0, id=1, seq=1) / Raw(b'x'),
      IP(src=H1_V4, dst=LAN['v4'], ttl=1, id=6) / TCP(sport=40003, dport=179, flags='S', seq=1,
                                                      window=1024)]
L6 = [IPv6(src=H1_V6, dst=LAN['v6'], hlim=64, tc=0, fl=0) / UDP(sport=40004, dport=9)
      / Raw(b'udp6'),
      IPv6(src=H1_LL, dst=eui64_link_local(LAN['mac']), hlim=64, tc=0, fl=0)
      / TCP(sport=40005, dport=22, flags='S', seq=1, window=1024)]
pk = [at(l2(H1_MAC, LAN['mac']) / p, 1.0 + i / 10) for i, p in enumerate(L4)]
pk += [at(l2(H1_MAC, LAN['mac'], ethertype=0x86dd) / p, 2.0 + i / 10) for i, p in enumerate(L6)]
c.rx(LAN, *pk)
c.write({'rx': len(pk), 'forwarded': 0, 'local': 0, 'dropped': len(pk)},
        {'local-unhandled': len(pk)})
