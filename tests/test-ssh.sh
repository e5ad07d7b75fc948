#!/bin/bash
# Remote hosts for real: each test host also reachable over ssh (an sshd on
# a loopback port, tests/testbed/virt-migrate-testbed-ssh), migrated to as
# qemu+ssh://USER@127.0.0.1:PORT/session?socket=…&keyfile=…&command=…:
#  1. the CLI migrates a guest over ssh (managed direct: this client opens
#     the destination over ssh), and --dry-run to a plain host name prints
#     the qemu+ssh:// URI it chose;
#  2. an unknown host key, a refused key and a port nobody listens on each
#     fail with exit 2 before anything moves, saying which and how to fix
#     it, the guest running on the source;
#  3. virt-migrated (--bus) migrates over ssh;
#  4. a drain moves two guests to two ssh destinations;
#  5. a storage copy with --disk-map over ssh: the image is made on the
#     destination through its storage API over that connection, and reads
#     like the source's;
#  6. post-copy broken over ssh (peer-to-peer, interrupted with
#     domjobabort --postcopy) is resumed by the job: exit 0, the guest on
#     the destination only;
#  7. the caller's known_hosts is neither read nor written;
#  8. the daemon's own ssh (its state directory's ssh/), its home read-only
#     as under the system unit (ProtectHome=read-only): an unknown host key,
#     then a refused login, each refused before anything moves naming the
#     daemon's own files; the administrator does what they say, and the
#     migration goes through; the home is left as it was.
#   virt-migrate-testbed run -- tests/test-ssh.sh BUILD-DIR   (3 hosts, root)
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
export XDG_STATE_HOME=$dir/ssh-state
. "$(dirname "$0")/tap.sh"
sshbed=$(dirname "$0")/testbed/virt-migrate-testbed-ssh

echo "1..8"
eval "$("$sshbed" start "$dir")"
trap '"$sshbed" stop "$dir"; [ -n "${daemon:-}" ] && kill $daemon 2>/dev/null; [ -n "${bus_pid:-}" ] && kill $bus_pid 2>/dev/null; true' EXIT
sdst=$VIRT_MIGRATE_SSH_DST_URI
sdst2=$VIRT_MIGRATE_SSH_DST2_URI

# 1. The CLI, over ssh.
"$tool" guest s1
# Without a migrate URI the destination names itself; over ssh to
# 127.0.0.1 it is this machine, so a name of loopback addresses reaches it
# (no "this machine, not the destination").
"$cli" -c "$src" check --live s1 "$sdst" > "$dir/s1check.out" 2>&1 || true
if [[ $(hostname) != localhost* ]] && getent ahosts "$(hostname)" > /dev/null; then
	grep -Eq "ok +stream +With no migrate URI the source connects to '[^']+' \(the destination's name for itself, its host name\), which resolves here" "$dir/s1check.out" ||
		{ show "$dir/s1check.out"; fail "check over ssh without a migrate URI: no ok stream line"; }
fi
! grep -q "not the destination" "$dir/s1check.out" || { show "$dir/s1check.out"; fail "check over ssh to this machine said the name reaches another"; }
"$cli" --live -c "$src" s1 "$sdst" "unix://$dir/s1.mig" > "$dir/s1.out" 2>&1 || { show "$dir/s1.out" "$VIRT_MIGRATE_SSH_DIR/sshd.log"; fail "the migration over ssh failed"; }
[ "$("$tool" state dst s1)" = running ] && [ "$("$tool" state src s1)" = absent ] ||
	fail "s1 is not running on the destination alone"
grep -q "Accepted publickey for vmtest" "$VIRT_MIGRATE_SSH_DIR/sshd.log" || fail "sshd saw no login"
"$tool" guest s2
rc=0
"$cli" --dry-run --live -c "$src" s2 host2.invalid > "$dir/s2.out" 2>&1 || rc=$?
grep -q "^To: *qemu+ssh://host2.invalid/system$" "$dir/s2.out" || { show "$dir/s2.out"; fail "the plan does not name the URI it chose"; }
grep -q "host2.invalid cannot be reached over ssh" "$dir/s2.out" || { show "$dir/s2.out"; fail "no reason for an unknown host"; }
ok "the CLI migrates over qemu+ssh:// (sshd saw the login; check without a migrate URI finds the destination's name reaching it); --dry-run to host2.invalid plans qemu+ssh://host2.invalid/system and says it cannot be reached"

