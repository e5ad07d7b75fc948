#!/bin/bash
# The virt-migrate CLI for real (run inside the test bed): the README's demo
# migration, then Ctrl-C half-way, which must leave the guest on the source.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
. "$(dirname "$0")/tap.sh"

# The in-process CLI records its migrations in this user's history.
export XDG_STATE_HOME=$dir/cli-state
rm -rf "$XDG_STATE_HOME"
logline='(GLib|GLib-GIO|VirtMigrate|libvirt)-(Message|WARNING|CRITICAL|DEBUG|INFO)'

echo "1..12"

# 1. The demo from the README's quick start.
out=$("$here/../tools/virt-migrate-demo" "$build" 2>&1) || { echo "$out" | sed 's/^/# /'; fail "demo"; }
grep -q "100%" <<<"$out" || fail "demo: no 100% in the progress output"
grep -q "Migrated 'demo'" <<<"$out" || fail "demo: no success line"
grep -Eq "$logline" <<<"$out" && { echo "$out" | sed 's/^/# /'; fail "demo: a GLib log line in the output"; }
[ "$(virsh -q -c "$dst" domstate demo)" = "running" ] || fail "demo: not running on dest"
virsh -q -c "$src" domstate demo >/dev/null 2>&1 && fail "demo: still on source"
ok "demo migration with progress bar"

demo_uuid=$(virsh -q -c "$dst" domuuid demo)
virsh -q -c "$dst" destroy demo >/dev/null

# 2. Ctrl-C (SIGINT) during a throttled copy: exit 130, guest stays on source.
head -c 64M /dev/urandom > "$dir/cli.raw"
qemu-img convert -q -f raw -O qcow2 "$dir/cli.raw" "$dir/cli-src.qcow2"
rm -f "$dir/cli.raw"
qemu-img create -q -f qcow2 "$dir/cli-dst.qcow2" 64M
[ "$(id -u)" -eq 0 ] && chown "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$dir"/cli-*.qcow2
sed "s|<name>demo</name>|<name>cli</name>|; s|demo-src.qcow2|cli-src.qcow2|" "$dir/demo.xml" > "$dir/cli.xml"
virsh -q -c "$src" create "$dir/cli.xml" >/dev/null
virsh -q -c "$src" dumpxml --migratable cli | sed "s|cli-src.qcow2|cli-dst.qcow2|" > "$dir/cli-dst.xml"
# The throttled storage migration of "cli"; extra options first (--bus).
# It replaces the calling subshell, so "migrate_cli ... &" leaves $! as
# virt-migrate's own pid; call it as "(migrate_cli ...)" in the foreground.
migrate_cli() {
	exec "$build/tools/virt-migrate" -c "$src" --live --copy-storage-all "$@" \
	  --migrateuri "unix://$dir/cli-qemu.sock" --disks-uri "unix://$dir/cli-nbd.sock" \
	  --xml "$dir/cli-dst.xml" cli "$dst"
}
wait_for_progress() { # OUTPUT-FILE
	for _ in $(seq 1 100); do grep -q "MiB/s" "$1" && return 0; sleep 0.2; done
	return 1
}
migrate_cli --bandwidth 4 > "$dir/cli.out" 2>&1 &
pid=$!
wait_for_progress "$dir/cli.out" || fail "no progress before Ctrl-C"
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
sed 's/^/# /' "$dir/cli.out"
[ $rc -eq 130 ] || fail "Ctrl-C: exit status $rc, expected 130"
ok "Ctrl-C exits 130"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "Ctrl-C: guest not running on source"
virsh -q -c "$dst" domstate cli >/dev/null 2>&1 && fail "Ctrl-C: guest exists on dest"
ok "Ctrl-C leaves the guest running on the source"

