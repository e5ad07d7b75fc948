#!/bin/bash
# The test bed cleans up after itself: after "run", both daemons are gone and
# so is the per-run directory, also when the command fails.
set -uo pipefail
testbed=$1
echo "1..2"
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
