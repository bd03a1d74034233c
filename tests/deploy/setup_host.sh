#!/usr/bin/env bash
# scripts/setup-host, without touching this machine: its plan (--dry-run)
# and its actions are checked against a fake root (--root: /etc, /proc and
# /sys under a temp directory) with the commands it runs (sysctl, mount,
# modprobe, modinfo, dpdk-devbind.py) replaced by stubs that log their
# arguments and emulate their effect in the fake root. Then: a second run
# has nothing to do (idempotent); no IOMMU -> a clear refusal (and the
# no-IOMMU path with --noiommu); a PCI address the machine lacks -> refused;
# a vdev-only config binds nothing. On this machine itself only --dry-run.
# With SAMPLES (scripts/samples), each sample's NICs are planned too.
# Usage: setup_host.sh SETUP_HOST [SAMPLES]
set -uo pipefail
SH=$(readlink -f "$1")
SAMPLES=${2:+$(readlink -f "$2")}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { if [ "$1" = 0 ]; then echo "PASS $2"; pass=$((pass+1)); else echo "FAIL $2"; fail=$((fail+1)); fi; }
expect() { # $1 = output file, rest = exact lines that must appear in it
	local f=$1 rc=0; shift
	for l in "$@"; do
		if ! grep -qxF -- "$l" "$f"; then echo "  missing line: $l"; rc=1; fi
	done
	return $rc
}
tree() { (cd "$1" && find . -printf '%p %l\n' | sort && find . -type f -exec md5sum {} + | sort); }

# stubs: log every call, emulate the effect inside $FAKE
mkdir -p "$T/bin"
for c in sysctl mount modprobe modinfo dpdk-devbind.py; do
	cat > "$T/bin/$c" <<'EOF'
#!/bin/bash
echo "$(basename "$0") $*" >> "$STUB_LOG"
case "$(basename "$0")" in
sysctl) n=${3#vm.nr_hugepages=}; echo "$n" > "$FAKE/proc/sys/vm/nr_hugepages" ;;
mount) echo "nodev $4 hugetlbfs rw,relatime,pagesize=2M 0 0" >> "$FAKE/proc/mounts" ;;
modprobe) [ "$1" = vfio-pci ] && mkdir -p "$FAKE/sys/module/vfio_pci"
	[ "$1" = vfio ] && mkdir -p "$FAKE/sys/module/vfio/parameters" ;;
modinfo) [ -n "${NO_VFIO:-}" ] && exit 1 ;;
dpdk-devbind.py) a=${2}; mkdir -p "$FAKE/sys/bus/pci/drivers/vfio-pci"
	ln -sfn ../../../bus/pci/drivers/vfio-pci "$FAKE/sys/bus/pci/devices/$a/driver" ;;
esac
exit 0
EOF
	chmod +x "$T/bin/$c"
done
export PATH="$T/bin:$PATH" STUB_LOG="$T/stub.log"
: > "$STUB_LOG"

# A fresh server: IOMMU on, two NICs on kernel drivers, no hugepages.
mkroot() { # $1 = dir, $2 = iommu|none
	local r=$1
	mkdir -p "$r/etc" "$r/proc/sys/vm" "$r/sys/kernel/iommu_groups" "$r/sys/module" \
		"$r/sys/bus/pci/drivers/ixgbe" "$r/sys/bus/pci/drivers/e1000e"
	echo 0 > "$r/proc/sys/vm/nr_hugepages"
	printf 'sysfs /sys sysfs rw 0 0\n/dev/vda1 / ext4 rw 0 0\n' > "$r/proc/mounts"
	printf '# /etc/fstab\nUUID=1234 / ext4 errors=remount-ro 0 1\n' > "$r/etc/fstab"
	[ "$2" = iommu ] && mkdir -p "$r/sys/kernel/iommu_groups/0" "$r/sys/kernel/iommu_groups/1"
	for a in 0000:01:00.0 0000:01:00.1 0000:03:00.0 0000:03:00.1; do
		mkdir -p "$r/sys/bus/pci/devices/$a"
		ln -s ../../../bus/pci/drivers/ixgbe "$r/sys/bus/pci/devices/$a/driver"
	done
}
cat > "$T/gw.conf" <<'EOF'
# WAN on the first port, LAN and a VLAN on the second (short PCI form too)
interface wan0 device 0000:01:00.0 address 203.0.113.2/24 role outside
interface lan0 device 01:00.1 address 192.168.1.1/24 role inside
interface iot0 device 0000:01:00.1 vlan 20 address 192.168.20.1/24 role inside
# interface old0 device 0000:09:00.0 address 10.9.9.1/24   (commented out: ignored)
route add 0.0.0.0/0 via 203.0.113.1 dev wan0
EOF
FAKE=$T/root; export FAKE
mkroot "$FAKE" iommu
DB=$T/bin/dpdk-devbind.py

