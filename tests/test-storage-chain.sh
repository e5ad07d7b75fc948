#!/bin/bash
# Storage copies of disks with a backing chain, for real (inside the test
# bed): nothing a guest's disk holds may be lost. A guest whose disk is an
# overlay (some data of its own) on a base image of random data:
#  1. --copy-storage-inc --disk-map with the base missing there: check names
#     the missing base (exit 1); the migration is refused with exit 2 before
#     anything moves, the guest running on the source, nothing left there;
#  2. the base copied there: the top image is made on top of it, and the
#     destination's disk reads exactly like the source's chain;
#  3. --copy-storage-all --disk-map: one flat image there, identical;
#  4. --copy-storage-inc with a hand-written destination XML (shared
#     nothing, not mapped): an image already there without a backing file
#     is a blocker; once removed, it is made on top of the base, identical;
#  5. --copy-storage-inc of a disk without a chain, mapped: identical;
#  6. --copy-storage-inc onto another base of that name there (a disk of
#     another size): check names it (exit 1), the migration is refused
#     (exit 2); forced, libvirt does it and the guest's disk there reads
#     other data than the source's (what the check is for);
#  7. --copy-storage-all into an image already there: of another size, or
#     raw where the disk is qcow2, check names it (exit 1), the migration is
#     refused (exit 2), forced QEMU's own failure with the guest running on
#     the source; of the disk's size and format, ok, and identical;
#  8. --copy-storage-all into a file system with too little room (a tmpfs of
#     16 MiB for 32 MiB of data; root only): check names it (exit 1), the
#     migration is refused (exit 2), forced the copy fails part-way with the
#     guest on the source and nothing left there; with room, ok and it says
#     how much.
# (The test bed also compares every destination disk with its source when
# the run ends: virt-migrate-testbed verify-disks.)
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
owner=$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID
export XDG_STATE_HOME=$dir/chain-state
. "$(dirname "$0")/tap.sh"

echo "1..8"

# chain_guest NAME: a running guest on the source whose disk
# $dir/imgs-NAME/NAME.qcow2 has 4 MiB of its own on top of
# $dir/imgs-NAME/NAME-base.qcow2 (16 MiB of random data, 48 MiB in all).
chain_guest() {
	local name=$1 d=$dir/imgs-$1
	mkdir -p "$d"
	head -c 16M /dev/urandom > "$d/$name-base.raw"
	qemu-img convert -q -f raw -O qcow2 "$d/$name-base.raw" "$d/$name-base.qcow2"
	rm "$d/$name-base.raw"
	qemu-img resize -q "$d/$name-base.qcow2" 48M
	qemu-img create -q -f qcow2 -b "$d/$name-base.qcow2" -F qcow2 "$d/$name.qcow2"
	qemu-io -f qcow2 -c "write -P 0x5a 8M 4M" "$d/$name.qcow2" > /dev/null
	disk_guest "$name" "$d/$name.qcow2"
}
# disk_guest NAME IMAGE: a running guest on the source with IMAGE as vda.
disk_guest() {
	chown -R "$owner" "$(dirname "$2")"
	domain_xml "$1" "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$2'/><target dev='vda' bus='virtio'/></disk>" > "$dir/$1.xml"
	virsh -q -c "$src" create "$dir/$1.xml" > /dev/null
}
# migrate NAME OPTIONS...: live, managed direct over UNIX sockets.
migrate() {
	local name=$1
	shift
	"$cli" -q -c "$src" --live --migrateuri "unix://$dir/$name.mig" --disks-uri "unix://$dir/$name.nbd" "$@" \
		"$name" "$dst" > "$dir/$name.out" 2>&1
}
moved() { [ "$("$tool" state dst "$1")" = running ] && [ "$("$tool" state src "$1")" = absent ]; }
# same SOURCE-IMAGE DEST-IMAGE: the guest sees the same bytes on both sides.
same() {
	qemu-img compare -U "$1" "$2" > "$dir/compare.out" 2>&1 || { show "$dir/compare.out"; return 1; }
}
backing_of() { qemu-img info -U --output=json "$1" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin).get("full-backing-filename", ""))'; }
dest_dir() { mkdir -p "$1" && chown "$owner" "$1"; }

