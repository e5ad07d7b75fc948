#!/bin/bash
# The knobs of libvirt 9.0's virsh migrate, for real where the test bed
# can run them (inside the test bed): parallel connections, XBZRLE
# compression with its cache (read back from QEMU's completed job), MT
# compression tuned, auto-convergence tuned, change protection with a
# graphics URI, a storage copy with synchronous writes, --timeout with
# --timeout-suspend, and TLS with and without a storage copy and with a
# certificate that does not match. Zero-copy and RDMA cannot run here:
# libvirt's own error reaches the caller and the guest stays running on
# the source.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
export XDG_STATE_HOME=$dir/options-state
. "$(dirname "$0")/tap.sh"
# migrate GUEST OPTIONS...: a live peer-to-peer migration over tcp://127.0.0.1.
migrate() {
	local g=$1
	shift
	"$cli" -q -c "$src" --live --p2p "$@" "$g" "$dst" "tcp://127.0.0.1:$(free_port)" > "$dir/$g.out" 2>&1
}
# has_flags GUEST FLAG...: each FLAG among the history's flags of its migration.
has_flags() {
	local g=$1 f all
	shift
	all=" $(flags "$g") "
	for f in "$@"; do [[ $all == *" $f "* ]] || { echo "# $g: no $f in:$all"; return 1; }; done
}
moved() { [ "$("$tool" state dst "$1")" = running ] && [ "$("$tool" state src "$1")" = absent ]; }
flags() { # GUEST -> the history's flags of its migration
	"$cli" history --json "$1" | /usr/bin/python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)[-1]["Flags"]))'
}

echo "1..12"

"$tool" guest par1
"$tool" guest prot1
"$tool" dirty-guest xb1 64 24 4
"$tool" dirty-guest mt1 64 24 4
"$tool" dirty-guest ac1 64 24 16
sleep 3 # the dirtying guests boot

migrate par1 --parallel --parallel-connections 2 || { show "$dir/par1.out"; fail "--parallel"; }
moved par1 && has_flags par1 parallel parallel-connections=2 || fail "par1"
ok "--parallel --parallel-connections 2: moved"

migrate xb1 --compressed --comp-methods xbzrle --comp-xbzrle-cache 16777216 --bandwidth 16 ||
	{ show "$dir/xb1.out"; fail "xbzrle"; }
moved xb1 || fail "xb1 did not move"
virsh -q -c "$dst" domjobinfo --completed xb1 > "$dir/xb1.job"
show "$dir/xb1.job"
grep -Eq "^Compression cache: +16.000 MiB" "$dir/xb1.job" || fail "QEMU's XBZRLE cache is not the 16 MiB asked"
ok "--compressed --comp-methods xbzrle --comp-xbzrle-cache 16 MiB: moved, QEMU's completed job has the 16 MiB cache"

migrate mt1 --compressed --comp-methods mt --comp-mt-level 1 --comp-mt-threads 2 --comp-mt-dthreads 1 --bandwidth 16 ||
	{ show "$dir/mt1.out"; fail "mt"; }
moved mt1 && has_flags mt1 comp-mt-level=1 comp-mt-threads=2 comp-mt-dthreads=1 || fail "mt1"
ok "--comp-methods mt --comp-mt-level 1 --comp-mt-threads 2 --comp-mt-dthreads 1: moved"

migrate ac1 --auto-converge --auto-converge-initial 30 --auto-converge-increment 20 --bandwidth 8 ||
	{ show "$dir/ac1.out"; fail "auto-converge"; }
moved ac1 && has_flags ac1 auto-converge auto-converge-initial=30 auto-converge-increment=20 || fail "ac1"
ok "--auto-converge --auto-converge-initial 30 --auto-converge-increment 20: moved"

migrate prot1 --change-protection --graphicsuri spice://127.0.0.1:5999 || { show "$dir/prot1.out"; fail "change-protection"; }
moved prot1 && has_flags prot1 change-protection graphics-uri=spice://127.0.0.1:5999 || fail "prot1"
ok "--change-protection --graphicsuri: moved"

# A storage copy with synchronous writes (managed direct, all over UNIX sockets).
eval "$("$tool" slow-request-cli sync1 16 64)"
"$cli" -q -c "$src" --live --copy-storage-all --copy-storage-synchronous-writes --xml "$VM_DEST_XML" \
	--migrateuri "unix://$dir/sync1.mig" --disks-uri "unix://$dir/sync1-nbd.sock" sync1 "$dst" \
	> "$dir/sync1.out" 2>&1 || { show "$dir/sync1.out"; fail "synchronous writes"; }
moved sync1 && has_flags sync1 copy-storage-synchronous-writes || fail "sync1"
ok "--copy-storage-all --copy-storage-synchronous-writes: moved"

# --timeout 4 --timeout-suspend: a guest that outpaces the link is paused
# after 4 s so it finishes, and runs again on the destination.
"$tool" dirty-guest to1 64 48 0
sleep 3
start=$(date +%s)
"$cli" -c "$src" --live --timeout 4 --timeout-suspend --bandwidth 8 --migrateuri "unix://$dir/to1.mig" to1 "$dst" \
	> "$dir/to1.out" 2>&1 || { show "$dir/to1.out"; fail "--timeout"; }