# 3. The history: both migrations, with outcome and downtime, as a table
# and as JSON.
table=$("$build/tools/virt-migrate" history demo)
echo "$table" | sed 's/^/# /'
echo "$table" | grep -E "^[0-9-]+ [0-9:]+ +demo +succeeded +[0-9]+:[0-9]{2} +[0-9]+ ms +[0-9.]+ MiB +managed-direct +" | grep -F "$dst" >/dev/null ||
  fail "history demo: no succeeded row with its downtime"
"$build/tools/virt-migrate" history cli | grep -E " cli +cancelled " >/dev/null || fail "history cli: no cancelled row"
"$build/tools/virt-migrate" history --json | /usr/bin/python3 -c '
import json, sys
records = json.load(sys.stdin)
assert [r["Domain"] for r in records] == ["demo", "cli"], records
demo, cli = records
assert demo["Outcome"] == "succeeded" and demo["Downtime"] > 0 and demo["Error"] == "", demo
assert demo["DomainUuid"] == sys.argv[1] and demo["Source"] == sys.argv[2] and demo["Destination"] == sys.argv[3], demo
assert "live" in demo["Flags"] and "storage=copy-all" in demo["Flags"] and "bandwidth=8" in demo["Flags"], demo["Flags"]
assert demo["BytesProcessed"] >= 48 << 20 and demo["EndTime"] > demo["StartTime"] > 0, demo
assert cli["Outcome"] == "cancelled" and cli["Domain"] == "cli", cli
' "$demo_uuid" "$src" "$dst" || fail "history --json"
ok "virt-migrate history shows both migrations with outcome and downtime (table and JSON)"