# 2. Failures before anything moves.
refused() { # NAME URI EXPECTED-GLOB
	local name=$1 uri=$2 want=$3 rc=0
	"$cli" --live -c "$src" s2 "$uri" "unix://$dir/s2.mig" > "$dir/$name.out" 2>&1 || rc=$?
	[ $rc -eq 2 ] || { show "$dir/$name.out"; fail "$name: exit $rc, not 2"; }
	# shellcheck disable=SC2053
	[[ $(cat "$dir/$name.out") == $want ]] || { show "$dir/$name.out"; fail "$name: not said"; }
	[ "$("$tool" state src s2)" = running ] && [ "$("$tool" state dst s2)" = absent ] ||
		fail "$name: the guest is not running on the source alone"
}
: > "$dir/empty_known_hosts"
# An ssh that knows no host key (libvirt passes ssh only its own
# environment: the URI's command= names another ssh).
printf '#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "$@"\n' \
	"$dir/empty_known_hosts" > "$dir/ssh-strict"
chmod 0755 "$dir/ssh-strict"
refused unknown-key "${sdst//command=$VIRT_MIGRATE_SSH_DIR\/ssh/command=$dir/ssh-strict}" \
	"*The ssh host key of 127.0.0.1 is not known here*ssh-keyscan -p $VIRT_MIGRATE_SSH_PORT 127.0.0.1 >> ~/.ssh/known_hosts*"
ssh-keygen -q -t ed25519 -N '' -f "$dir/stranger_key"
chown "$VIRT_MIGRATE_TESTBED_UID" "$dir/stranger_key"
refused refused-key "${sdst//ssh\/client_key/stranger_key}" "*127.0.0.1 refused the ssh login of vmtest*ssh-copy-id -p $VIRT_MIGRATE_SSH_PORT vmtest@127.0.0.1*"
nobody=$(free_port)
refused no-sshd "${sdst//:$VIRT_MIGRATE_SSH_PORT\//:$nobody/}" "*127.0.0.1 cannot be reached over ssh on port $nobody*"
ok "an unknown host key, a refused key and a port nobody listens on: exit 2, which and the fix, the guest on the source"

# 3. virt-migrated over ssh.
start_bus
start_daemon
"$tool" guest d0
"$cli" --bus --live -c "$src" s2 "$sdst" "unix://$dir/s2.mig" > "$dir/bus.out" 2>&1 || { show "$dir/bus.out" "$dir/daemon.log"; fail "the daemon's migration over ssh failed"; }
[ "$("$tool" state dst s2)" = running ] && [ "$("$tool" state src s2)" = absent ] ||
	fail "s2 is not running on the destination alone"
rc=0
"$cli" --bus --live -c "$src" d0 "${sdst//:$VIRT_MIGRATE_SSH_PORT\//:$nobody/}" "unix://$dir/d0.mig" > "$dir/bus-no-sshd.out" 2>&1 || rc=$?
[ $rc -eq 2 ] && grep -q "cannot be reached over ssh on port $nobody" "$dir/bus-no-sshd.out" ||
	{ show "$dir/bus-no-sshd.out"; fail "through the daemon, a port nobody listens on: exit $rc"; }
[ "$("$tool" state src d0)" = running ] || fail "d0 is not running on the source"
virsh -q -c "$src" destroy d0 > /dev/null
ok "virt-migrated migrates over qemu+ssh:// (--bus); a port nobody listens on through it: exit 2 and the fix (its ErrorName), the guest on the source"

# 4. A drain to two ssh destinations (peer-to-peer: the source's libvirtd
# opens them over ssh, as the test user, with the same key and ssh).
for g in d1 d2; do "$tool" guest "$g"; done
# (s1, s2 are on the destination; the source has d1 and d2 only.)
rc=0
"$cli" drain -c "$src" --live --p2p --tunnelled "$sdst" "$sdst2" > "$dir/drain.out" 2>&1 || rc=$?
[ $rc -eq 0 ] || { show "$dir/drain.out"; fail "the drain over ssh: exit $rc"; }
for g in d1 d2; do
	[ "$("$tool" state src "$g")" = absent ] || fail "$g is still on the source"
