"""Helpers for the sample-config tests: run `sluice-dp replay` on a sample
and compare what it sent with frames built here from first principles."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from scapy.all import Ether, IP, TCP, UDP, ARP, Dot1Q, rdpcap, wrpcap

BCAST = 'ff:ff:ff:ff:ff:ff'


class Checker:
    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
            print(f'PASS {what}')
        else:
            self.failed += 1
            print(f'FAIL {what}' + (f': {detail}' if detail else ''))

    def done(self):
        print(f'{self.passed} passed, {self.failed} failed')
        sys.exit(1 if self.failed else 0)


def conf_lines(path):
    """The config's commands, comments stripped (to read values from it)."""
    out = []
    for line in open(path):
        line = line.split('#', 1)[0].split()
        if line:
            out.append(line)
    return out


def at(pkt, t):
    pkt.time = t
    return pkt


def replay(dp, conf, inputs, seed=1):
    """inputs: {iface: [packets]}. Returns (outputs {iface: [bytes]}, stats)."""
    d = tempfile.mkdtemp(prefix='slsample.')
    args = [dp, 'replay', '--config', conf, '--out-dir', os.path.join(d, 'out'), '--json',
            '--seed', str(seed)]
    for iface, pkts in inputs.items():
        p = os.path.join(d, iface + '.pcap')
        wrpcap(p, pkts)
        args += ['--in', f'{iface}={p}']
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            raise SystemExit(f'replay failed with status {r.returncode}')
        txt = r.stdout
        stats = json.loads(txt[txt.index('{'):])
        outs = {}
        for f in os.listdir(os.path.join(d, 'out')):
            if f.endswith('.pcap'):
                outs[f[:-5]] = [(float(p.time), bytes(p)) for p in rdpcap(os.path.join(d, 'out', f))]
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return outs, stats


def routed(pkt, src_mac, dst_mac, vlan=None, **changes):
    """The frame a router sends for pkt (an Ether/[Dot1Q]/IP packet): new
    MACs, the egress VLAN tag (or none), TTL - 1, the given IP/L4 field
    changes (src, dst, sport, dport, mss), checksums recomputed."""
    ip = pkt[IP].copy()
    ip.ttl -= 1
    for k in ('src', 'dst'):
        if k in changes:
            setattr(ip, k, changes[k])
    l4 = ip.payload
    for k in ('sport', 'dport'):
        if k in changes:
            setattr(l4, k, changes[k])
    if 'mss' in changes:
        l4.options = [('MSS', changes['mss']) if o[0] == 'MSS' else o for o in l4.options]
    del ip.chksum
    del l4.chksum
    eth = Ether(src=src_mac, dst=dst_mac)
    if vlan is not None:
        return bytes(eth / Dot1Q(vlan=vlan) / ip)
    return bytes(eth / ip)


def arp_request(src_mac, src_ip, target_ip, vlan=None):
    eth = Ether(src=src_mac, dst=BCAST)
    arp = ARP(op=1, hwsrc=src_mac, psrc=src_ip, hwdst='00:00:00:00:00:00', pdst=target_ip)
    return eth / Dot1Q(vlan=vlan) / arp if vlan is not None else eth / arp


def arp_reply(src_mac, src_ip, dst_mac, dst_ip, vlan=None):
    eth = Ether(src=src_mac, dst=dst_mac)
    arp = ARP(op=2, hwsrc=src_mac, psrc=src_ip, hwdst=dst_mac, pdst=dst_ip)
    return eth / Dot1Q(vlan=vlan) / arp if vlan is not None else eth / arp


def describe(frames):
    return [Ether(b).summary() for b in frames]
