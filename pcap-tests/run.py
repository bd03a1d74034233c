#!/usr/bin/python3
"""Run the pcap-tests cases against a sluice backend's replay mode.

    run.py --sluice-dp PATH [--backend dp] [--case NAME]... [-v] CASES_DIR
    run.py --backend xdp --sluice-xdp PATH [--case NAME]... CASES_DIR
    run.py --check-generated CASES_DIR

For each case directory (config, <iface>.in.pcap, <iface>.out.pcap,
expect.json) the runner calls

    BIN replay --config config --in IF=IF.in.pcap ... --out-dir TMP --json

(inputs in the order listed by expect.json "inputs", else sorted), parses the
JSON counters printed on stdout, compares every interface's TMP/IF.pcap with
IF.out.pcap packet by packet, byte for byte (packet data only, timestamps
are not compared; a missing expected file means "nothing sent"), and checks
the counters listed in expect.json (nested subset match: only listed keys).

Exit status: 0 if every case passed, 1 otherwise, 77 (meson "skip") if every
selected case was skipped.

Backend hook (XDP): with --backend xdp the same replay command is run with the
sluice-xdp binary. A case may hold an `xdp.json`:
    {"skip": "why"}                         the XDP backend does not handle this case
    {"expect": {...}}                       counters replacing/overriding expect.json's
    {"kernel": {"lan0": [0, 3]}}            indices (0-based, within that interface's
                                            input pcap) of the packets the XDP program
                                            passes to the kernel (XDP_PASS); compared
                                            exactly with the replay's JSON "kernel"
                                            (no xdp.json, or no key: none may be passed)
    {"outputs": {"lan0": "lan0.xdp.out.pcap"}}  expected file replacing IF.out.pcap
"""

import argparse
import difflib
import filecmp
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


# ---------------------------------------------------------------------------
# pcap reading: our own small reader (pcap and pcapng), packet data only.