done
grep -q "qemu+ssh://vmtest@127.0.0.1:$VIRT_MIGRATE_SSH_PORT/session?socket=$dir/dst/" "$dir/drain.out" &&
	grep -q "qemu+ssh://vmtest@127.0.0.1:$VIRT_MIGRATE_SSH_PORT/session?socket=$dir/dst2/" "$dir/drain.out" ||
	{ show "$dir/drain.out"; fail "the drain did not use both ssh destinations"; }
ok "a drain moves two guests to two qemu+ssh:// destinations"

# 5. A storage copy with --disk-map, over ssh.
d=$dir/imgs-c1
mkdir -p "$d" "$dir/dst-c1"
qemu-img create -q -f qcow2 "$d/c1.qcow2" 32M
qemu-io -f qcow2 -c "write -P 0x6b 4M 8M" "$d/c1.qcow2" > /dev/null
chown -R "$VIRT_MIGRATE_TESTBED_UID:$VIRT_MIGRATE_TESTBED_GID" "$d" "$dir/dst-c1"
domain_xml c1 "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$d/c1.qcow2'/><target dev='vda' bus='virtio'/></disk>" > "$dir/c1.xml"
virsh -q -c "$src" create "$dir/c1.xml" > /dev/null
"$cli" -q -c "$src" --live --copy-storage-all --migrateuri "unix://$dir/c1.mig" --disks-uri "unix://$dir/c1.nbd" \
	--disk-map "$d=$dir/dst-c1" c1 "$sdst" > "$dir/c1.out" 2>&1 || { show "$dir/c1.out"; fail "the storage copy over ssh failed"; }
[ "$("$tool" state dst c1)" = running ] && [ -f "$dir/dst-c1/c1.qcow2" ] || fail "c1 or its image is not on the destination"
qemu-img compare -U "$d/c1.qcow2" "$dir/dst-c1/c1.qcow2" > "$dir/c1-compare.out" 2>&1 ||
	{ show "$dir/c1-compare.out"; fail "the copied image differs"; }
ok "a storage copy with --disk-map over ssh: the image made there through the ssh connection reads like the source's"

# 6. Post-copy recovery, over ssh (the source's libvirtd reconnects).
reason() { virsh -q -c "$1" domstate --reason "$2" 2>/dev/null || echo absent; }
"$tool" dirty-guest pcs 64 32 4
sleep 3
port=$(free_port)
"$cli" -c "$src" --live --p2p --postcopy --postcopy-after-precopy --bandwidth 4 --postcopy-bandwidth 2 \
	pcs "$sdst" "tcp://127.0.0.1:$port" > "$dir/pcs.out" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
	[ "$(reason "$src" pcs)" = "paused (post-copy)" ] && break
	kill -0 $pid 2>/dev/null || { show "$dir/pcs.out"; fail "the migration of pcs ended before post-copy"; }
	sleep 0.1
done
[ "$(reason "$src" pcs)" = "paused (post-copy)" ] || fail "pcs never reached post-copy"
sleep 1
virsh -q -c "$src" domjobabort --postcopy pcs || fail "domjobabort --postcopy"
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] && grep -q "post-copy recovery: try 1 (VIR_MIGRATE_POSTCOPY_RESUME)" "$dir/pcs.out" ||
	{ show "$dir/pcs.out"; fail "post-copy over ssh was not recovered: exit $rc"; }
[ "$("$tool" state dst pcs)" = running ] && [ "$("$tool" state src pcs)" = absent ] ||
	fail "pcs: destination $(reason "$dst" pcs), source $(reason "$src" pcs)"
ok "post-copy broken over ssh (domjobabort --postcopy) is resumed by the job: exit 0, pcs on the destination only"

