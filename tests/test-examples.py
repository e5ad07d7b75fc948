#!/usr/bin/python3
# The documentation's commands, run (inside a test bed of three hosts):
# every command of the man page's EXAMPLES and of the README's usage block,
# with the test bed's hosts in place of the example hosts, and its output
# checked for the shape the documentation promises. What is substituted, and
# why, is in SUBSTITUTIONS below; nothing else about a command changes.
#
#   tests/testbed/virt-migrate-testbed run -- /usr/bin/python3 tests/test-examples.py BUILD SOURCE
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

from testlib import private_bus, wait_daemon

BUILD, SOURCE = sys.argv[1], sys.argv[2]
CLI = os.path.join(BUILD, "tools", "virt-migrate")
DAEMON = os.path.join(BUILD, "tools", "virt-migrated")
TOOL = os.path.join(BUILD, "tests", "vm-testbed-tool")
DIR = os.environ["VIRT_MIGRATE_TESTBED_DIR"]
SRC = os.environ["VIRT_MIGRATE_TESTBED_SRC_URI"]
DST = os.environ["VIRT_MIGRATE_TESTBED_DST_URI"]
DST2 = os.environ["VIRT_MIGRATE_TESTBED_DST2_URI"]
ENV = dict(os.environ, LIBVIRT_DEFAULT_URI=SRC, XDG_STATE_HOME=os.path.join(DIR, "examples-state"))
n = 0

# The example hosts are remote hosts over ssh; the test bed's are local
# daemons on UNIX sockets. So:
#  - qemu:///system (the source) is the test bed's source; the example
#    destinations (dst, dst.example.org, dst1) its destination, dst2 its third host;
#  - a migration to a UNIX-socket host cannot let libvirt guess where QEMU
#    listens: --migrateuri unix://… is added (and --disks-uri for a storage
#    copy), and a drain is --tunnelled (one URI cannot serve every guest);
#  - a storage copy gets --xml with a destination path of its own (both
#    "hosts" share one file system: the same path would be the source image);
#  - --system is --bus: the test bed runs virt-migrated on its session bus.
SUBSTITUTIONS = [
    ("qemu+ssh://dst.example.org/system", DST),
    ("qemu+ssh://dst1/system", DST),
    ("qemu+ssh://dst2/system", DST2),
    ("qemu+ssh://dst/system", DST),
    ("qemu:///system", SRC),
    ("--system", "--bus"),
]


def ok(text):
    global n
    n += 1
    print(f"ok {n} {text}", flush=True)


def fail(text):
    print(f"not ok {n + 1} {text}", flush=True)
    sys.exit(1)


def man_examples():
    text = open(os.path.join(SOURCE, "docs", "man", "virt-migrate.1.rst")).read()
    section = text.split("\nEXAMPLES\n", 1)[1].split("\nSEE ALSO\n", 1)[0]
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", section)
    commands = []
    for block in blocks:
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [line.strip() for line in joined.splitlines() if line.strip()]
    return commands


def readme_commands():
    commands = []
    for line in open(os.path.join(SOURCE, "README.md")):
        if line.startswith("virt-migrate "):
            commands.append(line.split("  #", 1)[0].strip())
    return commands


def substitute(command, k):
    for a, b in SUBSTITUTIONS:
        command = command.replace(a, b)
    words = shlex.split(command)
    assert words[0] == "virt-migrate", command
    words = words[1:]
    positional = [w for w in words if not w.startswith("-")]
    sub = positional[0] if positional and positional[0] in ("jobs", "cancel", "history", "check", "drain") else None
    extra = []
    if sub == "drain" and "--tunnelled" not in words:
        extra.append("--tunnelled")
    if sub is None or sub == "check":
        extra += ["--migrateuri", f"unix://{DIR}/ex{k}.mig"]
        if any(w.startswith("--copy-storage") for w in words):
            extra += ["--disks-uri", f"unix://{DIR}/ex{k}-nbd.sock", "--xml", "@DEST_XML@"]
    if extra:
        at = words.index(sub) + 1 if sub else 0
        words[at:at] = extra
    return sub, words


def fresh_guests(storage=False):
    """web1 and two idle guests, on the source only; web1 with a local disk of
    random data for a storage copy, else without a disk of its own (the
    examples' shared storage)."""
    for host in ("src", "dst", "dst2"):
        for name in ("web1", "ex-a", "ex-b"):
            subprocess.run([TOOL, "destroy", host, name], capture_output=True)
    if storage:
        out = subprocess.run([TOOL, "slow-request-cli", "web1", "16", "64"], check=True, capture_output=True,
                             text=True).stdout
        os.environ["VM_DEST_XML"] = shlex.split(out.strip().split("=", 1)[1])[0]
    else:
        subprocess.run([TOOL, "guest", "web1"], check=True, capture_output=True)
    for name in ("ex-a", "ex-b"):
        subprocess.run([TOOL, "guest", name], check=True, capture_output=True)


