#!/usr/bin/python3
"""NAT44 and egress MTU (lan0 and wan0 mtu 1400): a 1500-byte DF reply to a
live session, translated towards lan0, does not fit: dropped as
mtu-exceeded and answered out of wan0 with fragmentation needed (next-hop
MTU 1400) quoting the packet as it was received (destination the pool
address, not the inside host, so the remote's path MTU discovery matches
it); a 1400-byte reply is translated and forwarded. Outbound, H1's
1500-byte DF datagram gets fragmentation needed on lan0 quoting its own,
untranslated packet. XDP: the outbound one goes to the kernel, which answers
it; the inbound one cannot (the kernel would route the pool address back
out of wan0, with wan0's MTU), so the program drops it as mtu-exceeded and
sends the error itself, the same bytes (README "XDP backend")."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

POOL = NAT_POOL_V4
cfg = nat_config(['nat pool add %s/32 ports 1024-65535' % POOL], header=__doc__)
cfg = cfg.replace(' role inside\n', ' role inside mtu 1400\n').replace(
    ' role outside\n', ' role outside mtu 1400\n')
assert cfg.count('role inside mtu 1400\n') == 1 and cfg.count('role outside mtu 1400\n') == 1
c = Case(__file__, cfg, __doc__)

o1 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=1, flags='DF')
        / UDP(sport=40000, dport=4433) / Raw(b'hello'), 1.0)


def reply(size, t, i):
    p = at(l2(GW_MAC, WAN['mac']) / IP(src=REMOTE_V4, dst=POOL, ttl=60, id=i, flags='DF')
           / UDP(sport=4433, dport=40000) / Raw(bytes(size - 28)), t)
    assert len(p) == 14 + size
    return p


r1, r2 = reply(1500, 1.1, 2), reply(1400, 1.2, 3)
o2 = at(l2(H1_MAC, LAN['mac']) / IP(src=H1_V4, dst=REMOTE_V4, ttl=64, id=4, flags='DF')
        / UDP(sport=40000, dport=4433) / Raw(bytes(1472)), 1.3)
c.rx(LAN, o1, o2)
c.rx(WAN, r1, r2)
r1_err = icmp4_error(r1, WAN, 3, 4, rest=1400)
c.tx(WAN, nat_forward(o1, WAN, GW_MAC, src=POOL, sport=40000), r1_err)
c.tx(LAN, nat_forward(r2, LAN, H1_MAC, dst=H1_V4, dport=40000),
     icmp4_error(o2, LAN, 3, 4, rest=1400))
c.not_kernel(r1)
c.xdp_sends(r1_err)
c.write({'rx': 4, 'forwarded': 2, 'local': 0, 'dropped': 2}, {'mtu-exceeded': 2})
# the XDP counters: r1 dropped (casegen leaves kernel reasons unchecked)
with open(os.path.join(c.out_dir, 'xdp.json')) as f:
    x = json.load(f)
x['expect']['drops'] = {'mtu-exceeded': 1}
with open(os.path.join(c.out_dir, 'xdp.json'), 'w') as f:
    json.dump(x, f, indent=2, sort_keys=True)
    f.write('\n')
