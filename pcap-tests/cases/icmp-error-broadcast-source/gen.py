#!/usr/bin/python3
"""A source that is the directed broadcast address of one of the gateway's
connected subnets is not a valid source (RFC 1812 5.3.7: not unicast; RFC
1122 3.2.1.3): such a packet is martian-address, never forwarded, delivered
or answered with an ICMP error (RFC 1812 4.3.2.7): TTL 64 and TTL 1 from
192.168.1.255 (lan0's subnet), TTL 1 from 203.0.113.255 (wan0's subnet,
received on lan0), no route from 192.168.1.255, and an echo request from
192.168.1.255 to the gateway. A /31 has no broadcast address: TTL 1 from
10.0.0.1 (p2p0 has 10.0.0.0/31) gets its time exceeded, as do TTL 1 from
the unicast 192.168.1.10 and from 192.168.2.255 (inside dmz0's /23, not its
broadcast). Both backends drop the broadcast sources themselves."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

DMZ23 = dict(DMZ, v4len=23)
cfg = standard_config(ifaces=(LAN, WAN, DMZ23), extra_lines=[
    'interface p2p0 device port-p2p0 address 10.0.0.0/31 mac 02:00:00:00:04:01',
    'route add 198.51.100.0/24 via %s dev wan0' % GW_V4,
    'neighbor add %s lladdr %s dev wan0' % (GW_V4, GW_MAC),
], header=__doc__)
c = Case(__file__, cfg, __doc__)
E = l2(H1_MAC, LAN['mac'])


def udp(src, dst, ttl, i, t):
    return at(E / IP(src=src, dst=dst, ttl=ttl, id=0x100 + i)
              / UDP(sport=40000 + i, dport=9) / Raw(b'from %s' % src.encode()), t)


p0 = udp('192.168.1.255', REMOTE_V4, 64, 0, 0.9)
p1 = udp('192.168.1.255', REMOTE_V4, 1, 1, 1.0)
p2 = udp('203.0.113.255', REMOTE_V4, 1, 2, 1.1)
p3 = udp('192.168.1.255', '10.9.9.9', 64, 3, 1.2)
p4 = at(E / IP(src='192.168.1.255', dst=LAN['v4'], ttl=64, id=0x104)
        / ICMP(type=8, code=0, id=0x4242, seq=1) / Raw(b'ping from a broadcast'), 1.3)
q1 = udp('10.0.0.1', REMOTE_V4, 1, 5, 2.0)
q2 = udp(H1_V4, REMOTE_V4, 1, 6, 2.1)
q3 = udp('192.168.2.255', REMOTE_V4, 1, 7, 2.2)
c.rx(LAN, p0, p1, p2, p3, p4, q1, q2, q3)
c.tx(LAN, *[icmp4_error(q, LAN, 11, 0) for q in (q1, q2, q3)])
c.write({'rx': 8, 'forwarded': 0, 'local': 0, 'dropped': 8},
        {'ttl-exceeded': 3, 'martian-address': 5})
# XDP: the program drops the echo request to the gateway's address as well
# (its source is checked before the rule that gives the gateway's own
# addresses to the kernel); the kernel gets only the three TTL expiries
xp = os.path.join(c.out_dir, 'xdp.json')
with open(xp) as f:
    x = json.load(f)
x['kernel'] = {'lan0': [5, 6, 7]}
x['expect']['packets'] = {'rx': 8, 'forwarded': 0, 'local': 3, 'dropped': 5}
x['expect']['drops'] = dict({'martian-address': 5}, **{k: 0 for k in XDP_KERNEL_REASONS})
with open(xp, 'w') as f:
    json.dump(x, f, indent=2, sort_keys=True)
    f.write('\n')