def run(words, **kw):
    return subprocess.run([CLI] + words, env=ENV, capture_output=True, text=True, timeout=300, **kw)


def expect(cond, what, result):
    if not cond:
        fail(f"{what}: exit {result.returncode}\n# " + (result.stdout + result.stderr).replace("\n", "\n# "))


def main():
    commands = [("man", c) for c in man_examples()] + [("README", c) for c in readme_commands()]
    print(f"1..{len(commands) + 1}", flush=True)
    assert len(commands) >= 10, commands
    bus, ENV["DBUS_SESSION_BUS_ADDRESS"] = private_bus()
    daemon = subprocess.Popen([DAEMON, "--retention", "600", "--state-dir", os.path.join(DIR, "ex-daemon")],
                              env=ENV, stdout=open(os.path.join(DIR, "ex-daemon.log"), "a"), stderr=subprocess.STDOUT)
    background = None
    try:
        wait_daemon(ENV["DBUS_SESSION_BUS_ADDRESS"], daemon)
        for k, (where, command) in enumerate(commands):
            sub, words = substitute(command, k)
            if sub in (None, "check", "drain") and "--bus" not in words:
                fresh_guests(any(w.startswith("--copy-storage") for w in words))
            words = [os.environ.get("VM_DEST_XML", "") if w == "@DEST_XML@" else w for w in words]
            print(f"# {where}: {command}\n#   run as: virt-migrate {shlex.join(words)}", flush=True)
            if sub is None and "--bus" in words and "--dry-run" not in words:
                # Followed by 'jobs' and 'cancel N': started in the background,
                # capped so that it is still running when they come.
                fresh_guests()
                subprocess.run([TOOL, "destroy", "src", "web1"], capture_output=True)
                # A guest that keeps rewriting 48 MiB: at 2 MiB/s it runs until cancelled.
                subprocess.run([TOOL, "dirty-guest", "web1", "128", "48", "0"], check=True, capture_output=True)
                time.sleep(3)
                background = subprocess.Popen([CLI] + words + ["--bandwidth", "2"], env=ENV,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(100):
                    jobs = json.loads(run(["--bus", "jobs", "--json"]).stdout or "[]")
                    if any(j["State"] == "running" and j["BytesProcessed"] > 0 for j in jobs):
                        break
                    time.sleep(0.2)
                ok(f"{where}: {command} (started)")
                continue
            if sub == "cancel":
                listed = json.loads(run(["--bus", "jobs", "--json"]).stdout)
                running = [j["Id"] for j in listed if j["State"] in ("pending", "running")]
                if not running:
                    fail(f"nothing running to cancel: {listed}")
                words[words.index("cancel") + 1] = str(running[-1])
            result = run(words)
            out = result.stdout + result.stderr
            if sub == "jobs":
                expect(result.returncode == 0 and out.startswith("ID ") and "web1" in out, command, result)
            elif sub == "cancel":
                expect(result.returncode == 0, command, result)
                rest, _ = background.communicate(timeout=120)
                if background.returncode != 130 or "cancelled" not in rest:
                    fail(f"the migration cancelled: exit {background.returncode}: {rest}")
            elif sub == "history":
                expect(result.returncode == 0, command, result)
                if "--json" in words:
                    records = json.loads(result.stdout)
                    limit = int(words[words.index("--limit") + 1]) if "--limit" in words else 1 << 30
                    expect(0 < len(records) <= limit and all(r["Domain"] == "web1" for r in records), command, result)
                else:
                    expect(result.stdout.startswith("ENDED ") and "web1" in result.stdout, command, result)
            elif sub == "check":
                expect(result.returncode == 0 and out.count("can take the guest") >= 1, command, result)
            elif sub == "drain":
                if "--dry-run" in words:
                    expect(result.returncode == 0 and "Dry run: nothing moved. Every guest can go." in out,
                           command, result)
                else:
                    expect(result.returncode == 0 and re.search(r"^Drain succeeded: ", out, re.M), command, result)
            elif "--dry-run" in words:
                expect(result.returncode == 0 and "Dry run: nothing was migrated." in out, command, result)
            else:
                expect(result.returncode == 0 and "Migrated 'web1' in " in out, command, result)
            ok(f"{where}: {command}")
    finally:
        if background is not None and background.poll() is None:
            background.kill()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()
        bus.terminate()
        bus.wait()
    ok("every documented command ran against the test bed with the output it promises")
    return 0


if __name__ == "__main__":
    sys.exit(main())