# 7. The caller's ~/.ssh untouched: every ssh went through the test bed's known_hosts.
[ ! -e "$HOME/.ssh/known_hosts" ] || ! grep -q "127.0.0.1\]:$VIRT_MIGRATE_SSH_PORT" "$HOME/.ssh/known_hosts" ||
	fail "the caller's known_hosts was written"
ok "the caller's known_hosts is neither read nor written (the URI's command= ssh uses the test bed's)"

# 8. The daemon's own ssh, in a home it cannot write (the system unit's
# ProtectHome=read-only, as a read-only bind mount in a mount namespace of
# its own). The URI names neither a key nor an ssh: the daemon's are used.
kill $daemon; wait $daemon 2>/dev/null || true
home=$(getent passwd "$(id -un)" | cut -d: -f6)
listing() { ls -laR --time-style=full-iso "$home/.ssh" 2>/dev/null || echo "no $home/.ssh"; }
before=$(listing)
state=$dir/sys-state
unshare -m --propagation private sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
	sandbox "$home" "$build/tools/virt-migrated" --retention 600 --state-dir "$state" >> "$dir/daemon.log" 2>&1 &
daemon=$!
wait_daemon
[ -x "$state/ssh/ssh" ] && [ -f "$state/ssh/known_hosts" ] || fail "the daemon made no ssh directory"
plain="qemu+ssh://vmtest@127.0.0.1:$VIRT_MIGRATE_SSH_PORT/session?socket=$dir/dst/run/libvirt/libvirt-sock"
"$tool" guest k1
own() { # NAME: a migration through the daemon, exit code in $rc
	rc=0
	"$cli" --bus --live -c "$src" k1 "$plain" "unix://$dir/k1.mig" > "$dir/$1.out" 2>&1 || rc=$?
}
own own-unknown
[ $rc -eq 2 ] && grep -q "The ssh host key of 127.0.0.1 is not known to virt-migrated" "$dir/own-unknown.out" ||
	{ show "$dir/own-unknown.out" "$dir/daemon.log"; fail "an unknown host key through the daemon's ssh: exit $rc"; }
[ "$("$tool" state src k1)" = running ] && [ "$("$tool" state dst k1)" = absent ] || fail "k1 moved"
# The administrator does what it says, word for word.
trust=$(grep -o "ssh-keyscan -p $VIRT_MIGRATE_SSH_PORT 127.0.0.1 >> $state/ssh/known_hosts" "$dir/own-unknown.out" | head -1)
[ -n "$trust" ] || { show "$dir/own-unknown.out"; fail "no way to trust the host named"; }
sh -c "$trust" 2>/dev/null
own own-refused
[ $rc -eq 2 ] && grep -q "127.0.0.1 refused the ssh login of vmtest: give virt-migrated a key (ssh-keygen -t ed25519 -N '' -f $state/ssh/id_ed25519" "$dir/own-refused.out" ||
	{ show "$dir/own-refused.out"; fail "a refused login through the daemon's ssh: exit $rc"; }
[ "$("$tool" state src k1)" = running ] && [ "$("$tool" state dst k1)" = absent ] || fail "k1 moved"
ssh-keygen -q -t ed25519 -N '' -f "$state/ssh/id_ed25519"
cat "$state/ssh/id_ed25519.pub" >> "$VIRT_MIGRATE_SSH_DIR/authorized_keys" # what ssh-copy-id does there
own own-ok
[ $rc -eq 0 ] || { show "$dir/own-ok.out" "$dir/daemon.log"; fail "the migration through the daemon's own ssh: exit $rc"; }
[ "$("$tool" state dst k1)" = running ] && [ "$("$tool" state src k1)" = absent ] || fail "k1 is not on the destination alone"
grep -q "Accepted publickey for vmtest.*$(ssh-keygen -lf "$state/ssh/id_ed25519.pub" | cut -d' ' -f2)" "$VIRT_MIGRATE_SSH_DIR/sshd.log" ||
	fail "sshd did not see the daemon's key"
[ "$(listing)" = "$before" ] || fail "the daemon's home changed"
ok "the daemon's own ssh with a read-only home: an unknown host key, then a refused login, each exit 2 naming its own files; done as said, k1 migrates; the home untouched"
