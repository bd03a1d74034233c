#!/usr/bin/python3
"""scripts/samples/home-gateway.conf, replayed: a LAN host and an IoT host
(VLAN 20) go out through the WAN (ARP both ways, NAT to the WAN address,
source ports kept, MSS clamped to the sample's value on SYNs out and in),
the reply comes back, both port forwards reach their inside hosts, and an
unsolicited packet is dropped silently. Expected frames are built here from
the rules in README ("Packet behaviour", "NAT44 behaviour").
Usage: sample_home_gateway.py SLUICE_DP CONF"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from samplelib import (Checker, conf_lines, at, replay, routed, arp_request, arp_reply,  # noqa: E402
                       describe)
from scapy.all import Ether, IP, TCP, UDP, Dot1Q, Raw, ARP  # noqa: E402

dp, conf = sys.argv[1], sys.argv[2]
c = Checker('home-gateway')

# What the sample says (the test adapts to addresses and MACs, and insists
# on the shape the sample is meant to show).
ifs, fwds, clamp, pools = {}, [], {}, []
for w in conf_lines(conf):
    if w[0] == 'interface':
        kv = dict(zip(w[2::2], w[3::2]))
        ifs[w[1]] = dict(mac=kv.get('mac'), ip=kv['address'].split('/')[0], vlan=kv.get('vlan'),
                         role=kv.get('role'), device=kv['device'])
    elif w[:3] == ['nat', 'forward', 'add']:
        pub_ip, pub_port = w[4].rsplit(':', 1)
        in_ip, in_port = w[6].rsplit(':', 1)
        fwds.append((w[3], pub_ip, int(pub_port), in_ip, int(in_port)))
    elif w[:2] == ['tcp', 'mss-clamp']:
        clamp[w[4]] = int(w[2])
    elif w[:3] == ['nat', 'pool', 'add']:
        pools.append(w[3])
    elif w[:2] == ['route', 'add'] and w[2] == '0.0.0.0/0':
        upstream = w[4]
c.check(set(ifs) == {'wan0', 'lan0', 'iot0'} and ifs['wan0']['role'] == 'outside'
        and ifs['lan0']['role'] == ifs['iot0']['role'] == 'inside', 'sample: wan0 outside, lan0 and iot0 inside')
c.check(ifs['iot0']['vlan'] == '20' and ifs['iot0']['device'] == ifs['lan0']['device'],
        'sample: iot0 is VLAN 20 on the LAN port')
c.check(clamp.get('wan0') == 1452, 'sample: tcp mss-clamp 1452 dev wan0')
c.check(len(fwds) >= 2, 'sample: at least two port forwards', str(fwds))
c.check(all(i['mac'] for i in ifs.values()), 'sample: every interface has a mac (replay needs it)')
c.check(pools == [ifs['wan0']['ip'] + '/32'], 'sample: the pool is the WAN address', str(pools))

WAN, LAN, IOT = ifs['wan0'], ifs['lan0'], ifs['iot0']
PUB = WAN['ip']
MSS = clamp['wan0']
UP_MAC = '02:00:00:00:02:fe'
H1, H1_MAC = '192.168.1.10', '02:00:00:00:01:0a'
S_MAC = '02:00:00:00:01:14'
IOT_H, IOT_MAC = '192.168.20.50', '02:00:00:00:14:32'
REMOTE = '198.51.100.7'
SCANNER = '198.51.100.99'
tcp_fwd = next(f for f in fwds if f[0] == 'tcp')
udp_fwd = next(f for f in fwds if f[0] == 'udp')
hosts = {H1: H1_MAC, '192.168.1.20': S_MAC}
for f in fwds:
    assert f[3] in hosts, f'forward to {f[3]}: the test knows hosts {list(hosts)}'

lan_in, wan_in = [], []
# 1.000 H1 asks for its default gateway (the gateway replies and learns H1)
lan_in.append(at(arp_request(H1_MAC, H1, LAN['ip']), 1.000))
# 1.010 H1 opens a TCP connection to the Internet, MSS 1460
syn = at(Ether(src=H1_MAC, dst=LAN['mac']) / IP(src=H1, dst=REMOTE, ttl=64, id=101)
         / TCP(sport=40000, dport=443, flags='S', seq=1000, options=[('MSS', 1460), ('SAckOK', b'')]), 1.010)
lan_in.append(syn)
# 1.020 the ISP router answers the gateway's ARP request for it
wan_in.append(at(arp_reply(UP_MAC, upstream, WAN['mac'], PUB), 1.020))
# 1.030 a second connection, the ISP router now resolved
syn2 = at(Ether(src=H1_MAC, dst=LAN['mac']) / IP(src=H1, dst=REMOTE, ttl=64, id=102)
          / TCP(sport=40001, dport=443, flags='S', seq=2000, options=[('MSS', 1460)]), 1.030)
lan_in.append(syn2)
# 1.050 an IoT device on VLAN 20 asks for its gateway, then sends UDP out
lan_in.append(at(arp_request(IOT_MAC, IOT_H, IOT['ip'], vlan=20), 1.050))
iot_udp = at(Ether(src=IOT_MAC, dst=IOT['mac']) / Dot1Q(vlan=20) / IP(src=IOT_H, dst='198.51.100.8', ttl=64, id=7)
             / UDP(sport=5000, dport=8883) / Raw(b'temperature=21.5'), 1.060)
lan_in.append(iot_udp)
# 1.100 the server's SYN-ACK, MSS 1460
synack = at(Ether(src=UP_MAC, dst=WAN['mac']) / IP(src=REMOTE, dst=PUB, ttl=55, id=202)
            / TCP(sport=443, dport=40000, flags='SA', seq=5000, ack=1001, options=[('MSS', 1460)]), 1.100)
wan_in.append(synack)
# 1.200 someone connects to the TCP port forward (MSS 1460), 1.250 to the UDP one
fwd_syn = at(Ether(src=UP_MAC, dst=WAN['mac']) / IP(src=SCANNER, dst=tcp_fwd[1], ttl=50, id=303)
             / TCP(sport=50000, dport=tcp_fwd[2], flags='S', seq=7, options=[('MSS', 1460)]), 1.200)
wan_in.append(fwd_syn)
fwd_udp = at(Ether(src=UP_MAC, dst=WAN['mac']) / IP(src=SCANNER, dst=udp_fwd[1], ttl=50, id=304)
             / UDP(sport=41641, dport=udp_fwd[2]) / Raw(b'handshake'), 1.250)
wan_in.append(fwd_udp)
# 1.260 the WireGuard host must be resolved: it answers the gateway's ARP
lan_in.append(at(arp_reply(S_MAC, udp_fwd[3], LAN['mac'], LAN['ip']), 1.260))
# 1.300 an unsolicited UDP datagram to the WAN address: dropped, no ICMP back
wan_in.append(at(Ether(src=UP_MAC, dst=WAN['mac']) / IP(src=SCANNER, dst=PUB, ttl=50, id=305)
                 / UDP(sport=1234, dport=5353) / Raw(b'probe'), 1.300))

outs, st = replay(dp, conf, {'lan0': lan_in, 'wan0': wan_in})
got = {k: [b for _, b in v] for k, v in outs.items()}

exp_wan = [
    bytes(arp_request(WAN['mac'], PUB, upstream)),                       # resolving the ISP router
    # NAT, port kept, MSS clamped (this SYN waited for the ARP reply: the
    # clamp applies to held packets too)
    routed(syn, WAN['mac'], UP_MAC, src=PUB, mss=MSS),
    routed(syn2, WAN['mac'], UP_MAC, src=PUB, mss=MSS),
    routed(iot_udp, WAN['mac'], UP_MAC, src=PUB),                        # VLAN 20 -> untagged WAN
]
exp_lan = [
    bytes(arp_reply(LAN['mac'], LAN['ip'], H1_MAC, H1)),                 # the gateway answers H1
    routed(synack, LAN['mac'], H1_MAC, dst=H1, mss=MSS),                 # back to H1, clamped
    routed(fwd_syn, LAN['mac'], hosts[tcp_fwd[3]], dst=tcp_fwd[3], dport=tcp_fwd[4], mss=MSS),
    bytes(arp_request(LAN['mac'], LAN['ip'], udp_fwd[3])),               # resolving the VPN host
    routed(fwd_udp, LAN['mac'], hosts[udp_fwd[3]], dst=udp_fwd[3], dport=udp_fwd[4]),
]
exp_iot = [bytes(arp_reply(IOT['mac'], IOT['ip'], IOT_MAC, IOT_H, vlan=20))]  # tagged reply

for name, exp in (('wan0', exp_wan), ('lan0', exp_lan), ('iot0', exp_iot)):
    g = got.get(name, [])
    c.check(g == exp, f'{name}: {len(exp)} frames exactly as expected',
            f'\n  got      {describe(g)}\n  expected {describe(exp)}' +
            ''.join(f'\n  frame {i}: got {a.hex()}\n           exp {b.hex()}'
                    for i, (a, b) in enumerate(zip(g, exp)) if a != b))

def mss_of(frame):
    return dict(Ether(frame)[TCP].options).get('MSS') if Ether(frame).haslayer(TCP) else None


w = got.get('wan0', [])
c.check(len(w) > 2 and mss_of(w[2]) == MSS, f'outbound SYN (next hop resolved): MSS clamped to {MSS}',
        str(mss_of(w[2]) if len(w) > 2 else None))
c.check(len(w) > 1 and mss_of(w[1]) == MSS,
        f'outbound SYN held for the ISP router\'s ARP reply: MSS clamped to {MSS} too',
        str(mss_of(w[1]) if len(w) > 1 else None))
p = st['packets']
c.check((p['rx'], p['forwarded'], p['local'], p['dropped']) == (len(lan_in) + len(wan_in), 6, 4, 1),
        'counters: all received, 6 forwarded, 4 local (ARP), 1 dropped', str(p))
c.check(st['drops']['nat-no-session'] == 1, 'the unsolicited datagram is nat-no-session',
        str({k: v for k, v in st['drops'].items() if v}))
c.check(st['events']['icmp-errors-sent'] == 0, 'no ICMP error for it (RFC 5382 REQ-4a)')
c.done()
