#!/usr/bin/env bash
# scripts/systemd/*.service pass `systemd-analyze verify`. verify insists
# that every Exec*= binary exists, so it runs with --root on a temp root:
# the distribution's unit directory (for sysinit.target & co), /bin/sh and
# /bin/kill, stub executables at the /usr/local paths the units name, and
# the /etc/sluice files they read. A deliberately broken copy must fail
# (so a pass means something), and the ordering the units promise is checked.
# Usage: systemd_units.sh UNIT_DIR
set -uo pipefail
U=$(readlink -f "$1")
SA=$(command -v systemd-analyze || true)
if [ -z "$SA" ]; then
	echo "SKIP: systemd-analyze not found (Debian package systemd)"
	exit 77
fi
SYSUNITS=
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -e "$d/sysinit.target" ] && SYSUNITS=$d && break
done
if [ -z "$SYSUNITS" ]; then
	echo "SKIP: no systemd unit directory with sysinit.target"
	exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { if [ "$1" = 0 ]; then echo "PASS $2"; pass=$((pass+1)); else echo "FAIL $2"; fail=$((fail+1)); fi; }
UNITS=(sluice-dp.service sluice-xdp.service sluice-ctl.service)

R=$T/root
mkdir -p "$R/usr/lib/systemd" "$R/bin" "$R/usr/local/bin" "$R/usr/local/sbin" "$R/etc/sluice" \
	"$R/etc/systemd/system"
cp -a "$SYSUNITS" "$R/usr/lib/systemd/system"
cp "$(readlink -f /bin/sh)" "$R/bin/sh"
cp "$(readlink -f /bin/kill 2>/dev/null || command -p -v kill)" "$R/bin/kill"
for b in bin/sluice-dp bin/sluice-xdp bin/sluicectl sbin/sluice-setup-host; do
	printf '#!/bin/sh\n' > "$R/usr/local/$b"
	chmod +x "$R/usr/local/$b"
done
touch "$R/etc/sluice/sluice.conf"
cp "$U/sluice-dp.env" "$R/etc/sluice/sluice-dp.env"
verify() { # $1 = directory with the units; output in $T/verify.out
	rm -f "$R"/etc/systemd/system/*.service
	cp "$1"/*.service "$R/etc/systemd/system/"
	"$SA" verify --root="$R" --man=no "${UNITS[@]/#//etc/systemd/system/}" > "$T/verify.out" 2>&1
}
verify "$U"; rc=$?
sed 's/^/  | /' "$T/verify.out"
[ $rc = 0 ] && ! grep -q . "$T/verify.out"
check $? "systemd-analyze verify: ${UNITS[*]} (no warnings)"

# controls: verify does catch mistakes here
mkdir -p "$T/bad1" "$T/bad2"
cp "$U"/*.service "$T/bad1/"
sed -i 's/^Restart=on-failure/Restart=sometimes/' "$T/bad1/sluice-ctl.service"
verify "$T/bad1"; rc=$?; sed "s/^/  | /" "$T/verify.out"
grep -qi "restart specifier" "$T/verify.out"
check $? "control: a bad Restart= value is reported (a warning, rc $rc: hence 'no warnings' above)"
cp "$U"/*.service "$T/bad2/"
mv "$R/usr/local/bin/sluicectl" "$R/usr/local/bin/sluicectl.x"
verify "$T/bad2"; rc=$?
mv "$R/usr/local/bin/sluicectl.x" "$R/usr/local/bin/sluicectl"
[ $rc != 0 ] && grep -q "/usr/local/bin/sluicectl" "$T/verify.out"
check $? "control: a missing ExecStart binary is reported"

# what the units promise (values as systemd parses them; no PID 1 needed)
prop() { # $1 = unit file, $2 = key: all values, space separated
	sed -n "s/^$2=//p" "$1" | tr '\n' ' '
}
dp=$U/sluice-dp.service xdp=$U/sluice-xdp.service ctl=$U/sluice-ctl.service
[[ "$(prop "$ctl" After)" == *sluice-dp.service* && "$(prop "$ctl" After)" == *sluice-xdp.service* ]] &&
	[[ "$(prop "$ctl" PartOf)" == *sluice-dp.service* && "$(prop "$ctl" PartOf)" == *sluice-xdp.service* ]] &&
	[[ "$(prop "$dp" Wants)" == *sluice-ctl.service* && "$(prop "$xdp" Wants)" == *sluice-ctl.service* ]]
check $? "sluice-ctl is pulled in by both dataplanes, starts after them, stops/restarts with them"
[[ "$(prop "$dp" ExecStartPost)" == *"-S /run/sluice/ctl.sock"* && "$(prop "$xdp" ExecStartPost)" == *"-S /run/sluice/ctl.sock"* ]]
check $? "a dataplane counts as started once its control socket exists"
[[ "$(prop "$dp" Conflicts)" == *sluice-xdp.service* && "$(prop "$xdp" Conflicts)" == *sluice-dp.service* ]]
check $? "sluice-dp and sluice-xdp conflict (one control socket)"
[ "$(prop "$dp" EnvironmentFile)" = "/etc/sluice/sluice-dp.env " ] &&
	[ "$(prop "$dp" ExecStart)" = '/usr/local/bin/sluice-dp $SLUICE_EAL_ARGS -- --config /etc/sluice/sluice.conf --ctl /run/sluice/ctl.sock $SLUICE_DP_ARGS ' ] &&
	[ "$(prop "$xdp" ExecStart)" = '/usr/local/bin/sluice-xdp --config /etc/sluice/sluice.conf --ctl /run/sluice/ctl.sock $SLUICE_XDP_ARGS ' ] &&
	[ "$(prop "$ctl" ExecStart)" = '/usr/local/bin/sluicectl --ctl /run/sluice/ctl.sock daemon --config /etc/sluice/sluice.conf ' ]
check $? "ExecStart lines: EAL args from /etc/sluice/sluice-dp.env, --config and --ctl paths"
# the env file's EAL words, as systemd splits \$SLUICE_EAL_ARGS, are valid sluice-dp EAL options
( set -a; . "$U/sluice-dp.env"; set +a
  for w in $SLUICE_EAL_ARGS; do echo "$w"; done ) > "$T/eal"
grep -qx -- '--in-memory' "$T/eal" && grep -qx -- '-a' "$T/eal" && grep -qx -- '-l' "$T/eal"
check $? "sluice-dp.env sets SLUICE_EAL_ARGS (in-memory, lcores, PCI allow list)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
