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
# What QEMU really did, not what we asked: the flags in the history come
# from the request, and would pass for an option libvirt ignored.
# during GUEST OPTIONS...: migrate() in the background and, once the
# migration runs, save the source QEMU's migration capabilities and
# parameters (QMP, through libvirt) to $dir/GUEST.caps and GUEST.params.
# With HOLD=1 the migration is asked for a 1 ms downtime (--max-downtime 1
# --no-policy) of a guest that dirties as fast as it can, so it cannot
# converge, and allowed 60 s once they are saved (it then switches over at
# once): a guest whose pages compress to nothing is in QEMU's active phase
# for well under a second, shorter than one query on a machine its
# compression threads keep busy (mt1 went by unseen once in a full suite
# run, and converged even with 1 ms while it dirtied only 4 MiB/s). tls1,
# a 4-s migration, went by unseen too in a full run (7 Dec, beside a
# longer check test): par1, xb1 and tls1 are held the same way.
during() {
	local g=$1 pid
	shift
	if [ "${HOLD:-0}" = 1 ]; then
		migrate "$g" "$@" --max-downtime 1 --no-policy &
	else
		migrate "$g" "$@" &
	fi
	pid=$!
	# (libvirt's job starts before it sets QEMU up: wait for QEMU's own,
	# and ask again while it runs if a query found nothing: on a loaded
	# machine one came back empty once.)
	for _ in $(seq 1 300); do
		if virsh -q -c "$src" qemu-monitor-command "$g" '{"execute":"query-migrate"}' 2>/dev/null |
			grep -Eq '"status":"(setup|active)"'; then
			virsh -q -c "$src" qemu-monitor-command "$g" '{"execute":"query-migrate-capabilities"}' \
				> "$dir/$g.caps" 2>&1 || true
			virsh -q -c "$src" qemu-monitor-command "$g" '{"execute":"query-migrate-parameters"}' \
				> "$dir/$g.params" 2>&1 || true
			grep -q '"return"' "$dir/$g.caps" && grep -q '"return"' "$dir/$g.params" && break
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	# (Again until it ends: ours sets the 1 ms once libvirt's job runs,
	# which could come after a first raise.)
	while [ "${HOLD:-0}" = 1 ] && kill -0 $pid 2>/dev/null; do
		virsh -q -c "$src" migrate-setmaxdowntime "$g" 60000 2>/dev/null || true
		sleep 0.5
	done
	wait $pid
}
# qemu_has GUEST NAME=VALUE...: each capability (true/false) or parameter
# as QEMU reported it during GUEST's migration.
qemu_has() {
	local g=$1
	shift
	/usr/bin/python3 - "$dir/$g.caps" "$dir/$g.params" "$@" <<'PY'
import json, sys
caps = {c["capability"]: c["state"] for c in json.load(open(sys.argv[1]))["return"]}
params = json.load(open(sys.argv[2]))["return"]
bad = []
for want in sys.argv[3:]:
    name, value = want.split("=", 1)
    have = caps[name] if name in caps else params.get(name)
    if str(have).lower() != value.lower():
        bad.append(f"{name} is {have!r}, not {value}")
if bad:
    print("# QEMU: " + "; ".join(bad))
    sys.exit(1)
PY
}
# admin HOST ARGS...: virt-admin on a test host's daemon (as its user).
admin() {
	local h=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$VIRT_MIGRATE_TESTBED_UID" --regid="$VIRT_MIGRATE_TESTBED_GID" --clear-groups \
			virt-admin -q -c "libvirtd:///session?socket=$dir/$h/run/libvirt/libvirt-admin-sock" "$@"
	else
		virt-admin -q -c "libvirtd:///session?socket=$dir/$h/run/libvirt/libvirt-admin-sock" "$@"
	fi
}
flags() { # GUEST -> the history's flags of its migration
	"$cli" history --json "$1" | /usr/bin/python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)[-1]["Flags"]))'
}

echo "1..12"

"$tool" dirty-guest par1 64 24 4
"$tool" guest prot1
"$tool" dirty-guest xb1 64 24 4
"$tool" dirty-guest mt1 64 24 0 # (as fast as it can: HOLD below)
"$tool" dirty-guest ac1 64 22 16
sleep 3 # the dirtying guests boot

HOLD=1 during par1 --parallel --parallel-connections 3 --bandwidth 16 || { show "$dir/par1.out"; fail "--parallel"; }
moved par1 && qemu_has par1 multifd=true multifd-channels=3 || fail "par1: not what QEMU did"
ok "--parallel --parallel-connections 3: moved; QEMU ran multifd with 3 channels"

HOLD=1 during xb1 --compressed --comp-methods xbzrle --comp-xbzrle-cache 16777216 --bandwidth 16 ||
	{ show "$dir/xb1.out"; fail "xbzrle"; }
moved xb1 || fail "xb1 did not move"
qemu_has xb1 xbzrle=true xbzrle-cache-size=16777216 || fail "xb1: not what QEMU did"
virsh -q -c "$dst" domjobinfo --completed xb1 > "$dir/xb1.job"
show "$dir/xb1.job"
grep -Eq "^Compression cache: +16.000 MiB" "$dir/xb1.job" || fail "QEMU's XBZRLE cache is not the 16 MiB asked"
ok "--compressed --comp-methods xbzrle --comp-xbzrle-cache 16 MiB: moved; QEMU ran XBZRLE with the 16 MiB cache"

