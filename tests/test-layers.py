#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The code's layers, read from the sources (TAP):
#  - only plugin/libvirt/ includes libvirt's headers or calls libvirt;
#  - no strstr() on anything (XML is read with GMarkup, URIs with GUri);
#  - no C file in plugin/ or tools/ over 900 lines;
#  - the drain does not reach back into the manager that runs it (it is
#    given a host to run its jobs on), so no circle between the two.
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
checks = []


def sources(*dirs):
    for d in dirs:
        for base, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(base, f), root)


def code_of(path):
    """The file without comments and string literals."""
    with open(os.path.join(root, path), encoding='utf-8') as f:
        text = f.read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    return text


def check(name, bad):
    checks.append((name, bad))


in_libvirt = lambda p: p.startswith(os.path.join('plugin', 'libvirt') + os.sep)
files = list(sources('plugin', 'tools'))

check('only plugin/libvirt/ includes libvirt headers',
      [p for p in files if not in_libvirt(p)
       and re.search(r'#\s*include\s*[<"]libvirt(-glib|-gconfig)?/', open(os.path.join(root, p)).read())])
check('only plugin/libvirt/ calls libvirt',
      ['%s: %s' % (p, m) for p in files if not in_libvirt(p)
       for m in sorted(set(re.findall(r'\b((?:vir|gvir)[A-Z]\w*)\s*\(', code_of(p))))])
check('no strstr',
      ['%s: %s' % (p, m) for p in files for m in re.findall(r'\b(\w*strstr\w*)\s*\(', code_of(p))
       if m not in ('g_strstrip',)])
check('no C file over 900 lines',
      ['%s: %d lines' % (p, n) for p in files if p.endswith('.c')
       for n in [sum(1 for _ in open(os.path.join(root, p)))] if n > 900])
check('the drain does not include the manager',
      [p for p in files if os.path.basename(p).startswith('virt-migrate-drain')
       and re.search(r'#\s*include\s*"virt-migrate-manager', open(os.path.join(root, p)).read())])

print('1..%d' % len(checks))
failed = 0
for i, (name, bad) in enumerate(checks, 1):
    if bad:
        failed += 1
        print('not ok %d %s' % (i, name))
        for b in bad:
            print('#   %s' % b)
    else:
        print('ok %d %s' % (i, name))
sys.exit(1 if failed else 0)
