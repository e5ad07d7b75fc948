#!/bin/bash
# Records the sample traces the unit tests replay (test-progress,
# test-convergence), on the test bed, with plain libvirt (--no-policy) so
# that each trace shows what the guest does by itself:
#   tests/testbed/virt-migrate-testbed run -- tests/traces/record.sh BUILD-DIR [NAME]
# Each trace is every statistics sample of one migration (poll every
# 250 ms), in the format of plugin/virt-migrate-sample.c.
set -euo pipefail
build=$(cd "$1" && pwd)
out=$(cd "$(dirname "$0")" && pwd)
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
tool=$build/tests/vm-testbed-tool
cli=$build/tools/virt-migrate
export VIRT_MIGRATE_TRACE_DIR=$dir/traces
export VIRT_MIGRATE_DIRTIER=${VIRT_MIGRATE_DIRTIER:-$build/tests/dirtier/dirtier.elf}

only=${2:-}
record() { # NAME SECONDS-BEFORE-CTRL-C(0: to the end) CLI-ARGS...
	local name=$1 limit=$2
	shift 2
	rm -rf "$VIRT_MIGRATE_TRACE_DIR"; mkdir -p "$VIRT_MIGRATE_TRACE_DIR"
	if [ "$limit" -gt 0 ]; then
		"$cli" -q "$@" & pid=$!
		sleep "$limit"; kill -INT $pid; wait $pid || true
	else
		"$cli" -q "$@"
	fi
	{ echo "# $name: virt-migrate --no-policy ${*//$dir/DIR}"; cat "$VIRT_MIGRATE_TRACE_DIR"/*.trace; } \
		| sed "s|$src|SRC|g; s|$dst|DST|g" > "$out/$name.trace"
	echo "recorded $name: $(grep -vc '^#' "$out/$name.trace") samples"
}

want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# A guest that converges by itself: 32 MiB rewritten at 4 MiB/s in 256 MiB,
# a 32 MiB/s link.
if want converges; then
"$tool" dirty-guest converges 256 32 4
sleep 3
record converges 0 -c "$src" --live --no-policy --bandwidth 32 converges "$dst" "unix://$dir/converges.mig"
"$tool" destroy dst converges
fi

# The policy test's guest: 64 MiB rewritten at 60 MiB/s in 256 MiB, 20 MiB/s
# link: stalls, but a 3.2 s switch-over would finish it.
if want stall; then
"$tool" dirty-guest stall 256 64 60
sleep 3
record stall 40 -c "$src" --live --no-policy --bandwidth 20 stall "$dst" "unix://$dir/stall.mig"
"$tool" destroy src stall
fi

# Hopeless without post-copy: 48 MiB rewritten at full speed in 128 MiB,
# 8 MiB/s link: about 6 s of switch-over, over the policy's 5 s ceiling.
if want hopeless; then
"$tool" dirty-guest hopeless 128 48 0
sleep 3
record hopeless 40 -c "$src" --live --no-policy --bandwidth 8 hopeless "$dst" "unix://$dir/hopeless.mig"
"$tool" destroy src hopeless
fi

# A storage copy capped at 8 MiB/s: a 96 MiB disk of random data (QEMU's
# mirror reports progress in 16 MiB batches).
if want storage; then
eval "$("$tool" slow-request-cli disk 96 8)"
record storage 0 -c "$src" --live --no-policy --copy-storage-all --bandwidth 8 \
	--migrateuri "unix://$dir/disk.mig" --disks-uri "unix://$dir/disk-nbd.sock" \
	--xml "$VM_DEST_XML" disk "$dst"
"$tool" destroy dst disk
fi
