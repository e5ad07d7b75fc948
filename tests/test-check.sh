#!/bin/bash
# Pre-flight checks for real (inside the test bed): virt-migrate check
# against the destination and an unreachable one; a guest of the same name
# on the destination (named by check, refused by a migration with exit 2,
# the guest running on); a storage copy without an image on the
# destination (a blocker), then with a storage pool there covering the
# directory (ok, and libvirt creates the image); --dry-run shows the checks.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
export XDG_STATE_HOME=$dir/check-state
. "$(dirname "$0")/tap.sh"

# refusal TAG ARGS... GUEST: the guest's check to $dst (its exit in $rc1, its
# output in $dir/checkTAG.out), its migration (refused up front: $rc2,
# migrateTAG.out) and the migration forced ($rc3, migrateTAGf.out).
refusal() {
	local tag=$1
	shift
	"$cli" -c "$src" check "$@" "$dst" > "$dir/check$tag.out" 2>&1 && rc1=0 || rc1=$?
	"$cli" -c "$src" "$@" "$dst" > "$dir/migrate$tag.out" 2>&1 && rc2=0 || rc2=$?
	"$cli" -c "$src" --force "$@" "$dst" > "$dir/migrate${tag}f.out" 2>&1 && rc3=0 || rc3=$?
}

echo "1..30"

# listening PORT: returns once something listens on TCP PORT (5 s at most).
listening() { for _ in $(seq 1 50); do [ -n "$(ss -Hltn "sport = :$1")" ] && return; sleep 0.1; done; }

"$tool" guest chk
unreachable="qemu+unix:///session?socket=$dir/nobody-listens.sock"

# 1. One verdict per destination: ok here; unreachable there, with libvirt's reason.
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" chk "$dst" "$unreachable" > "$dir/check1.out" 2>&1; rc=$?
set -e
show "$dir/check1.out"
[ $rc -eq 1 ] || fail "check with an unreachable destination exited $rc, expected 1"
grep -qF "$dst: can take the guest" "$dir/check1.out" || fail "no ok verdict for the test bed's destination"
grep -qF "$unreachable: cannot take the guest" "$dir/check1.out" || fail "no verdict for the unreachable one"
grep -Eq "blocker +reachable +Cannot connect to .*nobody-listens.sock.*(No such file|Failed to connect)" "$dir/check1.out" ||
  fail "the unreachable verdict does not give libvirt's reason"
grep -Eq "ok +other-host +.* is another host" "$dir/check1.out" || fail "no other-host check"
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" chk "$dst" > /dev/null || fail "check against the test bed's destination alone did not exit 0"
"$cli" -c "$src" check --json --live --migrateuri "unix://$dir/chk.mig" chk "$dst" | /usr/bin/python3 -c '
import json, sys
(v,) = json.load(sys.stdin)
names = {c["check"] for c in v["checks"]}
assert v["result"] in ("ok", "warning") and {"reachable", "other-host", "name", "machine", "memory"} <= names, v
' || fail "check --json"
ok "check: one verdict per destination, the unreachable one with libvirt's reason, exit 1"

# 1c. A check runs the migration's own validation: it never says yes to a
# request the migration refuses, and names the option to add.
set +e
"$cli" -c "$src" check --live --copy-storage-all --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/check1d.out" 2>&1; rc2=$?
"$cli" -c "$src" --live --copy-storage-all --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/migrate1d.out" 2>&1; rc3=$?
set -e
show "$dir/check1d.out"
[ $rc2 -eq 2 ] && grep -q -- "needs --disks-uri too" "$dir/check1d.out" && ! grep -q "can take the guest" "$dir/check1d.out" ||
  fail "check of a storage copy over UNIX without --disks-uri: exit $rc2"
[ $rc3 -eq 2 ] && grep -q -- "needs --disks-uri too" "$dir/migrate1d.out" || fail "the migration: exit $rc3"
[ "$("$tool" state src chk)" = running ] || fail "chk does not run on the source"
ok "check runs the migration's validation: a storage copy over a unix:// migrate URI without --disks-uri is refused (exit 2) naming the option, as the migration is"

# 1b. Peer-to-peer to a destination this client cannot reach: only the
# source's libvirtd must reach it, so nothing is known either way: never
# "can take the guest"; the checks not run are listed; exit 1. A migration
# is refused on it (exit 2) unless forced, then libvirt's own error.
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --p2p chk "$unreachable" > "$dir/check1b.out" 2>&1; rc=$?
"$cli" -c "$src" --live --p2p chk "$unreachable" "tcp://127.0.0.1:$(free_port)" > "$dir/migrate1b.out" 2>&1; mrc=$?
"$cli" -c "$src" --live --p2p --force chk "$unreachable" "tcp://127.0.0.1:$(free_port)" > "$dir/migrate1bf.out" 2>&1; frc=$?
set -e
show "$dir/check1b.out" "$dir/migrate1b.out" "$dir/migrate1bf.out"
[ $rc -eq 1 ] || fail "check --p2p of an unreachable destination exited $rc, expected 1"
! grep -q "can take the guest$\|: can take the guest" "$dir/check1b.out" || fail "an unreachable destination 'can take the guest'"
grep -qF "$unreachable: cannot tell whether it can take the guest" "$dir/check1b.out" || fail "no unknown verdict"
grep -Eq "unknown +reachable +Cannot connect to .* from here \(peer-to-peer" "$dir/check1b.out" &&
	grep -Eq "unknown +name +Not run: the destination cannot be reached from here" "$dir/check1b.out" ||
	fail "the checks not run are not listed"
[ $mrc -eq 2 ] && grep -q "Pre-flight check could not run: Cannot connect to" "$dir/migrate1b.out" ||
	fail "a peer-to-peer migration on an unknown verdict: exit $mrc, expected 2"
[ $frc -eq 1 ] && ! grep -q "Pre-flight" "$dir/migrate1bf.out" || fail "--force: exit $frc, expected libvirt's own error"
[ "$("$tool" state src chk)" = running ] || fail "chk is not running on the source"
ok "check --p2p of an unreachable destination: unknown, the checks not run listed, exit 1; migrating is refused (exit 2) unless --force"

# 2. A different guest of the same name on the destination.
uuid=$(virsh -q -c "$src" domuuid chk)
virsh -q -c "$src" dumpxml chk | sed "s|<uuid>$uuid</uuid>|<uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>|" > "$dir/chk-other.xml"
virsh -q -c "$dst" define "$dir/chk-other.xml" > /dev/null
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/check2.out" 2>&1; rc=$?
set -e
show "$dir/check2.out"
[ $rc -eq 1 ] && grep -Eq "blocker +name +A different guest of the same name \(UUID [0-9a-f-]+, defined, not running\)" "$dir/check2.out" ||
  fail "check does not name the conflicting guest"
ok "check names a guest of the same name on the destination"

set +e
"$cli" -c "$src" --live --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/migrate2.out" 2>&1; rc=$?
set -e
show "$dir/migrate2.out"
[ $rc -eq 2 ] || fail "migrating onto a name conflict exited $rc, expected 2"
grep -q "Pre-flight check: A different guest of the same name" "$dir/migrate2.out" || fail "no pre-flight message"
[ "$("$tool" state src chk)" = running ] || fail "the guest is not running on the source"
"$cli" history chk --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)[-1]
assert r["Outcome"] == "refused" and "Pre-flight" in r["Error"], r' || fail "the refusal is not in the history as refused"
"$cli" history chk | grep -E "^[0-9-]+ [0-9:]+ +chk +refused .* - +" > /dev/null ||
  { "$cli" history chk; fail "the refusal is not shown as refused with nothing moved"; }
set +e
"$cli" -c "$src" --live --force --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/migrate2f.out" 2>&1; rc=$?
set -e
show "$dir/migrate2f.out"
[ $rc -eq 1 ] && grep -q "already exists" "$dir/migrate2f.out" && [ "$("$tool" state src chk)" = running ] ||
  fail "--force: not libvirt's own refusal (exit $rc)"
ok "migrating onto it refuses with exit 2 before libvirt is asked; the guest runs on; the history says why; --force lets libvirt fail it itself"
virsh -q -c "$dst" undefine chk > /dev/null

# 3. A storage copy with no image on the destination: a blocker; with a
# pool there covering the directory, ok, and libvirt creates the image.
eval "$("$tool" slow-request-cli chkdisk 16 64)"
destxml=$VM_DEST_XML
dest_image=$(sed -n "s|.*<source file='\([^']*\)'.*|\1|p" "$destxml" | head -1)
rm -f "$dest_image"
mkdir -p "$dir/chkpool"
sed -i "s|$(dirname "$dest_image")/|$dir/chkpool/|" "$destxml"
dest_image=$dir/chkpool/$(basename "$dest_image")
[ "$(id -u)" -eq 0 ] && chown "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$dir/chkpool"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --xml "$destxml" chkdisk "$dst" > "$dir/check3.out" 2>&1; rc=$?
set -e
show "$dir/check3.out"
[ $rc -eq 1 ] && grep -Eq "blocker +disk +vda: nothing at .*chkpool.* and no storage pool there covers its directory" "$dir/check3.out" ||
  fail "no blocker for the missing image"
virsh -q -c "$dst" pool-create-as chkpool dir --target "$dir/chkpool" > /dev/null
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --xml "$destxml" chkdisk "$dst" > "$dir/check4.out" 2>&1 ||
  { show "$dir/check4.out"; fail "check with a pool covering the directory"; }
grep -Eq "ok +disk +vda: copied to .*created in the destination's storage pool chkpool" "$dir/check4.out" ||
  { show "$dir/check4.out"; fail "the pool is not named"; }
grep -Eq "ok +devices +The destination offers the guest's disk bus virtio" "$dir/check4.out" ||
  { show "$dir/check4.out"; fail "the guest's devices are not checked against the domain capabilities"; }
ok "a storage copy without an image there is a blocker; a pool covering the directory makes it ok"

# 4. --dry-run shows the checks.
"$cli" -c "$src" --dry-run --live --migrateuri "unix://$dir/chk.mig" chk "$dst" > "$dir/dry.out"
show "$dir/dry.out"
grep -q "^Checks: .*can take the guest" "$dir/dry.out" && grep -Eq "ok +name +No other guest of that name" "$dir/dry.out" ||
  fail "the plan shows no checks"
ok "--dry-run shows the pre-flight checks"

# 5. --disk-map instead of a hand-written XML: no image on the
# destination, no pool: the check says virt-migrate makes it, the plan
# shows the mapped XML, and the guest runs there from the mapped path.
# Mapped to a directory the destination lacks: a blocker (exit 1; check
# said ok before, and the migration failed making a pool there), refused
# up front (exit 2).
owner=$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID
eval "$("$tool" slow-request-cli mapd 16 64)"
src_image=$(virsh -q -c "$src" domblklist mapd | awk '$1 == "vda" { print $2 }')
mkdir -p "$dir/mapped" "$dir/mapped2"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/mapped" "$dir/mapped2"
map="$(dirname "$src_image")=$dir/mapped"
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$map" mapd "$dst" > "$dir/check5.out" 2>&1 ||
  { show "$dir/check5.out"; fail "check with --disk-map"; }
grep -Eq "ok +disk +vda: copied to $dir/mapped/.*\(disk-map\), created there" "$dir/check5.out" ||
  { show "$dir/check5.out"; fail "check does not say the image will be made"; }
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$(dirname "$src_image")=$dir/nowhere" mapd "$dst" > "$dir/check5n.out" 2>&1; rc1=$?
"$cli" -c "$src" --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" --disks-uri "unix://$dir/mapd-nbd.sock" --disk-map "$(dirname "$src_image")=$dir/nowhere" mapd "$dst" > "$dir/map5n.out" 2>&1; rc2=$?
set -e
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: copied to $dir/nowhere/.*\(disk-map\), whose directory is not on the destination" "$dir/check5n.out" ||
  { show "$dir/check5n.out"; fail "check of a disk mapped to a directory the destination lacks: exit $rc1"; }
[ $rc2 -eq 2 ] || { show "$dir/map5n.out"; fail "the migration to a missing directory exited $rc2, expected 2"; }

# 5w. Mapped to a directory the destination's libvirtd may not write in
# (0555; root's when the test runs as root): a blocker naming that daemon
# and its user (check said ok before 7 Dec, and the migration failed
# making the image, "Permission denied"), refused up front; forced,
# libvirt's own error. Mapped through a link onto the source's own
# directory (both hosts are this machine): the copy would write the image
# onto itself, a blocker; forced, QEMU refuses ("Block node is read-only").
# Into an image there of the disk's size that its libvirtd's user may not
# write (0444): a blocker; forced, QEMU opens it read-only and refuses.
# The guest runs on the source throughout.
mkdir -p "$dir/shut"
chmod 0555 "$dir/shut"
ln -sfn "$(dirname "$src_image")" "$dir/srclink"
# Its user is read from /proc, without a connection to its socket (one
# closed unannounced is an error in its log, a pair a check at first).
eofs=$(grep -c "End of file while reading data" "$dir/dst/libvirtd.log" || true)
"$cli" -c "$src" check --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" --disks-uri "unix://$dir/mapd-nbd.sock" \
  --disk-map "$(dirname "$src_image")=$dir/shut" mapd "$dst" > /dev/null 2>&1 || true
[ "$(grep -c "End of file while reading data" "$dir/dst/libvirtd.log" || true)" = "$eofs" ] ||
  { tail -5 "$dir/dst/libvirtd.log"; fail "looking at the destination's libvirtd left errors in its log"; }
set +e
refusal 5w --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" --disks-uri "unix://$dir/mapd-nbd.sock" \
  --disk-map "$(dirname "$src_image")=$dir/shut" mapd
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: copied to $dir/shut/.*\(disk-map\), in a directory that the destination's libvirtd \(pid [0-9]+, user [^)]+\) may not write in" "$dir/check5w.out" ||
  { show "$dir/check5w.out"; fail "check of a disk mapped to a directory its libvirtd may not write in: exit $rc1"; }
[ $rc2 -eq 2 ] || { show "$dir/migrate5w.out"; fail "the migration to an unwritable directory exited $rc2, expected 2"; }
[ $rc3 -ne 0 ] && grep -q "Permission denied" "$dir/migrate5wf.out" ||
  { show "$dir/migrate5wf.out"; fail "forced into an unwritable directory: exit $rc3, not libvirt's refusal"; }
refusal 5l --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" --disks-uri "unix://$dir/mapd-nbd.sock" \
  --disk-map "$(dirname "$src_image")=$dir/srclink" mapd
set -e
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/srclink/.*, which on this machine is the very image it runs from, $src_image: the copy would write the image onto itself" "$dir/check5l.out" ||
  { show "$dir/check5l.out"; fail "check of a copy onto the source's own image (through a link): exit $rc1"; }
