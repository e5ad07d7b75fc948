#!/bin/bash
# The virt-migrate CLI for real (run inside the test bed): the README's demo
# migration, then Ctrl-C half-way, which must leave the guest on the source.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
n=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { echo "not ok $((n + 1)) $*"; exit 1; }

echo "1..5"

# 1. The demo from the README's quick start.
out=$("$here/../tools/virt-migrate-demo" "$build" 2>&1) || { echo "$out" | sed 's/^/# /'; fail "demo"; }
echo "$out" | grep -q "100%" || fail "demo: no 100% in the progress output"
echo "$out" | grep -q "Migrated 'demo'" || fail "demo: no success line"
[ "$(virsh -q -c "$dst" domstate demo)" = "running" ] || fail "demo: not running on dest"
virsh -q -c "$src" domstate demo >/dev/null 2>&1 && fail "demo: still on source"
ok "demo migration with progress bar"
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
"$build/tools/virt-migrate" -c "$src" --live --copy-storage-all --bandwidth 4 \
  --migrateuri "unix://$dir/cli-qemu.sock" --disks-uri "unix://$dir/cli-nbd.sock" \
  --xml "$dir/cli-dst.xml" cli "$dst" > "$dir/cli.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "MiB/s" "$dir/cli.out" && break; sleep 0.2; done
grep -q "MiB/s" "$dir/cli.out" || fail "no progress before Ctrl-C"
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
sed 's/^/# /' "$dir/cli.out"
[ $rc -eq 130 ] || fail "Ctrl-C: exit status $rc, expected 130"
ok "Ctrl-C exits 130"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "Ctrl-C: guest not running on source"
virsh -q -c "$dst" domstate cli >/dev/null 2>&1 && fail "Ctrl-C: guest exists on dest"
ok "Ctrl-C leaves the guest running on the source"

# 3. Bad input: clear message, usage exit status, guest untouched.
set +e
err=$("$build/tools/virt-migrate" -c "$src" cli "tcp://127.0.0.1:1" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && echo "$err" | grep -q "hypervisor migration URI" || fail "bad URI: rc=$rc $err"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "bad URI touched the guest"
ok "a misplaced URI is refused with a clear message"

# 4. --dry-run prints the plan and moves nothing.
plan=$("$build/tools/virt-migrate" -c "$src" --dry-run --live --persistent \
  --migrateuri "unix://$dir/dry.sock" cli "$dst")
echo "$plan" | sed 's/^/# /'
echo "$plan" | grep -q "^Call: *virDomainMigrate3" || fail "dry run: no call"
echo "$plan" | grep -q "VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST" || fail "dry run: no flags"
echo "$plan" | grep -q "^Configuration: destination: persistent, source config: none, destination config: created" ||
  fail "dry run: no configuration outcome"
[ "$(virsh -q -c "$src" domstate cli)" = "running" ] || fail "dry run moved the guest"
virsh -q -c "$dst" domstate cli >/dev/null 2>&1 && fail "dry run: guest on dest"
ok "--dry-run prints the plan and migrates nothing"