def read_packets(path):
    """Return a list of (timestamp_seconds_float, bytes) from a pcap or pcapng
    file. Raises ValueError with a message on a malformed file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError('%s: too short for a capture header (%d bytes)' % (path, len(data)))
    magic = data[:4]
    if magic == b'\x0a\x0d\x0d\x0a':
        return _read_pcapng(path, data)
    endian = None
    for e in ('<', '>'):
        m = struct.unpack(e + 'I', magic)[0]
        if m in (0xa1b2c3d4, 0xa1b23c4d):
            endian = e
            nano = m == 0xa1b23c4d
    if endian is None:
        raise ValueError('%s: not a pcap file (magic %s)' % (path, magic.hex()))
    if len(data) < 24:
        raise ValueError('%s: truncated pcap header' % path)
    linktype = struct.unpack(endian + 'I', data[20:24])[0] & 0x0fffffff
    if linktype != 1:
        raise ValueError('%s: link type %d, not Ethernet' % (path, linktype))
    off = 24
    out = []
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError('%s: truncated record header at offset %d' % (path, off))
        sec, frac, caplen, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError('%s: truncated record at offset %d' % (path, off))
        out.append((sec + frac / (1e9 if nano else 1e6), data[off:off + caplen]))
        off += caplen
    return out


def _read_pcapng(path, data):
    out = []
    off = 0
    endian = '<'
    tsres = {}
    n_if = 0
    while off + 12 <= len(data):
        btype = struct.unpack(endian + 'I', data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            bom = data[off + 8:off + 12]
            endian = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            n_if = 0
        blen = struct.unpack(endian + 'I', data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            raise ValueError('%s: bad pcapng block length at %d' % (path, off))
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            lt = struct.unpack(endian + 'H', body[:2])[0]
            if lt != 1:
                raise ValueError('%s: link type %d, not Ethernet' % (path, lt))
            tsres[n_if] = 1e6
            n_if += 1
        elif btype == 6:
            ifid, hi, lo, caplen, _ = struct.unpack(endian + 'IIIII', body[:20])
            ts = ((hi << 32) | lo) / tsres.get(ifid, 1e6)
            out.append((ts, body[20:20 + caplen]))
        elif btype == 3:
            plen = struct.unpack(endian + 'I', body[:4])[0]
            out.append((0.0, body[4:4 + plen]))
        off += blen
    return out


# ---------------------------------------------------------------------------
# Readable diffs


def dissect(data):
    """Multi-line dissection of a frame: scapy show(), else a hex dump."""
    try:
        from scapy.all import Ether, conf
        conf.verb = 0
        return Ether(data).show(dump=True).rstrip('\n').split('\n')
    except Exception as e:  # noqa: BLE001 - any dissector failure: fall back
        return ['(scapy unavailable: %s)' % e] + hexdump(data)


def hexdump(data, start=0, end=None):
    lines = []
    end = len(data) if end is None else min(end, len(data))
    if start > 0:
        lines.append('....')
    for i in range(start, end, 16):
        chunk = data[i:i + 16]
        lines.append('%04x  %-47s  %s' % (i, ' '.join('%02x' % b for b in chunk),
                                           ''.join(chr(b) if 32 <= b < 127 else '.'
                                                   for b in chunk)))
    if end < len(data):
        lines.append('.... (%d bytes in all)' % len(data))
    return lines


def describe_packet_diff(iface, idx, exp, got):
    lines = ['  %s: packet #%d differs (%d bytes expected, %d got)' % (iface, idx, len(exp),
                                                                       len(got))]
    first = next((i for i in range(min(len(exp), len(got))) if exp[i] != got[i]),
                 min(len(exp), len(got)))
    lines.append('  first differing byte offset: %d (0x%x)' % (first, first))
    lines.append('  --- expected / +++ got (scapy dissection)')
    d = difflib.unified_diff(dissect(exp), dissect(got), 'expected', 'got', lineterm='', n=100)
    lines += ['    ' + x for x in list(d)[2:]]
    lo = max(0, (first // 16) * 16 - 64)
    hi = lo + 256
    lines.append('  expected bytes:')
    lines += ['    ' + x for x in hexdump(exp, lo, hi)]
    lines.append('  got bytes:')
    lines += ['    ' + x for x in hexdump(got, lo, hi)]
    return lines


def summary_line(data):
    try:
        from scapy.all import Ether
        return Ether(data).summary()
    except Exception:  # noqa: BLE001
        return '%d bytes' % len(data)


def compare_iface(iface, exp_pkts, got_pkts):
    """Return a list of problem lines (empty if equal)."""
    for i, (e, g) in enumerate(zip(exp_pkts, got_pkts)):
        if e[1] != g[1]:
            return describe_packet_diff(iface, i, e[1], g[1])
    if len(exp_pkts) != len(got_pkts):
        lines = ['  %s: %d packets expected, %d sent' % (iface, len(exp_pkts), len(got_pkts))]
        if len(got_pkts) > len(exp_pkts):
            lines.append('  unexpected extra packets sent:')
            lines += ['    #%d t=%.6f %s' % (i, p[0], summary_line(p[1]))
                      for i, p in enumerate(got_pkts) if i >= len(exp_pkts)][:20]
        else:
            lines.append('  expected packets not sent:')
            lines += ['    #%d t=%.6f %s' % (i, p[0], summary_line(p[1]))
                      for i, p in enumerate(exp_pkts) if i >= len(got_pkts)][:20]
        return lines
    return []


def compare_counters(expected, got, path=''):
    """Nested subset comparison; returns mismatch lines."""
    out = []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return ['  counter %s: expected an object, got %r' % (path or '.', got)]
        for k, v in expected.items():
            p = '%s.%s' % (path, k) if path else k
            if k not in got:
                # a drop reason that was never hit may be omitted when 0
                if v == 0:
                    continue
                out.append('  counter %s: expected %r, missing' % (p, v))
                continue
            out += compare_counters(v, got[k], p)
        return out
    if expected != got:
        out.append('  counter %s: expected %r, got %r' % (path, expected, got))
    return out


COUNTER_KEYS_IGNORED = ('description', 'inputs', 'notes', 'kernel')


def compare_kernel(expected, got):
    """XDP: the input packets passed to the kernel, per interface, exactly."""
    if not isinstance(got, dict):
        return ['  kernel: the replay printed no "kernel" object']
    out = []
    for iface in sorted(set(expected) | set(got)):
        e, g = list(expected.get(iface, [])), list(got.get(iface, []))
        if e != g:
            out.append('  kernel %s: expected XDP_PASS for input packets %s, got %s' %
                       (iface, e, g))
    return out


def parse_json_stdout(text):
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    # tolerate log lines around the object: take the last top-level object
    dec = json.JSONDecoder()
    last = None
    i = text.find('{')
    while i != -1:
        try:
            obj, end = dec.raw_decode(text, i)
            last = obj
            i = text.find('{', end)
        except ValueError:
            i = text.find('{', i + 1)
    if last is None:
        raise ValueError('no JSON object on stdout')
    return last


# ---------------------------------------------------------------------------
# Backends


class Backend:
    name = 'dp'

    def __init__(self, binary, timeout):
        self.binary = binary
        self.timeout = timeout

    def replay_cmd(self, case_dir, inputs, out_dir):
        cmd = [self.binary, 'replay', '--config', os.path.join(case_dir, 'config')]
        for iface in inputs:
            cmd += ['--in', '%s=%s' % (iface, os.path.join(case_dir, iface + '.in.pcap'))]
        cmd += ['--out-dir', out_dir, '--json']
        return cmd

    def case_overrides(self, case_dir):
        """(skip_reason or None, overrides dict) for this backend."""
        return None, {}


class XdpBackend(Backend):
    name = 'xdp'

    def case_overrides(self, case_dir):
        p = os.path.join(case_dir, 'xdp.json')
        if not os.path.exists(p):
            return None, {}
        with open(p) as f:
            x = json.load(f)
        if x.get('skip'):
            return x['skip'], x
        return None, x


# ---------------------------------------------------------------------------


def case_inputs(case_dir, expect):
    ins = expect.get('inputs')
    if ins:
        return ins
    return sorted(f[:-len('.in.pcap')] for f in os.listdir(case_dir) if f.endswith('.in.pcap'))


def run_case(backend, case_dir, verbose=False):
    """Return (status, reason, detail_lines); status in PASS/FAIL/SKIP."""
    name = os.path.basename(case_dir.rstrip('/'))
    try:
        with open(os.path.join(case_dir, 'expect.json')) as f:
            expect = json.load(f)
    except (OSError, ValueError) as e:
        return 'FAIL', 'cannot read expect.json: %s' % e, []
    skip, over = backend.case_overrides(case_dir)
    if skip:
        return 'SKIP', skip, []
    if 'expect' in over:
        expect = dict(expect, **over['expect'])
    inputs = case_inputs(case_dir, expect)
    tmp = tempfile.mkdtemp(prefix='sluice-pcap-%s-' % name)
    try:
        cmd = backend.replay_cmd(case_dir, inputs, tmp)
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=backend.timeout)
        except subprocess.TimeoutExpired:
            return 'FAIL', 'replay timed out after %ds' % backend.timeout, [' '.join(cmd)]
        except OSError as e:
            return 'FAIL', 'cannot run %s: %s' % (cmd[0], e), []
        stdout = r.stdout.decode('utf-8', 'replace')
        stderr = r.stderr.decode('utf-8', 'replace')
        detail = []
        if verbose:
            detail += ['  command: ' + ' '.join(cmd)]
        if r.returncode != 0 and backend.name == 'xdp' and os.geteuid() != 0 and \
                'cannot load the XDP program' in stderr:
            # as root the program must load: a verifier rejection is a failure
            return 'SKIP', 'the XDP program cannot be loaded here (root/CAP_BPF): ' + \
                stderr.strip()[-200:], []
        if r.returncode != 0:
            return 'FAIL', 'replay exited with status %d' % r.returncode, \
                ['  command: ' + ' '.join(cmd)] + ['  stderr: ' + x
                                                   for x in stderr.splitlines()[-20:]]
        problems = []
        try:
            counters = parse_json_stdout(stdout)
        except ValueError as e:
            counters = None
            problems.append('  cannot parse counters: %s' % e)
            problems += ['  stdout: ' + x for x in stdout.splitlines()[-20:]]
        # outputs
        exp_files = {f[:-len('.out.pcap')] for f in os.listdir(case_dir)
                     if f.endswith('.out.pcap') and not f.endswith('.xdp.out.pcap')}
        got_files = {f[:-len('.pcap')] for f in os.listdir(tmp) if f.endswith('.pcap')}
        out_over = over.get('outputs', {})
        bad_ifaces = []
        for iface in sorted(exp_files | got_files):
            exp_path = os.path.join(case_dir, out_over.get(iface, iface + '.out.pcap'))
            try:
                exp_pkts = read_packets(exp_path) if os.path.exists(exp_path) else []
            except ValueError as e:
                problems.append('  %s' % e)
                continue
            got_path = os.path.join(tmp, iface + '.pcap')
            if not os.path.exists(got_path):
                if exp_pkts:
                    problems.append('  %s: expected %d packets, no %s.pcap written' %
                                    (iface, len(exp_pkts), iface))
                    bad_ifaces.append(iface)
                continue
            try:
                got_pkts = read_packets(got_path)
            except ValueError as e:
                problems.append('  output %s' % e)
                bad_ifaces.append(iface)
                continue
            d = compare_iface(iface, exp_pkts, got_pkts)
            if d:
                bad_ifaces.append(iface)
                problems += d
        if counters is not None:
            want = {k: v for k, v in expect.items() if k not in COUNTER_KEYS_IGNORED}
            cp = compare_counters(want, counters)
            if cp:
                problems += cp
                problems.append('  counters printed: ' + json.dumps(counters, sort_keys=True))
        if backend.name == 'xdp' and counters is not None:
            problems += compare_kernel(over.get('kernel', {}), counters.get('kernel'))
        if problems:
            reasons = []
            if bad_ifaces:
                reasons.append('output differs on ' + ', '.join(bad_ifaces))
            if any(p.startswith('  counter') for p in problems):
                reasons.append('counters differ')
            if any(p.startswith('  kernel') for p in problems):
                reasons.append('kernel (XDP_PASS) packets differ')
            if not reasons:
                reasons.append('see details')
            if not verbose:
                detail = ['  command: ' + ' '.join(cmd)] + detail
            return 'FAIL', '; '.join(reasons), detail + problems
        return 'PASS', '', detail
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def list_cases(cases_dir, names):
    all_cases = sorted(d for d in os.listdir(cases_dir)
                       if os.path.isfile(os.path.join(cases_dir, d, 'gen.py')) or
                       os.path.isfile(os.path.join(cases_dir, d, 'expect.json')))
    if not names:
        return all_cases, []
    missing = [n for n in names if n not in all_cases]
    return [n for n in names if n in all_cases], missing


def check_generated(cases_dir, names, python):
    """Run every gen.py into a temp dir; the committed files must be identical."""
    cases, missing = list_cases(cases_dir, names)
    passed = failed = 0
    for m in missing:
        print('FAIL %s: no such case' % m)
        failed += 1
    for name in cases:
        cdir = os.path.join(cases_dir, name)
        gen = os.path.join(cdir, 'gen.py')
        if not os.path.exists(gen):
            print('FAIL %s: no gen.py' % name)
            failed += 1
            continue
        tmp = tempfile.mkdtemp(prefix='sluice-gen-%s-' % name)
        try:
            env = dict(os.environ, SLUICE_GEN_OUT=tmp, PYTHONDONTWRITEBYTECODE='1')
            r = subprocess.run([python, gen], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300)
            if r.returncode != 0:
                print('FAIL %s: gen.py exited %d' % (name, r.returncode))
                print(r.stdout.decode('utf-8', 'replace'))
                failed += 1
                continue
            generated = set(os.listdir(tmp))
            committed = {f for f in os.listdir(cdir)
                         if f in ('config', 'expect.json', 'xdp.json') or f.endswith('.pcap')}
            probs = []
            for f in sorted(generated | committed):
                a, b = os.path.join(tmp, f), os.path.join(cdir, f)
                if f not in committed:
                    probs.append('%s missing from the case directory' % f)
                elif f not in generated:
                    probs.append('%s not produced by gen.py (stale?)' % f)
                elif not filecmp.cmp(a, b, shallow=False):
                    probs.append('%s differs' % f)
            if probs:
                print('FAIL %s: not up to date (%s); run /usr/bin/python3 %s' %
                      (name, '; '.join(probs), os.path.relpath(gen)))
                failed += 1
            else:
                print('PASS %s' % name)
                passed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('cases_dir', nargs='?', default=os.path.join(HERE, 'cases'))
    ap.add_argument('--backend', choices=('dp', 'xdp'), default='dp')
    ap.add_argument('--sluice-dp', help='path of the sluice-dp binary')
    ap.add_argument('--sluice-xdp', help='path of the sluice-xdp binary')
    ap.add_argument('--case', action='append', default=[], help='run only this case (repeatable)')
    ap.add_argument('--timeout', type=int, default=60, help='per-replay timeout, seconds')
    ap.add_argument('--check-generated', action='store_true',
                    help='re-run every gen.py and check committed files are identical')
    ap.add_argument('--python', default='/usr/bin/python3',
                    help='interpreter for gen.py (needs scapy)')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()

    if args.check_generated:
        return check_generated(args.cases_dir, args.case, args.python)

    if args.backend == 'dp':
        if not args.sluice_dp:
            ap.error('--sluice-dp PATH is required for --backend dp')
        backend = Backend(args.sluice_dp, args.timeout)
    else:
        if not args.sluice_xdp:
            ap.error('--sluice-xdp PATH is required for --backend xdp')
        backend = XdpBackend(args.sluice_xdp, args.timeout)

    cases, missing = list_cases(args.cases_dir, args.case)
    passed = failed = skipped = 0
    for m in missing:
        print('FAIL %s: no such case in %s' % (m, args.cases_dir))
        failed += 1
    for name in cases:
        status, reason, detail = run_case(backend, os.path.join(args.cases_dir, name),
                                          args.verbose)
        if status == 'PASS':
            passed += 1
            print('PASS %s' % name)
        elif status == 'SKIP':
            skipped += 1
            print('SKIP %s: %s' % (name, reason))
        else:
            failed += 1
            print('FAIL %s: %s' % (name, reason))
        for line in detail:
            print(line)
        sys.stdout.flush()
    if skipped:
        print('%d skipped' % skipped)
    print('%d passed, %d failed' % (passed, failed))
    if failed:
        return 1
    if skipped and not passed:
        return SKIP
    return 0


if __name__ == '__main__':
    sys.exit(main())
