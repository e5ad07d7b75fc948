#!/usr/bin/python3
# Writes the fuzzer's seed corpus (tests/fuzz/corpus/): requests of every
# flow and option, valid and invalid, each as a serialized a{sv} after a
# 0x00 byte. (The seeds starting with '1' hold GVariant text, from when the
# target parsed text too; to the target they are just more bytes.) Rerun
# after changing the request's keys.
import hashlib
import os
import sys

from gi.repository import GLib

S = "qemu+unix:///session?socket=/run/src/libvirt-sock"
D = "qemu+ssh://dst.example/system"
V = GLib.Variant

requests = [
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D)},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "live": V("b", True),
     "hypervisor-uri": V("s", "tcp://10.0.0.2:49152"), "bandwidth": V("t", 100), "max-downtime": V("u", 300)},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "flow": V("s", "peer-to-peer"),
     "transport": V("s", "tunnelled"), "persist-dest": V("b", True), "undefine-source": V("b", True)},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "offline": V("b", True),
     "persist-dest": V("b", True)},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "storage": V("s", "copy-all"),
     "migrate-disks": V("as", ["vda", "vdb"]), "disks-uri": V("s", "unix:///run/nbd.sock"),
     "dest-xml": V("s", "<domain><uuid>6b8a2f0c-3d5e-4f1a-9b7c-2e4d6f8a0b1c</uuid></domain>")},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "storage": V("s", "copy-incremental"),
     "disks-port": V("i", 49153), "listen-address": V("s", "10.0.0.2")},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "flow": V("s", "unmanaged-direct"),
     "hypervisor-uri": V("s", "xenmigr://dst.example")},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", D), "tls": V("b", True),
     "tls-destination": V("s", "dst.example"), "compressed": V("b", True),
     "compression-methods": V("as", ["xbzrle", "mt"]), "parallel-connections": V("y", 4),
     "auto-converge": V("b", True), "postcopy": V("b", True), "postcopy-after-precopy": V("b", True),
     "dest-name": V("s", "web1-new"), "suspend": V("b", True), "abort-on-error": V("b", True),
     "unsafe": V("b", True), "persistent-xml": V("s", "<domain/>")},
    {"domain": V("s", "web1"), "source-uri": V("s", S), "dest-uri": V("s", "tcp://x:1")},
    {"domain": V("s", ""), "source-uri": V("s", S), "dest-uri": V("s", D)},
    {"colour": V("s", "blue")},
    {"domain": V("i", 42)},
    {"domain": V("s", "g"), "bandwidth": V("x", -1)},
    {"domain": V("s", "g"), "source-uri": V("s", S), "dest-uri": V("s", D), "hypervisor-uri": V("s", "unix://host/x")},
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)
for r in requests:
    v = V("a{sv}", r)
    for blob in (b"\0" + v.get_data_as_bytes().get_data(),):
        name = hashlib.sha1(blob).hexdigest()[:16]
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
print(f"{2 * len(requests)} seeds in {out}", file=sys.stderr)
