#!/usr/bin/python3
# What gets installed besides the code, checked from the build tree: the man
# pages name every option of the programs, the system unit's sandbox (the
# exposure systemd-analyze gives it offline), the D-Bus activation files
# name the units, and the bash completion completes subcommands and options.
# TAP output.  test-install.py BUILD-DIR SOURCE-DIR
import os
import re
import subprocess
import sys

BUILD, SOURCE = sys.argv[1], sys.argv[2]
results = []


def test(fn):
    results.append(fn)
    return fn


def long_options(*command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return sorted(set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", out, re.M)) - {"--help", "--help-all"})


@test
def man_virt_migrate():
    """virt-migrate(1) documents every option of virt-migrate --help-all"""
    text = open(os.path.join(SOURCE, "docs", "man", "virt-migrate.1.rst")).read()
    options = long_options(os.path.join(BUILD, "tools", "virt-migrate"), "--help-all")
    missing = [o for o in options if f"**{o}**" not in text]
    assert not missing and len(options) > 40, missing
    for section in ("SYNOPSIS", "OPTIONS", "EXIT STATUS", "FILES", "EXAMPLES"):
        assert f"\n{section}\n" in text, section
    return f"{len(options)} options"


@test
def man_virt_migrated():
    """virt-migrated(8) documents every option of virt-migrated --help"""
    text = open(os.path.join(SOURCE, "docs", "man", "virt-migrated.8.rst")).read()
    options = long_options(os.path.join(BUILD, "tools", "virt-migrated"), "--help")
    missing = [o for o in options if f"**{o}**" not in text]
    assert not missing and len(options) > 10, missing
    return f"{len(options)} options"


@test
def man_pages_built():
    """The man pages are built (rst2man) and render"""
    for page in ("virt-migrate.1", "virt-migrated.8"):
        path = os.path.join(BUILD, "docs", "man", page)
        assert os.path.getsize(path) > 2000, path
        out = subprocess.run(["man", "-l", path], check=True, capture_output=True, text=True,
                             env=dict(os.environ, MANWIDTH="80")).stdout
        assert "EXIT STATUS" in out, out[:400]
    return "2 pages"


@test
def system_unit_sandbox():
    """The system unit is Type=dbus with its bus name and state directory; systemd-analyze security rates it OK (exposure below 3)"""
    unit = os.path.join(BUILD, "tools", "virt-migrated.service")
    text = open(unit).read()
    for line in ("Type=dbus", "BusName=org.virtmigrate.VirtMigrate1", "StateDirectory=virt-migrate",
                 "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes"):
        assert f"\n{line}\n" in text, line
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit],
                         capture_output=True, text=True)
    m = re.search(r"Overall exposure level for virt-migrated.service: ([0-9.]+)", out.stdout)
    assert m, out.stdout[-2000:] + out.stderr
    assert float(m.group(1)) < 3.0, m.group(0)
    return m.group(0)


@test
def activation_names_units():
    """Both D-Bus activation files name virt-migrated.service (SystemdService=)"""
    for name in ("org.virtmigrate.VirtMigrate1.service", "system-org.virtmigrate.VirtMigrate1.service"):
        text = open(os.path.join(BUILD, "tools", name)).read()
        assert "\nSystemdService=virt-migrated.service\n" in text, (name, text)
    user = open(os.path.join(BUILD, "tools", "user-virt-migrated.service")).read()
    assert "Type=dbus" in user and "BusName=org.virtmigrate.VirtMigrate1" in user
    return "session and system"


def complete(line):
    script = f"""
source /usr/share/bash-completion/bash_completion
source {os.path.join(SOURCE, 'data', 'virt-migrate.bash-completion')}
COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
PATH={os.path.join(BUILD, 'tools')}:$PATH
_virt_migrate virt-migrate "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    return subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True,
                          env=dict(os.environ, LIBVIRT_DEFAULT_URI="test:///default")).stdout.split()


@test
def bash_completion():
    """Bash completion: subcommands and the source's guests (libvirt's test driver), options from --help-all"""
    words = complete("virt-migrate ")
    assert {"jobs", "cancel", "history", "test"} <= set(words), words
    options = complete("virt-migrate --copy-st")
    assert set(options) == {"--copy-storage-all", "--copy-storage-inc", "--copy-storage-synchronous-writes"}, options
    drains = complete("virt-migrate drain --place")
    assert drains == ["--placement="], drains
    rules = complete("virt-migrate drain --placement ")
    assert set(rules) == {"most-free-memory", "first"}, rules
    guests = complete("virt-migrate -c test:///default history ")
    assert guests == ["test"], guests
    return f"{len(words)} words for the first argument"


def main():
    print(f"1..{len(results)}", flush=True)
    failed = 0
    for i, fn in enumerate(results, 1):
        try:
            note = fn()
            print(f"ok {i} {fn.__doc__} # {note}", flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"not ok {i} {fn.__doc__}", flush=True)
            for line in repr(e).splitlines():
                print(f"# {line[:3000]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
