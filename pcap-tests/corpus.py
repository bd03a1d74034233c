#!/usr/bin/python3
"""Robustness: replay every capture of a corpus through sluice.

    corpus.py --sluice-dp PATH [--backend dp|xdp] [--corpus DIR] [--timeout S]
              [--jobs N] [--only SUBSTRING] [-v]

Default corpus: ../shared/corpus/tcpdump-tests relative to the repository
root (skip, exit 77, when absent). Config: pcap-tests/corpus.config.

For each file the link type and packet count are decided with libpcap itself
(through ctypes: pcap_open_offline / pcap_datalink / pcap_next_ex), because
sluice reads captures with libpcap too: a packet count is "what pcap_next_ex
returns before it reports end of file or an error" (packets after a
truncated record are not counted; libpcap's error is reported). Without
libpcap the runner falls back to its own pcap/pcapng reader.

- Ethernet (DLT_EN10MB = 1), pcap or pcapng: replayed into lan0, then into
  wan0. Each replay must exit 0 within the timeout, print JSON counters with
  rx == forwarded + local + dropped and rx == the file's packet count.
  One on which libpcap reports an error (a malformed record) is refused
  instead: the replay must exit non-zero naming the record (README
  "Replay").
- Another link type: the replay must exit non-zero with a message on stderr or
  stdout that mentions the link type (the words "link type"/"linktype"/
  "link-type"/"DLT", or the link type's number or name).
- A file libpcap cannot open at all: the replay must exit non-zero (any
  message); it is reported as "unreadable".

Prints one line per failing replay (all with -v) and `N passed, M failed`.
"""

import argparse
import concurrent.futures
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIP = 77

sys.path.insert(0, HERE)
from run import parse_json_stdout, read_packets  # noqa: E402


class PcapHdr(ctypes.Structure):
    _fields_ = [('tv_sec', ctypes.c_long), ('tv_usec', ctypes.c_long),
                ('caplen', ctypes.c_uint32), ('len', ctypes.c_uint32)]


_lib = None


def libpcap():
    global _lib
    if _lib is None:
        name = ctypes.util.find_library('pcap') or 'libpcap.so.0.8'
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            _lib = False
            return None
        lib.pcap_open_offline.restype = ctypes.c_void_p
        lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.pcap_datalink.argtypes = [ctypes.c_void_p]
        lib.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(PcapHdr)),
                                     ctypes.POINTER(ctypes.c_void_p)]
        lib.pcap_geterr.restype = ctypes.c_char_p
        lib.pcap_geterr.argtypes = [ctypes.c_void_p]
        lib.pcap_close.argtypes = [ctypes.c_void_p]
        lib.pcap_datalink_val_to_name.restype = ctypes.c_char_p
        lib.pcap_datalink_val_to_name.argtypes = [ctypes.c_int]
        _lib = lib
    return _lib or None


def inspect(path):
    """(kind, linktype, linkname, count, note): kind 'ok' or 'unreadable'."""
    lib = libpcap()
    if lib is None:
        try:
            pkts = read_packets(path)
            return 'ok', 1, 'EN10MB', len(pkts), 'counted by the built-in reader'
        except ValueError as e:
            m = re.search(r'link type (\d+)', str(e))
            if m:
                return 'ok', int(m.group(1)), '', 0, ''
            return 'unreadable', None, '', 0, str(e)
    err = ctypes.create_string_buffer(512)
    h = lib.pcap_open_offline(path.encode(), err)
    if not h:
        return 'unreadable', None, '', 0, err.value.decode('utf-8', 'replace')
    try:
        dlt = lib.pcap_datalink(h)
        name = (lib.pcap_datalink_val_to_name(dlt) or b'').decode()
        hdr = ctypes.POINTER(PcapHdr)()
        data = ctypes.c_void_p()
        n = 0
        note = ''
        while True:
            r = lib.pcap_next_ex(h, ctypes.byref(hdr), ctypes.byref(data))
            if r == 1:
                n += 1
                continue
            if r == -1:
                note = 'libpcap error after %d packets: %s' % (
                    n, lib.pcap_geterr(h).decode('utf-8', 'replace'))
            break
        return 'ok', dlt, name, n, note
    finally:
        lib.pcap_close(h)


LINK_WORDS = re.compile(r'link[ -_]?type|dlt|datalink|data link', re.I)


def replay(binary, path, iface, timeout):
    out = tempfile.mkdtemp(prefix='sluice-corpus-')
    try:
        cmd = [binary, 'replay', '--config', os.path.join(HERE, 'corpus.config'),
               '--in', '%s=%s' % (iface, path), '--out-dir', out, '--json']
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, '', 'timeout after %ds' % timeout
        if r.returncode < 0:
            return r.returncode, r.stdout.decode('utf-8', 'replace'), \
                r.stderr.decode('utf-8', 'replace') + ' [killed by signal %d]' % -r.returncode
        return r.returncode, r.stdout.decode('utf-8', 'replace'), \
            r.stderr.decode('utf-8', 'replace')
    finally:
        shutil.rmtree(out, ignore_errors=True)


