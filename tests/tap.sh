# Sourced by the shell tests: TAP output and the helpers they share (ok, fail,
# show need nothing else).
# Needs $build and $dir (the test bed's directory) for start_daemon.
n=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
# A message of several lines: its first on the "not ok" line, the rest as TAP comments.
fail() { local m="$*"; echo "not ok $((n + 1)) ${m%%$'\n'*}"; [[ $m != *$'\n'* ]] || sed "s/^/# /" <<<"${m#*$'\n'}"; exit 1; }
# show FILE...: as TAP comments, and on stderr too (the part of a failed test's
# output meson prints under --print-errorlogs).
show() { local t; t=$(sed 's/^/# /' "$@"); printf '%s\n' "$t"; printf '%s\n' "$t" >&2; }
# qemu_said ERE GUEST FILE...: QEMU's own message (ERE), passed on by
# libvirt into one of FILE, or (as under load libvirt reports only "qemu
# unexpectedly closed the monitor") in the destination's log of GUEST, where
# virtlogd writes it a moment later; that log shown when neither has it.
qemu_said() {
	local pattern=$1 log=$dir/dst/cache/libvirt/qemu/log/$2.log
	shift 2
	grep -Eqs "$pattern" "$@" && return 0
	for _ in $(seq 1 50); do grep -Eqs "$pattern" "$log" && return 0; sleep 0.1; done
	[ ! -f "$log" ] || show "$log"
	return 1
}
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# domain_xml NAME DEVICES: a 64 MiB TCG guest NAME with the XML DEVICES
# beside its emulator, no balloon (vm_testbed_guest_xml() in C).
domain_xml() {
	cat <<XML
<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
$2
<memballoon model='none'/></devices></domain>
XML
}

# start_bus: a private session bus (tests/test-bus.conf: nothing activated,
# so an installed virt-migrated never answers for the test's own), as
# DBUS_SESSION_BUS_ADDRESS; its pid in $bus_pid.
start_bus() {
	local address
	read -r address bus_pid < <(dbus-daemon --config-file="$(dirname "${BASH_SOURCE[0]}")/test-bus.conf" \
		--fork --print-address=1 --print-pid=1 | paste -sd' ')
	[ -n "$address" ] || fail "no private D-Bus"
	export DBUS_SESSION_BUS_ADDRESS=$address
}

# start_daemon [OPTIONS...]: virt-migrated from the build tree on the
# session bus, its state in $dir/daemon-state, its log appended to
# $dir/daemon.log, its pid in $daemon; returns once it owns its name.
start_daemon() {
	"$build/tools/virt-migrated" --retention 600 --state-dir "$dir/daemon-state" "$@" >> "$dir/daemon.log" 2>&1 &
	daemon=$!
	wait_daemon
}
# wait_daemon: returns once the virt-migrated of pid $daemon owns its name on
# the session bus (not a daemon just killed, whose name the bus may still
# show for a moment).
wait_daemon() {
	for _ in $(seq 1 100); do
		# (Asking the bus, not the name: that would activate an installed one.)
		gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
			-m org.freedesktop.DBus.GetConnectionUnixProcessID org.virtmigrate.VirtMigrate1 2>/dev/null |
			grep -q "^(uint32 $daemon,)$" && return
		kill -0 "$daemon" 2>/dev/null || fail "virt-migrated (pid $daemon) exited"
		sleep 0.1
	done
	fail "virt-migrated did not start"
}
