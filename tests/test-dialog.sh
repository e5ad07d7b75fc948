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
echo "1..3"

request=$("$tool" slow-request dialog 48 8)
set +e
out=$(GI_TYPELIB_PATH=$build/gir GSK_RENDERER=cairo GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24" \
  /usr/bin/python3 "$source/examples/migrate-dialog.py" --request "$request" --start \
  --exit-when-done --screenshot-dir "$shots" 2>&1)
rc=$?
set -e
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] || { echo "not ok 1 the dialog exited $rc"; exit 1; }
echo "$out" | grep -q "^result: Done: Migrated 'dialog'" || { echo "not ok 1 no success result"; exit 1; }
[ "$("$tool" state dst dialog)" = running ] && [ "$("$tool" state src dialog)" = absent ] ||
  { echo "not ok 1 the guest is not on the destination"; exit 1; }
echo "ok 1 the dialog migrated the guest and exited 0"

line=$(echo "$out" | grep "^screenshot: .*progress.png") || { echo "not ok 2 no progress screenshot"; exit 1; }
fraction=$(echo "$line" | sed -n 's/.*bar \([0-9.]*\)).*/\1/p')
[ -s "$shots/progress.png" ] && awk -v f="$fraction" 'BEGIN { exit !(f > 0 && f < 1) }' ||
  { echo "not ok 2 progress screenshot: $line"; exit 1; }
echo "ok 2 a screenshot with the bar partly filled ($fraction): $shots/progress.png"

echo "$out" | grep -q "^screenshot: .*done.png (final, bar 1.00)" && [ -s "$shots/done.png" ] ||
  { echo "not ok 3 no final screenshot"; exit 1; }
echo "ok 3 a screenshot of the final success state: $shots/done.png"
"$tool" destroy dst dialog
