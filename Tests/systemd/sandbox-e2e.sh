#!/usr/bin/env bash
# End-to-end test of the systemd units against a real systemd 252, booted as PID 1 in private
# namespaces by ../shared/tools/systemd-sandbox (see its header). Run from the repository root
# by `make test-systemd` with BIN_DIR (hotswapd, hotswapctl) and LIB_DIR (libhotswap.so).
#
# Outside: boots the sandbox with hotswapd@.service installed. Inside (--inside): installs the
# binaries and the example configuration, then drives the unit with systemctl and checks
# every step on the real event (systemctl's own job completion, the segment's generation
# read through libhotswap, journalctl entries).
set -euo pipefail

if [[ ${1:-} != --inside ]]; then
  sandbox=${SYSTEMD_SANDBOX:-../shared/tools/systemd-sandbox}
  [[ -x $sandbox ]] || { echo "sandbox-e2e: $sandbox not found" >&2; exit 1; }
  exec "$sandbox" --timeout 240 --unit systemd/hotswapd@.service -- "$0" --inside
fi

fail() { echo "sandbox-e2e: FAIL: $*" >&2; journalctl -u hotswapd@demo --no-pager -n 50 >&2 || true; exit 1; }
step() { echo "sandbox-e2e: $*"; }

install -m 0755 "$BIN_DIR/hotswapd" "$BIN_DIR/hotswapctl" /usr/local/bin/
mkdir -p /etc/hotswapd
cp -r etc/app /etc/hotswapd/app
cp etc/hotswapd.yaml /etc/hotswapd/demo.yaml
ctl() { /usr/local/bin/hotswapctl --instance demo "$@"; }

step "systemd-analyze verify"
# --recursive-errors=no: the sandbox masks sysinit.target (a dependency of every service),
# which is the sandbox's doing, not the unit's. --man=no: the man pages are checked by
# `make install`, not installed here.
cp systemd/hotswapd.service /etc/systemd/system/
for unit in hotswapd@.service hotswapd.service; do
  systemd-analyze verify --man=no --recursive-errors=no "/etc/systemd/system/$unit" || fail "systemd-analyze verify $unit"
done

# The sandbox masks sysinit.target, which every unit with default dependencies requires; a
# drop-in (here only, never shipped) lifts that dependency so the unit can start.
mkdir -p /etc/systemd/system/hotswapd@.service.d
printf '[Unit]\nDefaultDependencies=no\n' > /etc/systemd/system/hotswapd@.service.d/sandbox.conf
systemctl daemon-reload
# systemd logs unit state changes ("Reloading …", "Reloaded …") to the console here; send
# them to the journal so the test can read the transitions instead of polling for them.
systemctl log-target journal

step "start"
systemctl start hotswapd@demo || fail "start failed"
[[ $(systemctl is-active hotswapd@demo) == active ]] || fail "not active after start"
status=$(systemctl show -p StatusText --value hotswapd@demo)
[[ $status == "generation 1"* ]] || fail "StatusText '$status' lacks the generation"
[[ $(ctl get server.port) == 8443 ]] || fail "reader: server.port is '$(ctl get server.port)', want 8443"

step "reload after a file change"
sed -i 's/port: 8443/port: 9443/' /etc/hotswapd/app/production.yaml
systemctl reload hotswapd@demo || fail "reload failed"
[[ $(systemctl is-active hotswapd@demo) == active ]] || fail "not active after reload"
[[ $(ctl get server.port) == 9443 ]] || fail "server.port is '$(ctl get server.port)' after reload, want 9443"
# (Read the journal into a file first: `journalctl | grep -q` fails under pipefail when grep
# exits early and journalctl gets SIGPIPE.)
journalctl -u hotswapd@demo --no-pager > /tmp/journal.txt
grep -q "Reloading hotswapd@demo" /tmp/journal.txt || fail "the unit did not pass through reloading"
grep -q "Reloaded hotswapd@demo" /tmp/journal.txt || fail "the unit did not come back from reloading"
gen=$(systemctl show -p StatusText --value hotswapd@demo)

step "bad change keeps the unit active and the last good generation live"
sed -i 's/port: 9443/port: 99999/' /etc/hotswapd/app/production.yaml
systemctl reload hotswapd@demo || fail "reload (bad change) failed"
[[ $(systemctl is-active hotswapd@demo) == active ]] || fail "not active after a bad change"
status=$(systemctl show -p StatusText --value hotswapd@demo)
[[ $status == *rejected*"must be at most 65535"* ]] || fail "StatusText '$status' lacks the rejection"
[[ $(ctl get server.port) == 9443 ]] || fail "the bad change took effect"
journalctl -u hotswapd@demo -o verbose --no-pager > /tmp/verbose.txt
grep -q "HOTSWAP_RESULT=rejected" /tmp/verbose.txt || fail "no structured rejection in the journal"
grep -q "HOTSWAP_SOURCE_FILE=/etc/hotswapd/app/production.yaml" /tmp/verbose.txt || fail "the journal entry lacks the source file"
grep -q "PRIORITY=3" /tmp/verbose.txt || fail "the rejection is not logged at error priority"

step "hotswapctl through the control socket"
ctl status >/dev/null || fail "hotswapctl status failed"
ctl status --json | grep -q '"degraded": false' || fail "status --json"

step "security exposure"
systemd-analyze security hotswapd@demo.service --no-pager | tee /tmp/security.txt | tail -3
score=$(grep -o 'Overall exposure level for hotswapd@demo.service: [0-9.]*' /tmp/security.txt | grep -o '[0-9.]*$')
awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || fail "exposure $score > 2.5"

step "stop leaves the segment readable"
systemctl stop hotswapd@demo
[[ $(systemctl is-active hotswapd@demo || true) == inactive ]] || fail "not inactive after stop"
[[ $(ctl get server.port) == 9443 ]] || fail "segment unreadable after stop"
step "PASS (exposure $score)"
