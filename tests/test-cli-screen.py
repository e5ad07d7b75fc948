#!/usr/bin/python3
# The CLI's screen in a terminal, for real (inside the test bed): virt-migrate
# on a pseudo-terminal 80 columns wide, as a person runs it.
#  1. a storage copy that takes seconds: every frame fits in 79 columns, the
#     screen holds one bar and one line per message; resized to 50 columns
#     (SIGWINCH) the frames fit the new width; the last frame says done;
#  2. cancelled with Ctrl-C (SIGINT): the last frame says cancelled, not done,
#     exit 130, the guest still runs on the source;
#  3. without --live: a warning that the guest will be paused, before it is.
#
#   tests/testbed/virt-migrate-testbed run -- /usr/bin/python3 tests/test-cli-screen.py BUILD-DIR
import fcntl
import os
import re
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time

BUILD = sys.argv[1]
TOOL = os.path.join(BUILD, "tests", "vm-testbed-tool")
CLI = os.path.join(BUILD, "tools", "virt-migrate")
SRC = os.environ["VIRT_MIGRATE_TESTBED_SRC_URI"]
DST = os.environ["VIRT_MIGRATE_TESTBED_DST_URI"]
DIR = os.environ["VIRT_MIGRATE_TESTBED_DIR"]
n = 0


def ok(text):
    global n
    n += 1
    print(f"ok {n} {text}", flush=True)


def set_width(fd, columns):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))


class Screen:
    """virt-migrate on a pty of @columns; what it wrote, raw."""

    def __init__(self, args, columns):
        self.master, slave = os.openpty()
        set_width(slave, columns)
        self.slave = slave
        self.proc = subprocess.Popen([CLI] + args, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        self.raw = b""

    def read_for(self, seconds):
        end = time.monotonic() + seconds
        os.set_blocking(self.master, False)
        while time.monotonic() < end:
            try:
                chunk = os.read(self.master, 65536)
                self.raw += chunk
            except BlockingIOError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            except OSError:
                break
        return self.raw

    def finish(self, timeout=180):
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read_for(0.5)
        assert self.proc.poll() is not None, "virt-migrate did not end"
        self.read_for(0.3)
        os.close(self.slave)
        os.close(self.master)
        return self.proc.returncode, self.raw.decode(errors="replace")


def frames(text):
    """Every frame the bar drew (each \\r-separated piece with an ETA)."""
    pieces = re.split(r"[\r\n]", text.replace("\x1b[K", ""))
    return [p for p in pieces if " ETA " in p]


def visible_lines(text):
    """The screen a terminal shows: of each line, what the last \\r left."""
    return [line.split("\r")[-1].replace("\x1b[K", "") for line in text.replace("\r\n", "\n").split("\n")]


def state(host, name):
    return subprocess.run([TOOL, "state", host, name], capture_output=True, text=True).stdout.strip()


def storage_guest(name, disk_mib):
    """A running guest with a disk of random data; the CLI's storage-copy options for it."""
    out = subprocess.run([TOOL, "slow-request-cli", name, str(disk_mib), "4"], check=True, capture_output=True,
                         text=True).stdout
    xml = shlex.split(out.strip().split("=", 1)[1])[0]
    return ["-c", SRC, "--live", "--copy-storage-all", "--bandwidth", "4", "--xml", xml,
            "--migrateuri", f"unix://{DIR}/{name}.mig", "--disks-uri", f"unix://{DIR}/{name}-nbd.sock", name, DST]


def main():
    print("1..3", flush=True)

    # 1.
    screen = Screen(storage_guest("scr1", 32), 80)
    early = frames(screen.read_for(3).decode(errors="replace"))
    set_width(screen.slave, 50)
    screen.proc.send_signal(signal.SIGWINCH)
    rc, text = screen.finish()
    all_frames = frames(text)
    later = all_frames[len(early):]
    for p in all_frames:
        print(f"# {len(p):2} |{p}|")
    assert rc == 0, (rc, text[-2000:])
    assert early and all(len(p) <= 79 for p in early), [p for p in early if len(p) > 79]
    assert later and all(len(p) <= 49 for p in later[1:]), [p for p in later if len(p) > 49]
    assert all_frames[-1].rstrip().endswith("done"), all_frames[-1]
    # What is shown of the expected end only counts down (a rise is hidden).
    shown = [int(m.group(1)) * 60 + int(m.group(2)) for p in all_frames
             for m in [re.search(r"ETA (\d+):(\d\d)", p)] if m]
    assert all(b <= a + 2 + a // 10 for a, b in zip(shown, shown[1:])), shown
    screen_lines = [line for line in visible_lines(text) if line.strip()]
    bars = [line for line in screen_lines if " ETA " in line]
    # One bar, at most 79 columns; each message once, on a line of its own
    # (a message longer than the terminal wraps, as any line does).
    assert len(bars) == 1 and len(bars[0]) <= 79, screen_lines
    assert len(set(screen_lines)) == len(screen_lines), screen_lines
    assert any(line.startswith("Migrated 'scr1'") for line in screen_lines), screen_lines
    assert state("dst", "scr1") == "running"
    ok(f"a migration on an 80-column terminal: {len(early)} frames within 79 columns, then resized to 50 "
       f"(SIGWINCH) {len(later)} within 49; the screen: {len(screen_lines)} lines, one of them the bar; the "
       "last frame says done")

    # 2.
    screen = Screen(storage_guest("scr2", 64), 80)
    screen.read_for(4)
    screen.proc.send_signal(signal.SIGINT)
    rc, text = screen.finish()
    last = frames(text)[-1]
    print(f"# last frame |{last}|")
    assert rc == 130, (rc, text[-2000:])
    assert last.rstrip().endswith("cancelled") and "done" not in last and "--:--" in last, last
    assert "was cancelled" in text and state("src", "scr2") == "running", text[-1000:]
    ok("Ctrl-C during a migration: the last frame says cancelled (no ETA), exit 130, the guest runs on the source")

    # 3.
    subprocess.run([TOOL, "guest", "scr3"], check=True, capture_output=True)
    time.sleep(1)
    screen = Screen(["-c", SRC, "scr3", DST, f"unix://{DIR}/scr3.mig"], 80)
    rc, text = screen.finish()
    lines = [line for line in visible_lines(text) if line.strip()]
    warning = [i for i, line in enumerate(lines) if line.startswith("warning: without --live")]
    first_frame = [i for i, line in enumerate(lines) if " ETA " in line or line.startswith("Migrated")]
    assert rc == 0 and warning and first_frame and warning[0] < first_frame[0], lines
    ok("without --live: a warning that a running guest is paused for the whole copy, before the migration")
    return 0


if __name__ == "__main__":
    sys.exit(main())