[ $rc2 -eq 2 ] || { show "$dir/migrate5l.out"; fail "the copy onto the source's own image exited $rc2, expected 2"; }
[ $rc3 -ne 0 ] && grep -q "Block node is read-only" "$dir/migrate5lf.out" ||
  { show "$dir/migrate5lf.out"; fail "forced onto the source's own image: exit $rc3, not QEMU's refusal"; }
[ -z "$(ls -A "$dir/shut")" ] || fail "something was left in the unwritable directory"
# A disk named for the copy that the guest lacks (--migrate-disks vdz):
# a blocker in libvirt's words, refused up front. Offline, with its image
# missing at the mapped path: only the definition moves, so a warning (a
# blocker before 7 Dec, where libvirt moves it), and it moves.
set +e
"$cli" -c "$src" check --live --copy-storage-all --migrate-disks vdz --migrateuri "unix://$dir/mapd.mig" \
  --disks-uri "unix://$dir/mapd-nbd.sock" --disk-map "$(dirname "$src_image")=$dir/mapped" mapd "$dst" > "$dir/check5d.out" 2>&1; rc1=$?
"$cli" -c "$src" --live --copy-storage-all --migrate-disks vdz --migrateuri "unix://$dir/mapd.mig" \
  --disks-uri "unix://$dir/mapd-nbd.sock" --disk-map "$(dirname "$src_image")=$dir/mapped" mapd "$dst" > "$dir/migrate5d.out" 2>&1; rc2=$?
