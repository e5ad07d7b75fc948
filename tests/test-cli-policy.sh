#!/bin/bash
# The in-process CLI gets the same engine as virt-migrated (run inside the
# test bed): the GSettings defaults and the convergence policy, on a guest
# that dirties memory faster than the link copies it (tests/dirtier: 48 MiB
# rewritten at full speed in 128 MiB of RAM, the link capped at 8 MiB/s, so
# about 6 s of switch-over: more than the policy's 5 s ceiling).
#   1. --postcopy (and --verbose), peer-to-peer over tcp://127.0.0.1, against
#      `virsh migrate --postcopy --postcopy-after-precopy` on the same kind
#      of guest in the same run, twice each, interleaved: the best of ours
#      within 1.2 x the best of virsh's; the policy switched to post-copy at
#      the start of pass 2 or 3 (the guest's measured dirty rate), the guest
#      runs on the destination only.
#   2. no post-copy: the policy gives up within 60 s (one pass after it saw
#      the guest cannot fit the ceiling), the CLI exits 1 with an error
#      naming the downtime the guest needs; the guest keeps running, not
#      paused, on the source.
#   3. --no-policy: a plain libvirt migration (no policy messages).
#   4. out-of-range options exit 2 naming the option, the guest untouched.
#   5. the help offers only what validation accepts.
#   6. f in the progress view (a terminal, through script(1)) forces
#      completion: no post-copy allowed, so the guest is paused and the
#      migration finishes; it runs on the destination.
# Every case: no GLib log line in the CLI's output.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
tool=$build/tests/vm-testbed-tool
cli=$build/tools/virt-migrate
. "$(dirname "$0")/tap.sh"
no_log_lines() { # OUTPUT-FILE
	if grep -Eq "(VirtMigrate|GLib)(-[A-Za-z]+)?-(Message|WARNING|CRITICAL|DEBUG|INFO)" "$1"; then
		show "$1"; fail "GLib log lines in the CLI's output"
	fi
}

echo "1..6"

# 1. Post-copy allowed: the policy finishes it as fast as virsh's
# --postcopy-after-precopy.
since() { echo "$(date +%s.%N) - $1" | bc; } # START: seconds since it
best_virsh=999
best_ours=999
for k in 1 2; do
	"$tool" dirty-guest clipv$k 128 48 0
	sleep 3
	t0=$(date +%s.%N)
	virsh -q -c "$src" migrate --live --p2p --postcopy --postcopy-after-precopy --bandwidth 8 \
		clipv$k "$dst" tcp://127.0.0.1
	t=$(since "$t0")
	[ "$("$tool" state dst clipv$k)" = running ] || fail "virsh --postcopy-after-precopy did not migrate clipv$k"
	"$tool" destroy dst clipv$k
	echo "# virsh --postcopy --postcopy-after-precopy: ${t} s"
	best_virsh=$(echo "if ($t < $best_virsh) $t else $best_virsh" | bc)

	"$tool" dirty-guest clipc$k 128 48 0
	sleep 3
	set +e
	t0=$(date +%s.%N)
	"$cli" -c "$src" --live --p2p --postcopy --bandwidth 8 --verbose clipc$k "$dst" tcp://127.0.0.1 \
		> "$dir/clipc$k.out" 2>&1
	rc=$?
	t=$(since "$t0")
	set -e
	show "$dir/clipc$k.out"
	echo "# virt-migrate --postcopy: ${t} s"
	[ $rc -eq 0 ] || fail "--postcopy: exit status $rc"
	grep -q "policy: watching" "$dir/clipc$k.out" || fail "--postcopy: the CLI ran without the policy"
	# The guest rewrites all of its data in every pass, so QEMU's dirty
	# rate reads about the link's own rate (q close to 1, counted with
	# noise): the switch comes with the policy's reason at the start of
	# pass 2, or of pass 3 when pass 2's count read below 0.8 of the rate
	# (a guest that may still converge). Later is a wasted pass.
	pass=$(sed -n 's/.*policy: pass \([0-9]*\) starts with .*the guest dirtying .*: switching to post-copy.*/\1/p' \
		"$dir/clipc$k.out" | head -n 1)
	[ -n "$pass" ] || fail "--postcopy: the policy did not switch to post-copy at the start of a pass"
	[ "$pass" -le 3 ] || fail "--postcopy: the policy switched to post-copy only at pass $pass"
	echo "# switched to post-copy at the start of pass $pass"
	grep -Eq "^ +[0-9.]+ s  memory, pass [0-9]+" "$dir/clipc$k.out" || fail "--verbose: no phase lines"
	grep -q "memory passes" "$dir/clipc$k.out" || fail "--verbose: no totals"
	[ "$("$tool" state dst clipc$k)" = running ] || fail "--postcopy: not running on the destination"
	[ "$("$tool" state src clipc$k)" = absent ] || fail "--postcopy: still on the source"
	no_log_lines "$dir/clipc$k.out"
	"$tool" destroy dst clipc$k
	best_ours=$(echo "if ($t < $best_ours) $t else $best_ours" | bc)