took=$(( $(date +%s) - start ))
show "$dir/to1.out"
moved to1 || fail "to1 did not move"
grep -q "policy: completion timeout after 4 s: pausing the guest on the source" "$dir/to1.out" || fail "no pause logged"
ok "--timeout 4 --timeout-suspend: paused after 4 s, finished in ${took} s, the guest running on the destination"

# TLS for real: the test bed made a CA and certificates for 127.0.0.1
# and set each host's migrate_tls_x509_cert_dir (session mode reads
# $XDG_CONFIG_HOME/libvirt/qemu.conf).
[ -s "$VIRT_MIGRATE_TESTBED_PKI/server-cert.pem" ] || fail "the test bed made no certificates"
"$tool" guest tls1
"$tool" guest tls2
migrate tls1 --tls || { show "$dir/tls1.out"; fail "--tls"; }
moved tls1 && has_flags tls1 tls || fail "tls1"
ok "--tls over tcp://127.0.0.1: moved"

eval "$("$tool" slow-request-cli tlsdisk 16 64)"
"$cli" -q -c "$src" --live --p2p --tls --copy-storage-all --xml "$VM_DEST_XML" \
	--disks-uri "tcp://127.0.0.1:$(free_port)" tlsdisk "$dst" "tcp://127.0.0.1:$(free_port)" \
	> "$dir/tlsdisk.out" 2>&1 || { show "$dir/tlsdisk.out"; fail "--tls with a storage copy"; }
moved tlsdisk && has_flags tlsdisk tls storage=copy-all || fail "tlsdisk"
ok "--tls with --copy-storage-all (NBD over TLS on tcp://127.0.0.1): moved"

# A certificate that does not match: the server's is for 127.0.0.1 and
# localhost, the client checks it against another name.
set +e
migrate tls2 --tls --tls-destination wrong.example; rc=$?
set -e
show "$dir/tls2.out"
# libvirt reports whichever side noticed first: the source QEMU's TLS
# error, or the destination QEMU quitting when the handshake failed ("qemu
# unexpectedly closed the monitor"); then a QEMU log names the certificate.
qemu_logs() { cat "$VIRT_MIGRATE_TESTBED_DIR"/{src,dst}/cache/libvirt/qemu/log/tls2.log 2>/dev/null || true; }
[ $rc -eq 1 ] || fail "a mismatched certificate: exit $rc"
if ! grep -Eq "Certificate does not match the hostname wrong.example|TLS" "$dir/tls2.out"; then
	grep -q "qemu unexpectedly closed the monitor" "$dir/tls2.out" &&
		qemu_logs | grep -Eq "Certificate does not match the hostname wrong.example|TLS" ||
		{ qemu_logs | tail -5 | sed 's/^/# /'; fail "a mismatched certificate: no TLS error"; }
fi
[ "$("$tool" state src tls2)" = running ] && [ "$("$tool" state dst tls2)" = absent ] || fail "tls2 is not on the source"
ok "--tls with a certificate that does not match (--tls-destination wrong.example): libvirt's error, exit 1, the guest running on the source"

# Cannot run here: libvirt's own errors reach the caller, the guests stay.
"$tool" guest zc1
set +e
migrate zc1 --parallel --zerocopy; zrc=$?
"$cli" -q -c "$src" --live --p2p --rdma-pin-all zc1 "$dst" "rdma://127.0.0.1:$(free_port)" > "$dir/rdma.out" 2>&1; rrc=$?
set -e
show "$dir/zc1.out" "$dir/rdma.out"
[ $zrc -eq 1 ] && grep -q "locked memory" "$dir/zc1.out" || fail "zerocopy: exit $zrc"
[ $rrc -eq 1 ] && grep -q "RDMA" "$dir/rdma.out" || fail "rdma-pin-all: exit $rrc"
[ "$("$tool" state src zc1)" = running ] || fail "zc1 is not running on the source"
ok "--zerocopy and --rdma-pin-all: libvirt's own errors (locked memory; RDMA), exit 1, the guest running on the source"

# virsh 9.0's own rules for --timeout, refused before anything is asked.
set +e
"$cli" -c "$src" --live --timeout-suspend zc1 "$dst" > /dev/null 2>&1; a=$?
"$cli" -c "$src" --live --timeout 5 --timeout-suspend --timeout-postcopy --postcopy zc1 "$dst" > /dev/null 2>&1; b=$?
"$cli" -c "$src" --live --timeout 5 --timeout-postcopy zc1 "$dst" > /dev/null 2>&1; c=$?
"$cli" -c "$src" --timeout 5 zc1 "$dst" > /dev/null 2>&1; d=$?
"$cli" -c "$src" --live --comp-mt-level 3 zc1 "$dst" > /dev/null 2>&1; e=$?
"$cli" -c "$src" --live --p2p --parallel --zerocopy --comp-mt-level 12 zc1 "$dst" > /dev/null 2>&1; f=$?
set -e
[ "$a$b$c$d$e$f" = 222222 ] || fail "bad command lines exited $a $b $c $d $e $f"
[ "$("$tool" state src zc1)" = running ] || fail "zc1 moved"
ok "refused with exit 2: --timeout-suspend without --timeout, both --timeout actions, --timeout-postcopy without --postcopy, --timeout without --live, MT tuning without mt, --comp-mt-level 12"