# 4. Bad input: clear message, usage exit status, guest untouched.
set +e
err=$("$build/tools/virt-migrate" -c "$src" cli "tcp://127.0.0.1:1" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q "hypervisor migration URI" <<<"$err" || fail "bad URI: rc=$rc $err"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "bad URI touched the guest"
# Refusals name what the user types, not the library's property names.
words() { # EXPECTED ARGS...: exit 2 and EXPECTED in the message, no property name
	local want=$1 out rc; shift
	set +e; out=$("$build/tools/virt-migrate" "$@" 2>&1); rc=$?; set -e
	echo "$out" | sed "s/^/# /"
	[ $rc -eq 2 ] && grep -qF -- "$want" <<<"$out" || fail "'$*': rc=$rc, not '$want': $out"
	! grep -Eq "'(hypervisor-uri|dest-uri|storage|live|persist-dest|force|compression-methods)'" <<<"$out" ||
	  fail "'$*' names a request property: $out"
}
words "with a UNIX MIGRATE-URI (--migrateuri) needs --disks-uri too" -c "$src" --copy-storage-all cli "$dst" "unix://$dir/w.sock"
words "with a UNIX MIGRATE-URI (--migrateuri) needs --disks-uri" -c "$src" check --copy-storage-all --migrateuri "unix://$dir/w.sock" cli "$dst" # check takes DEST-URIs only
words "DEST-URI 'tcp://127.0.0.1:1' is a hypervisor migration URI" -c "$src" cli "tcp://127.0.0.1:1"
words "URIs in MIGRATE-URI (--migrateuri))" -c "$src" cli "tcp://127.0.0.1:1"
words "add --live" -c "$src" --postcopy cli "$dst" tcp://127.0.0.1
words "(--copy-storage-all or --copy-storage-inc)" -c "$src" --copy-storage-synchronous-writes cli "$dst" tcp://127.0.0.1
words "--max-downtime is" -c "$src" --max-downtime 999999999 cli "$dst" tcp://127.0.0.1
# Subcommands are subcommands, and every error has one style.
words "'cancel' takes one job" cancel 3 4
words "'jobs' takes no argument" jobs foo
words "Try 'virt-migrate --help'." --liv cli "$dst"
words "too many arguments" a b c d e f g
out=$("$build/tools/virt-migrate" --liv cli "$dst" 2>&1 || true)
[ "${out%%$'\n'*}" = "virt-migrate: error: Unknown option --liv" ] || fail "error style: $out"
"$build/tools/virt-migrate" check --help | grep "^usage: virt-migrate check" >/dev/null || fail "check --help"
ok "a misplaced URI is refused with a clear message; refusals name the options (MIGRATE-URI, --live, --copy-storage-all); subcommands and errors in one style"

# 5. --dry-run prints the plan and moves nothing.
plan=$("$build/tools/virt-migrate" -c "$src" --dry-run --live --persistent \
  --migrateuri "unix://$dir/dry.sock" cli "$dst")
echo "$plan" | sed 's/^/# /'
grep -q "^Call: *virDomainMigrate3" <<<"$plan" || fail "dry run: no call"
grep -q "VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST" <<<"$plan" || fail "dry run: no flags"
grep -q "^Configuration: destination: persistent, source config: none, destination config: created" <<<"$plan" ||
  fail "dry run: no configuration outcome"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "dry run moved the guest"
virsh -q -c "$dst" domstate cli >/dev/null 2>&1 && fail "dry run: guest on dest"
ok "--dry-run prints the plan and migrates nothing"

# 6-11. Through the D-Bus service (--bus), on a private session bus.
start_bus
trap 'kill ${daemon:-} $bus_pid 2>/dev/null || true' EXIT
# Before the test's own daemon nothing answers: the private bus activates
# nothing (an installed virt-migrated once answered here, under load, with
# this user's history and job numbers).
set +e; out=$("$build/tools/virt-migrate" jobs 2>&1); rc=$?; set -e
[ $rc -ne 0 ] && grep -q "not provided by any .service files" <<<"$out" ||
  fail "the private bus started a virt-migrated of its own (exit $rc): $out"
start_daemon

# Ctrl-C on a --bus migration cancels the daemon's job.
migrate_cli --bus --bandwidth 4 > "$dir/bus1.out" 2>&1 &
pid=$!
wait_for_progress "$dir/bus1.out" || { sed 's/^/# /' "$dir/bus1.out" "$dir/daemon.log"; fail "--bus: no progress bar"; }
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
sed 's/^/# /' "$dir/bus1.out"
[ $rc -eq 130 ] || fail "--bus Ctrl-C: exit status $rc, expected 130"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "--bus Ctrl-C: guest not running on source"
ok "--bus shows the progress bar from PropertiesChanged; Ctrl-C cancels, guest on source"

# virt-migrate cancel JOB from another process.
migrate_cli --bus --bandwidth 4 > "$dir/bus2.out" 2>&1 &
pid=$!
wait_for_progress "$dir/bus2.out" || fail "--bus: no progress bar (2)"
job=$(sed -n 's|^Job .*/jobs/||p' "$dir/bus2.out")
"$build/tools/virt-migrate" jobs | sed 's/^/# /'
"$build/tools/virt-migrate" jobs | grep -E "^$job +running +[0-9]+% +$(id -u) +cli " >/dev/null ||
  fail "jobs: job $job not listed as running"
"$build/tools/virt-migrate" cancel "$job" | grep "Cancelling .*/jobs/$job" >/dev/null || fail "cancel $job"
set +e; wait $pid; rc=$?; set -e
[ $rc -eq 130 ] || fail "cancel JOB: the migrating CLI exited $rc, expected 130"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "cancel JOB: guest not running on source"
ok "virt-migrate jobs lists the running job; virt-migrate cancel JOB stops it"

# Cancel of a finished or unknown job: a clear error, exit 1.
set +e
err=$("$build/tools/virt-migrate" cancel "$job" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "already finished" <<<"$err" || fail "late cancel: rc=$rc $err"
set +e
err=$("$build/tools/virt-migrate" cancel 999 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no job 999" <<<"$err" || fail "unknown job: rc=$rc $err"
ok "cancelling a finished or unknown job fails clearly"

# A --bus migration to the end.
(migrate_cli --bus --bandwidth 32) > "$dir/bus3.out" 2>&1 || { sed 's/^/# /' "$dir/bus3.out"; fail "--bus migration"; }
sed 's/^/# /' "$dir/bus3.out"
grep -q "100%" "$dir/bus3.out" && grep -q "^Migrated 'cli': Migrated in" "$dir/bus3.out" || fail "--bus: no 100% or result"
[ "$(virsh -q -c "$dst" domstate cli)" = "running" ] || fail "--bus: not running on dest"
"$build/tools/virt-migrate" jobs | grep -E "succeeded +100% .* cli " >/dev/null || fail "jobs: no succeeded job"
ok "--bus migrates to the end with the same progress bar and result line"

# The daemon's history (its state directory): the --bus jobs, through
# GetHistory; the in-process file is untouched by them.
"$build/tools/virt-migrate" --bus history cli | sed 's/^/# /'
"$build/tools/virt-migrate" --bus history --json cli > "$dir/bus-history.json"
/usr/bin/python3 -c '
import json, sys
outcomes = [r["Outcome"] for r in json.load(open(sys.argv[1]))]
assert outcomes == ["cancelled", "cancelled", "succeeded"], outcomes
' "$dir/bus-history.json" || { sed 's/^/# /' "$dir/bus-history.json" "$dir/daemon.log"; fail "--bus history"; }
[ -s "$dir/daemon-state/history" ] || fail "no history file in the daemon's state directory"
[ "$("$build/tools/virt-migrate" history --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
  fail "the daemon wrote to the CLI's history"
ok "virt-migrate --bus history: the daemon's records, from its state directory"
virsh -q -c "$dst" destroy cli >/dev/null

# 12. A real migration with the CLI under valgrind: no definite leak, no
# invalid access (the unit tests under valgrind never run libvirt's path;
# by hand, this found every job's pre-flight verdict leaked, a reference a
# snapshot — here it failed on that in one run of two: valgrind finds a
# block lost only when no stale pointer to it is left; job-unit's
# snapshot-verdict under valgrind guards that one every time).
# A build with AddressSanitizer (CI's second pass) checks itself, leaks
# too (LeakSanitizer, at exit): valgrind cannot run it, and is not needed.
"$build/tests/vm-testbed-tool" guest vg
checker=(valgrind --error-exitcode=99 --errors-for-leak-kinds=definite --leak-check=full --num-callers=30
  --suppressions="$here/valgrind.supp" --suppressions=/usr/share/glib-2.0/valgrind/glib.supp
  --log-file="$dir/cli-valgrind.log")
# (Not "ldd | grep -q": under pipefail, grep leaving early can fail ldd.)
case "$(ldd "$build/tools/virt-migrate")" in *libasan*) checker=() ;; esac
: > "$dir/cli-valgrind.log"
# Its connections closed as a client should: no "End of file while reading
# data" in either daemon's log (one to three a migration before 7 Dec).
eofs() { cat "$dir/src/libvirtd.log" "$dir/dst/libvirtd.log" | grep -c "End of file while reading data" || true; }
eof_before=$(eofs)
"${checker[@]}" "$build/tools/virt-migrate" -q -c "$src" --live vg "$dst" \
  "tcp://127.0.0.1:$(free_port)" > "$dir/cli-valgrind.out" 2>&1 && rc=0 || rc=$?
[ $rc -eq 0 ] && [ "$(virsh -q -c "$dst" domstate vg)" = running ] ||
  { sed 's/^/# /' "$dir/cli-valgrind.out" "$dir/cli-valgrind.log" | tail -60; fail "the CLI under valgrind: exit $rc"; }
[ "$(eofs)" = "$eof_before" ] ||
  { tail -5 "$dir/src/libvirtd.log" "$dir/dst/libvirtd.log" | sed 's/^/# /'; fail "the CLI closed its connections unannounced"; }
virsh -q -c "$dst" destroy vg >/dev/null
ok "a migration with the CLI under valgrind: no definite leak, no invalid access, its connections closed cleanly"
