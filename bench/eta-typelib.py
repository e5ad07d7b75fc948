#!/usr/bin/python3
# The expected end as a Python program sees it through the typelib: memory-only
# guests outside the bench, each migrated by a job made with VirtMigrate.Job.new
# (no manager, as a script would), sampled every 250 ms by test-python's
# follow_eta(); the process sleeps (no main loop) while each guest warms up.
#
#   tests/testbed/virt-migrate-testbed run -- /usr/bin/python3 bench/eta-typelib.py \
#       build/tests/vm-testbed-tool RAM,WS,PACE,LINK,WARM...
# (environment as meson test sets it: GI_TYPELIB_PATH, LD_LIBRARY_PATH,
# GSETTINGS_SCHEMA_DIR, VIRT_MIGRATE_DIRTIER; VIRT_MIGRATE_TRACE_DIR to keep
# the traces). Prints one RESULT line a guest: the wall time, the expected
# end's error at 25/50/75 % of it (a part of the time then left), the
# highest rate against the cap.
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location(
    "test_python", os.path.join(os.path.dirname(__file__), "..", "tests", "test-python.py"))
tp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tp)
from gi.repository import GLib, VirtMigrate  # noqa: E402

for n, case in enumerate(sys.argv[2:]):
    ram, ws, pace, link, warm = case.split(",")
    name = f"eta-typelib-{n}"
    text = tp.tool("memory-request", name, ram, ws, pace, link)
    request = VirtMigrate.Request.new_from_variant(GLib.Variant.parse(GLib.VariantType("a{sv}"), text))
    GLib.usleep(int(warm) * GLib.USEC_PER_SEC)
    job = VirtMigrate.Job.new(request)
    try:
        samples, errors, detail = tp.follow_eta(job, int(link) * 2**20)
        print(f"RESULT {case}: {detail}", flush=True)
    except AssertionError as e:
        print(f"RESULT {case}: FAILED {e}", flush=True)
    tp.tool("destroy", "dst", name)
