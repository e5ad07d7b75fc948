#!/bin/bash
# The in-process CLI gets the same engine as virt-migrated (run inside the
# test bed): the GSettings defaults and the convergence policy, on a guest
# that dirties memory faster than the link copies it (tests/dirtier: 48 MiB
# rewritten at full speed in 128 MiB of RAM, the link capped at 8 MiB/s, so
# about 6 s of switch-over: more than the policy's 5 s final step).
#   1. --postcopy (and --verbose): the policy's steps run out and it
#      switches to post-copy; the CLI exits 0, the guest runs on the
#      destination; the phases and passes are printed as lines.
#   2. no post-copy: the completion timeout ends it; the guest keeps running
#      (not paused) on the source, the CLI exits 1 naming the reason.
#   3. --no-policy: a plain libvirt migration (no policy messages).
#   4. out-of-range options exit 2 naming the option, the guest untouched.
# Every case: no GLib log line in the CLI's output.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
tool=$build/tests/vm-testbed-tool
cli=$build/tools/virt-migrate
n=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { echo "not ok $((n + 1)) $*"; exit 1; }
show() { sed 's/^/# /' "$@"; }
no_log_lines() { # OUTPUT-FILE
	if grep -Eq "(VirtMigrate|GLib)(-[A-Za-z]+)?-(Message|WARNING|CRITICAL|DEBUG|INFO)" "$1"; then
		show "$1"; fail "GLib log lines in the CLI's output"
	fi
}

echo "1..5"

# 1. Post-copy allowed: the policy finishes it.
"$tool" dirty-guest clipc 128 48 0
sleep 3
start=$(date +%s)
set +e
"$cli" -c "$src" --live --postcopy --bandwidth 8 --verbose clipc "$dst" "unix://$dir/clipc.mig" > "$dir/clipc.out" 2>&1
rc=$?
set -e
took=$(( $(date +%s) - start ))
show "$dir/clipc.out"
echo "# took ${took} s"
[ $rc -eq 0 ] || fail "--postcopy: exit status $rc"
grep -q "policy: watching" "$dir/clipc.out" || fail "--postcopy: the CLI ran without the policy"
grep -q "switching to post-copy" "$dir/clipc.out" || fail "--postcopy: the policy did not switch to post-copy"
grep -Eq "^ +[0-9.]+ s  memory, pass [0-9]+" "$dir/clipc.out" || fail "--verbose: no phase lines"
grep -q "memory passes" "$dir/clipc.out" || fail "--verbose: no totals"
[ "$("$tool" state dst clipc)" = running ] || fail "--postcopy: not running on the destination"
[ "$("$tool" state src clipc)" = absent ] || fail "--postcopy: still on the source"
no_log_lines "$dir/clipc.out"
ok "in-process CLI with the default policy and --postcopy finishes a guest that outpaces the link (${took} s)"
"$tool" destroy dst clipc

# 2. No post-copy: the completion timeout (30 s from the settings, a
# keyfile as a user's dconf would hold it) ends it cleanly.
mkdir -p "$dir/cfg/glib-2.0/settings"
printf '[org/virtmigrate/VirtMigrate]\npolicy-completion-timeout-per-gib=uint32 30\n' \
	> "$dir/cfg/glib-2.0/settings/keyfile"
"$tool" dirty-guest clito 128 48 0
sleep 3
start=$(date +%s)
set +e
GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME=$dir/cfg \
	"$cli" -c "$src" --live --bandwidth 8 clito "$dst" "unix://$dir/clito.mig" > "$dir/clito.out" 2>&1
rc=$?
set -e
took=$(( $(date +%s) - start ))
show "$dir/clito.out"
echo "# took ${took} s"
[ $rc -eq 1 ] || fail "no post-copy: exit status $rc, expected 1"
grep -q "completion timeout after 30 s: aborting" "$dir/clito.out" || fail "no post-copy: no completion timeout"
grep -q "^error: .*convergence policy" "$dir/clito.out" || fail "no post-copy: the error does not name the policy"
[ $took -lt 60 ] || fail "no post-copy: took ${took} s"
[ "$("$tool" state src clito)" = running ] || fail "no post-copy: the guest is not running on the source"
[ "$("$tool" state dst clito)" = absent ] || fail "no post-copy: the guest is on the destination"
no_log_lines "$dir/clito.out"
ok "without post-copy the completion timeout ends it: exit 1, guest running on the source (${took} s)"

# 3. --no-policy: plain libvirt behaviour, cancelled by hand after a few seconds.
"$cli" -c "$src" --live --no-policy --bandwidth 8 clito "$dst" "unix://$dir/clito2.mig" > "$dir/clinp.out" 2>&1 &
pid=$!
sleep 8
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
show "$dir/clinp.out"
[ $rc -eq 130 ] || fail "--no-policy: exit status $rc after Ctrl-C"
grep -q "policy:" "$dir/clinp.out" && fail "--no-policy: the policy ran"
[ "$("$tool" state src clito)" = running ] || fail "--no-policy: guest not running on the source"
ok "--no-policy migrates without the policy"

# 4. Out-of-range values: exit 2, the option named, nothing touched.
for args in "--parallel-connections 256" "--parallel-connections -1" "--disks-port 70000" \
	    "--max-downtime 3000000" "--poll-interval 5" "--bandwidth -3"; do
	set +e
	# shellcheck disable=SC2086
	err=$("$cli" -c "$src" --live $args clito "$dst" "unix://$dir/never.mig" 2>&1); rc=$?
	set -e
	opt=${args%% *}
	[ $rc -eq 2 ] || fail "$args: exit status $rc, expected 2 ($err)"
	echo "$err" | grep -q -- "${opt#--}" || fail "$args: the message does not name $opt: $err"
	echo "# $args -> $err"
done
[ "$("$tool" state src clito)" = running ] || fail "a refused option touched the guest"
ok "out-of-range values exit 2 naming the option"

# 5. The help offers only compression methods validation accepts.
"$cli" --help | grep -- "--comp-methods" | grep -Eq "zlib|zstd" && fail "--help offers zlib/zstd"
set +e
err=$("$cli" -c "$src" --live --compressed --comp-methods zstd clito "$dst" "unix://$dir/never.mig" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] || fail "--comp-methods zstd: exit $rc"
ok "the help offers only what validation accepts"
"$tool" destroy src clito