"$cli" -c "$src" check --offline --persistent --disk-map "$(dirname "$src_image")=$dir/nowhere" mapd "$dst" > "$dir/check5o.out" 2>&1; rc3=$?
"$cli" -c "$src" -q --offline --persistent --disk-map "$(dirname "$src_image")=$dir/nowhere" mapd "$dst" > "$dir/migrate5o.out" 2>&1; rc4=$?
set -e
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +--migrate-disks names vdz, which is not a disk of the guest \(its disks: vda\): libvirt refuses the migration \(\"disk target vdz not found\"\)" "$dir/check5d.out" ||
  { show "$dir/check5d.out"; fail "check of --migrate-disks naming a disk the guest lacks: exit $rc1"; }
[ $rc2 -eq 2 ] || { show "$dir/migrate5d.out"; fail "--migrate-disks naming a disk the guest lacks exited $rc2, expected 2"; }
[ $rc3 -eq 0 ] && grep -Eq "warning +disk +vda: $dir/nowhere/.* is missing on the destination: the definition moves" "$dir/check5o.out" ||
  { show "$dir/check5o.out"; fail "offline check with the image missing there: exit $rc3"; }
[ $rc4 -eq 0 ] && [ "$("$tool" state dst mapd)" = shutoff ] ||
  { show "$dir/migrate5o.out"; fail "the offline migration with the image missing there: exit $rc4, $("$tool" state dst mapd) there"; }
virsh -q -c "$dst" undefine mapd > /dev/null
size=$(qemu-img info -U --output=json "$src_image" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
mkdir -p "$dir/roimg"
qemu-img create -q -f qcow2 "$dir/roimg/$(basename "$src_image")" "$size"
chmod 0444 "$dir/roimg/$(basename "$src_image")"
set +e
refusal 5r --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" --disks-uri "unix://$dir/mapd-nbd.sock" \
  --disk-map "$(dirname "$src_image")=$dir/roimg" mapd
set -e
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/roimg/.*, which exists on the destination, where its libvirtd \(pid [0-9]+, user [^)]+\) may not read and write it" "$dir/check5r.out" ||
  { show "$dir/check5r.out"; fail "check of a copy into an image there its libvirtd may not write: exit $rc1"; }
[ $rc2 -eq 2 ] || { show "$dir/migrate5r.out"; fail "the copy into an image its libvirtd may not write exited $rc2, expected 2"; }
[ $rc3 -ne 0 ] && grep -q "Block node is read-only" "$dir/migrate5rf.out" ||
  { show "$dir/migrate5rf.out"; fail "forced into an image its libvirtd may not write: exit $rc3, not QEMU's refusal"; }
[ "$("$tool" state src mapd)" = running ] && [ "$("$tool" state dst mapd)" = absent ] ||
  fail "mapd does not run on the source only after the refused copies"
ok "5w. a copy into a directory the destination's libvirtd may not write in, into an image there it may not write, onto the source's own image, and of a disk the guest lacks: blockers, refused; forced, libvirt's and QEMU's own refusals, the guest running on; offline with the image missing there, a warning, and the definition moves"
"$cli" -c "$src" --dry-run --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" \
  --disks-uri "unix://$dir/mapd-nbd.sock" --disk-map "$map" mapd "$dst" > "$dir/dry5.out"
grep -q "^Destination XML (disk-map, network-map):" "$dir/dry5.out" &&
  grep -q "<source file='$dir/mapped/$(basename "$src_image")'" "$dir/dry5.out" ||
  { show "$dir/dry5.out"; fail "the plan does not show the mapped XML"; }
"$cli" -c "$src" -q --live --copy-storage-all --migrateuri "unix://$dir/mapd.mig" \
  --disks-uri "unix://$dir/mapd-nbd.sock" --disk-map "$map" mapd "$dst" > "$dir/map5.out" 2>&1 ||
  { show "$dir/map5.out"; fail "the --disk-map migration failed"; }
[ "$("$tool" state dst mapd)" = running ] && [ "$("$tool" state src mapd)" = absent ] ||
  fail "mapd is not running on the destination only"
virsh -q -c "$dst" domblklist mapd | grep "$dir/mapped/$(basename "$src_image")" >/dev/null ||
  fail "the guest does not run from the mapped path"
[ -s "$dir/mapped/$(basename "$src_image")" ] || fail "no image at the mapped path"
ok "--disk-map: the image made on the destination, the guest running there from the mapped path"

# 6. Cancelled half-way: the image made for it is gone again.
eval "$("$tool" slow-request-cli mapc 64 4)"
src_image=$(virsh -q -c "$src" domblklist mapc | awk '$1 == "vda" { print $2 }')
"$cli" -c "$src" --live --copy-storage-all --bandwidth 4 --migrateuri "unix://$dir/mapc.mig" \
  --disks-uri "unix://$dir/mapc-nbd.sock" --disk-map "$(dirname "$src_image")=$dir/mapped2" mapc "$dst" \
  > "$dir/map6.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "MiB/s" "$dir/map6.out" && break; sleep 0.2; done
[ -e "$dir/mapped2/$(basename "$src_image")" ] || { show "$dir/map6.out"; fail "no image made for the copy"; }
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
show "$dir/map6.out"
[ $rc -eq 130 ] || fail "cancel: exit $rc"
[ "$("$tool" state src mapc)" = running ] || fail "cancel: the guest is not running on the source"
[ ! -e "$dir/mapped2/$(basename "$src_image")" ] || fail "cancel: the image made for the copy is still there"
ok "a cancelled --disk-map copy leaves no image behind, the guest running on the source"

# 6b. Copied onto another guest's disk: a guest defined on the destination
# (not running) whose disk is the image at the mapped path. The image is
# there, so libvirt copies into it and the other guest's data is gone
# (tried: it did, and check said ok); check names the guest (exit 1), the
# migration refuses before anything moves (exit 2), its image unchanged.
eval "$("$tool" slow-request-cli ovw 16 64)"
src_image=$(virsh -q -c "$src" domblklist ovw | awk '$1 == "vda" { print $2 }')
mkdir -p "$dir/others"
qemu-img create -q -f qcow2 "$dir/others/$(basename "$src_image")" 16M
[ "$(id -u)" -eq 0 ] && chown -R "$owner" "$dir/others"
domain_xml other "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$dir/others/$(basename "$src_image")'/><target dev='vda' bus='virtio'/></disk>" > "$dir/other.xml"
virsh -q -c "$dst" define "$dir/other.xml" > /dev/null
before=$(sha256sum < "$dir/others/$(basename "$src_image")")
omap="$(dirname "$src_image")=$dir/others"
set +e
"$cli" -c "$src" check --live --copy-storage-all --migrateuri "unix://$dir/ovw.mig" --disks-uri "unix://$dir/ovw-nbd.sock" \
  --disk-map "$omap" ovw "$dst" > "$dir/check6b.out" 2>&1; rc1=$?
"$cli" -c "$src" --live --copy-storage-all --migrateuri "unix://$dir/ovw.mig" --disks-uri "unix://$dir/ovw-nbd.sock" \
  --disk-map "$omap" ovw "$dst" > "$dir/migrate6b.out" 2>&1; rc2=$?
set -e
show "$dir/check6b.out"; show "$dir/migrate6b.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/others/.*, which is the disk of the guest other \(not running\) on the destination: the copy would overwrite it" "$dir/check6b.out" ||
  fail "check does not name the guest whose disk the copy would overwrite (exit $rc1)"
[ $rc2 -eq 2 ] && grep -q "the disk of the guest other" "$dir/migrate6b.out" || fail "the migration was not refused (exit $rc2)"
[ "$(sha256sum < "$dir/others/$(basename "$src_image")")" = "$before" ] || fail "the other guest's image changed"
[ "$("$tool" state src ovw)" = running ] && [ "$("$tool" state dst ovw)" = absent ] || fail "ovw moved"
virsh -q -c "$dst" undefine other > /dev/null
ok "a copy onto the disk of another guest of the destination: check names it (exit 1), the migration is refused (exit 2), its image untouched"

# 6c. A disk left uncopied on the source's local file system (the test
# bed's directory: not NFS, CephFS…): libvirt refuses such a migration as
# unsafe, and check said ok ("visible on the destination (shared)"). Now
# a blocker (exit 1) in libvirt's words; the migration is refused before
# libvirt is asked (exit 2); forced, libvirt refuses it itself; with
# --unsafe a warning, and libvirt lets it go.
eval "$("$tool" slow-request-cli loc 8 64)"
set +e
refusal 6c --live --migrateuri "unix://$dir/loc.mig" loc
"$cli" -c "$src" check --live --unsafe --migrateuri "unix://$dir/loc.mig" loc "$dst" > "$dir/check6cu.out" 2>&1; rc4=$?
set -e
show "$dir/check6c.out" "$dir/migrate6c.out" "$dir/migrate6cf.out" "$dir/check6cu.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: .* is not copied and is on a file system of the source that libvirt counts as local .*libvirt refuses the migration" "$dir/check6c.out" ||
  fail "check of an uncopied disk on a local file system: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "that libvirt counts as local" "$dir/migrate6c.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "Migration without shared storage is unsafe" "$dir/migrate6cf.out" ||
  fail "forced: not libvirt's own refusal (exit $rc3)"
[ $rc4 -eq 0 ] && grep -Eq "warning +disk +vda: .*accepted with --unsafe" "$dir/check6cu.out" || fail "check --unsafe: exit $rc4"
[ "$("$tool" state src loc)" = running ] && [ "$("$tool" state dst loc)" = absent ] || fail "loc moved"
"$cli" -c "$src" --live --unsafe --migrateuri "unix://$dir/loc.mig" loc "$dst" > "$dir/migrate6cu.out" 2>&1 ||
  { show "$dir/migrate6cu.out"; fail "--unsafe: libvirt did not let it go"; }
[ "$("$tool" state dst loc)" = running ] || fail "loc does not run on the destination after --unsafe"
"$tool" destroy dst loc
# A shareable disk is never copied but is written: the same rule (check
# said ok for it still, and libvirt refused).
truncate -s 16M "$dir/sh.raw"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/sh.raw"
domain_xml sh "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file='$dir/sh.raw'/><target dev='vdb' bus='virtio'/><shareable/></disk>" > "$dir/sh.xml"
virsh -q -c "$src" create "$dir/sh.xml" > /dev/null
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/sh.mig" sh "$dst" > "$dir/check6cs.out" 2>&1; rc1=$?
"$cli" -c "$src" --live --force --migrateuri "unix://$dir/sh.mig" sh "$dst" > "$dir/migrate6cs.out" 2>&1; rc3=$?
set -e
show "$dir/check6cs.out" "$dir/migrate6cs.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vdb: .* that libvirt counts as local" "$dir/check6cs.out" ||
  fail "check of a shareable disk on a local file system: exit $rc1"
[ $rc3 -eq 1 ] && grep -q "Migration without shared storage is unsafe" "$dir/migrate6cs.out" ||
  fail "forced: not libvirt's own refusal for the shareable disk (exit $rc3)"
ok "a disk left uncopied on the source's local file system (also a shareable one): check says libvirt refuses it (exit 1), the migration is refused up front (exit 2), libvirt's own refusal when forced; --unsafe a warning, and it moves"

# 6d. A guest with a snapshot: libvirt refuses to migrate it ("cannot
# migrate domain with 1 snapshots") and check said it could go. Now a
# blocker (exit 1), the migration refused up front (exit 2), libvirt's
# own refusal when forced; once the snapshot's metadata is gone, ok.
eval "$("$tool" slow-request-cli snap 8 64)"
virsh -q -c "$src" snapshot-create-as snap s1 > /dev/null # internal: the guest's state in its qcow2
snapcopy=(--live --copy-storage-all --xml "$VM_DEST_XML" --migrateuri "unix://$dir/snap.mig" --disks-uri "unix://$dir/snap-nbd.sock")
set +e
refusal 6d "${snapcopy[@]}" snap
set -e
show "$dir/check6d.out" "$dir/migrate6d.out" "$dir/migrate6df.out"
[ $rc1 -eq 1 ] && grep -Eq 'blocker +snapshots +The guest has 1 snapshot: libvirt refuses to migrate it \("cannot migrate domain with 1 snapshots"\)' "$dir/check6d.out" ||
  fail "check of a guest with a snapshot: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "The guest has 1 snapshot" "$dir/migrate6d.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "cannot migrate domain with 1 snapshots" "$dir/migrate6df.out" || fail "forced: not libvirt's own refusal (exit $rc3)"
virsh -q -c "$src" snapshot-delete --metadata snap s1 > /dev/null
"$cli" -c "$src" check "${snapcopy[@]}" snap "$dst" > "$dir/check6d2.out" 2>&1 ||
  { show "$dir/check6d2.out"; fail "check after the snapshot's metadata went"; }
grep -Eq "ok +snapshots +The guest has no snapshots" "$dir/check6d2.out" || fail "no snapshots check"
[ "$("$tool" state src snap)" = running ] || fail "snap does not run on the source"
ok "a guest with a snapshot: check names libvirt's refusal (exit 1), the migration is refused up front (exit 2), libvirt's own refusal when forced; without it ok"

# 6e. A transient disk (<transient/>: its writes in an overlay dropped at
# shutdown): libvirt refuses to migrate the guest ("migration with
# transient disk is not supported"); check said it could go (with
# --unsafe for the test bed's local file system). A blocker now (exit 1),
# the migration refused up front (exit 2), libvirt's own refusal forced.
qemu-img create -q -f qcow2 "$dir/tr.qcow2" 16M
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/tr.qcow2"
domain_xml tr "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$dir/tr.qcow2'/><target dev='vda' bus='virtio'/><transient/></disk>" > "$dir/tr.xml"
virsh -q -c "$src" create "$dir/tr.xml" > /dev/null
set +e
refusal 6e --live --unsafe --migrateuri "unix://$dir/tr.mig" tr
set -e
show "$dir/check6e.out" "$dir/migrate6e.out" "$dir/migrate6ef.out"
[ $rc1 -eq 1 ] && grep -Eq 'blocker +disk +vda: a transient disk .*: libvirt refuses to migrate it \("migration with transient disk is not supported"\)' "$dir/check6e.out" ||
  fail "check of a guest with a transient disk: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "vda: a transient disk" "$dir/migrate6e.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "migration with transient disk is not supported" "$dir/migrate6ef.out" ||
  fail "forced: not libvirt's own refusal (exit $rc3)"
[ "$("$tool" state src tr)" = running ] || fail "tr does not run on the source"
ok "a transient disk: check names libvirt's refusal (exit 1), the migration is refused up front (exit 2), libvirt's own refusal when forced"

# 6f. A guest libvirt is busy with: another client's migration of it
# (check said ok after 30 s, the time the destination's disk statistics
# waited for that migration's job; migrating said "already runs on the
# destination", a minute later), then a block copy ("domain has active
# block job"). A blocker naming the job, at once; the migration refused
# up front (exit 2); forced, libvirt's own refusal; ok once it ended.
# A guest that keeps rewriting 48 MiB at 2 MiB/s: over 1 MiB/s its
# migration never ends by itself (a storage copy ended too soon, once).
"$tool" dirty-guest busy 128 48 2 16
busyargs=(--live --unsafe --migrateuri "unix://$dir/busy.mig")
# Its check as a storage copy too: the destination's disk users are asked.
busycopy=(--live --copy-storage-all --disk-map "$dir=$dir/busy-map" --migrateuri "unix://$dir/busy.mig"
  --disks-uri "unix://$dir/busy-nbd.sock")
virsh -q -c "$src" migrate --live --unsafe --migrateuri "unix://$dir/busy-v.mig" --bandwidth 1 busy "$dst" \
  > "$dir/busy-virsh.out" 2>&1 &
virsh_pid=$!
for _ in $(seq 1 300); do virsh -q -c "$src" domjobinfo busy 2>/dev/null | grep -q "Outgoing migration" && break; sleep 0.1; done
virsh -q -c "$src" domjobinfo busy > "$dir/busy-job.out" 2>&1
grep -q "Outgoing migration" "$dir/busy-job.out" ||
  { kill -0 $virsh_pid 2>/dev/null && echo "# virsh runs on" >&2; show "$dir/busy-virsh.out" "$dir/busy-job.out"
    fail "virsh's migration of busy did not start"; }
set +e
start=$SECONDS
"$cli" -c "$src" check "${busycopy[@]}" busy "$dst" > "$dir/check6f.out" 2>&1; rc1=$?
took=$((SECONDS - start))
start=$SECONDS
"$cli" -c "$src" "${busyargs[@]}" busy "$dst" > "$dir/migrate6f.out" 2>&1; rc2=$?
mtook=$((SECONDS - start))
set -e
virsh -q -c "$src" domjobabort busy > /dev/null 2>&1 || true
wait $virsh_pid || true
show "$dir/check6f.out" "$dir/migrate6f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +busy +libvirt is running an outgoing migration on the guest now" "$dir/check6f.out" ||
  fail "check of a guest another client migrates: exit $rc1"
[ $took -lt 25 ] && [ $mtook -lt 25 ] ||
  fail "check of a guest another client migrates took $took s, refusing its migration $mtook s (a call waited for its job)"
[ $rc2 -eq 2 ] && grep -q "libvirt is running an outgoing migration on the guest" "$dir/migrate6f.out" ||
  fail "the migration was not refused up front (exit $rc2)"
[ "$("$tool" state src busy)" = running ] || fail "busy does not run on the source"
qemu-img create -q -f qcow2 "$dir/busy-copy.qcow2" 16M
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/busy-copy.qcow2"
virsh -q -c "$src" blockcopy busy vda "$dir/busy-copy.qcow2" --reuse-external --transient-job --bandwidth 1 > /dev/null
set +e
"$cli" -c "$src" check "${busyargs[@]}" busy "$dst" > "$dir/check6g.out" 2>&1; rc1=$?
"$cli" -c "$src" --force "${busyargs[@]}" busy "$dst" > "$dir/migrate6gf.out" 2>&1; rc3=$?
set -e
virsh -q -c "$src" blockjob busy vda --abort > /dev/null
show "$dir/check6g.out" "$dir/migrate6gf.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +busy +libvirt is running a block job on vda on the guest now" "$dir/check6g.out" ||
  fail "check of a guest in a block copy: exit $rc1"
[ $rc3 -eq 1 ] && grep -q "domain has active block job" "$dir/migrate6gf.out" || fail "forced: not libvirt's own refusal (exit $rc3)"
"$cli" -c "$src" check "${busyargs[@]}" busy "$dst" > "$dir/check6g2.out" 2>&1 ||
  { show "$dir/check6g2.out"; fail "check once the block job ended"; }
"$tool" destroy src busy
ok "a guest libvirt is busy with (another client's migration, a block copy): check names the job at once (exit 1), the migration is refused up front (exit 2), libvirt's own refusal when forced; ok once it ended"

# 6h. Devices QEMU judges a live migration by (libvirt 9.0 asks QEMU for
# its migration blockers): shared memory whose role is not 'master' (QEMU:
# "peer mode"; check said ok, libvirt refused): a blocker (exit 1), the
# migration refused up front (exit 2), forced libvirt's own refusal. With
# role='master' it migrates; so does a 9p shared directory the guest has
# not mounted (a warning: QEMU refuses while it has).
domain_xml peer "<shmem name='vmtb-peer-$$'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>" > "$dir/peer.xml"
domain_xml own "<shmem name='vmtb-own-$$' role='master'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
<filesystem type='mount' accessmode='mapped'><source dir='$dir'/><target dir='share'/></filesystem>" > "$dir/own.xml"
virsh -q -c "$src" create "$dir/peer.xml" > /dev/null
virsh -q -c "$src" create "$dir/own.xml" > /dev/null
shmargs=(--live --migrateuri "unix://$dir/shm.mig")
set +e
refusal 6h "${shmargs[@]}" peer
"$cli" -c "$src" check "${shmargs[@]}" own "$dst" > "$dir/check6h2.out" 2>&1; rc4=$?
"$cli" -c "$src" "${shmargs[@]}" own "$dst" > "$dir/migrate6h2.out" 2>&1; rc5=$?
set -e
show "$dir/check6h.out" "$dir/migrate6h.out" "$dir/migrate6hf.out" "$dir/check6h2.out" "$dir/migrate6h2.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +devices +The shared memory device vmtb-peer-$$ is a peer" "$dir/check6h.out" ||
  fail "check of a guest with a peer's shared memory: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "vmtb-peer-$$ is a peer" "$dir/migrate6h.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "Migration is disabled when using feature 'peer mode' in device 'ivshmem'" "$dir/migrate6hf.out" ||
  fail "forced: not libvirt's own refusal (exit $rc3)"
[ "$("$tool" state src peer)" = running ] || fail "peer does not run on the source"
[ $rc4 -eq 0 ] && grep -Eq "warning +devices +The guest shares a directory of the host through 9p \(mount tag share\)" "$dir/check6h2.out" &&
  ! grep -q "shared memory" "$dir/check6h2.out" || fail "check of the master's guest with a 9p directory: exit $rc4"
[ $rc5 -eq 0 ] && [ "$("$tool" state dst own)" = running ] || fail "the master's guest did not migrate (exit $rc5)"
"$tool" destroy src peer
"$tool" destroy dst own
ok "shared memory of a peer: check names QEMU's refusal (exit 1), the migration is refused up front (exit 2), libvirt's own when forced; the master's migrates, with a 9p directory (a warning)"

# 6i. A disk that is a storage pool's volume (<disk type='volume'>, found
# by the pool's name on each host): check saw no disk in it and said ok,
# where libvirt refuses ("Migration without shared storage is unsafe";
# copied, "Storage pool not found" without that pool there). Now: no pool
# of that name there, a blocker (exit 1), the migration refused up front
# (exit 2), libvirt's own refusal when forced; with the pool there, left
# in place, libvirt's local-file-system rule; copied, ok, and libvirt
# makes the volume in that pool, the guest running there from it.
mkdir -p "$dir/volsrc" "$dir/voldst"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/volsrc" "$dir/voldst"
virsh -q -c "$src" pool-create-as volp dir --target "$dir/volsrc" > /dev/null
virsh -q -c "$src" vol-create-as volp vg.qcow2 16M --format qcow2 > /dev/null
domain_xml vg "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='volp' volume='vg.qcow2'/><target dev='vda' bus='virtio'/></disk>" > "$dir/vg.xml"
virsh -q -c "$src" create "$dir/vg.xml" > /dev/null
volargs=(--live --copy-storage-all --migrateuri "unix://$dir/vg.mig" --disks-uri "unix://$dir/vg-nbd.sock")
set +e
refusal 6i "${volargs[@]}" vg
virsh -q -c "$dst" pool-create-as volp dir --target "$dir/voldst" > /dev/null
"$cli" -c "$src" check --live --migrateuri "unix://$dir/vg.mig" vg "$dst" > "$dir/check6i2.out" 2>&1; rc4=$?
"$cli" -c "$src" check "${volargs[@]}" vg "$dst" > "$dir/check6i3.out" 2>&1; rc5=$?
"$cli" -c "$src" "${volargs[@]}" vg "$dst" > "$dir/migrate6i2.out" 2>&1; rc6=$?
set -e
show "$dir/check6i.out" "$dir/migrate6i.out" "$dir/migrate6if.out" "$dir/check6i2.out" "$dir/check6i3.out" "$dir/migrate6i2.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +disk +vda: a volume of the storage pool volp, which the destination lacks" "$dir/check6i.out" ||
  fail "check of a volume disk whose pool the destination lacks: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "a volume of the storage pool volp" "$dir/migrate6i.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "no storage pool with matching name 'volp'" "$dir/migrate6if.out" ||
  fail "forced: not libvirt's own refusal (exit $rc3)"
[ $rc4 -eq 1 ] && grep -Eq "blocker +disk +vda: $dir/volsrc/vg.qcow2 is not copied and is on a file system of the source that libvirt counts as local" "$dir/check6i2.out" ||
  fail "check of a volume disk left in place on a local file system: exit $rc4"
[ $rc5 -eq 0 ] && grep -Eq "ok +disk +vda: copied to $dir/voldst/vg.qcow2, created in the destination's storage pool volp" "$dir/check6i3.out" ||
  fail "check of a volume disk copied into the pool there: exit $rc5"
[ $rc6 -eq 0 ] && [ "$("$tool" state dst vg)" = running ] && [ -s "$dir/voldst/vg.qcow2" ] ||
  fail "the volume disk's guest did not move into the pool there (exit $rc6)"
"$tool" destroy dst vg
ok "a disk that is a pool's volume: without that pool there a blocker (exit 1), refused up front (exit 2), libvirt's own refusal forced; left in place on a local file system a blocker; copied into the pool there ok, and the guest runs there from the volume libvirt made"

# 6j. A guest whose memory is on huge pages (<memoryBacking><hugepages/>):
# its QEMU maps them all at start, so the destination needs that many free,
# apart from its free memory; check compared the free memory only and said
# ok, and libvirt failed ("unable to map backing store for guest RAM").
# The test bed's hosts share this machine's pool of huge pages: 48 free
# before the guest takes 32 leave the destination 16, a blocker (exit 1),
# the migration refused up front (exit 2), forced QEMU's own failure, the
# guest running on; 32 more, ok, and it migrates. The pool is put back.
if [ -z "${VIRT_MIGRATE_TESTBED_HUGEPAGES:-}" ]; then
	[ "$(id -u)" -ne 0 ] || fail "the test bed mounted no hugetlbfs (as root it does)"
	ok "huge pages # SKIP the test bed's hugetlbfs is root's to mount"
else
	huge_total=$(cat /proc/sys/vm/nr_hugepages)
	huge_used=$((huge_total - $(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)))
	sysctl -qw vm.nr_hugepages=$((huge_used + 48))
	cat > "$dir/hp.xml" <<XML
<domain type='qemu'><name>hp</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<memoryBacking><hugepages/></memoryBacking>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
XML
	hpargs=(--live --migrateuri "unix://$dir/hp.mig")
	set +e
	virsh -q -c "$src" create "$dir/hp.xml" > "$dir/hp-create.out" 2>&1; rc0=$?
	refusal 6j "${hpargs[@]}" hp
	state3=$("$tool" state src hp)
	sysctl -qw vm.nr_hugepages=$((huge_used + 80))
	"$cli" -c "$src" check "${hpargs[@]}" hp "$dst" > "$dir/check6j2.out" 2>&1; rc4=$?
	"$cli" -c "$src" "${hpargs[@]}" hp "$dst" > "$dir/migrate6j2.out" 2>&1; rc5=$?
	state5=$("$tool" state dst hp)
	virsh -q -c "$dst" destroy hp > /dev/null 2>&1
	virsh -q -c "$src" destroy hp > /dev/null 2>&1
	sysctl -qw vm.nr_hugepages="$huge_total"
	set -e
	show "$dir/hp-create.out" "$dir/check6j.out" "$dir/migrate6j.out" "$dir/migrate6jf.out" "$dir/check6j2.out" "$dir/migrate6j2.out"
	[ $rc0 -eq 0 ] || fail "a guest on huge pages did not start"
	[ $rc1 -eq 1 ] && grep -Eq "blocker +memory +The guest's memory is on huge pages of 2048 KiB: it needs 32 of them and the destination has 16 free" "$dir/check6j.out" ||
		fail "check of a guest on huge pages the destination lacks: exit $rc1"
	[ $rc2 -eq 2 ] && grep -q "it needs 32 of them" "$dir/migrate6j.out" || fail "the migration was not refused up front (exit $rc2)"
	[ $rc3 -eq 1 ] && qemu_said "unable to map backing store for guest RAM" hp "$dir/migrate6jf.out" &&
		[ "$state3" = running ] || fail "forced: not QEMU's own failure with the guest running on (exit $rc3, $state3)"
	[ $rc4 -eq 0 ] && grep -Eq "ok +memory +32 huge pages of 2048 KiB needed, 48 free there" "$dir/check6j2.out" ||
		fail "check with the huge pages there: exit $rc4"
	[ $rc5 -eq 0 ] && [ "$state5" = running ] || fail "the guest on huge pages did not migrate (exit $rc5, $state5)"
	ok "a guest on huge pages: too few free there a blocker (exit 1), refused up front (exit 2), QEMU's own failure forced (the guest running on); enough, ok and it migrates"
fi

# 6k. A guest pinned to host CPUs and NUMA nodes (<vcpu cpuset>,
# <cputune>, <numatune>): its destination XML (--xml, as for a host of
# other CPUs) pins a vCPU to CPU 1000, or its memory to node 7, which the
# destination lacks: check said ok, libvirt failed to start it there.
# Now a blocker (exit 1), the migration refused up front (exit 2), forced
# libvirt's own failure, the guest running on; pinned to what is there, ok
# and it migrates.
cat > "$dir/pin.xml" <<XML
<domain type='qemu'><name>pin</name><memory unit='MiB'>64</memory><vcpu cpuset='0'>2</vcpu>
<cputune><vcpupin vcpu='1' cpuset='0'/><emulatorpin cpuset='0'/></cputune>
<numatune><memory mode='strict' nodeset='0'/></numatune>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
XML
virsh -q -c "$src" create "$dir/pin.xml" > /dev/null
virsh -q -c "$src" dumpxml --migratable pin | sed "s/vcpupin vcpu='1' cpuset='0'/vcpupin vcpu='1' cpuset='1000'/" > "$dir/pin-cpu.xml"
virsh -q -c "$src" dumpxml --migratable pin | sed "s/nodeset='0'/nodeset='7'/" > "$dir/pin-node.xml"
pinargs=(--live --migrateuri "unix://$dir/pin.mig")
set +e
refusal 6k "${pinargs[@]}" --xml "$dir/pin-cpu.xml" pin
"$cli" -c "$src" check "${pinargs[@]}" --xml "$dir/pin-node.xml" pin "$dst" > "$dir/check6k2.out" 2>&1; rc4=$?
"$cli" -c "$src" check "${pinargs[@]}" pin "$dst" > "$dir/check6k3.out" 2>&1; rc5=$?
"$cli" -c "$src" "${pinargs[@]}" pin "$dst" > "$dir/migrate6k2.out" 2>&1; rc6=$?
set -e
show "$dir/check6k.out" "$dir/migrate6k.out" "$dir/migrate6kf.out" "$dir/check6k2.out" "$dir/check6k3.out" "$dir/migrate6k2.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +pinning +The guest's vCPU 1 is pinned to host CPUs 1000; the destination has no CPUs 1000" "$dir/check6k.out" ||
  fail "check of a vCPU pinned to a CPU the destination lacks: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "vCPU 1 is pinned to host CPUs 1000" "$dir/migrate6k.out" || fail "the migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "cannot set CPU affinity" "$dir/migrate6kf.out" ||
  fail "forced: not libvirt's own failure (exit $rc3)"
[ $rc4 -eq 1 ] && grep -Eq "blocker +pinning +The guest's memory is pinned to host NUMA nodes 7; the destination has no NUMA nodes 7" "$dir/check6k2.out" ||
  fail "check of memory pinned to a NUMA node the destination lacks: exit $rc4"
[ $rc5 -eq 0 ] && grep -Eq "ok +pinning +The destination has the host CPUs and NUMA nodes the guest is pinned to" "$dir/check6k3.out" ||
  fail "check of a guest pinned to what the destination has: exit $rc5"
[ $rc6 -eq 0 ] && [ "$("$tool" state dst pin)" = running ] || fail "the pinned guest did not migrate (exit $rc6)"
"$tool" destroy dst pin
ok "a guest pinned to a CPU or NUMA node the destination lacks: a blocker (exit 1), refused up front (exit 2), libvirt's own failure forced; pinned to what it has, ok and it migrates"

# 6l. A UEFI guest: its variables are in a file (<nvram>). Moved offline,
# only the definition goes: check warns, and the destination has no file at
# the path its XML names (made from the template at its first start).
# Running, they move: QEMU writes the migrated flash into the destination's
# file at the switch-over: check says so, and that file then reads like the
# source's, which the firmware had written to. The destination XML (--xml)
# names a file of the destination's own, as another machine's would be.
cat > "$dir/efi.xml" <<XML
<domain type='qemu'><name>efi</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>
<features><acpi/><smm state='on'/></features>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
XML
virsh -q -c "$src" define "$dir/efi.xml" > /dev/null
virsh -q -c "$src" start efi > /dev/null
nvram=$(virsh -q -c "$src" dumpxml efi | sed -n "s|.*<nvram[^>]*>\(.*\)</nvram>.*|\1|p")
template=$(virsh -q -c "$src" dumpxml efi | sed -n "s|.*<nvram template='\([^']*\)'.*|\1|p")
[ -n "$nvram" ] && [ -f "$nvram" ] && [ -f "$template" ] || fail "the UEFI guest has no variables file ($nvram, $template)"
# The firmware writes its variables at its first boot.
for _ in $(seq 1 600); do cmp -s "$nvram" "$template" || break; sleep 0.1; done
cmp -s "$nvram" "$template" && fail "the firmware wrote no variables in 60 s"
dst_nvram=$dir/efi-dst_VARS.fd
virsh -q -c "$src" dumpxml --migratable efi | sed "s|>$nvram<|>$dst_nvram<|" > "$dir/efi-dst.xml"
virsh -q -c "$src" destroy efi > /dev/null
set +e
"$cli" -c "$src" check --offline --persistent --xml "$dir/efi-dst.xml" efi "$dst" > "$dir/check6l.out" 2>&1; rc1=$?
"$cli" -c "$src" --offline --persistent --xml "$dir/efi-dst.xml" efi "$dst" > "$dir/migrate6l.out" 2>&1; rc2=$?
offline_file=no
[ -e "$dst_nvram" ] && offline_file=yes
virsh -q -c "$dst" undefine --nvram efi > /dev/null 2>&1
virsh -q -c "$src" start efi > /dev/null
"$cli" -c "$src" check --live --persistent --undefinesource --migrateuri "unix://$dir/efi.mig" --xml "$dir/efi-dst.xml" efi "$dst" > "$dir/check6l2.out" 2>&1; rc3=$?
"$cli" -c "$src" --live --persistent --undefinesource --migrateuri "unix://$dir/efi.mig" --xml "$dir/efi-dst.xml" efi "$dst" > "$dir/migrate6l2.out" 2>&1; rc4=$?
set -e
show "$dir/check6l.out" "$dir/migrate6l.out" "$dir/check6l2.out" "$dir/migrate6l2.out"
# (Shut off, its definition names no file: libvirt picks the firmware, and makes the file, at each start.)
[ $rc1 -eq 0 ] && grep -Eq "warning +firmware +The guest boots UEFI, and an offline migration does not move the file of its variables" "$dir/check6l.out" ||
  fail "check of a UEFI guest moved offline: exit $rc1"
[ $rc2 -eq 0 ] && [ $offline_file = no ] || fail "moved offline: exit $rc2, a variables file there: $offline_file"
[ $rc3 -eq 0 ] && grep -Eq "ok +firmware +The guest's UEFI variables \($nvram\) move with it: QEMU writes them into $dst_nvram there" "$dir/check6l2.out" ||
  fail "check of a running UEFI guest: exit $rc3"
[ $rc4 -eq 0 ] && [ "$("$tool" state dst efi)" = running ] || fail "the running UEFI guest did not migrate (exit $rc4)"
cmp "$dst_nvram" "$nvram" >&2 || fail "the destination's variables file does not read like the source's"
"$tool" destroy dst efi
ok "a UEFI guest: moved offline, check warns and no variables file goes; running, check says QEMU writes them there, and the destination's file reads like the source's"

# 6m. A guest whose VNC port is fixed (autoport='no'): libvirt moves the
# port and the listen address as they are, reserves the port on the
# destination (one table for all its guests, whatever the address) and
# QEMU binds it there. check said ok to each of these; libvirt refused or
# QEMU failed to start. Both hosts being this machine, the guest's own
# port is taken there: a blocker, refused up front, QEMU's own failure
# forced. Its destination XML (--xml) on a port a guest of the destination
# holds on another address: a blocker, libvirt's refusal forced. On an
# address the destination lacks: a warning, and QEMU fails there. On a
# port a program of this machine (the destination) listens on: a blocker
# naming it, refused up front, QEMU's own failure forced. On a free port of
# 127.0.0.1: ok, and it migrates. The ports: a block of four of this run's
# own.
p1=$((20000 + ($$ % 2000) * 4)); p2=$((p1 + 1)); p3=$((p1 + 2)); p4=$((p1 + 3))
cat > "$dir/vnc.xml" <<XML
<domain type='qemu'><name>vnc</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<graphics type='vnc' port='$p1' autoport='no' listen='127.0.0.3'/><memballoon model='none'/></devices></domain>
XML
sed -e "s/<name>vnc</<name>vnchold</" -e "s/$p1/$p2/" -e "s/127.0.0.3/127.0.0.1/" "$dir/vnc.xml" > "$dir/vnchold.xml"
virsh -q -c "$src" create "$dir/vnc.xml" > /dev/null
virsh -q -c "$dst" create "$dir/vnchold.xml" > /dev/null
virsh -q -c "$src" dumpxml --migratable vnc | sed -e "s/$p1/$p2/" -e "s/127.0.0.3/127.0.0.2/g" > "$dir/vnc-held.xml"
virsh -q -c "$src" dumpxml --migratable vnc | sed -e "s/$p1/$p3/" -e "s/127.0.0.3/192.0.2.1/g" > "$dir/vnc-far.xml"
virsh -q -c "$src" dumpxml --migratable vnc | sed -e "s/$p1/$p3/" -e "s/127.0.0.3/127.0.0.1/g" > "$dir/vnc-free.xml"
virsh -q -c "$src" dumpxml --migratable vnc | sed -e "s/$p1/$p4/" -e "s/127.0.0.3/127.0.0.1/g" > "$dir/vnc-prog.xml"
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(300)' "$p4" &
listener=$!
listening "$p4"
vncargs=(--live --migrateuri "unix://$dir/vnc.mig")
set +e
refusal 6m "${vncargs[@]}" vnc
rc4=$rc1 rc5=$rc2 rc6=$rc3
refusal 6m2 "${vncargs[@]}" --xml "$dir/vnc-held.xml" vnc
held1=$rc1 held2=$rc2 held3=$rc3
"$cli" -c "$src" check "${vncargs[@]}" --xml "$dir/vnc-far.xml" vnc "$dst" > "$dir/check6m3.out" 2>&1; rc7=$?
"$cli" -c "$src" "${vncargs[@]}" --xml "$dir/vnc-far.xml" vnc "$dst" > "$dir/migrate6m3.out" 2>&1; rc8=$?
far_state=$("$tool" state src vnc)
refusal 6m5 "${vncargs[@]}" --xml "$dir/vnc-prog.xml" vnc
rc11=$rc1 rc12=$rc2 rc13=$rc3
prog_state=$("$tool" state src vnc)
kill $listener
"$cli" -c "$src" check "${vncargs[@]}" --xml "$dir/vnc-free.xml" vnc "$dst" > "$dir/check6m4.out" 2>&1; rc9=$?
"$cli" -c "$src" "${vncargs[@]}" --xml "$dir/vnc-free.xml" vnc "$dst" > "$dir/migrate6m4.out" 2>&1; rc10=$?
set -e
show "$dir/check6m.out" "$dir/migrate6m.out" "$dir/migrate6mf.out" "$dir/check6m2.out" "$dir/migrate6m2.out" \
  "$dir/migrate6m2f.out" "$dir/check6m3.out" "$dir/migrate6m3.out" "$dir/check6m5.out" "$dir/migrate6m5.out" \
  "$dir/migrate6m5f.out" "$dir/check6m4.out" "$dir/migrate6m4.out"
[ $rc4 -eq 1 ] && grep -Eq "blocker +ports +VNC port $p1 on 127.0.0.3 is taken there: guest vnc of the source \(the same machine\)" "$dir/check6m.out" ||
  fail "check of a fixed port the source's QEMU holds on this machine: exit $rc4"
[ $rc5 -eq 2 ] && grep -q "VNC port $p1 on 127.0.0.3 is taken there" "$dir/migrate6m.out" || fail "the migration was not refused up front (exit $rc5)"
[ $rc6 -eq 1 ] && qemu_said "127.0.0.3:$((p1 - 5900)).*(Address already in use|Failed to find an available port)" vnc "$dir/migrate6mf.out" ||
  fail "forced: not QEMU's own failure (exit $rc6)"
[ $held1 -eq 1 ] && grep -Eq "blocker +ports +VNC port $p2 is taken there: guest vnchold listens on VNC port $p2 on 127.0.0.1, and libvirt reserves" "$dir/check6m2.out" ||
  fail "check of a fixed port a guest of the destination holds on another address: exit $held1"
[ $held2 -eq 2 ] || fail "the migration onto a held port was not refused up front (exit $held2)"
[ $held3 -eq 1 ] && grep -q "Failed to reserve port $p2" "$dir/migrate6m2f.out" || fail "forced: not libvirt's own refusal (exit $held3)"
[ $rc7 -eq 0 ] && grep -Eq "warning +ports +VNC port $p3 listens on 192.0.2.1: libvirt keeps the address" "$dir/check6m3.out" ||
  fail "check of an address the destination lacks: exit $rc7"
[ $rc8 -eq 1 ] && qemu_said "Cannot assign requested address" vnc "$dir/migrate6m3.out" || fail "QEMU bound an address the machine lacks? (exit $rc8)"
[ "$far_state" = running ] || fail "the guest is $far_state on the source after QEMU failed there"
[ $rc11 -eq 1 ] && grep -Eq "blocker +ports +VNC port $p4 on 127.0.0.1 is taken there \(this machine\): python3 \(pid $listener\) listens on 127.0.0.1:$p4" "$dir/check6m5.out" ||
  fail "check of a fixed port a program of this machine listens on: exit $rc11"
[ $rc12 -eq 2 ] && grep -q "VNC port $p4 on 127.0.0.1 is taken there" "$dir/migrate6m5.out" || fail "the migration onto a program's port was not refused up front (exit $rc12)"
[ $rc13 -eq 1 ] && qemu_said "127.0.0.1:$((p4 - 5900)).*(Address already in use|Failed to find an available port)" vnc "$dir/migrate6m5f.out" &&
  [ "$prog_state" = running ] || fail "forced onto a program's port: not QEMU's own failure with the guest running on the source (exit $rc13, $prog_state)"
[ $rc9 -eq 0 ] && grep -Eq "ok +ports +VNC port $p3 on 127.0.0.1: no guest of the destination or of the source \(the same machine\) holds it" "$dir/check6m4.out" ||
  fail "check of a free port: exit $rc9"
[ $rc10 -eq 0 ] && [ "$("$tool" state dst vnc)" = running ] || fail "the guest on a free port did not migrate (exit $rc10)"
"$tool" destroy dst vnc
"$tool" destroy dst vnchold
ok "a fixed VNC port: taken there (the source's own on this machine, a destination guest's on any address, a program's of this machine) a blocker, refused up front, libvirt's or QEMU's failure forced; an address the destination lacks a warning (QEMU fails); a free one ok, and it migrates"

# 6m6. The migration stream's own port, fixed by --migrateuri
# tcp://127.0.0.1:PORT, that a program of this machine listens on: QEMU
# listens on [::]:PORT there beside it, and the source connects to the
# program (seen: the migration hung in its switch-over, the guest paused,
# until the completion timeout). Now a blocker naming the program, refused
# up front; forced, the program gets the stream (QEMU's "QEVM" magic) and
# the migration fails with the guest running on the source. Once the port
# is free, ok, and the guest moves. The storage copy's NBD port
# (--disks-port) likewise: a blocker, refused up front (forced, the source's
# NBD client waited on that program, libvirt's job stuck in its monitor
# call and past cancelling, until the program closed the connection).
# A listen address (--listen-address) that this machine, the destination,
# lacks: check said ok, and QEMU failed there ("Failed to bind socket:
# Cannot assign requested address"); now a blocker, refused up front.
p5=$(free_port)
"$tool" guest strm
/usr/bin/python3 -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
c, _ = s.accept(); open(sys.argv[2], "wb").write(c.recv(4)); c.close()' "$p5" "$dir/caught6m6" &
listener=$!
listening "$p5"
p6=$(free_port)
set +e
nbdargs=(--live --migrateuri tcp://127.0.0.1:$p6 --copy-storage-all --disks-port "$p5" strm "$dst")
"$cli" -c "$src" check "${nbdargs[@]}" > "$dir/check6m6nbd.out" 2>&1; rc6=$?
"$cli" -c "$src" "${nbdargs[@]}" > "$dir/migrate6m6nbd.out" 2>&1; rc7=$?
refusal 6m6 --live --migrateuri tcp://127.0.0.1:$p5 strm
wait $listener
strm_state=$("$tool" state src strm)
# A listen address this machine lacks (the first of three documentation
# addresses that no socket here can bind).
noaddr=$(/usr/bin/python3 -c 'import errno, socket
for a in ("198.51.100.77", "203.0.113.77", "192.0.2.254"):
    s = socket.socket()
    try:
        s.bind((a, 0))
    except OSError as e:
        if e.errno == errno.EADDRNOTAVAIL:
            print(a)
            break
    finally:
        s.close()')
rc1s=$rc1 rc2s=$rc2 rc3s=$rc3
refusal 6m7 --live --listen-address "$noaddr" --migrateuri tcp://127.0.0.1:$p6 strm
rc8=$rc1 rc9=$rc2 rc10=$rc3 rc1=$rc1s rc2=$rc2s rc3=$rc3s
strm_state2=$("$tool" state src strm)
"$cli" -c "$src" check --live --listen-address 127.0.0.1 --migrateuri tcp://127.0.0.1:$p5 strm "$dst" > "$dir/check6m6ok.out" 2>&1; rc4=$?
"$cli" -c "$src" --live --listen-address 127.0.0.1 strm "$dst" tcp://127.0.0.1:$p5 > "$dir/migrate6m6ok.out" 2>&1; rc5=$?
set -e
show "$dir/check6m7.out" "$dir/migrate6m7.out" "$dir/migrate6m7f.out"
[ -n "$noaddr" ] && [ $rc8 -eq 1 ] && grep -Eq "blocker +ports +The listen address $noaddr is not an address of this machine \(the destination\)" "$dir/check6m7.out" ||
  fail "check of a listen address this machine lacks ('$noaddr'): exit $rc8"
[ $rc9 -eq 2 ] || fail "the migration with a listen address this machine lacks was not refused up front (exit $rc9)"
[ $rc10 -eq 1 ] && grep -q "Cannot assign requested address" "$dir/migrate6m7f.out" && [ "$strm_state2" = running ] ||
  fail "forced with a listen address this machine lacks: exit $rc10, not QEMU's failure, or the guest $strm_state2"
show "$dir/check6m6nbd.out" "$dir/migrate6m6nbd.out" "$dir/check6m6.out" "$dir/migrate6m6.out" "$dir/migrate6m6f.out" \
  "$dir/check6m6ok.out" "$dir/migrate6m6ok.out"
[ $rc6 -eq 1 ] && grep -Eq "blocker +ports +The storage copy's port $p5 on 127.0.0.1 is taken there \(this machine\): python3 \(pid $listener\)" "$dir/check6m6nbd.out" &&
  grep -Eq "ok +ports +The migration stream's port $p6 on 127.0.0.1: no program" "$dir/check6m6nbd.out" ||
  fail "check of a storage copy's port a program of this machine listens on: exit $rc6"
[ $rc7 -eq 2 ] && grep -q "Pre-flight check: .*The storage copy's port $p5 on 127.0.0.1 is taken there" "$dir/migrate6m6nbd.out" ||
  fail "the storage copy onto a program's port was not refused up front (exit $rc7)"
[ $rc1 -eq 1 ] && grep -Eq "blocker +ports +The migration stream's port $p5 on 127.0.0.1 is taken there \(this machine\): python3 \(pid $listener\) listens on 127.0.0.1:$p5; the source would connect to that program" "$dir/check6m6.out" ||
  fail "check of a migration port a program of this machine listens on: exit $rc1"
[ $rc2 -eq 2 ] && grep -q "Pre-flight check: The migration stream's port $p5 on 127.0.0.1 is taken there" "$dir/migrate6m6.out" ||
  fail "the migration onto a program's port was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && [ "$(cat "$dir/caught6m6" 2>/dev/null)" = QEVM ] && [ "$strm_state" = running ] ||
  fail "forced: exit $rc3, the program caught '$(cat "$dir/caught6m6" 2>/dev/null)', the guest $strm_state on the source"
[ $rc4 -eq 0 ] && grep -Eq "ok +ports +The migration stream's port $p5 on 127.0.0.1: no program of this machine \(the destination\) listens on it" "$dir/check6m6ok.out" &&
  grep -Eq "ok +ports +The listen address 127.0.0.1: this machine \(the destination\) can listen there" "$dir/check6m6ok.out" ||
  fail "check of a free migration port: exit $rc4"
[ $rc5 -eq 0 ] && [ "$("$tool" state dst strm)" = running ] || fail "the guest did not migrate over a free port (exit $rc5)"
grep -Eq "ok +ports +The source connects to 127.0.0.1 \(the migrate URI's host\), where the destination's QEMU listens \(127.0.0.1\)" "$dir/check6m6ok.out" ||
  fail "check of a listen address that is the migrate URI's host said nothing of it"
"$tool" destroy dst strm
# A listen address that this machine has, but not the migrate URI's host:
# the source connects to 127.0.0.1, QEMU listens on 127.0.0.2 only, and
# libvirt failed ("Connection refused") after check said ok.
"$tool" guest lsn
set +e
refusal 6m8 --live --listen-address 127.0.0.2 --migrateuri "tcp://127.0.0.1:$(free_port)" lsn
set -e
show "$dir/check6m8.out" "$dir/migrate6m8.out" "$dir/migrate6m8f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +ports +The source connects to 127.0.0.1 \(the migrate URI's host\), and the destination's QEMU listens on 127.0.0.2 only: both hosts are this machine" "$dir/check6m8.out" ||
  fail "check of a listen address other than the migrate URI's host: exit $rc1"
[ $rc2 -eq 2 ] || fail "the migration listening elsewhere than the migrate URI's host was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "Connection refused" "$dir/migrate6m8f.out" && [ "$("$tool" state src lsn)" = running ] ||
  fail "forced, listening elsewhere than the migrate URI's host: exit $rc3, not libvirt's failure, or the guest not running on the source"
"$tool" destroy src lsn
# Zero-copy: libvirt raises the locked-memory limit of the guest's QEMU to
# its memory, which the test bed's daemons (an unprivileged user) may not:
# libvirt failed ("cannot limit locked memory … Operation not permitted")
# after check said ok. Now a blocker naming the limit, refused up front;
# with a limit that covers the guest already (a machine whose ulimit -l is
# high), ok.
"$tool" guest zcg
zc_limit=$(awk '/^Max locked memory/ { print $5 }' "/proc/$(pgrep -f -- "-uuid $(virsh -q -c "$src" domuuid zcg)" | head -1)/limits")
set +e
refusal 6m9 --live --parallel --zerocopy --migrateuri "tcp://127.0.0.1:$(free_port)" zcg
set -e
show "$dir/check6m9.out" "$dir/migrate6m9.out" "$dir/migrate6m9f.out"
if [ "$zc_limit" != unlimited ] && [ "$zc_limit" -lt $((64 * 1048576)) ]; then
  [ $rc1 -eq 1 ] && grep -Eq "blocker +memory +Zero-copy: libvirt must let the guest's QEMU lock all its memory \(64 MiB\), its limit is $((zc_limit / 1048576)) MiB, and the source's libvirtd \(pid [0-9]+, user [^)]+\) may not raise it" "$dir/check6m9.out" ||
    fail "check of a zero-copy migration whose QEMU may not lock the guest's memory: exit $rc1"
  [ $rc2 -eq 2 ] || fail "that zero-copy migration was not refused up front (exit $rc2)"
  [ $rc3 -eq 1 ] && grep -q "cannot limit locked memory" "$dir/migrate6m9f.out" && [ "$("$tool" state src zcg)" = running ] ||
    fail "forced, zero-copy: exit $rc3, not libvirt's failure, or the guest not running on the source"
else
  grep -Eq "ok +memory +Zero-copy: the guest's QEMU may lock its 64 MiB of memory already" "$dir/check6m9.out" ||
    fail "check of a zero-copy migration whose QEMU may lock the guest's memory (limit $zc_limit): no ok"
fi
"$tool" destroy src zcg 2>/dev/null || "$tool" destroy dst zcg
# A port below the lowest an unprivileged program may bind: the test bed's
# QEMU (as any libvirt runs) cannot listen there, and libvirt failed
# ("Failed to bind socket: Permission denied") after check said ok.
"$tool" guest lowp
low_start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
set +e
refusal 6m10 --live --migrateuri "tcp://127.0.0.1:$((low_start > 1 ? low_start - 1 : 1023))" lowp
set -e
show "$dir/check6m10.out" "$dir/migrate6m10.out" "$dir/migrate6m10f.out"
if [ "$low_start" -gt 1 ]; then
  [ $rc1 -eq 1 ] && grep -Eq "blocker +ports +The migration stream's port $((low_start - 1)) is below $low_start, the lowest an unprivileged program of this machine \(the destination\) may listen on" "$dir/check6m10.out" ||
    fail "check of a migration port below $low_start: exit $rc1"
  [ $rc2 -eq 2 ] || fail "the migration onto a port below $low_start was not refused up front (exit $rc2)"
  [ $rc3 -eq 1 ] && grep -q "Failed to bind socket: Permission denied" "$dir/migrate6m10f.out" && [ "$("$tool" state src lowp)" = running ] ||
    fail "forced onto a port below $low_start: exit $rc3, not QEMU's failure, or the guest not running on the source"
  "$tool" destroy src lowp
else
  ! grep -q "is below" "$dir/check6m10.out" || fail "a port this machine lets anyone bind was said to be below the limit"
  "$tool" destroy dst lowp
fi
# A unix:// migrate URI on this machine: the destination's QEMU removes what
# is at the path to listen there (a file there was gone, check said ok),
# and binds as its daemon's user (a directory it may not write in: "Failed
# to bind socket to … Permission denied", check said ok). Now blockers,
# refused up front; forced, the file is gone and the guest moved; the
# unwritable directory, QEMU's own failure.
"$tool" guest usock
echo "nine byte" > "$dir/precious.txt"
mkdir -p "$dir/rootonly"
chown root:root "$dir/rootonly"
chmod 755 "$dir/rootonly"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/precious.txt" usock "$dst" > "$dir/check6m11.out" 2>&1; rc1=$?
"$cli" -c "$src" --live usock "$dst" "unix://$dir/precious.txt" > "$dir/migrate6m11.out" 2>&1; rc2=$?
before_force=$(cat "$dir/precious.txt")
refusal 6m12 --live --migrateuri "unix://$dir/rootonly/m.sock" usock
rc4=$rc1 rc5=$rc2 rc6=$rc3
"$cli" -c "$src" --force --live usock "$dst" "unix://$dir/precious.txt" > "$dir/migrate6m11f.out" 2>&1; rc3=$?
set -e
show "$dir/check6m11.out" "$dir/migrate6m11.out" "$dir/migrate6m11f.out" "$dir/check6m12.out" "$dir/migrate6m12f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +ports +The migration stream's UNIX socket $dir/precious.txt: a file of 10 bytes is at that path on this machine \(the destination\), and its QEMU removes it" "$dir/check6m11.out" ||
  fail "check of a migrate URI onto a file: exit $rc1"
[ $rc2 -eq 2 ] && [ "$before_force" = "nine byte" ] || fail "the migration onto a file was not refused up front (exit $rc2), or the file changed"
[ $rc3 -eq 0 ] && [ ! -e "$dir/precious.txt" ] && [ "$("$tool" state dst usock)" = running ] ||
  fail "forced onto a file: exit $rc3, the file $( [ -e "$dir/precious.txt" ] && echo kept || echo gone)"
[ $rc4 -eq 1 ] && grep -Eq "blocker +ports +The migration stream's UNIX socket $dir/rootonly/m.sock: the destination's libvirtd \(pid [0-9]+, user [^)]+\) may not write in its directory" "$dir/check6m12.out" ||
  fail "check of a migrate URI in a directory the destination's libvirtd may not write in: exit $rc4"
[ $rc5 -eq 2 ] || fail "the migration with that socket was not refused up front (exit $rc5)"
[ $rc6 -eq 1 ] && grep -q "Permission denied" "$dir/migrate6m12f.out" || fail "forced with that socket: exit $rc6, not QEMU's failure"
"$tool" destroy dst usock
# A guest paused by a disk I/O error (its qcow2 image corrupt under it: an
# L2 entry unaligned, so QEMU's reads fail with EIO, the disk read-only so
# that QEMU does not take the image away; error_policy 'stop'; the BIOS
# reads it as the guest boots):
# with --abort-on-error libvirt refused it ("cannot migrate domain with I/O
# error") after check said ok. Now a blocker, refused up front, libvirt's
# own refusal forced; without it, a warning that it moves paused.
qemu-img create -q -f qcow2 "$dir/ioerr.qcow2" 16M
qemu-io -c 'write -P 0x55 0 64k' "$dir/ioerr.qcow2" > /dev/null
/usr/bin/python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40); l1 = struct.unpack(">Q", f.read(8))[0]
    f.seek(l1); l2 = struct.unpack(">Q", f.read(8))[0] & 0x00fffffffffffe00
    f.seek(l2); f.write(struct.pack(">Q", (1 << 63) | 0x10200))' "$dir/ioerr.qcow2"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir/ioerr.qcow2"
domain_xml ioerr "<disk type='file' device='disk'><driver name='qemu' type='qcow2' error_policy='stop' rerror_policy='stop'/><source file='$dir/ioerr.qcow2'/><target dev='vda' bus='virtio'/><readonly/></disk>" > "$dir/ioerr.xml"
virsh -q -c "$src" create "$dir/ioerr.xml" > /dev/null
for _ in $(seq 1 100); do [ "$(virsh -q -c "$src" domstate --reason ioerr)" = "paused (I/O error)" ] && break; sleep 0.1; done
ioerr_state=$(virsh -q -c "$src" domstate --reason ioerr)
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/ioerr.mig" ioerr "$dst" > "$dir/check6o4w.out" 2>&1; rc4=$?
refusal 6o4 --live --abort-on-error --migrateuri "unix://$dir/ioerr.mig" ioerr
set -e
show "$dir/check6o4.out" "$dir/migrate6o4.out" "$dir/migrate6o4f.out" "$dir/check6o4w.out"
[ "$ioerr_state" = "paused (I/O error)" ] || fail "the guest on a corrupt image did not pause with an I/O error: $ioerr_state"
[ $rc1 -eq 1 ] && grep -Eq "blocker +state +The guest is paused by a disk I/O error, and --abort-on-error is given: libvirt refuses the migration" "$dir/check6o4.out" ||
  fail "check of a guest paused by an I/O error, with --abort-on-error: exit $rc1"
[ $rc2 -eq 2 ] || fail "its migration with --abort-on-error was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "cannot migrate domain with I/O error" "$dir/migrate6o4f.out" ||
  fail "forced, with --abort-on-error: exit $rc3, not libvirt's refusal"
[ $rc4 -eq 0 ] && grep -Eq "warning +state +The guest is paused by a disk I/O error: it moves paused" "$dir/check6o4w.out" ||
  fail "check of a guest paused by an I/O error, without --abort-on-error: exit $rc4, no warning"
virsh -q -c "$src" destroy ioerr > /dev/null
# A paused guest with post-copy allowed: libvirt migrates it paused and
# refused post-copy for it ("post-copy migration is not supported with
# non-live or paused migration") after check said ok. Now a blocker,
# refused up front, libvirt's refusal forced; without --postcopy, ok.
"$tool" guest pz
virsh -q -c "$src" suspend pz > /dev/null
set +e
refusal 6o5 --live --postcopy --migrateuri "tcp://127.0.0.1:$(free_port)" pz
"$cli" -c "$src" check --live --migrateuri "tcp://127.0.0.1:$(free_port)" pz "$dst" > "$dir/check6o5ok.out" 2>&1; rc4=$?
set -e
show "$dir/check6o5.out" "$dir/migrate6o5.out" "$dir/migrate6o5f.out" "$dir/check6o5ok.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +state +The guest is paused: libvirt migrates it paused, and refuses post-copy for a paused guest" "$dir/check6o5.out" ||
  fail "check of a paused guest with --postcopy: exit $rc1"
[ $rc2 -eq 2 ] || fail "the paused guest's post-copy migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "post-copy migration is not supported with non-live or paused migration" "$dir/migrate6o5f.out" &&
  [ "$("$tool" state src pz)" = paused ] || fail "forced, a paused guest with --postcopy: exit $rc3, not libvirt's refusal"
[ $rc4 -eq 0 ] && ! grep -Eq "blocker|state +The guest is paused" "$dir/check6o5ok.out" || fail "check of the paused guest without --postcopy: exit $rc4"
virsh -q -c "$src" destroy pz > /dev/null
ok "the migration stream's or storage copy's port a program of this machine listens on: a blocker naming it (exit 1), refused up front (exit 2); the stream's forced, the program gets the stream and the migration fails, the guest running on the source; a listen address this machine lacks likewise, QEMU's own failure forced, and one that is not the migrate URI's host (libvirt's \"Connection refused\" forced); zero-copy where the guest's QEMU may not lock its memory, a blocker, libvirt's \"cannot limit locked memory\" forced; a stream port below the unprivileged ones, a blocker, QEMU's \"Permission denied\" forced; a unix:// migrate URI onto a file (forced: the file gone) or in a directory its daemon may not write in, blockers; a guest paused by an I/O error, with --abort-on-error a blocker (libvirt's refusal forced), without a warning; a paused guest with --postcopy, a blocker (libvirt's refusal forced), without it ok; free, on 127.0.0.1, ok and it migrates"

# 6n. A destination XML (--xml) of another guest: libvirt refuses it before
# anything starts ("Target domain uuid … does not match source", "Target
# domain name … does not match source": even with --dname); check said ok.
# Now check fails (exit 1) with the reason, as the migration would; the
# guest's own XML, renamed with --dname, ok and it migrates.
"$tool" guest xmlg
virsh -q -c "$src" dumpxml --migratable xmlg > "$dir/xmlg.xml"
sed "s|<name>xmlg</name>|<name>xmlg2</name>|" "$dir/xmlg.xml" > "$dir/xmlg-name.xml"
sed "s|<uuid>[^<]*</uuid>|<uuid>00000000-0000-4000-8000-000000000001</uuid>|" "$dir/xmlg.xml" > "$dir/xmlg-uuid.xml"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/xmlg.mig" --xml "$dir/xmlg-name.xml" --dname xmlg2 xmlg "$dst" > "$dir/check6n.out" 2>&1; rc1=$?
virsh -c "$src" migrate --live --migrateuri "unix://$dir/xmlg.mig" --xml "$dir/xmlg-name.xml" --dname xmlg2 xmlg "$dst" > "$dir/virsh6n.out" 2>&1; rc2=$?
"$cli" -c "$src" check --live --migrateuri "unix://$dir/xmlg.mig" --xml "$dir/xmlg-uuid.xml" xmlg "$dst" > "$dir/check6n2.out" 2>&1; rc3=$?
"$cli" -c "$src" check --live --migrateuri "unix://$dir/xmlg.mig" --xml "$dir/xmlg.xml" --dname xmlg2 xmlg "$dst" > "$dir/check6n3.out" 2>&1; rc4=$?
"$cli" -c "$src" --live --migrateuri "unix://$dir/xmlg.mig" --xml "$dir/xmlg.xml" --dname xmlg2 xmlg "$dst" > "$dir/migrate6n3.out" 2>&1; rc5=$?
set -e
show "$dir/check6n.out" "$dir/virsh6n.out" "$dir/check6n2.out" "$dir/check6n3.out" "$dir/migrate6n3.out"
[ $rc1 -eq 1 ] && grep -q "'dest-xml' names the guest 'xmlg2', but it is 'xmlg': libvirt refuses another name there" "$dir/check6n.out" ||
  fail "check of an XML of another name: exit $rc1"
[ $rc2 -eq 1 ] && grep -q "Target domain name 'xmlg2' does not match source 'xmlg'" "$dir/virsh6n.out" ||
  fail "libvirt took an XML of another name? (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "'dest-xml' describes the guest with UUID 00000000-0000-4000-8000-000000000001" "$dir/check6n2.out" ||
  fail "check of an XML of another UUID: exit $rc3"
[ $rc4 -eq 0 ] && [ $rc5 -eq 0 ] && [ "$("$tool" state dst xmlg2)" = running ] ||
  fail "the guest's own XML with --dname: check exit $rc4, migration exit $rc5"
"$tool" destroy dst xmlg2
ok "an XML of another guest (name or UUID): check fails with the reason, as libvirt refuses it; the guest's own with --dname, ok and it migrates"

# 6o. A guest that does not run (defined, shut off), migrated otherwise
# than offline: check said ok, and libvirt refused ("domain is not
# running"). Now a blocker (exit 1), refused up front (exit 2), libvirt's
# own refusal forced; offline, ok and its definition moves.
"$tool" guest offg
virsh -q -c "$src" dumpxml offg > "$dir/offg.xml"
virsh -q -c "$src" destroy offg > /dev/null
virsh -q -c "$src" define "$dir/offg.xml" > /dev/null
set +e
refusal 6o --live --migrateuri "unix://$dir/offg.mig" offg
"$cli" -c "$src" check --offline --persistent offg "$dst" > "$dir/check6o2.out" 2>&1; rc4=$?
"$cli" -c "$src" --offline --persistent offg "$dst" > "$dir/migrate6o2.out" 2>&1; rc5=$?
set -e
show "$dir/check6o.out" "$dir/migrate6o.out" "$dir/migrate6of.out" "$dir/check6o2.out" "$dir/migrate6o2.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +state +The guest is not running \(shut off\): libvirt migrates it only offline" "$dir/check6o.out" ||
  fail "check of a shut-off guest migrated live: exit $rc1"
[ $rc2 -eq 2 ] || fail "the live migration of a shut-off guest was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "domain is not running" "$dir/migrate6of.out" || fail "forced: not libvirt's own refusal (exit $rc3)"
[ $rc4 -eq 0 ] && ! grep -Eq "blocker +state" "$dir/check6o2.out" || fail "check of the shut-off guest offline: exit $rc4"
[ $rc5 -eq 0 ] && virsh -q -c "$dst" dominfo offg > /dev/null 2>&1 || fail "the offline migration: exit $rc5"
virsh -q -c "$dst" undefine offg > /dev/null
# A running guest moved offline: libvirt moves its definition and leaves it
# running here, defined there too; check said ok. Now a warning saying so.
"$tool" guest offr
set +e
"$cli" -c "$src" check --offline --persistent offr "$dst" > "$dir/check6o3.out" 2>&1; rc1=$?
"$cli" -c "$src" --offline --persistent offr "$dst" > "$dir/migrate6o3.out" 2>&1; rc2=$?
set -e
show "$dir/check6o3.out" "$dir/migrate6o3.out"
[ $rc1 -eq 0 ] && grep -Eq "warning +state +The guest is running: an offline migration moves only its definition and the guest runs on here" "$dir/check6o3.out" ||
  fail "check of a running guest moved offline: exit $rc1, no warning that it runs on here"
[ $rc2 -eq 0 ] && [ "$("$tool" state src offr)" = running ] && [ "$("$tool" state dst offr)" = shutoff ] ||
  fail "a running guest moved offline: exit $rc2, $("$tool" state src offr) here, $("$tool" state dst offr) there"
virsh -q -c "$dst" undefine offr > /dev/null
"$tool" destroy src offr
ok "a shut-off guest migrated live: a blocker (exit 1), refused up front (exit 2), libvirt's own refusal forced; offline ok, and its definition moves; a running one moved offline, a warning that it runs on here (it does, defined there too)"

# 6p. What the destination opens at the guest's start, named by its
# destination XML (--xml): a CD-ROM's image, a serial port's file, a
# kernel booted directly. Missing there (this machine is the destination,
# so it is looked at): check said "cannot be seen" of the image and
# nothing of the files, and the guest failed to start there. Now blockers (exit 1), refused up front (exit 2),
# libvirt's own failures forced; a medium whose startupPolicy lets libvirt
# leave it out, a warning, and the guest moves without it. A kernel there
# in a directory the destination's libvirtd may not pass (mode 0): check
# said ok, and QEMU failed, "could not open kernel file … Permission
# denied"; a CD-ROM image there: libvirt failed, "Cannot access storage
# file … Permission denied"; now blockers naming the daemon and its user.
truncate -s 1M "$dir/cd.iso"
[ "$(id -u)" -ne 0 ] || chown "$owner" "$dir/cd.iso"
cat > "$dir/cdg.xml" <<XML
<domain type='qemu'><name>cdg</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$dir/cd.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>
<serial type='file'><source path='$dir/cdg-serial.log'/><target port='0'/></serial><memballoon model='none'/></devices></domain>
XML
virsh -q -c "$src" create "$dir/cdg.xml" > /dev/null
virsh -q -c "$src" dumpxml --migratable cdg | sed "s|$dir/cd.iso|$dir/noiso/cd.iso|" > "$dir/cdg-noiso.xml"
sed "s|<source file='$dir/noiso/cd.iso'|<source file='$dir/noiso/cd.iso' startupPolicy='optional'|" "$dir/cdg-noiso.xml" > "$dir/cdg-optional.xml"
virsh -q -c "$src" dumpxml --migratable cdg | sed "s|$dir/cdg-serial.log|$dir/nolog/cdg-serial.log|" > "$dir/cdg-nolog.xml"
"$tool" dirty-guest kern 64 1 1
kernel=$(virsh -q -c "$src" dumpxml kern | sed -n "s|.*<kernel>\(.*\)</kernel>.*|\1|p")
virsh -q -c "$src" dumpxml --migratable kern | sed "s|<kernel>$kernel</kernel>|<kernel>$dir/nokernel/k.elf</kernel>|" > "$dir/kern-nokernel.xml"
mkdir -p "$dir/shutk"
cp "$kernel" "$dir/shutk/k.elf"
cp "$dir/cd.iso" "$dir/shutk/cd.iso"
chmod 0 "$dir/shutk"
virsh -q -c "$src" dumpxml --migratable cdg | sed "s|$dir/cd.iso|$dir/shutk/cd.iso|" > "$dir/cdg-shutk.xml"
virsh -q -c "$src" dumpxml --migratable kern | sed "s|<kernel>$kernel</kernel>|<kernel>$dir/shutk/k.elf</kernel>|" > "$dir/kern-shutk.xml"
cdargs=(--live --migrateuri "unix://$dir/cdg.mig")
set +e
refusal 6p "${cdargs[@]}" --xml "$dir/cdg-noiso.xml" cdg
rc4=$rc1 rc5=$rc2 rc6=$rc3
refusal 6p2 "${cdargs[@]}" --xml "$dir/cdg-nolog.xml" cdg
rc9=$rc1 rc10=$rc2 rc11=$rc3
refusal 6p4 --live --migrateuri "unix://$dir/kern.mig" --xml "$dir/kern-nokernel.xml" kern
rc12=$rc1 rc13=$rc2 rc14=$rc3
refusal 6p5 --live --migrateuri "unix://$dir/kern.mig" --xml "$dir/kern-shutk.xml" kern
rc15=$rc1 rc16=$rc2 rc17=$rc3
refusal 6p6 "${cdargs[@]}" --xml "$dir/cdg-shutk.xml" cdg
rc18=$rc1 rc19=$rc2 rc20=$rc3 rc1=$rc9 rc2=$rc10 rc3=$rc11
chmod 0755 "$dir/shutk"
"$cli" -c "$src" check "${cdargs[@]}" --xml "$dir/cdg-optional.xml" cdg "$dst" > "$dir/check6p3.out" 2>&1; rc7=$?
"$cli" -c "$src" "${cdargs[@]}" --xml "$dir/cdg-optional.xml" cdg "$dst" > "$dir/migrate6p3.out" 2>&1; rc8=$?
set -e
show "$dir/check6p.out" "$dir/migrate6p.out" "$dir/migrate6pf.out" "$dir/check6p2.out" "$dir/migrate6p2.out" \
  "$dir/migrate6p2f.out" "$dir/check6p3.out" "$dir/migrate6p3.out" "$dir/check6p4.out" "$dir/migrate6p4.out" \
  "$dir/migrate6p4f.out"
[ $rc4 -eq 1 ] && grep -Eq "blocker +disk +hdc: $dir/noiso/cd.iso there \($dir/cd.iso here\) is missing on the destination" "$dir/check6p.out" ||
  fail "check of a CD-ROM image missing there: exit $rc4"
[ $rc5 -eq 2 ] || fail "the migration with the image missing there was not refused up front (exit $rc5)"
[ $rc6 -eq 1 ] && grep -q "Cannot access storage file" "$dir/migrate6pf.out" || fail "forced: not libvirt's own failure (exit $rc6)"
[ $rc1 -eq 1 ] && grep -Eq "blocker +files +The guest's serial port writes to $dir/nolog/cdg-serial.log, whose directory is missing" "$dir/check6p2.out" ||
  fail "check of a serial port's file in a directory missing there: exit $rc1"
[ $rc2 -eq 2 ] || fail "the migration with the serial file's directory missing was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "Unable to open file" "$dir/migrate6p2f.out" || fail "forced: not libvirt's own failure (exit $rc3)"
[ $rc7 -eq 0 ] && grep -Eq "warning +disk +hdc: .* is missing on the destination: libvirt leaves the medium out there" "$dir/check6p3.out" ||
  fail "check of an optional medium missing there: exit $rc7"
[ $rc8 -eq 0 ] && [ "$("$tool" state dst cdg)" = running ] || fail "the guest with an optional medium did not move (exit $rc8)"
virsh -q -c "$dst" domblklist cdg | grep -q "hdc *-" || fail "the medium was not left out there"
[ -n "$kernel" ] && [ $rc12 -eq 1 ] && grep -Eq "blocker +files +The guest's kernel is $dir/nokernel/k.elf, which is missing on the destination" "$dir/check6p4.out" ||
  fail "check of a kernel missing there: exit $rc12"
[ $rc13 -eq 2 ] || fail "the migration with the kernel missing there was not refused up front (exit $rc13)"
[ $rc14 -eq 1 ] && qemu_said "could not open kernel file" kern "$dir/migrate6p4f.out" || fail "forced: not QEMU's own failure (exit $rc14)"
show "$dir/check6p5.out" "$dir/migrate6p5.out" "$dir/migrate6p5f.out"
[ $rc15 -eq 1 ] && grep -Eq "blocker +files +The guest's kernel is $dir/shutk/k.elf, which the destination's libvirtd \(pid [0-9]+, user [^)]+\) may not read" "$dir/check6p5.out" ||
  fail "check of a kernel there its libvirtd may not read: exit $rc15"
[ $rc16 -eq 2 ] || fail "the migration with a kernel there its libvirtd may not read was not refused up front (exit $rc16)"
[ $rc17 -eq 1 ] && qemu_said "could not open kernel file .*Permission denied" kern "$dir/migrate6p5f.out" ||
  fail "forced: not QEMU's own failure on the kernel it may not read (exit $rc17)"
[ "$("$tool" state src kern)" = running ] || fail "kern does not run on the source after the refused migrations"
show "$dir/check6p6.out" "$dir/migrate6p6.out" "$dir/migrate6p6f.out"
[ $rc18 -eq 1 ] && grep -Eq "blocker +disk +hdc: $dir/shutk/cd.iso there \($dir/cd.iso here\) is on the destination, where its libvirtd \(pid [0-9]+, user [^)]+\) may not read it" "$dir/check6p6.out" ||
  fail "check of a CD-ROM image there its libvirtd may not read: exit $rc18"
[ $rc19 -eq 2 ] || fail "the migration with a CD-ROM image there its libvirtd may not read was not refused up front (exit $rc19)"
[ $rc20 -eq 1 ] && grep -q "Cannot access storage file.*Permission denied" "$dir/migrate6p6f.out" ||
  fail "forced: not libvirt's own failure on the image it may not read (exit $rc20)"
"$tool" destroy dst cdg
ok "what the destination opens (a CD-ROM image, a serial port's file, a kernel) missing there, or a kernel or CD-ROM image its libvirtd may not read: blockers (exit 1), refused up front (exit 2), libvirt's and QEMU's own failures forced; an optional medium a warning, and the guest moves without it"

# 6q. No migrate URI: libvirt's destination names itself for the migration
# (tcp://NAME:PORT: its qemu.conf's migration_host, else its host name),
# and the source's QEMU looks that name up. Each host of the test bed has a
# host name of its own (as root; the machine's to begin with). The
# machine's name: check says where it resolves, and the guest migrates
# there and back (or, where this machine's name does not resolve, a blocker
# and QEMU's own failure). Renamed localhost.localdomain: libvirt refused
# ("hostname on destination resolved to localhost"), and before 7 Dec this
# request was refused up front for a destination over a UNIX socket,
# wrongly: now a blocker with libvirt's words. Its migration_host set
# (qemu.conf, the daemon restarted) to a name that does not resolve: the
# check reads it and names it, and libvirt uses it (QEMU: "Unable to
# resolve address"). The same restart sets migrate_tls_force: without
# --tls libvirt refused the migration at once, check having said ok.
"$tool" guest nouri
me=$(hostname)
testbed=$(dirname "$0")/testbed/virt-migrate-testbed
set +e
"$cli" -c "$src" check --live nouri "$dst" > "$dir/check6q1.out" 2>&1; rc1=$?
"$cli" -c "$src" --live nouri "$dst" > "$dir/migrate6q1.out" 2>&1; rc2=$?
set -e
show "$dir/check6q1.out" "$dir/migrate6q1.out"
case "$me" in localhost*) me_kind=localhost ;; *) getent ahosts "$me" > /dev/null && me_kind=resolves || me_kind=unknown ;; esac
if [ "$me_kind" = localhost ]; then
  # (A machine named localhost…: libvirt refuses to migrate to it without a migrate URI.)
  [ $rc1 -eq 1 ] && grep -Eq "blocker +stream +.*its name is '$me' \(its host name\): libvirt refuses it" "$dir/check6q1.out" ||
    fail "check without a migrate URI, this machine named '$me': exit $rc1"
  [ $rc2 -eq 2 ] || fail "the migration without a migrate URI was not refused up front (exit $rc2)"
