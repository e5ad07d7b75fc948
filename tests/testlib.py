# Helpers the Python integration tests share (tests/test-http.py,
# tests/test-service-limits.py, tests/test-examples.py): run as scripts from
# tests/, they import it.
import os
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def private_bus():
    """A private session bus that activates nothing (tests/test-bus.conf, as
    tap.sh's start_bus): the dbus-daemon process and its address."""
    conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-bus.conf")
    bus = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    assert address, "no private D-Bus"
    return bus, address


def wait_daemon(address, daemon, timeout=20):
    """Returns once the process @daemon owns org.virtmigrate.VirtMigrate1 on
    the bus at @address (asking the bus, not the name, as tap.sh's
    wait_daemon); fails if it exits first."""
    def owns():
        assert daemon.poll() is None, f"virt-migrated exited ({daemon.returncode})"
        out = subprocess.run(["gdbus", "call", "--address", address, "-d", "org.freedesktop.DBus",
                              "-o", "/org/freedesktop/DBus", "-m", "org.freedesktop.DBus.GetConnectionUnixProcessID",
                              "org.virtmigrate.VirtMigrate1"], capture_output=True, text=True)
        return out.stdout.strip() == f"(uint32 {daemon.pid},)"
    wait_for(owns, timeout, "virt-migrated to own its name")
