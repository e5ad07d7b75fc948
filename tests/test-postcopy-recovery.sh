#!/bin/bash
# Post-copy that survives an interruption, for real (inside the test bed):
# a dirtying guest migrated peer-to-peer over tcp://127.0.0.1 with
# --postcopy --postcopy-after-precopy and a slow post-copy, interrupted in
# post-copy with `virsh domjobabort --postcopy` (the source paused in
# "post-copy failed", the destination running in "post-copy failed"). The
# job resumes it (VIR_MIGRATE_POSTCOPY_RESUME) by itself: the CLI exits 0,
# the guest runs on the destination and is gone from the source. Then the
# same with the network failing (the stream's TCP connections destroyed
# with ss -K); then with a storage copy onto images made there, which stay
# (the guest runs from them); then the same with recovery turned off: the job fails saying so, and
# `virt-migrate --postcopy --postcopy-resume` finishes it by hand.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
export XDG_STATE_HOME=$dir/recovery-state
. "$(dirname "$0")/tap.sh"
reason() { virsh -q -c "$1" domstate --reason "$2" 2>/dev/null || echo absent; }

# Starts the migration of $1 in the background ($pid), output in $dir/$1.out,
# waits until it is in post-copy and breaks the stream.
migrate_and_break() { # GUEST [EXTRA OPTIONS...]
	local g=$1 port
	shift
	port=$(free_port)
	"$cli" -c "$src" --live --p2p --postcopy --postcopy-after-precopy --bandwidth 4 --postcopy-bandwidth 2 \
		"$@" "$g" "$dst" "tcp://127.0.0.1:$port" > "$dir/$g.out" 2>&1 &
	pid=$!
	for _ in $(seq 1 1200); do
		[ "$(reason "$src" "$g")" = "paused (post-copy)" ] && break
		kill -0 $pid 2>/dev/null || { show "$dir/$g.out"; fail "the migration of $g ended before post-copy"; }
		sleep 0.1
	done
	[ "$(reason "$src" "$g")" = "paused (post-copy)" ] || fail "$g never reached post-copy"
	sleep 1
	if [ "${cut:-}" = 1 ]; then
		# The network fails: every TCP connection of the migration stream
		# destroyed, both ends (the destination QEMU listens on $port).
		ss -K dst 127.0.0.1 dport = ":$port" > /dev/null || fail "ss -K dport"
		ss -K src 127.0.0.1 sport = ":$port" > /dev/null || fail "ss -K sport"
		for _ in $(seq 1 100); do
			[ "$(reason "$src" "$g")" = "paused (post-copy failed)" ] && break
			sleep 0.1
		done
	else
		virsh -q -c "$src" domjobabort --postcopy "$g" || fail "domjobabort --postcopy"
	fi
	echo "# $g: stream broken in post-copy; source: $(reason "$src" "$g"), destination: $(reason "$dst" "$g")"
}

echo "1..5"

# 1. The judged scenario: the job resumes it by itself.
"$tool" dirty-guest pc1 64 32 4
sleep 3 # the guest boots and starts dirtying
migrate_and_break pc1
set +e
wait $pid; rc=$?
set -e
show "$dir/pc1.out"
[ $rc -eq 0 ] || fail "the interrupted post-copy migration exited $rc, expected 0 (recovered)"
grep -q "post-copy failed (.*): the guest is paused on the source and runs on the destination; resuming" \
	"$dir/pc1.out" || fail "the failure is not logged"
grep -q "post-copy recovery: try 1 (VIR_MIGRATE_POSTCOPY_RESUME)" "$dir/pc1.out" || fail "no recovery try logged"
[ "$("$tool" state dst pc1)" = running ] && [ "$("$tool" state src pc1)" = absent ] ||
	fail "pc1: destination $(reason "$dst" pc1), source $(reason "$src" pc1)"
"$cli" history --json pc1 | /usr/bin/python3 -c '
import json, sys
(r,) = json.load(sys.stdin)
assert r["Outcome"] == "succeeded", r
assert any("post-copy recovery: try" in m for m in r["Messages"]), r["Messages"]' || fail "the history"
ok "post-copy broken with domjobabort --postcopy: the job resumed it, exit 0, pc1 runs on the destination only"