elif [ "$me_kind" = resolves ]; then
  [ $rc1 -eq 0 ] && grep -Eq "ok +stream +With no migrate URI the source connects to '[^']+' \(the destination's name for itself, its host name\), which resolves here, where the source is, to " "$dir/check6q1.out" ||
    fail "check without a migrate URI to a destination whose name resolves: exit $rc1"
  [ $rc2 -eq 0 ] && [ "$("$tool" state dst nouri)" = running ] || fail "the migration without a migrate URI: exit $rc2"
  "$cli" -c "$dst" check --p2p --live nouri "$src" > "$dir/check6q1b.out" 2>&1 || fail "check back, peer-to-peer"
  "$cli" -c "$dst" --live --p2p nouri "$src" > "$dir/migrate6q1b.out" 2>&1 || fail "back, peer-to-peer without a migrate URI"
else
  [ $rc1 -eq 1 ] && grep -Eq "blocker +stream +.*does not resolve on this machine" "$dir/check6q1.out" ||
    fail "check without a migrate URI, this machine's name '$me' not resolving: exit $rc1"
  [ $rc2 -eq 2 ] || fail "the migration without a migrate URI was not refused up front (exit $rc2)"
fi
[ "$("$tool" state src nouri)" = running ] || fail "nouri does not run on the source"
if [ "$(id -u)" -eq 0 ]; then
  "$testbed" hostname "$dir" dst localhost.localdomain
  set +e
  refusal 6q2 --live nouri
  set -e
  show "$dir/check6q2.out" "$dir/migrate6q2.out" "$dir/migrate6q2f.out"
  [ $rc1 -eq 1 ] && grep -Eq "blocker +stream +With no migrate URI the destination names itself for the migration, and its name is 'localhost.localdomain' \(its host name\): libvirt refuses it" "$dir/check6q2.out" ||
    fail "check without a migrate URI to a destination named localhost.localdomain: exit $rc1"
  [ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
  [ $rc3 -eq 1 ] && grep -q "hostname on destination resolved to localhost" "$dir/migrate6q2f.out" ||
    fail "forced: exit $rc3, not libvirt's refusal"
  # Offline too: libvirt refused moving only the definition (seen on a
  # machine named localhost), though no stream goes.
  virsh -q -c "$src" dumpxml nouri | sed -e 's|<name>nouri</name>|<name>offq</name>|' -e '/<uuid>/d' > "$dir/offq.xml"
  virsh -q -c "$src" define "$dir/offq.xml" > /dev/null
  set +e
  refusal 6q2o --offline --persistent offq
  set -e
  show "$dir/check6q2o.out" "$dir/migrate6q2o.out" "$dir/migrate6q2of.out"
  [ $rc1 -eq 1 ] && grep -Eq "blocker +stream +.*its name is 'localhost.localdomain' \(its host name\): libvirt refuses it" "$dir/check6q2o.out" ||
    fail "check of an offline migration without a migrate URI to a destination named localhost.localdomain: exit $rc1"
  [ $rc2 -eq 2 ] || fail "that offline migration was not refused up front (exit $rc2)"
  [ $rc3 -eq 1 ] && grep -q "hostname on destination resolved to localhost" "$dir/migrate6q2of.out" ||
    fail "forced offline: exit $rc3, not libvirt's refusal"
  virsh -q -c "$src" undefine offq > /dev/null
  cp "$dir/dst/config/libvirt/qemu.conf" "$dir/qemu.conf.kept"
  printf 'migration_host = "nowhere.invalid"\nmigrate_tls_force = 1\n' >> "$dir/dst/config/libvirt/qemu.conf"
  "$testbed" restart "$dir" dst
  "$testbed" hostname "$dir" dst localhost.localdomain
  set +e
  refusal 6q4 --live --migrateuri "tcp://127.0.0.1:$(free_port)" nouri
  rc4=$rc1 rc5=$rc2 rc6=$rc3
  refusal 6q3 --live --tls nouri
  "$cli" -c "$src" check --live --tls --migrateuri "tcp://127.0.0.1:$(free_port)" nouri "$dst" > "$dir/check6q4ok.out" 2>&1; rc7=$?
  set -e
  show "$dir/check6q3.out" "$dir/migrate6q3.out" "$dir/migrate6q3f.out" "$dir/check6q4.out" "$dir/migrate6q4f.out" "$dir/check6q4ok.out"
  [ $rc1 -eq 1 ] && grep -Eq "blocker +stream +With no migrate URI the source connects to 'nowhere.invalid' \(the destination's name for itself, its qemu.conf's migration_host\), which does not resolve on this machine \(the source\)" "$dir/check6q3.out" ||
    fail "check without a migrate URI, the destination's migration_host not resolving: exit $rc1"
  ! grep -q "takes migrations only over TLS" "$dir/check6q3.out" || fail "check with --tls said the destination refuses it for want of TLS"
  [ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
  [ $rc3 -eq 1 ] && grep -q "Unable to resolve address 'nowhere.invalid'" "$dir/migrate6q3f.out" ||
    fail "forced: exit $rc3, not QEMU's failure on migration_host"
  # migrate_tls_force: without --tls, libvirt refused ("allows migration
  # only with VIR_MIGRATE_TLS flag") after check said ok.
  [ $rc4 -eq 1 ] && grep -Eq "blocker +tls +The destination's libvirtd \(pid [0-9]+, user [^)]+\) takes migrations only over TLS \(its qemu.conf's migrate_tls_force\)" "$dir/check6q4.out" ||
    fail "check without --tls to a destination that forces it: exit $rc4"
  [ $rc5 -eq 2 ] || fail "the migration without --tls was not refused up front (exit $rc5)"
  [ $rc6 -eq 1 ] && grep -q "allows migration only with VIR_MIGRATE_TLS flag" "$dir/migrate6q4f.out" ||
    fail "forced without --tls: exit $rc6, not libvirt's refusal"
  [ $rc7 -eq 0 ] && ! grep -q "takes migrations only over TLS" "$dir/check6q4ok.out" || fail "check with --tls to a destination that forces it: exit $rc7"
  cp "$dir/qemu.conf.kept" "$dir/dst/config/libvirt/qemu.conf"
  "$testbed" restart "$dir" dst
  [ "$("$tool" state src nouri)" = running ] || fail "nouri does not run on the source after the refused migrations"
  "$tool" destroy src nouri
  ok "no migrate URI: the destination's name for itself looked up (ok, it migrates there and back, both flows), named localhost.localdomain a blocker, offline too (libvirt's refusal forced), its qemu.conf's migration_host read and named (QEMU's failure to resolve it forced); its migrate_tls_force read: without --tls a blocker (libvirt's refusal forced), with it ok"
else
  "$tool" destroy src nouri
  ok "no migrate URI: the destination's name for itself looked up # SKIP renaming a host needs root (a UTS namespace)"
fi

# 6r. Over TLS the source's QEMU checks the destination's certificate
# against the name it connects by (libvirt 9.0: the migrate URI's host,
# or --tls-destination), against the CA it trusts, and the destination's
# QEMU checks its own against the CA beside it. The test bed's certificate
# holds 127.0.0.1 and localhost: without a migrate URI the name is the
# destination's own, and the migration failed ("load of migration failed:
# Invalid argument"; the source's log: "Certificate does not match the
# hostname") after check said ok; so did one to tcp://127.0.0.2 (QEMU
# listens on every address; the certificate is for 127.0.0.1). Now a blocker naming the names it holds;
# --tls-destination localhost ok, and it migrates. The destination
# restarted with a directory of its own: a certificate signed by another
# CA (the source's QEMU: "hasn't got a known issuer"), one its own CA did
# not sign ("Our own certificate … failed validation"), none: blockers,
# refused up front, each failure forced with the guest running on.
"$tool" guest tlsg
set +e
refusal 6r1 --live --tls --migrateuri "tcp://127.0.0.2:$(free_port)" tlsg
"$cli" -c "$src" check --live --tls --tls-destination localhost --migrateuri "tcp://127.0.0.1:$(free_port)" tlsg "$dst" > "$dir/check6r2.out" 2>&1; rc4=$?
"$cli" -c "$src" check --live --tls tlsg "$dst" > "$dir/check6r1n.out" 2>&1
set -e
show "$dir/check6r1.out" "$dir/migrate6r1.out" "$dir/migrate6r1f.out" "$dir/check6r2.out" "$dir/check6r1n.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The source checks the destination's certificate \($dir/pki/server-cert.pem\) against '127.0.0.2' \(the migrate URI's host\), and it holds 127.0.0.1, localhost only: QEMU refuses it" "$dir/check6r1.out" ||
  fail "check over TLS to tcp://127.0.0.2, the certificate not for that address: exit $rc1"
# Without a migrate URI, the name is the destination's own (this machine's:
# not in the test bed's certificate unless it is localhost).
case "$me" in
localhost) ;;
*) grep -Eq "blocker +tls +The source checks the destination's certificate \($dir/pki/server-cert.pem\) against '[^']+' \(the destination's name for itself\), and it holds 127.0.0.1, localhost only" "$dir/check6r1n.out" ||
     fail "check over TLS without a migrate URI, the certificate not for the destination's name" ;;
