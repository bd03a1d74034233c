#!/usr/bin/python3
"""The Subnet-Router anycast address of each of the gateway's IPv6 prefixes
(the prefix with an all-zero interface id, RFC 4291 2.6.1) is the gateway's
own: an echo request to fd00:1:: (lan0 has fd00:1::1/64) is answered, also
with hop limit 1, and one to fd00:2:: (dmz0's prefix) received on lan0 too;
the reply comes from the unicast address of that prefix (fd00:1::1,
fd00:2::1: RFC 4443 2.2, a reply to an anycast address is sent from a
unicast one). UDP to fd00:1:: is local-unhandled, with a port unreachable
from fd00:1::1 (the anycast address is never an error's source). A solicitation for
fd00:1:: on lan0 gets an advertisement for target fd00:1:: with Override 0
(RFC 4861 7.2.4: anycast), R=1 S=1, sent from fd00:1::1 (RFC 4861 4.4: an
address assigned to the interface; as Linux); a DAD probe for it one to
ff02::1 with S=0 O=0; a solicitation on lan0 for dmz0's fd00:2:: is nd-ignored (not an
address of the receiving interface). On a /127 (RFC 6164) there is no
Subnet-Router anycast: 2001:db8:ff00:: is the peer of p2p0
(2001:db8:ff00::1/127) and is forwarded to it."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from scapy.all import *  # noqa: E402,F401,F403
from casegen import *  # noqa: E402,F401,F403

P2P = dict(name='p2p0', mac='02:00:00:00:04:01', v4=None, v6='2001:db8:ff00::1', v6len=127,
           vlan=None)
P2P_PEER_MAC = '02:00:00:00:04:fe'
cfg = standard_config(ifaces=(LAN, WAN, DMZ, P2P), extra_lines=[
    'neighbor add 2001:db8:ff00:: lladdr %s dev p2p0' % P2P_PEER_MAC,
], header=__doc__)
c = Case(__file__, cfg, __doc__)
E = l2(H1_MAC, LAN['mac'], ethertype=0x86dd)


def echo(dst, t, i, hlim=64):
    return at(E / IPv6(src=H1_V6, dst=dst, hlim=hlim, tc=0, fl=0)
              / ICMPv6EchoRequest(id=0x5151, seq=i, data=b'anycast ping %d' % i), t)


e1 = echo('fd00:1::', 1.0, 1)
e2 = echo('fd00:2::', 1.1, 2)
e3 = echo('fd00:1::', 1.2, 3, hlim=1)
u1 = at(E / IPv6(src=H1_V6, dst='fd00:1::', hlim=64) / UDP(sport=40000, dport=53)
        / Raw(b'to the anycast address'), 1.3)
n1 = nd_ns(H1_MAC, H1_V6, 'fd00:1::', t=2.0)
n2 = nd_ns(H1_MAC, '::', 'fd00:1::', sllao=False, t=2.1)
n3 = nd_ns(H1_MAC, H1_V6, 'fd00:2::', t=2.2)
f1 = at(E / IPv6(src=H1_V6, dst='2001:db8:ff00::', hlim=64, tc=0, fl=0)
        / UDP(sport=40001, dport=9) / Raw(b'to the /127 peer'), 3.0)
c.rx(LAN, e1, e2, e3, u1, n1, n2, n3, f1)
replies = [echo_reply6(e1, LAN, src=LAN['v6']), echo_reply6(e2, LAN, src=DMZ['v6']),
           echo_reply6(e3, LAN, src=LAN['v6'])]
c.tx(LAN, *replies, icmp6_error(u1, LAN, 1, 4))
c.tx(LAN, nd_na(LAN['mac'], H1_MAC, LAN['v6'], H1_V6, 'fd00:1::', r=1, s=1, o=0, t=2.0),
     nd_na(LAN['mac'], '33:33:00:00:00:01', LAN['v6'], 'ff02::1', 'fd00:1::', r=1, s=0, o=0,
           t=2.1))
c.tx(P2P, forward6(f1, P2P, P2P_PEER_MAC))
# XDP: the FIB has no local route for the anycast addresses: the program
# finds no neighbour for them (or hop limit 1) and passes them to the
# kernel, whose answers these are
c.kernel(e1, e2, e3, u1)
c.kernel_out(*replies)
c.write({'rx': 8, 'forwarded': 1, 'local': 5, 'dropped': 2},
        {'local-unhandled': 1, 'nd-ignored': 1})