# 1. The base is not there: refused before anything moves.
chain_guest inc1
dest_dir "$dir/dst-inc1"
map="$dir/imgs-inc1=$dir/dst-inc1"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-inc --disk-map "$map" inc1 "$dst" > "$dir/check1.out" 2>&1; crc=$?
migrate inc1 --copy-storage-inc --disk-map "$map"; rc=$?
set -e
show "$dir/check1.out" "$dir/inc1.out"
[ $crc -eq 1 ] || fail "check of an incremental copy without its base exited $crc, expected 1"
grep -Eq "blocker +backing +vda: .*backing file $dir/imgs-inc1/inc1-base.qcow2 is missing on the destination at $dir/dst-inc1/inc1-base.qcow2" "$dir/check1.out" ||
	fail "check does not name the missing base"
grep -q "fix: Copy the backing file there first.*--copy-storage-all" "$dir/check1.out" || fail "check gives no fix"
[ $rc -eq 2 ] || fail "the migration exited $rc, expected 2"
grep -q "Pre-flight check: vda: .*inc1-base.qcow2 is missing on the destination" "$dir/inc1.out" || fail "no pre-flight message"
[ "$("$tool" state src inc1)" = running ] && [ "$("$tool" state dst inc1)" = absent ] || fail "inc1 is not running on the source only"
[ -z "$(ls -A "$dir/dst-inc1")" ] || fail "something was left on the destination: $(ls "$dir/dst-inc1")"
ok "--copy-storage-inc without the base there: check names it (exit 1), the migration is refused with exit 2, the guest runs on the source"

# 2. With the base copied there: made on top of it, and identical.
cp "$dir/imgs-inc1/inc1-base.qcow2" "$dir/dst-inc1/"
chown "$owner" "$dir/dst-inc1/inc1-base.qcow2"
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-inc --disk-map "$map" inc1 "$dst" > "$dir/check2.out" 2>&1 ||
	{ show "$dir/check2.out"; fail "check with the base there"; }
grep -Eq "ok +disk +vda: its top image copied to $dir/dst-inc1/inc1.qcow2, created there on top of $dir/dst-inc1/inc1-base.qcow2" "$dir/check2.out" ||
	{ show "$dir/check2.out"; fail "check does not say the top image is made on the base"; }
migrate inc1 --copy-storage-inc --disk-map "$map" || { show "$dir/inc1.out"; fail "the incremental copy failed"; }
moved inc1 || fail "inc1 did not move"
[ "$(backing_of "$dir/dst-inc1/inc1.qcow2")" = "$dir/dst-inc1/inc1-base.qcow2" ] ||
	fail "the destination image is not on top of the base: '$(backing_of "$dir/dst-inc1/inc1.qcow2")'"
same "$dir/imgs-inc1/inc1.qcow2" "$dir/dst-inc1/inc1.qcow2" || fail "the destination disk differs from the source's"
ok "--copy-storage-inc with the base there: the top image made on top of it, the disk identical on both sides"

# 3. A full copy of a chain: flat there, identical.
chain_guest all1
dest_dir "$dir/dst-all1"
migrate all1 --copy-storage-all --disk-map "$dir/imgs-all1=$dir/dst-all1" || { show "$dir/all1.out"; fail "the full copy failed"; }
moved all1 || fail "all1 did not move"
[ -z "$(backing_of "$dir/dst-all1/all1.qcow2")" ] || fail "the full copy's image has a backing file"
[ ! -e "$dir/dst-all1/all1-base.qcow2" ] || fail "a base appeared on the destination"
same "$dir/imgs-all1/all1.qcow2" "$dir/dst-all1/all1.qcow2" || fail "the destination disk differs from the source's"
ok "--copy-storage-all of a chain: one flat image there, identical"

# 4. Shared nothing, a destination XML written by hand: an image there
# without the backing file is a blocker; without it, made on the base.
chain_guest xml1
dest_dir "$dir/dst-xml1"
qemu-img create -q -f qcow2 "$dir/dst-xml1/xml1.qcow2" 48M
chown -R "$owner" "$dir/dst-xml1"
virsh -q -c "$src" dumpxml --migratable xml1 | sed "s|$dir/imgs-xml1/xml1.qcow2|$dir/dst-xml1/xml1.qcow2|" > "$dir/xml1-dest.xml"
set +e
migrate xml1 --copy-storage-inc --xml "$dir/xml1-dest.xml"; rc=$?
set -e
show "$dir/xml1.out"
[ $rc -eq 2 ] && grep -q "vda: $dir/dst-xml1/xml1.qcow2 exists on the destination without a backing file" "$dir/xml1.out" ||
	fail "an image there without the backing file: exit $rc"