esac
[ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && [ "$("$tool" state src tlsg)" = running ] || fail "forced: exit $rc3, or tlsg not running on the source"
grep -q "Over TLS, one side refused the other's certificate" "$dir/migrate6r1f.out" || fail "forced: the failure does not say where to look"
[ $rc4 -eq 0 ] && grep -Eq "ok +tls +The destination's certificate \($dir/pki/server-cert.pem\) holds 'localhost' \(--tls-destination\), signed by the CA the source trusts" "$dir/check6r2.out" ||
  fail "check over TLS with --tls-destination localhost: exit $rc4"
"$cli" -c "$src" --live --tls --tls-destination localhost tlsg "$dst" "tcp://127.0.0.1:$(free_port)" > "$dir/migrate6r2.out" 2>&1 &&
  [ "$("$tool" state dst tlsg)" = running ] || fail "the migration over TLS with --tls-destination localhost"
"$cli" -c "$dst" --live --tls tlsg "$src" "tcp://localhost:$(free_port)" > "$dir/migrate6r2b.out" 2>&1 ||
  fail "back over TLS to tcp://localhost"
# The destination's own directory: a CA of its own, a certificate it signed.
pki2=$dir/pki2
mkdir -p "$pki2"
( cd "$pki2" &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca-key.pem -out ca-cert.pem 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out s.csr 2>/dev/null &&
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' > s.ext &&
  openssl x509 -req -in s.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile s.ext -out server-cert.pem 2>/dev/null &&
  rm -f s.csr s.ext ca-key.pem ca-cert.srl ) || fail "cannot make a second CA"
chmod 0755 "$pki2"; chmod 0644 "$pki2"/*
cp "$dir/dst/config/libvirt/qemu.conf" "$dir/qemu.conf.kept"
sed -i "s|^migrate_tls_x509_cert_dir.*|migrate_tls_x509_cert_dir = \"$pki2\"|" "$dir/dst/config/libvirt/qemu.conf"
"$testbed" restart "$dir" dst
set +e
refusal 6r3 --live --tls --migrateuri "tcp://127.0.0.1:$(free_port)" tlsg
set -e
show "$dir/check6r3.out" "$dir/migrate6r3.out" "$dir/migrate6r3f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The destination's certificate \($pki2/server-cert.pem\) is not signed by the CA the source trusts \($dir/pki/ca-cert.pem\)" "$dir/check6r3.out" ||
  fail "check over TLS, the destination's certificate from another CA: exit $rc1"
grep -Eq "blocker +tls +The source's client certificate \($dir/pki/client-cert.pem\) is not signed by the CA the destination trusts \($pki2/ca-cert.pem\)" "$dir/check6r3.out" ||
  fail "check over TLS, the source's client certificate from a CA the destination does not trust: no blocker"
[ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "hasn't got a known issuer" "$dir/migrate6r3f.out" || fail "forced: exit $rc3, not QEMU's failure"
cp "$dir/pki/ca-cert.pem" "$pki2/ca-cert.pem"
set +e
refusal 6r4 --live --tls --migrateuri "tcp://127.0.0.1:$(free_port)" tlsg
set -e
show "$dir/check6r4.out" "$dir/migrate6r4.out" "$dir/migrate6r4f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The destination's certificate \($pki2/server-cert.pem\) is not signed by its own CA \($pki2/ca-cert.pem\)" "$dir/check6r4.out" ||
  fail "check over TLS, the destination's certificate not from its own CA: exit $rc1"
[ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && grep -q "Our own certificate .* failed validation" "$dir/migrate6r4f.out" || fail "forced: exit $rc3, not QEMU's failure"
rm "$pki2/server-cert.pem"
set +e
refusal 6r5 --live --tls --migrateuri "tcp://127.0.0.1:$(free_port)" tlsg
set -e
show "$dir/check6r5.out" "$dir/migrate6r5.out" "$dir/migrate6r5f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The destination's migration certificate $pki2/server-cert.pem is missing" "$dir/check6r5.out" ||
  fail "check over TLS, the destination's certificate missing: exit $rc1"
[ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] || fail "forced: exit $rc3"
[ "$("$tool" state src tlsg)" = running ] || fail "tlsg does not run on the source after the refused migrations"
cp "$dir/qemu.conf.kept" "$dir/dst/config/libvirt/qemu.conf"
"$testbed" restart "$dir" dst
# The source's client certificate gone: the destination's QEMU wants one
# (migrate_tls_x509_verify) and refused the connection ("Cannot write to
# TLS channel: Input/output error") after check said ok.
mv "$dir/pki/client-cert.pem" "$dir/client-cert.pem.kept"
set +e
refusal 6r6 --live --tls --migrateuri "tcp://127.0.0.1:$(free_port)" tlsg
set -e
mv "$dir/client-cert.pem.kept" "$dir/pki/client-cert.pem"
show "$dir/check6r6.out" "$dir/migrate6r6.out" "$dir/migrate6r6f.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The source's client certificate $dir/pki/client-cert.pem is missing, and the destination's QEMU wants one" "$dir/check6r6.out" ||
  fail "check over TLS, the source's client certificate missing: exit $rc1"
[ $rc2 -eq 2 ] || fail "that migration was not refused up front (exit $rc2)"
[ $rc3 -eq 1 ] && [ "$("$tool" state src tlsg)" = running ] || fail "forced: exit $rc3, or tlsg not running on the source"
grep -q "Over TLS, one side refused the other's certificate" "$dir/migrate6r6f.out" || fail "forced: the failure does not say where to look"
"$tool" destroy src tlsg
ok "over TLS: a destination certificate not for the name the source checks (no migrate URI), from a CA the source does not trust, not from its own CA, or missing, the source's client certificate from a CA the destination does not trust or missing: blockers (exit 1) naming the files, refused up front (exit 2), QEMU's failures forced with the guest on the source; --tls-destination localhost ok, and it migrates"

# 6s. A qemu.conf changed after its daemon started: a daemon reads the file
# only as it starts. migrate_tls_force added to the destination's, the
# daemon not restarted: libvirt took a migration without TLS, where check
# (reading the file) called it a blocker before 8 Dec; now a warning, and a
# qemu-conf warning naming the file and the times. Restarted: a blocker,
# and no qemu-conf line.
"$tool" guest cnf
dconf="$dir/dst/config/libvirt/qemu.conf"
cp "$dconf" "$dir/qemu.conf.kept"
sleep 1.5
printf 'migrate_tls_force = 1\n' >> "$dconf"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/cnf.mig" cnf "$dst" > "$dir/check6s1.out" 2>&1; rc1=$?
"$cli" -c "$src" --live --migrateuri "unix://$dir/cnf.mig" cnf "$dst" > "$dir/migrate6s1.out" 2>&1; rc2=$?
set -e
show "$dir/check6s1.out" "$dir/migrate6s1.out"
[ $rc1 -eq 0 ] && grep -Eq "warning +qemu-conf +The destination's libvirtd \(pid [0-9]+, user [^)]+\) started at [0-9-]+ [0-9:]+, before its qemu.conf \($dconf\) was last changed, at [0-9-]+ [0-9:]+: a daemon reads it only as it starts" "$dir/check6s1.out" ||
  fail "check to a destination whose qemu.conf changed after its daemon started: exit $rc1, or no qemu-conf warning"
grep -Eq "warning +tls +The destination's libvirtd .* takes migrations only over TLS \(its qemu.conf's migrate_tls_force, set after it started: libvirt refuses this one once the daemon restarts, and may take it until then\)" "$dir/check6s1.out" ||
  fail "migrate_tls_force set after the daemon started: not a warning saying so"
! grep -Eq "qemu-conf +The source's" "$dir/check6s1.out" || fail "a qemu-conf line for the source, whose file did not change"
[ $rc2 -eq 0 ] && [ "$("$tool" state dst cnf)" = running ] || fail "the daemon not restarted did not take the migration without TLS (exit $rc2)"
"$cli" -c "$dst" --live --migrateuri "unix://$dir/cnf.mig" cnf "$src" > "$dir/migrate6s1b.out" 2>&1 ||
  { show "$dir/migrate6s1b.out"; fail "back from the destination whose qemu.conf changed"; }
"$testbed" restart "$dir" dst
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/cnf.mig" cnf "$dst" > "$dir/check6s2.out" 2>&1; rc1=$?
set -e
show "$dir/check6s2.out"
[ $rc1 -eq 1 ] && grep -Eq "blocker +tls +The destination's libvirtd .* takes migrations only over TLS \(its qemu.conf's migrate_tls_force\): libvirt refuses this one" "$dir/check6s2.out" ||
  fail "restarted with migrate_tls_force: exit $rc1, not a blocker"
! grep -q "qemu-conf" "$dir/check6s2.out" || fail "a qemu-conf line after the daemon restarted"
cp "$dir/qemu.conf.kept" "$dconf"
"$testbed" restart "$dir" dst
# The file a daemon's user controls may be anything: a FIFO in its place
# hung the check (read to its end) before 8 Dec; now it is not read, and
# what rests on it is not known.
rm "$dconf"
mkfifo "$dconf"
set +e
timeout 60 "$cli" -c "$src" check --live cnf "$dst" > "$dir/check6s3.out" 2>&1; rc1=$?
set -e
rm "$dconf"
cp "$dir/qemu.conf.kept" "$dconf"
show "$dir/check6s3.out"
[ $rc1 -ne 124 ] && grep -Eq ": (can|cannot) take the guest" "$dir/check6s3.out" ||
  fail "check with a FIFO for the destination's qemu.conf hung, or gave no verdict (exit $rc1)"
[ "$("$tool" state src cnf)" = running ] || fail "cnf does not run on the source"
"$tool" destroy src cnf
ok "a qemu.conf changed after its daemon started: a qemu-conf warning naming the file, its migrate_tls_force a warning (the daemon, not restarted, took the migration without TLS); restarted, a blocker and no such line; a FIFO for qemu.conf not read (the check hung before)"

# 7. A network present on the source only: a blocker; mapped onto one the
# destination has (--network-map), ok.
net() { # URI NAME: a bridge-mode network (nothing to create: it starts unprivileged)
	printf "<network><name>%s</name><forward mode='bridge'/><bridge name='br-%s'/></network>" "$2" "$2" > "$dir/$2.net.xml"
	virsh -q -c "$1" net-define "$dir/$2.net.xml" > /dev/null && virsh -q -c "$1" net-start "$2" > /dev/null
}
net "$src" onlysrc
net "$dst" dstnet
cat > "$dir/netg.xml" <<XML
<domain type='qemu'><name>netg</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<interface type='network'><source network='onlysrc'/><model type='virtio'/></interface></devices></domain>
XML
virsh -q -c "$src" define "$dir/netg.xml" > /dev/null
set +e
"$cli" -c "$src" check --offline --persistent netg "$dst" > "$dir/check7.out" 2>&1; rc=$?
set -e
show "$dir/check7.out"
[ $rc -eq 1 ] && grep -Eq "blocker +network +The guest's network onlysrc does not exist" "$dir/check7.out" ||
  fail "no blocker for a network the destination lacks"
"$cli" -c "$src" check --offline --persistent --network-map onlysrc=dstnet netg "$dst" > "$dir/check8.out" 2>&1 ||
  { show "$dir/check8.out"; fail "check with --network-map"; }
grep -Eq "ok +network +The network dstnet exists on the destination" "$dir/check8.out" ||
  { show "$dir/check8.out"; fail "the mapped network is not checked"; }
ok "a network on the source only is a blocker; --network-map onto one the destination has is ok"

# 8. The same over D-Bus: Manager.Check on a private bus.
start_bus
trap 'kill ${daemon:-} $bus_pid 2>/dev/null || true' EXIT
start_daemon
gdbus call --session --dest org.virtmigrate.VirtMigrate1 --object-path /org/virtmigrate/VirtMigrate1/Manager \
  --method org.virtmigrate.VirtMigrate1.Manager.Check \
  "{'domain': <'chk'>, 'source-uri': <'$src'>, 'live': <true>, 'hypervisor-uri': <'unix://$dir/chk.mig'>}" "['$dst', '$unreachable']" > "$dir/check-dbus.out" ||
  { show "$dir/daemon.log"; fail "Manager.Check"; }
show "$dir/check-dbus.out"
grep -q "'result': <'ok'>" "$dir/check-dbus.out" && grep -q "'result': <'blocker'>" "$dir/check-dbus.out" &&
  grep -q "Cannot connect to" "$dir/check-dbus.out" || fail "Manager.Check: not one verdict each"
ok "D-Bus Manager.Check: a verdict per destination"
