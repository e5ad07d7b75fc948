#!/bin/bash
# The Cockpit page in a real browser against a real Cockpit (inside the
# test bed, root): the package installed from the build into a scratch
# prefix, served by cockpit-ws --local-session (no PAM, no systemd), one
# private dbus-daemon as both the system and the session bus, a real
# virt-migrated on it and headless Chromium driven over the DevTools
# protocol by tests/cockpit/test-cockpit.mjs (Node 20), which finds every
# control by its accessible name. Screenshots go to BUILD/cockpit-screenshots.
#   virt-migrate-testbed run -- tests/test-cockpit.sh BUILD-DIR
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
# Chromium's profile and singleton socket: in the test bed, which goes
# with it (in /tmp they stayed, one set a run).
export TMPDIR=$dir/tmp
mkdir -p "$TMPDIR"
# What the test started and left: the ssh-agent that cockpit-bridge starts
# outlived it (found running after a run, its socket in /tmp: setgid, it
# does not see TMPDIR). Every process with this test's TMPDIR is asked to
# end (an agent then removes its socket).
reap() {
	local e pid
	for e in /proc/[0-9]*/environ; do
		pid=${e#/proc/}
		pid=${pid%/environ}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		grep -qzx "TMPDIR=$TMPDIR" "$e" 2> /dev/null && kill "$pid" 2> /dev/null
	done
	true
}
# Missing tools fail the test, never skip it: a skipped page test proves
# nothing (tools/install-deps installs Cockpit and Chromium; Node 20 with
# --experimental-websocket is on the machine).
for tool in /usr/lib/cockpit/cockpit-ws /usr/bin/cockpit-bridge chromium node; do
	command -v "$tool" > /dev/null || { echo "1..1"; echo "not ok 1 $tool is not installed (tools/install-deps)"; exit 1; }
done
node --experimental-websocket -e 'new WebSocket("ws://127.0.0.1:1").onerror = () => {}' 2> /dev/null ||
	{ echo "1..1"; echo "not ok 1 node $(node --version) has no WebSocket (Node 20.10 or later is needed)"; exit 1; }

# The package, as meson installs it, in a scratch prefix.
destdir=$dir/cockpit-install
meson install -C "$build" --no-rebuild --tags cockpit --destdir "$destdir" --quiet > /dev/null
manifest=$(find "$destdir" -path '*/share/cockpit/virt-migrate/manifest.json' | head -1)
[ -n "$manifest" ] || { echo "1..0"; echo "not ok 1 the package was not installed"; exit 1; }
share=$(dirname "$(dirname "$(dirname "$manifest")")")

# One bus, as the system bus and the session bus.
start_bus
export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
trap 'kill ${daemon:-} ${ws:-} $bus_pid 2>/dev/null || true; reap' EXIT
start_daemon

# Cockpit, serving the installed package (and its own base1).
port=$(free_port)
XDG_DATA_DIRS=$share:/usr/share /usr/lib/cockpit/cockpit-ws --local-session=/usr/bin/cockpit-bridge \
	-p "$port" -a 127.0.0.1 > "$dir/cockpit-ws.log" 2>&1 &
ws=$!
for _ in $(seq 1 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/cockpit/@localhost/virt-migrate/index.html" && break
	sleep 0.1
done

export VM_BUILD=$build VM_PORT=$port VM_DEVTOOLS_PORT=$(free_port) VM_SHOTS=$build/cockpit-screenshots
export VM_DAEMON_PID=$daemon
rm -rf "$VM_SHOTS"
mkdir -p "$VM_SHOTS"
node --experimental-websocket --no-warnings "$here/cockpit/test-cockpit.mjs" || {
	rc=$?
	show "$dir/cockpit-ws.log" "$dir/daemon.log" | tail -40
	exit $rc
}