s0=$SECONDS; HOLD=1 during mt1 --compressed --comp-methods mt --comp-mt-level 1 --comp-mt-threads 3 --comp-mt-dthreads 1 --bandwidth 4 ||
	{ show "$dir/mt1.out"; fail "mt"; }
echo "# mt1: $((SECONDS - s0)) s"; moved mt1 && qemu_has mt1 compress=true compress-level=1 compress-threads=3 || fail "mt1: not what QEMU did"
ok "--comp-methods mt --comp-mt-level 1 --comp-mt-threads 3: moved; QEMU compressed at level 1 with 3 threads"

# At 4 MiB/s ac1's 22 MiB rewritten at 16 MiB/s need 5.5 s of switch-over,
# over the policy's 5 s ceiling, until QEMU's throttle slows the guest (it
# paces itself by CPU work): the policy watches instead of giving up at
# pass 3, as it did before it knew of auto-converge. (With 24 MiB, beside
# other tests the throttle once left 19.7 MiB at 3.9 MiB/s, 5.05 s, and the
# policy gave up: the throttle shrinks the set by a sixth or so.)
s0=$SECONDS
during ac1 --auto-converge --auto-converge-initial 30 --auto-converge-increment 20 --bandwidth 4 ||
	{ show "$dir/ac1.out"; "$cli" history --json ac1 | sed 's/^/# /'; fail "auto-converge"; }
echo "# ac1: $((SECONDS - s0)) s"
moved ac1 && qemu_has ac1 auto-converge=true cpu-throttle-initial=30 cpu-throttle-increment=20 ||
	fail "ac1: not what QEMU did"
"$cli" history --json ac1 | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)[-1]["Messages"]
print("\n".join("# " + x for x in m if "policy" in x))
assert any("auto-converge throttles the guest more every second pass" in x for x in m), m' ||
	fail "ac1: the policy did not watch QEMU's throttle"
ok "--auto-converge --auto-converge-initial 30 --auto-converge-increment 20: moved; QEMU throttled from 30 % by 20, the policy watching it"

migrate prot1 --change-protection --graphicsuri spice://127.0.0.1:5999 || { show "$dir/prot1.out"; fail "change-protection"; }
moved prot1 && has_flags prot1 change-protection graphics-uri=spice://127.0.0.1:5999 || fail "prot1"
# Nothing QEMU could show: libvirt's QEMU driver protects every v3
# migration anyway, and hands a graphics URI only to a SPICE client the
# guest has not. Only libvirt accepting both is checked here.
ok "--change-protection --graphicsuri: accepted by libvirt and moved (no effect QEMU can report: see the comment)"

# A storage copy with synchronous writes (managed direct, all over UNIX
# sockets). QEMU 7.2 reports no mirror's copy mode, so what libvirt sent it
# is read from the source daemon's monitor log (virt-admin, for this copy).
eval "$("$tool" slow-request-cli sync1 16 64)"
touch "$dir/src-monitor.log"
[ "$(id -u)" -eq 0 ] && chown "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$dir/src-monitor.log"
admin src daemon-log-filters "1:qemu.qemu_monitor"
admin src daemon-log-outputs "1:file:$dir/src-monitor.log 3:stderr"
set +e
"$cli" -q -c "$src" --live --copy-storage-all --copy-storage-synchronous-writes --xml "$VM_DEST_XML" \
	--migrateuri "unix://$dir/sync1.mig" --disks-uri "unix://$dir/sync1-nbd.sock" sync1 "$dst" \
	> "$dir/sync1.out" 2>&1; rc=$?
set -e
admin src daemon-log-outputs "3:stderr"
admin src daemon-log-filters ""
[ $rc -eq 0 ] || { show "$dir/sync1.out"; fail "synchronous writes"; }
moved sync1 || fail "sync1 did not move"
grep -q '"execute":"blockdev-mirror".*"copy-mode":"write-blocking"' "$dir/src-monitor.log" ||
	{ grep -o '"execute":"blockdev-mirror"[^}]*' "$dir/src-monitor.log" | sed "s/^/# /" || true; fail "sync1: QEMU's mirror was not write-blocking"; }
ok "--copy-storage-all --copy-storage-synchronous-writes: moved; QEMU's disk mirror ran write-blocking"

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
"$tool" dirty-guest tls1 64 24 4
"$tool" guest tls2
sleep 3 # the dirtying guest boots
HOLD=1 during tls1 --tls --bandwidth 16 || { show "$dir/tls1.out"; fail "--tls"; }
moved tls1 && qemu_has tls1 tls-creds=objlibvirt_migrate_tls0 || fail "tls1: QEMU's stream was not TLS"
ok "--tls over tcp://127.0.0.1: moved; QEMU's stream had libvirt's TLS credentials"