# 1. plan on a fresh server
tree "$FAKE" > "$T/before"
"$SH" --dry-run --root "$FAKE" --config "$T/gw.conf" > "$T/out1" 2>&1; rc=$?
cat "$T/out1" | sed 's/^/  | /'
check $rc "dry run on a fresh server succeeds"
expect "$T/out1" \
	"would: write /etc/sysctl.d/80-sluice-hugepages.conf: vm.nr_hugepages = 1024" \
	"would: sysctl -q -w vm.nr_hugepages=1024" \
	"would: append to /etc/fstab: nodev /dev/hugepages hugetlbfs defaults 0 0" \
	"would: mount -t hugetlbfs nodev $FAKE/dev/hugepages" \
	"ok:    IOMMU active" \
	"would: write /etc/modules-load.d/sluice.conf: vfio-pci" \
	"would: modprobe vfio-pci" \
	"would: $DB --bind=vfio-pci 0000:01:00.0" \
	"would: $DB --bind=vfio-pci 0000:01:00.1"
check $? "dry run plans sysctl.d, fstab, mount, vfio-pci at boot and now, both NICs bound"
[ "$(grep -c -- '--bind=vfio-pci' "$T/out1")" = 2 ] && ! grep -q 09:00.0 "$T/out1"
check $? "each NIC bound once (short form and VLAN on the same port deduplicated, comments ignored)"
tree "$FAKE" > "$T/after"
cmp -s "$T/before" "$T/after" && ! grep -v '^modinfo' "$STUB_LOG" | grep -q .
check $? "dry run changes nothing and runs no changing command"
"$SH" --dry-run --root "$FAKE" --config "$T/gw.conf" --hugepages 512 > "$T/out1b" 2>&1
expect "$T/out1b" "would: write /etc/sysctl.d/80-sluice-hugepages.conf: vm.nr_hugepages = 512" \
	"would: sysctl -q -w vm.nr_hugepages=512"
check $? "--hugepages N sets the count"

# 2. really do it (in the fake root), then again: nothing left to do
: > "$STUB_LOG"
"$SH" --root "$FAKE" --config "$T/gw.conf" > "$T/out2" 2>&1; rc=$?
check $rc "setup in the fake root succeeds"
grep -qxF "vm.nr_hugepages = 1024" "$FAKE/etc/sysctl.d/80-sluice-hugepages.conf" &&
	grep -qxF "nodev /dev/hugepages hugetlbfs defaults 0 0" "$FAKE/etc/fstab" &&
	grep -qxF "UUID=1234 / ext4 errors=remount-ro 0 1" "$FAKE/etc/fstab" &&
	grep -qxF vfio-pci "$FAKE/etc/modules-load.d/sluice.conf" &&
	[ "$(grep -c -- '--bind=vfio-pci' "$STUB_LOG")" = 2 ] &&
	grep -qxF "sysctl -q -w vm.nr_hugepages=1024" "$STUB_LOG" &&
	grep -qxF "modprobe vfio-pci" "$STUB_LOG"
check $? "setup wrote sysctl.d, fstab (kept its lines), modules-load.d and ran sysctl, mount, modprobe, devbind"
: > "$STUB_LOG"
"$SH" --root "$FAKE" --config "$T/gw.conf" > "$T/out3" 2>&1; rc=$?
sed 's/^/  | /' "$T/out3"
[ $rc = 0 ] && ! grep -q '^would\|^run\|^write\|^append' "$T/out3" && ! grep -v '^modinfo' "$STUB_LOG" | grep -q . &&
	[ "$(grep -c '^# /etc/fstab\|hugetlbfs' "$FAKE/etc/fstab")" = 2 ]
check $? "second run: everything reported ok, nothing run or written (idempotent)"
expect "$T/out3" "ok:    0000:01:00.0 bound to vfio-pci" "ok:    0000:01:00.1 bound to vfio-pci" \
	"ok:    1024 hugepages reserved (>= 1024)"
check $? "second run reports the bound NICs and reserved pages"

# 3. no IOMMU: refuse, change nothing, explain both ways out
R2=$T/root2; mkroot "$R2" none
tree "$R2" > "$T/before2"
FAKE=$R2 "$SH" --root "$R2" --config "$T/gw.conf" > "$T/out4" 2>&1; rc=$?
sed 's/^/  | /' "$T/out4"
[ $rc != 0 ] && grep -q "refusing: no IOMMU" "$T/out4" && grep -q "intel_iommu=on" "$T/out4" &&
	grep -q "amd_iommu=on" "$T/out4" &&
	grep -qF "echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode" "$T/out4" &&
	grep -q -- "--noiommu" "$T/out4" && ! grep -q '^run\|^write' "$T/out4"
check $? "no IOMMU: refused with intel_iommu/amd_iommu/no-IOMMU instructions"
tree "$R2" > "$T/after2"
cmp -s "$T/before2" "$T/after2"
check $? "no IOMMU: nothing changed"
FAKE=$R2 "$SH" --dry-run --noiommu --root "$R2" --config "$T/gw.conf" > "$T/out5" 2>&1; rc=$?
[ $rc = 0 ] && expect "$T/out5" \
	"would: write /etc/modprobe.d/sluice-vfio.conf: options vfio enable_unsafe_noiommu_mode=1" \
	"would: modprobe vfio enable_unsafe_noiommu_mode=1" \
	"would: write /sys/module/vfio/parameters/enable_unsafe_noiommu_mode: 1" \
	"would: $DB --bind=vfio-pci 0000:01:00.0"
