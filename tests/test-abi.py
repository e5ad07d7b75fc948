#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The installed library exports exactly the API its installed headers
declare (no private function, no generated D-Bus code), and links no
libsoup, polkit or json-glib.

    test-abi.py LIBRARY HEADER...        (TAP)
    test-abi.py --map HEADER...          print the version script
"""
import re
import subprocess
import sys

DECL = re.compile(r"\b(virt_migrate_[a-z0-9_]+)\s*\(")
TYPE = re.compile(r"G_DECLARE_(?:FINAL|DERIVABLE)_TYPE\s*\(\s*\w+\s*,\s*(virt_migrate_[a-z0-9_]+)")


def declared(headers):
    names = set()
    for path in headers:
        with open(path) as f:
            text = f.read()
        # Leave out macros: "#define X(…) virt_migrate_…(…)" uses, not declarations.
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        names.update(DECL.findall(text))
        names.update(m + "_get_type" for m in TYPE.findall(text))
    return names


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in "TDBRVW"}


def needed(library):
    out = subprocess.run(["objdump", "-p", library], check=True, capture_output=True, text=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")]


def main():
    if sys.argv[1] == "--map":
        print("/* The API of the installed headers; tests/test-abi.py checks it. */")
        print("VIRT_MIGRATE_1.0 {\n  global:")
        for name in sorted(declared(sys.argv[2:])):
            print(f"    {name};")
        print("  local:\n    *;\n};")
        return 0
    library, headers = sys.argv[1], sys.argv[2:]
    want, have = declared(headers), exported(library)
    n = 0
    failed = False

    def check(ok, what, detail=""):
        nonlocal n, failed
        n += 1
        print(("ok" if ok else "not ok"), n, what)
        if not ok:
            failed = True
            for line in detail.splitlines():
                print("#", line)

    extra = sorted(have - want)
    missing = sorted(want - have)
    check(not extra, "every exported symbol is declared in an installed header",
          "exported, not declared: " + ", ".join(extra))
    check(not missing, "every declared function is exported",
          "declared, not exported: " + ", ".join(missing))
    libs = needed(library)
    bad = [lib for lib in libs if re.match(r"lib(soup|polkit|json-glib)", lib)]
    check(not bad, "links no libsoup, polkit or json-glib", "NEEDED: " + ", ".join(libs))
    print(f"# {len(have)} symbols exported; NEEDED: {', '.join(libs)}")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