def check_file(binary, path, timeout):
    """List of (label, ok, message)."""
    kind, dlt, name, count, note = inspect(path)
    base = os.path.basename(path)
    results = []
    if kind == 'unreadable':
        rc, so, se = replay(binary, path, 'lan0', timeout)
        ok = rc is not None and rc > 0
        results.append(('%s (unreadable: %s)' % (base, note), ok,
                        '' if ok else 'expected a non-zero exit, got %s: %s' % (rc, se.strip()[-200:])))
        return results
    if dlt != 1:
        rc, so, se = replay(binary, path, 'lan0', timeout)
        msg = so + se
        mentions = bool(LINK_WORDS.search(msg)) or re.search(r'\b%d\b' % dlt, msg) or \
            (name and name.lower() in msg.lower())
        ok = rc is not None and rc > 0 and bool(mentions)
        why = ''
        if rc is None:
            why = se
        elif rc == 0:
            why = 'link type %d (%s) accepted (exit 0)' % (dlt, name)
        elif rc < 0:
            why = 'crashed: ' + se.strip()[-200:]
        elif not mentions:
            why = 'error does not mention the link type: %s' % msg.strip()[-200:]
        results.append(('%s (link type %d %s)' % (base, dlt, name), ok, why))
        return results
    for iface in ('lan0', 'wan0'):
        label = '%s -> %s (%d packets%s)' % (base, iface, count, '; ' + note if note else '')
        rc, so, se = replay(binary, path, iface, timeout)
        if rc is None:
            results.append((label, False, se))
            continue
        if note:  # malformed: refused, naming the record
            ok = rc != 0 and 'record' in (so + se)
            results.append((label, ok, '' if ok else 'malformed capture not refused (exit %d)' % rc))
            continue
        if rc != 0:
            results.append((label, False, 'exit status %d: %s' % (rc, se.strip()[-300:])))
            continue
        try:
            c = parse_json_stdout(so)
            p = c['packets']
            rx, fw, lo, dr = p['rx'], p['forwarded'], p['local'], p['dropped']
        except (ValueError, KeyError, TypeError) as e:
            results.append((label, False, 'bad JSON counters (%s): %s' % (e, so.strip()[-200:])))
            continue
        probs = []
        if rx != fw + lo + dr:
            probs.append('rx %d != forwarded %d + local %d + dropped %d' % (rx, fw, lo, dr))
        if rx != count:
            probs.append('rx %d but the file has %d packets' % (rx, count))
        kern = c.get('kernel')
        if isinstance(kern, dict) and sum(len(v) for v in kern.values()) != lo:
            probs.append('XDP: %d packets listed as passed to the kernel, local %d' %
                         (sum(len(v) for v in kern.values()), lo))
        drops = c.get('drops')
        if isinstance(drops, dict) and sum(v for v in drops.values()
                                           if isinstance(v, int)) != dr:
            probs.append('sum of drop reasons %d != dropped %d' %
                         (sum(v for v in drops.values() if isinstance(v, int)), dr))
        results.append((label, not probs, '; '.join(probs)))
    return results


def xdp_unavailable(binary):
    """Why the XDP program cannot be loaded here (not root, no BPF), or None."""
    tmp = tempfile.mkdtemp(prefix='sluice-corpus-probe-')
    try:
        r = subprocess.run([binary, 'replay', '--config', os.path.join(HERE, 'corpus.config'),
                            '--out-dir', tmp, '--json'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    err = r.stderr.decode('utf-8', 'replace')
    if r.returncode != 0 and 'cannot load the XDP program' in err:
        return err.strip()
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sluice-dp')
    ap.add_argument('--sluice-xdp')
    ap.add_argument('--backend', choices=('dp', 'xdp'), default='dp')
    ap.add_argument('--corpus', default=os.path.join(ROOT, '..', 'shared', 'corpus',
                                                     'tcpdump-tests'))
    ap.add_argument('--timeout', type=int, default=20)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--only', help='only files whose name contains this')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    binary = args.sluice_dp if args.backend == 'dp' else args.sluice_xdp
    if not binary:
        ap.error('--sluice-%s PATH is required' % args.backend)
    corpus = os.path.normpath(args.corpus)
    if not os.path.isdir(corpus):
        print('SKIP: corpus directory %s not found (pass --corpus DIR)' % corpus)
        return SKIP
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus)
                   if f.endswith(('.pcap', '.pcapng', '.cap')) and
                   os.path.isfile(os.path.join(corpus, f)))
    if args.only:
        files = [f for f in files if args.only in os.path.basename(f)]
    if not files:
        print('SKIP: no captures in %s' % corpus)
        return SKIP
    if args.backend == 'xdp':
        why = xdp_unavailable(binary)
        if why and os.geteuid() == 0:
            # as root the program must load: a verifier rejection is a failure
            print('FAIL: %s' % why)
            return 1
        if why:
            print('SKIP: %s' % why)
            return SKIP
    if libpcap() is None:
        print('note: libpcap not loadable, counting packets with the built-in reader')
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = [ex.submit(check_file, binary, f, args.timeout) for f in files]
        for fut in futs:
            for label, ok, why in fut.result():
                if ok:
                    passed += 1
                    if args.verbose:
                        print('PASS %s' % label)
                else:
                    failed += 1
                    print('FAIL %s: %s' % (label, why))
                sys.stdout.flush()
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