check $? "--noiommu: plans vfio no-IOMMU mode (now and at boot) and the binding"
NO_VFIO=1 FAKE=$R2 "$SH" --dry-run --noiommu --root "$R2" --config "$T/gw.conf" > "$T/out6" 2>&1; rc=$?
[ $rc != 0 ] && grep -q "no vfio-pci module" "$T/out6"
check $? "no vfio-pci module: refused"

# 4. a device the machine does not have; a vdev-only config
sed 's/01:00.1/0000:02:00.0/' "$T/gw.conf" | sed '/iot0/d' > "$T/missing.conf"
"$SH" --dry-run --root "$FAKE" --config "$T/missing.conf" > "$T/out7" 2>&1; rc=$?
[ $rc != 0 ] && grep -q "names PCI device 0000:02:00.0, which this machine does not have" "$T/out7" &&
	grep -q "dpdk-devbind.py --status" "$T/out7"
check $? "unknown PCI address: refused, says how to list NICs"
printf 'interface lan0 device net_af_packet0 address 192.168.1.1/24\n' > "$T/vdev.conf"
"$SH" --dry-run --root "$R2" --config "$T/vdev.conf" > "$T/out8" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "no PCI devices in $T/vdev.conf: nothing to bind" "$T/out8" && ! grep -q devbind "$T/out8"
check $? "vdev-only config: hugepages only, nothing to bind (no IOMMU needed)"

# 1 GB default pages (kernel command line): the count is left alone unless asked
printf 'MemTotal: 1 kB\nHugepagesize:    1048576 kB\n' > "$R2/proc/meminfo"
"$SH" --dry-run --root "$R2" --config "$T/vdev.conf" > "$T/out12" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "default hugepage size is 1048576 kB" "$T/out12" && ! grep -q nr_hugepages "$T/out12"
check $? "1 GB default hugepages: no sysctl (1024 x 1 GB would be 1 TB)"
rm "$R2/proc/meminfo"

# a Mellanox port stays on its bifurcated kernel driver
R4=$T/root4; mkroot "$R4" iommu
mkdir -p "$R4/sys/bus/pci/drivers/mlx5_core"
ln -sfn ../../../bus/pci/drivers/mlx5_core "$R4/sys/bus/pci/devices/0000:01:00.0/driver"
FAKE=$R4 "$SH" --dry-run --root "$R4" --config "$T/gw.conf" > "$T/out10" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "^ok: *0000:01:00.0 stays on mlx5_core" "$T/out10" &&
	! grep -q -- "--bind=vfio-pci 0000:01:00.0" "$T/out10" && grep -q -- "--bind=vfio-pci 0000:01:00.1" "$T/out10"
check $? "mlx5_core port: left on its kernel driver (bifurcated), the other bound"
sed '/01:00.1/d' "$T/gw.conf" > "$T/mlx.conf"
NO_VFIO=1 FAKE=$R4 "$SH" --dry-run --root "$R4" --config "$T/mlx.conf" > "$T/out11" 2>&1; rc=$?
[ $rc = 0 ] && ! grep -q 'vfio-pci\|refusing' "$T/out11"
check $? "mlx5_core ports only: no vfio needed (no refusal without the vfio module)"

# 5. the sample configs: their NICs, each once
if [ -n "$SAMPLES" ]; then
	for f in "$SAMPLES"/*.conf; do
		want=$(sed 's/#.*//' "$f" | awk '$1 == "interface" { for (i = 3; i < NF; i++) if ($i == "device") print $(i + 1) }' | sort -u)
		R3=$T/root3; rm -rf "$R3"; mkroot "$R3" iommu
		FAKE=$R3 "$SH" --dry-run --root "$R3" --config "$f" > "$T/out-sample" 2>&1; rc=$?
		got=$(sed -n 's/^would: .*--bind=vfio-pci //p' "$T/out-sample" | sort)
		[ $rc = 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]
		check $? "$(basename "$f"): plans binding exactly its NICs ($(echo $want))"
	done
fi

# 6. --help explains the kernel command line alternative; this machine, dry run only
"$SH" --help > "$T/help"
grep -q "default_hugepagesz=1G hugepagesz=1G hugepages=" "$T/help" && grep -q "intel_iommu=on" "$T/help" &&
	grep -q "enable_unsafe_noiommu_mode" "$T/help"
check $? "--help explains the kernel command line and the IOMMU/no-IOMMU options"
PATH=${PATH#"$T/bin:"} "$SH" --dry-run --config "$T/gw.conf" > "$T/out9" 2>&1; rc=$?
sed 's/^/  | /' "$T/out9"
if [ $rc = 0 ]; then
	grep -q '^setup-host: dry run done' "$T/out9"
else # here: no vfio modules, no such NICs, or no IOMMU: must be a clear refusal
	grep -q 'refusing: .*' "$T/out9" && grep -q 'Nothing was changed' "$T/out9"
fi
check $? "dry run on this machine: a plan or a clear refusal (rc $rc)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