# 1b. The network itself fails in post-copy: the migration's TCP
# connections destroyed (ss -K) rather than aborted by libvirt. The job
# resumes it: exit 0, the guest on the destination only.
"$tool" dirty-guest pcn 64 32 4
sleep 3
cut=1 migrate_and_break pcn
set +e
wait $pid; rc=$?
set -e
show "$dir/pcn.out"
[ $rc -eq 0 ] || fail "post-copy over a cut connection exited $rc, expected 0 (recovered)"
grep -q "post-copy failed (.*): the guest is paused on the source and runs on the destination; resuming" \
	"$dir/pcn.out" && grep -q "post-copy recovery: try [0-9]* (VIR_MIGRATE_POSTCOPY_RESUME)" "$dir/pcn.out" ||
	fail "the failure and the recovery are not logged"
[ "$("$tool" state dst pcn)" = running ] && [ "$("$tool" state src pcn)" = absent ] ||
	fail "pcn: destination $(reason "$dst" pcn), source $(reason "$src" pcn)"
ok "the migration stream's TCP connections destroyed in post-copy (ss -K): the job resumed it, exit 0, pcn runs on the destination only"

# 1c. With a storage copy onto images virt-migrate makes there
# (--disk-map): in post-copy the guest runs on the destination from them,
# its disk's writes there only. The broken migration's first try has failed
# when the job resumes it; the images must not go with that try (they did:
# the guest ran from a deleted file, its disk lost once it stopped).
"$tool" dirty-guest pcd 64 32 4 16
mkdir -p "$dir/pcd-images"
[ "$(id -u)" -eq 0 ] && chown "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$dir/pcd-images"
sleep 3
migrate_and_break pcd --postcopy-bandwidth 8 --copy-storage-all --disk-map "$dir=$dir/pcd-images"
set +e
wait $pid; rc=$?
set -e
show "$dir/pcd.out"
[ $rc -eq 0 ] || fail "post-copy with a storage copy exited $rc, expected 0 (recovered)"
[ "$("$tool" state dst pcd)" = running ] && [ "$("$tool" state src pcd)" = absent ] ||
	fail "pcd: destination $(reason "$dst" pcd), source $(reason "$src" pcd)"
virsh -q -c "$dst" domblklist pcd | grep -q "$dir/pcd-images/pcd-src.qcow2" || fail "pcd does not run from the mapped image"
[ -f "$dir/pcd-images/pcd-src.qcow2" ] || fail "the image pcd runs from on the destination was removed"
qemu-img compare -U "$dir/pcd-src.qcow2" "$dir/pcd-images/pcd-src.qcow2" > /dev/null ||
	fail "the destination's image does not read like the source's"
ok "post-copy with a --disk-map storage copy, broken and resumed: pcd runs on the destination from the image made there, which stays and reads like the source's"

# 2. Recovery off (the settings' postcopy-recovery-timeout 0, from a
# keyfile as a user's dconf would hold it): the job fails at once naming
# Recover(), the guest split; --postcopy-resume then finishes it by hand.
mkdir -p "$dir/cfg/glib-2.0/settings"
printf '[org/virtmigrate/VirtMigrate]\npostcopy-recovery-timeout=uint32 0\n' > "$dir/cfg/glib-2.0/settings/keyfile"
"$tool" dirty-guest pc2 64 32 4
sleep 3
# check of a resume: nothing to resume while it simply runs (check said
# ok before 7 Dec, and libvirt refused, "domain is not being migrated").
port=$(free_port)
set +e
"$cli" -c "$src" check --live --p2p --postcopy --postcopy-resume --migrateuri "tcp://127.0.0.1:$port" pc2 "$dst" \
	> "$dir/pc2-check-running.out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -Eq "blocker +state +Nothing to resume: the guest is running on the source, not in a post-copy migration that broke" \
	"$dir/pc2-check-running.out" || { show "$dir/pc2-check-running.out"; fail "check of a resume of a running guest: exit $rc"; }
GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME=$dir/cfg migrate_and_break pc2
set +e
wait $pid; rc=$?
set -e
show "$dir/pc2.out"
[ $rc -eq 1 ] || fail "with recovery off the interrupted migration exited $rc, expected 1"
grep -q "Post-copy failed: .*resume it with Recover()" "$dir/pc2.out" || fail "the failure does not say what to do"
[ "$(reason "$src" pc2)" = "paused (post-copy failed)" ] || fail "source: $(reason "$src" pc2)"
port=$(free_port)
# check of the resume now: only that there is one to resume (the checks of
# a new migration would find the guest already running there).
set +e
"$cli" -c "$src" check --live --p2p --postcopy --postcopy-resume --migrateuri "tcp://127.0.0.1:$port" pc2 "$dst" \
	> "$dir/pc2-check.out" 2>&1; rc=$?
set -e
show "$dir/pc2-check.out"
[ $rc -eq 0 ] && grep -Eq "ok +state +The guest is paused \(post-copy failed\) on the source: its post-copy migration broke, and libvirt can resume it" \
	"$dir/pc2-check.out" && ! grep -Eq "^ +(blocker|warning) " "$dir/pc2-check.out" ||
	fail "check of the resume of a broken post-copy: exit $rc"
set +e
"$cli" -c "$src" --live --p2p --postcopy --postcopy-resume pc2 "$dst" "tcp://127.0.0.1:$port" \
	> "$dir/pc2-resume.out" 2>&1; rc=$?
set -e
show "$dir/pc2-resume.out"
[ $rc -eq 0 ] || fail "--postcopy-resume exited $rc"
[ "$("$tool" state dst pc2)" = running ] && [ "$("$tool" state src pc2)" = absent ] ||
	fail "pc2: destination $(reason "$dst" pc2), source $(reason "$src" pc2)"
ok "with recovery off the job fails at once naming Recover(), the guest paused on the source; check of a resume says there is one (a blocker before, while it simply ran); --postcopy --postcopy-resume finishes it"

# 3. virt-migrated killed during post-copy, the stream broken while it is
# away: the restarted daemon finds its job's guest in post-copy-failed
# state and resumes it.
start_bus
trap 'kill $bus_pid 2>/dev/null || true' EXIT
job_state() {
	gdbus call --session -d org.virtmigrate.VirtMigrate1 -o /org/virtmigrate/VirtMigrate1/jobs/1 \
		-m org.freedesktop.DBus.Properties.Get org.virtmigrate.VirtMigrate1.Job State 2>/dev/null || echo "(gone)"
}
"$tool" dirty-guest pc3 64 32 4
sleep 3
start_daemon
port=$(free_port)
"$cli" --bus -c "$src" --live --p2p --postcopy --postcopy-after-precopy --bandwidth 4 --postcopy-bandwidth 2 \
	pc3 "$dst" "tcp://127.0.0.1:$port" > "$dir/pc3.out" 2>&1 &
client=$!
for _ in $(seq 1 1200); do
	[ "$(reason "$src" pc3)" = "paused (post-copy)" ] && break
	sleep 0.1
done
[ "$(reason "$src" pc3)" = "paused (post-copy)" ] || { show "$dir/pc3.out"; fail "pc3 never reached post-copy"; }
sleep 1
kill -9 $daemon $client
wait $daemon $client 2>/dev/null || true
virsh -q -c "$src" domjobabort --postcopy pc3 || fail "domjobabort --postcopy"
sleep 1
echo "# virt-migrated killed, stream broken: source $(reason "$src" pc3), destination $(reason "$dst" pc3)"
start_daemon
for _ in $(seq 1 1200); do
	s=$(job_state)
	case $s in *succeeded* | *failed* | *cancelled*) break ;; esac
	sleep 0.1
done
show "$dir/daemon.log"
echo "# job 1 after the restart: $s"
[[ $s == *succeeded* ]] || fail "the restarted daemon's job ended $s"
[ "$("$tool" state dst pc3)" = running ] && [ "$("$tool" state src pc3)" = absent ] ||
	fail "pc3: destination $(reason "$dst" pc3), source $(reason "$src" pc3)"
grep -q "job 1: post-copy failed (The post-copy migration of 'pc3' broke while virt-migrated was not running)" \
	"$dir/daemon.log" && grep -q "job 1: post-copy recovery: try 1" "$dir/daemon.log" || fail "the recovery is not logged"
kill $daemon; wait $daemon 2>/dev/null || true
ok "virt-migrated killed in post-copy and the stream broken meanwhile: the restarted daemon resumed it, pc3 on the destination only"
