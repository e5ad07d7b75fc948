#!/bin/bash
# examples/migrate-dialog.py for real (run inside the test bed): under Xvfb,
# driven from its command line, against a throttled migration. It must save
# a screenshot with a partly filled progress bar and one of the final
# success state, exit 0, and leave the guest running on the destination.
set -euo pipefail
build=$1
source=$2
tool=$build/tests/vm-testbed-tool
shots=$build/dialog-screenshots
rm -rf "$shots"
echo "1..6"

request=$("$tool" slow-request dialog 48 8)
set +e
out=$(GI_TYPELIB_PATH=$build/gir GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  dbus-run-session --config-file="$source/tests/test-bus.conf" -- xvfb-run -a -s "-screen 0 1024x768x24" \
  /usr/bin/python3 "$source/examples/migrate-dialog.py" --request "$request" --start \
  --exit-when-done --screenshot-dir "$shots" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] || { echo "not ok 1 the dialog exited $rc"; exit 1; }
grep -q "^result: Done: Migrated 'dialog'" <<<"$out" || { echo "not ok 1 no success result"; exit 1; }
[ "$("$tool" state dst dialog)" = running ] && [ "$("$tool" state src dialog)" = absent ] ||
  { echo "not ok 1 the guest is not on the destination"; exit 1; }
grep -Eq "^verdict: (ok|warning): " <<<"$out" || { echo "not ok 1 no verdict before the migration"; exit 1; }
echo "ok 1 the dialog showed the pre-flight verdict, migrated the guest and exited 0"

line=$(echo "$out" | grep "^screenshot: .*progress.png") || { echo "not ok 2 no progress screenshot"; exit 1; }
fraction=$(echo "$line" | sed -n 's/.*bar \([0-9.]*\)).*/\1/p')
[ -s "$shots/progress.png" ] && awk -v f="$fraction" 'BEGIN { exit !(f > 0 && f < 1) }' ||
  { echo "not ok 2 progress screenshot: $line"; exit 1; }
echo "ok 2 a screenshot with the bar partly filled ($fraction): $shots/progress.png"

grep -q "^screenshot: .*done.png (final, bar 1.00)" <<<"$out" && [ -s "$shots/done.png" ] ||
  { echo "not ok 3 no final screenshot"; exit 1; }
echo "ok 3 a screenshot of the final success state: $shots/done.png"
"$tool" destroy dst dialog

# A guest of the same name on the destination: the dialog shows the
# blocker before anything moves, and nothing does.
request=$("$tool" slow-request dialog2 16 8)
virsh -q -c "$VIRT_MIGRATE_TESTBED_SRC_URI" dumpxml dialog2 |
  sed "s|<uuid>.*</uuid>|<uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>|" > "$VIRT_MIGRATE_TESTBED_DIR/dialog2-other.xml"
virsh -q -c "$VIRT_MIGRATE_TESTBED_DST_URI" define "$VIRT_MIGRATE_TESTBED_DIR/dialog2-other.xml" > /dev/null
set +e
out=$(GI_TYPELIB_PATH=$build/gir GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  dbus-run-session --config-file="$source/tests/test-bus.conf" -- xvfb-run -a -s "-screen 0 1024x768x24" \
  /usr/bin/python3 "$source/examples/migrate-dialog.py" --request "$request" --start \
  --exit-when-done --screenshot-dir "$shots/refused" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/# /'
[ $rc -eq 1 ] && grep -q "^verdict: blocker: .*A different guest of the same name" <<<"$out" &&
  grep -q "^result: Cannot migrate" <<<"$out" && [ -s "$shots/refused/done.png" ] &&
  [ "$("$tool" state src dialog2)" = running ] ||
  { echo "not ok 4 the dialog did not stop at the blocker (exit $rc)"; exit 1; }
echo "ok 4 a blocker shown before anything moves, the guest running on the source: $shots/refused/done.png"

# A drain: every running guest of the source moved, a row each, one bar.
for g in dd1 dd2; do "$tool" guest "$g"; done
"$tool" destroy src dialog2
set +e
out=$(GI_TYPELIB_PATH=$build/gir GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  dbus-run-session --config-file="$source/tests/test-bus.conf" -- xvfb-run -a -s "-screen 0 1024x768x24" \
  /usr/bin/python3 "$source/examples/migrate-dialog.py" --drain --connect "$VIRT_MIGRATE_TESTBED_SRC_URI" \
  --dest "$VIRT_MIGRATE_TESTBED_DST_URI" --max-parallel 2 --start --exit-when-done --screenshot-dir "$shots/drain" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] && grep -q "^drain: succeeded: 2 of 2 guests moved" <<<"$out" &&
  grep -q "^guest: dd1 moved " <<<"$out" && grep -q "^guest: dd2 moved " <<<"$out" &&
  [ -s "$shots/drain/drain.png" ] &&
  [ "$("$tool" state dst dd1)" = running ] && [ "$("$tool" state src dd2)" = absent ] ||
  { echo "not ok 5 the dialog did not drain the host (exit $rc)"; exit 1; }
echo "ok 5 the dialog drained the host: a row per guest, both moved: $shots/drain/drain.png"

# Finish now: a guest that rewrites 48 MiB at full speed behind an 8 MiB/s
# link needs about 6 s of switch-over, over the policy's 5 s ceiling, and
# its request does not allow post-copy; the button (pressed 2 s after
# memory starts moving) pauses it so the migration finishes, and it runs
# on the destination afterwards.
"$tool" destroy dst dd1
"$tool" destroy dst dd2
"$tool" dirty-guest dlgfc 128 48 0
sleep 3
request="{'domain': <'dlgfc'>, 'source-uri': <'$VIRT_MIGRATE_TESTBED_SRC_URI'>, 'dest-uri': <'$VIRT_MIGRATE_TESTBED_DST_URI'>, 'live': <true>, 'bandwidth': <uint64 8>, 'hypervisor-uri': <'unix://$VIRT_MIGRATE_TESTBED_DIR/dlgfc.mig'>}"
set +e
out=$(GI_TYPELIB_PATH=$build/gir GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  dbus-run-session --config-file="$source/tests/test-bus.conf" -- xvfb-run -a -s "-screen 0 1024x768x24" \
  /usr/bin/python3 "$source/examples/migrate-dialog.py" --request "$request" --start --exit-when-done \
  --finish-now-after 2 --screenshot-dir "$shots/finish" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] && grep -q "^clicked: Finish now" <<<"$out" &&
  grep -q "^message: force-complete: pausing the guest on the source" <<<"$out" &&
  grep -q "^result: Done: Migrated 'dlgfc'" <<<"$out" &&
  ! grep -q "^message: policy: .*aborting" <<<"$out" &&
  [ "$("$tool" state dst dlgfc)" = running ] && [ "$("$tool" state src dlgfc)" = absent ] ||
  { echo "not ok 6 Finish now did not finish the migration (exit $rc)"; exit 1; }
echo "ok 6 Finish now paused the guest that could not converge, it finished and runs on the destination"
"$tool" destroy dst dlgfc