[ "$("$tool" state src xml1)" = running ] || fail "xml1 is not running on the source"
rm "$dir/dst-xml1/xml1.qcow2"
migrate xml1 --copy-storage-inc --xml "$dir/xml1-dest.xml" || { show "$dir/xml1.out"; fail "the incremental copy with --xml failed"; }
moved xml1 || fail "xml1 did not move"
[ "$(backing_of "$dir/dst-xml1/xml1.qcow2")" = "$dir/imgs-xml1/xml1-base.qcow2" ] ||
	fail "not on top of the base at the source's path: '$(backing_of "$dir/dst-xml1/xml1.qcow2")'"
same "$dir/imgs-xml1/xml1.qcow2" "$dir/dst-xml1/xml1.qcow2" || fail "the destination disk differs from the source's"
ok "--copy-storage-inc with --xml: an image there without its base is refused (exit 2); made on top of the base, identical"

# 5. An incremental copy of a disk without a chain: all of it, identical.
mkdir -p "$dir/imgs-flat1"
head -c 8M /dev/urandom > "$dir/imgs-flat1/flat1.raw"
qemu-img convert -q -f raw -O qcow2 "$dir/imgs-flat1/flat1.raw" "$dir/imgs-flat1/flat1.qcow2"
rm "$dir/imgs-flat1/flat1.raw"
qemu-img resize -q "$dir/imgs-flat1/flat1.qcow2" 32M
disk_guest flat1 "$dir/imgs-flat1/flat1.qcow2"
dest_dir "$dir/dst-flat1"
migrate flat1 --copy-storage-inc --disk-map "$dir/imgs-flat1=$dir/dst-flat1" || { show "$dir/flat1.out"; fail "flat1"; }
moved flat1 || fail "flat1 did not move"
same "$dir/imgs-flat1/flat1.qcow2" "$dir/dst-flat1/flat1.qcow2" || fail "the destination disk differs from the source's"
ok "--copy-storage-inc of a disk without a chain: identical"

# 6. Another base there under that name (another template, of another
# size): the top image made over it reads other data.
chain_guest inc6
dest_dir "$dir/dst-inc6"
qemu-img create -q -f qcow2 "$dir/dst-inc6/inc6-base.qcow2" 32M
qemu-io -f qcow2 -c "write -P 0x11 0 16M" "$dir/dst-inc6/inc6-base.qcow2" > /dev/null
chown -R "$owner" "$dir/dst-inc6"
map="$dir/imgs-inc6=$dir/dst-inc6"
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-inc --disk-map "$map" inc6 "$dst" > "$dir/check6.out" 2>&1; crc=$?
migrate inc6 --copy-storage-inc --disk-map "$map"; rc=$?
cp "$dir/inc6.out" "$dir/inc6-refused.out"
migrate inc6 --copy-storage-inc --disk-map "$map" --force; frc=$?
set -e
show "$dir/check6.out" "$dir/inc6-refused.out" "$dir/inc6.out"
[ $crc -eq 1 ] && grep -Eq "blocker +backing +vda: the backing file at $dir/dst-inc6/inc6-base.qcow2 on the destination is a disk of 33554432 bytes, the source's $dir/imgs-inc6/inc6-base.qcow2 one of 50331648: not the same data" "$dir/check6.out" ||
	fail "check of an incremental copy onto another base: exit $crc"
[ $rc -eq 2 ] || fail "the migration onto another base exited $rc, expected 2"
[ $frc -eq 0 ] && moved inc6 || fail "forced: exit $frc"
same "$dir/imgs-inc6/inc6.qcow2" "$dir/dst-inc6/inc6.qcow2" 2> /dev/null &&
	fail "forced onto another base, the guest's disk reads the same: the check would guard nothing"
# (Its disk differs by design: not one for the test bed's verify-disks.)
"$tool" destroy dst inc6
ok "--copy-storage-inc onto another base there: check names it (exit 1), refused (exit 2); forced, the guest's disk there reads other data"