eval "$("$tool" slow-request-cli tlsdisk 16 64)"
# The destination's NBD server must have had the TLS credentials: from its
# daemon's monitor log.
touch "$dir/dst-monitor.log"
[ "$(id -u)" -eq 0 ] && chown "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$dir/dst-monitor.log"
admin dst daemon-log-filters "1:qemu.qemu_monitor"
admin dst daemon-log-outputs "1:file:$dir/dst-monitor.log 3:stderr"
set +e
"$cli" -q -c "$src" --live --p2p --tls --copy-storage-all --xml "$VM_DEST_XML" \
	--disks-uri "tcp://127.0.0.1:$(free_port)" tlsdisk "$dst" "tcp://127.0.0.1:$(free_port)" \
	> "$dir/tlsdisk.out" 2>&1; rc=$?
set -e
admin dst daemon-log-outputs "3:stderr"
admin dst daemon-log-filters ""
[ $rc -eq 0 ] || { show "$dir/tlsdisk.out"; fail "--tls with a storage copy"; }
moved tlsdisk && has_flags tlsdisk tls storage=copy-all || fail "tlsdisk"
grep -q '"execute":"nbd-server-start".*"tls-creds":"objlibvirt_migrate_tls0"' "$dir/dst-monitor.log" ||
	{ grep -o '"execute":"nbd-server-start"[^}]*' "$dir/dst-monitor.log" | sed "s/^/# /" || true; fail "tlsdisk: the NBD server had no TLS"; }
# (Its disk is compared with the source's when the test bed stops.)
ok "--tls with --copy-storage-all (NBD over TLS on tcp://127.0.0.1): moved"

# A certificate that does not match: the server's is for 127.0.0.1 and
# localhost, the client checks it against another name. The pre-flight
# reads it (the destination is this machine) and refuses up front (exit 2,
# naming the names it holds); forced, libvirt's own failure.
set +e
migrate tls2 --tls --tls-destination wrong.example; rc=$?
set -e
show "$dir/tls2.out"
[ $rc -eq 2 ] && grep -q "against 'wrong.example' (--tls-destination), and it holds 127.0.0.1, localhost only" "$dir/tls2.out" ||
  fail "a mismatched certificate: not refused up front (exit $rc)"
set +e
migrate tls2 --force --tls --tls-destination wrong.example; rc=$?
set -e
show "$dir/tls2.out"
# libvirt reports whichever side noticed first: the source QEMU's TLS
# error, or the destination QEMU quitting when the handshake failed ("qemu
# unexpectedly closed the monitor"); then a QEMU log names the certificate.
qemu_logs() { cat "$VIRT_MIGRATE_TESTBED_DIR"/{src,dst}/cache/libvirt/qemu/log/tls2.log 2>/dev/null || true; }
[ $rc -eq 1 ] || fail "a mismatched certificate: exit $rc"
# Only the certificate's own error counts: any other failure mentioning
# TLS would pass a looser test.
cert_error="Certificate does not match the hostname wrong.example"
if ! grep -q "$cert_error" "$dir/tls2.out"; then
	grep -q "qemu unexpectedly closed the monitor" "$dir/tls2.out" && grep -q "$cert_error" <(qemu_logs) ||
		{ qemu_logs | tail -5 | sed 's/^/# /'; fail "a mismatched certificate: not the certificate's error"; }
fi
[ "$("$tool" state src tls2)" = running ] && [ "$("$tool" state dst tls2)" = absent ] || fail "tls2 is not on the source"
ok "--tls with a certificate that does not match (--tls-destination wrong.example): refused up front (exit 2) by the pre-flight, which read the certificate; forced, libvirt's error, exit 1, the guest running on the source"

# Cannot run here: libvirt's own errors reach the caller, the guests stay.
"$tool" guest zc1
set +e
"$cli" -q -c "$src" --live --p2p --parallel --zerocopy zc1 "$dst" "tcp://127.0.0.1:$(free_port)" > "$dir/zc1-checked.out" 2>&1; zrc0=$?
migrate zc1 --force --parallel --zerocopy; zrc=$?
"$cli" -q -c "$src" --live --p2p --rdma-pin-all zc1 "$dst" "rdma://127.0.0.1:$(free_port)" > "$dir/rdma.out" 2>&1; rrc=$?
set -e
show "$dir/zc1-checked.out" "$dir/zc1.out" "$dir/rdma.out"
[ $zrc0 -eq 2 ] && grep -q "Pre-flight check: Zero-copy: libvirt must let the guest's QEMU lock all its memory" "$dir/zc1-checked.out" ||
  fail "zerocopy where the QEMU may not lock the guest's memory: exit $zrc0, not refused up front"
[ $zrc -eq 1 ] && grep -q "locked memory" "$dir/zc1.out" || fail "zerocopy, forced: exit $zrc"
[ $rrc -eq 1 ] && grep -q "RDMA" "$dir/rdma.out" || fail "rdma-pin-all: exit $rrc"
[ "$("$tool" state src zc1)" = running ] || fail "zc1 is not running on the source"
ok "--zerocopy (refused up front: the QEMU may not lock the guest's memory; forced) and --rdma-pin-all: libvirt's own errors (locked memory; RDMA), exit 1, the guest running on the source"

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
