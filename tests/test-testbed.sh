#!/bin/bash
# The test bed cleans up after itself: after "run", both daemons are gone and
# so is the per-run directory, also when the command fails, and when the
# run is killed outright as meson kills a test at its timeout (its process
# group sent SIGTERM, then SIGKILL half a second later): a guest's QEMU, the
# daemons and the directory stayed, slowing every test after it.
set -uo pipefail
testbed=$1
echo "1..3"
n=0
for status in 0 3; do
  n=$((n + 1))
  out=$(mktemp)
  "$testbed" run -- sh -c 'd=$VIRT_MIGRATE_TESTBED_DIR; echo "$d"; for h in src dst; do echo "$(cat "$d/$h/run/libvirt/libvirtd.pid")"; done; exit '$status > "$out" 2>&1
  rc=$?
  dir=$(sed -n 1p "$out"); pids=$(sed -n '2,3p' "$out" | tr '\n' ' '); rm -f "$out"
  alive=""
  [ "$(echo "$pids" | wc -w)" -eq 2 ] || pids=""
  for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
  if [ $rc -eq $status ] && [ -n "$pids" ] && [ -z "$alive" ] && [ ! -e "$dir" ]; then
    echo "ok $n command exiting $status: status kept, daemons ($pids) stopped, $dir removed"
  else
    echo "not ok $n command exiting $status: rc=$rc pids=[$pids] alive=[$alive] dir=$dir"
  fi
done
n=3
marker=$(mktemp)
# shellcheck disable=SC2016
setsid "$testbed" run -- sh -c '
  d=$VIRT_MIGRATE_TESTBED_DIR
  echo "$d" > "$0"
  printf "<domain type=\"qemu\"><name>reaped</name><memory unit=\"MiB\">32</memory><os><type arch=\"x86_64\" machine=\"pc\">hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>" > "$d/reaped.xml"
  virsh -q -c "$VIRT_MIGRATE_TESTBED_SRC_URI" create "$d/reaped.xml" > /dev/null && echo started >> "$0"
  sleep 600' "$marker" > /dev/null 2>&1 &
group=$!
for _ in $(seq 1 600); do grep -q started "$marker" && break; sleep 0.1; done
dir=$(sed -n 1p "$marker")
qemu=$(pgrep -f -- "qemu-system.*guest=reaped" | head -n 1)
kill -TERM -- -"$group" 2>/dev/null
sleep 0.5
kill -KILL -- -"$group" 2>/dev/null
# (Killed, QEMU goes a moment after the directory.)
for _ in $(seq 1 600); do
  { [ -n "$dir" ] && [ -e "$dir" ]; } || { [ -n "$qemu" ] && kill -0 "$qemu" 2>/dev/null; } || break
  sleep 0.1
done
left=$(pgrep -f -- "$dir/" | tr '\n' ' ')
if grep -q started "$marker" && [ -n "$qemu" ] && [ -n "$dir" ] && [ ! -e "$dir" ] && [ -z "$left" ] && ! kill -0 "$qemu" 2>/dev/null; then
  echo "ok $n killed as meson kills a test at its timeout: its guest's QEMU ($qemu), the daemons and $dir went"
else
  echo "not ok $n killed outright: marker [$(tr '\n' ' ' < "$marker")] qemu=[$qemu] dir=$dir exists=$([ -e "$dir" ] && echo yes || echo no) left=[$left]"
fi
rm -f "$marker"