done
ratio=$(echo "scale=3; $best_ours / $best_virsh" | bc)
echo "# best of two: virt-migrate ${best_ours} s, virsh ${best_virsh} s, ratio ${ratio}"
[ "$(echo "$ratio <= 1.2" | bc)" = 1 ] || fail "--postcopy took ${ratio} x virsh's --postcopy-after-precopy"
ok "with --postcopy the default policy finishes a guest that outpaces the link in ${ratio} x the time of virsh --postcopy-after-precopy"

# 2. No post-copy: the policy says early that the guest cannot fit the
# ceiling. The settings come from a keyfile, as a user's dconf would hold
# them (a 30 s completion timeout per GiB, shown in the policy's first line).
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
grep -q "policy: watching: .*completion timeout 30 s" "$dir/clito.out" || fail "no post-copy: the settings' timeout was not used"
grep -q "watching one more pass before giving up" "$dir/clito.out" || fail "no post-copy: no early warning"
grep -Eq "^virt-migrate: error: The migration of 'clito' cannot converge: it needs about [0-9.]+ s of downtime and the ceiling is 5 s: allow post-copy" \
	"$dir/clito.out" || fail "no post-copy: the error does not name the downtime needed"
[ $took -lt 60 ] || fail "no post-copy: took ${took} s"
[ "$(virsh -q -c "$src" domstate clito)" = running ] || fail "no post-copy: the guest is not running on the source"
[ "$("$tool" state dst clito)" = absent ] || fail "no post-copy: the guest is on the destination"
no_log_lines "$dir/clito.out"
ok "without post-copy the policy gives up in ${took} s naming the downtime needed; the guest runs on the source"

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
	grep -q -- "${opt#--}" <<<"$err" || fail "$args: the message does not name $opt: $err"
	echo "$args -> $err" | sed "s/^/# /"
done
[ "$("$tool" state src clito)" = running ] || fail "a refused option touched the guest"
ok "out-of-range values exit 2 naming the option"

# 5. The help offers only compression methods validation accepts.
"$cli" --help | grep -- "--comp-methods" | grep -E "zlib|zstd" >/dev/null && fail "--help offers zlib/zstd"
set +e
err=$("$cli" -c "$src" --live --compressed --comp-methods zstd clito "$dst" "unix://$dir/never.mig" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] || fail "--comp-methods zstd: exit $rc"
ok "the help offers only what validation accepts"
"$tool" destroy src clito

# 6. f in the progress view forces completion.
"$tool" dirty-guest clifc 128 48 0
sleep 3
set +e
(sleep 4; printf f; sleep 120) | timeout 150 script -qfec \
	"$cli -c '$src' --live --bandwidth 8 clifc '$dst' 'unix://$dir/clifc.mig'" /dev/null > "$dir/clifc.raw" 2>&1
rc=$?
set -e
tr '\r' '\n' < "$dir/clifc.raw" | sed 's/\x1b\[K//g' | grep -v '^\[' | grep -v '^$' > "$dir/clifc.out" || true
show "$dir/clifc.out"
[ $rc -eq 0 ] || fail "f: exit status $rc"
grep -q "^Press f to finish now" "$dir/clifc.out" || fail "f: the progress view did not offer the key"
grep -q "^force-complete: pausing the guest on the source" "$dir/clifc.out" || fail "f: no force-complete"
grep -q "^Migrated 'clifc'" "$dir/clifc.out" || fail "f: not migrated"
[ "$("$tool" state dst clifc)" = running ] || fail "f: not running on the destination"
[ "$("$tool" state src clifc)" = absent ] || fail "f: still on the source"
ok "f in the progress view paused the guest so the migration finished; it runs on the destination"
"$tool" destroy dst clifc
