#!/usr/bin/python3
"""IPv6 to the all-nodes / all-routers groups that is not ND: a multicast
destination other than ND to us is ip-multicast (README, IPv6 forwarding),
not nd-ignored. An echo request to ff02::1 and to ff02::2, one to ff02::1
with a bad checksum, an MLD query (type 130) to ff02::1 with and without a
Hop-by-Hop Router Alert, an unknown ICMPv6 type to ff02::1 and UDP to ff02::1
are all ip-multicast, unanswered. A router solicitation to ff02::2 (ND) is
still nd-ignored."""
import json
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

cfg = standard_config(header=__doc__)
c = Case(__file__, cfg, __doc__)
H1_LL = eui64_link_local(H1_MAC)
AN_MAC, AR_MAC = '33:33:00:00:00:01', '33:33:00:00:00:02'


def mc(dst, dmac, t, *layers, hlim=64, src=H1_V6):
    p = l2(H1_MAC, dmac, ethertype=0x86dd) / IPv6(src=src, dst=dst, hlim=hlim, tc=0, fl=0)
    for x in layers:
        p = p / x
    return at(Ether(bytes(p)), t)


m1 = mc('ff02::1', AN_MAC, 1.0, ICMPv6EchoRequest(id=0x81, seq=1, data=b'all nodes'))
m2 = mc('ff02::2', AR_MAC, 1.1, ICMPv6EchoRequest(id=0x81, seq=2, data=b'all routers'))
m3 = mc('ff02::1', AN_MAC, 1.2, ICMPv6EchoRequest(id=0x81, seq=3, cksum=0x1234,
                                                    data=b'bad checksum'))
m4 = mc('ff02::1', AN_MAC, 1.3, ICMPv6MLQuery(mrd=10000, mladdr='::'), hlim=1, src=H1_LL)
m5 = mc('ff02::1', AN_MAC, 1.4,
        IPv6ExtHdrHopByHop(len=0, autopad=0, options=[RouterAlert(value=0),
                                                      PadN(otype=1, optlen=0)]),
        ICMPv6MLQuery(mrd=10000, mladdr='::'), hlim=1, src=H1_LL)
m6 = mc('ff02::1', AN_MAC, 1.5, ICMPv6Unknown(type=200, code=0, msgbody=b'unknown type'))
m7 = mc('ff02::1', AN_MAC, 1.6, UDP(sport=40000, dport=9), Raw(b'udp to all nodes'))
r1 = mc('ff02::2', AR_MAC, 2.0, ICMPv6ND_RS(), ICMPv6NDOptSrcLLAddr(lladdr=H1_MAC), hlim=255,
        src=H1_LL)
assert bytes(m5)[14 + 6] == 0 and bytes(m5)[14 + 40] == 58
c.rx(LAN, m1, m2, m3, m4, m5, m6, m7, r1)
drops = {'ip-multicast': 7, 'nd-ignored': 1}
c.write({'rx': 8, 'forwarded': 0, 'local': 0, 'dropped': 8}, drops)
# XDP: ff02::1 and ff02::2 go to the kernel (where ND is handled) whatever
# they carry, so the program drops nothing
xp = os.path.join(c.out_dir, 'xdp.json')
with open(xp) as f:
    x = json.load(f)
assert x['expect']['packets'] == {'rx': 8, 'forwarded': 0, 'local': 8, 'dropped': 0}
x['expect']['drops'] = dict({k: 0 for k in drops}, **{k: 0 for k in XDP_KERNEL_REASONS})
with open(xp, 'w') as f:
    json.dump(x, f, indent=2, sort_keys=True)
    f.write('\n')
