#!/usr/bin/python3
"""Traffic for the multi-worker test: many flows both ways, a few packets
the gateway must drop or answer (bad checksum, TTL 1, echo to the gateway).
Writes lan.pcap and wan.pcap into the directory given as argv[1]."""
import os
import sys
from scapy.all import Ether, IP, UDP, TCP, ICMP, Raw, wrpcap

out = sys.argv[1]
LAN_MAC, WAN_MAC = '02:00:00:00:01:01', '02:00:00:00:02:01'
H_MAC, GW_MAC = '02:00:00:00:01:0a', '02:00:00:00:02:fe'
lan, wan = [], []
t = 1.0
for i in range(2000):
    t += 0.0005
    p = (Ether(src=H_MAC, dst=LAN_MAC) /
         IP(src='192.168.1.%d' % (10 + i % 4), dst='198.51.100.%d' % (1 + i % 200), ttl=64, id=i) /
         UDP(sport=1024 + i, dport=53) / Raw(b'q%05d' % i))
    p.time = t
    lan.append(p)
    r = (Ether(src=GW_MAC, dst=WAN_MAC) /
         IP(src='198.51.100.%d' % (1 + i % 200), dst='192.168.1.%d' % (10 + i % 4), ttl=50, id=i) /
         TCP(sport=80, dport=1024 + i, flags='A', seq=i, ack=1) / Raw(b'r%05d' % i))
    r.time = t
    wan.append(r)
for i in range(20):
    bad = Ether(src=H_MAC, dst=LAN_MAC) / IP(src='192.168.1.10', dst='198.51.100.9', chksum=0x1234) / UDP()
    ttl1 = Ether(src=H_MAC, dst=LAN_MAC) / IP(src='192.168.1.11', dst='198.51.100.9', ttl=1, id=i) / UDP(sport=7, dport=7)
    echo = Ether(src=H_MAC, dst=LAN_MAC) / IP(src='192.168.1.12', dst='192.168.1.1', id=i) / ICMP(id=7, seq=i) / Raw(b'ping')
    for p in (bad, ttl1, echo):
        t += 0.0005
        p.time = t
        lan.append(p)
wrpcap(os.path.join(out, 'lan.pcap'), lan)
wrpcap(os.path.join(out, 'wan.pcap'), wan)