# 7. A copy into an image already there: QEMU copies only into one of the
# disk's very size, and opens it in the disk's format (a qcow2 image for a
# raw disk, too: opened as raw, refused).
mkdir -p "$dir/imgs-pre7"
head -c 8M /dev/urandom > "$dir/imgs-pre7/pre7.raw"
qemu-img convert -q -f raw -O qcow2 "$dir/imgs-pre7/pre7.raw" "$dir/imgs-pre7/pre7.qcow2"
rm "$dir/imgs-pre7/pre7.raw"
qemu-img resize -q "$dir/imgs-pre7/pre7.qcow2" 32M
disk_guest pre7 "$dir/imgs-pre7/pre7.qcow2"
dest_dir "$dir/dst-pre7"
map="$dir/imgs-pre7=$dir/dst-pre7"
pre7() { # TAG: check, the migration, and forced
	"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$map" pre7 "$dst" > "$dir/check7$1.out" 2>&1 && crc=0 || crc=$?
	migrate pre7 --copy-storage-all --disk-map "$map" && rc=0 || rc=$?
	cp "$dir/pre7.out" "$dir/pre7$1.out"
	migrate pre7 --copy-storage-all --disk-map "$map" --force && frc=0 || frc=$?
	cp "$dir/pre7.out" "$dir/pre7$1f.out"
	show "$dir/check7$1.out" "$dir/pre7$1.out" "$dir/pre7$1f.out"
}
qemu-img create -q -f qcow2 "$dir/dst-pre7/pre7.qcow2" 64M
chown -R "$owner" "$dir/dst-pre7"
pre7 size
[ $crc -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/dst-pre7/pre7.qcow2, which exists on the destination and holds a disk of 67108864 bytes, where the guest's is 33554432" "$dir/check7size.out" ||
	fail "check of a copy into an image of another size: exit $crc"
[ $rc -eq 2 ] || fail "the copy into an image of another size exited $rc, expected 2"
[ $frc -eq 1 ] && grep -q "Source and target image have different sizes" "$dir/pre7sizef.out" || fail "forced: not QEMU's own failure (exit $frc)"
[ "$("$tool" state src pre7)" = running ] && [ "$("$tool" state dst pre7)" = absent ] || fail "pre7 is not running on the source only"
rm "$dir/dst-pre7/pre7.qcow2"
truncate -s 32M "$dir/dst-pre7/pre7.qcow2"
chown "$owner" "$dir/dst-pre7/pre7.qcow2"
pre7 format
[ $crc -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/dst-pre7/pre7.qcow2, which exists on the destination as a raw image, where the disk is qcow2" "$dir/check7format.out" ||
	fail "check of a copy into a raw image: exit $crc"
[ $rc -eq 2 ] || fail "the copy into a raw image exited $rc, expected 2"
[ $frc -eq 1 ] && qemu_said "Image is not in qcow2 format" pre7 "$dir/pre7formatf.out" || fail "forced: not QEMU's own failure (exit $frc)"
[ "$("$tool" state src pre7)" = running ] && [ "$("$tool" state dst pre7)" = absent ] || fail "pre7 is not running on the source only"
# A raw disk into a qcow2 image there of its virtual size: QEMU opens it as
# raw (the guest's format), and refuses; check said ok before 7 Dec.
mkdir -p "$dir/imgs-raw7"
truncate -s 16M "$dir/imgs-raw7/raw7.img"
chown -R "$owner" "$dir/imgs-raw7"
domain_xml raw7 "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$dir/imgs-raw7/raw7.img'/><target dev='vda' bus='virtio'/></disk>" > "$dir/raw7.xml"
virsh -q -c "$src" create "$dir/raw7.xml" > /dev/null
dest_dir "$dir/dst-raw7"
qemu-img create -q -f qcow2 "$dir/dst-raw7/raw7.img" 16M
chown "$owner" "$dir/dst-raw7/raw7.img"
before=$(md5sum < "$dir/dst-raw7/raw7.img")
set +e
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$dir/imgs-raw7=$dir/dst-raw7" raw7 "$dst" > "$dir/check7raw.out" 2>&1; crc=$?
migrate raw7 --copy-storage-all --disk-map "$dir/imgs-raw7=$dir/dst-raw7"; rc=$?
cp "$dir/raw7.out" "$dir/raw7r.out"
migrate raw7 --copy-storage-all --disk-map "$dir/imgs-raw7=$dir/dst-raw7" --force; frc=$?
set -e
show "$dir/check7raw.out" "$dir/raw7r.out" "$dir/raw7.out"
[ $crc -eq 1 ] && grep -Eq "blocker +disk +vda: copied into $dir/dst-raw7/raw7.img, which exists on the destination as a qcow2 image, where the disk is raw" "$dir/check7raw.out" ||
	fail "check of a raw disk copied into a qcow2 image: exit $crc"
[ $rc -eq 2 ] || fail "the raw disk's copy into a qcow2 image exited $rc, expected 2"
[ $frc -eq 1 ] && grep -q "Source and target image have different sizes" "$dir/raw7.out" || fail "forced: not QEMU's own failure (exit $frc)"
[ "$("$tool" state src raw7)" = running ] && [ "$(md5sum < "$dir/dst-raw7/raw7.img")" = "$before" ] ||
	fail "raw7 is not running on the source, or the qcow2 image there changed"
rm "$dir/dst-pre7/pre7.qcow2"
qemu-img create -q -f qcow2 "$dir/dst-pre7/pre7.qcow2" 32M
chown "$owner" "$dir/dst-pre7/pre7.qcow2"
"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$map" pre7 "$dst" > "$dir/check7ok.out" 2>&1 ||
	{ show "$dir/check7ok.out"; fail "check of a copy into an image of the disk's size and format"; }
migrate pre7 --copy-storage-all --disk-map "$map" || { show "$dir/pre7.out"; fail "the copy into an image of the disk's size failed"; }
moved pre7 || fail "pre7 did not move"
same "$dir/imgs-pre7/pre7.qcow2" "$dir/dst-pre7/pre7.qcow2" || fail "the destination disk differs from the source's"
ok "--copy-storage-all into an image there: of another size, raw for a qcow2 disk or qcow2 for a raw one, check names it (exit 1), refused (exit 2), QEMU's own failure forced (the guest on the source, the image there unchanged); of its size and format, ok and identical"

# 8. Too little room there for what the copy writes.
if [ "$(id -u)" -ne 0 ]; then
	ok "a copy into a file system too small # SKIP mounting a small tmpfs is root's"
else
	mkdir -p "$dir/imgs-sp8" "$dir/small8"
	mount -t tmpfs -o size=16m tmpfs "$dir/small8"
	trap 'umount "$dir/small8" 2> /dev/null || true' EXIT
	chown "$owner" "$dir/small8"
	head -c 32M /dev/urandom > "$dir/imgs-sp8/sp8.raw"
	qemu-img convert -q -f raw -O qcow2 "$dir/imgs-sp8/sp8.raw" "$dir/imgs-sp8/sp8.qcow2"
	rm "$dir/imgs-sp8/sp8.raw"
	disk_guest sp8 "$dir/imgs-sp8/sp8.qcow2"
	dest_dir "$dir/dst-sp8"
	set +e
	"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$dir/imgs-sp8=$dir/small8" sp8 "$dst" > "$dir/check8.out" 2>&1; crc=$?
	migrate sp8 --copy-storage-all --disk-map "$dir/imgs-sp8=$dir/small8"; rc=$?
	cp "$dir/sp8.out" "$dir/sp8-refused.out"
	migrate sp8 --copy-storage-all --disk-map "$dir/imgs-sp8=$dir/small8" --force; frc=$?
	"$cli" -c "$src" check --live --migrateuri "unix://$dir/chk.mig" --disks-uri "unix://$dir/chk-nbd.sock" --copy-storage-all --disk-map "$dir/imgs-sp8=$dir/dst-sp8" sp8 "$dst" > "$dir/check8ok.out" 2>&1; okrc=$?
	set -e
	show "$dir/check8.out" "$dir/sp8-refused.out" "$dir/sp8.out" "$dir/check8ok.out"
	[ $crc -eq 1 ] && grep -Eq "blocker +space +The copies of vda write about 3[2-3] MiB into the file system at $dir/small8 on the destination, which has 16 MiB free" "$dir/check8.out" ||
		fail "check of a copy into too little room: exit $crc"
	[ $rc -eq 2 ] || fail "the copy into too little room exited $rc, expected 2"
	[ $frc -eq 1 ] && grep -q "No space left on device" "$dir/sp8.out" || fail "forced: not QEMU's own failure (exit $frc)"
	[ "$("$tool" state src sp8)" = running ] && [ "$("$tool" state dst sp8)" = absent ] || fail "sp8 is not running on the source only"
	[ -z "$(ls -A "$dir/small8")" ] || fail "something was left there: $(ls "$dir/small8")"
	[ $okrc -eq 0 ] && grep -Eq "ok +space +The copies of vda write about 3[2-3] MiB \(what the source's images take\) into the file system at /" "$dir/check8ok.out" ||
		fail "check of a copy with room: exit $okrc"
	umount "$dir/small8"
	trap - EXIT
	ok "--copy-storage-all into a file system with too little room: check names it (exit 1), refused (exit 2), forced the copy fails part-way (the guest on the source, nothing left); with room, ok saying how much"
fi
