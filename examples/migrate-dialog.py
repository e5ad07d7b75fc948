#!/usr/bin/python3
# A GNOME progress dialog for one migration (GTK 4, libadwaita if present),
# using the VirtMigrate library through GObject introspection.
#
#   migrate-dialog.py [--connect SRC] [--domain NAME] [--dest DST] [--migrate-uri URI]
#                     [--request A{SV}-TEXT] [--start] [--exit-when-done]
#                     [--screenshot-dir DIR] [--finish-now-after SECONDS]
#   migrate-dialog.py --drain --connect SRC --dest DST[,DST2...] [--max-parallel N]
#                     [--start] [--exit-when-done] [--screenshot-dir DIR]
#
# With --drain it empties a host instead: every running guest of SRC is
# checked against the destinations, the ones that cannot go are listed with
# their reasons before anything moves, and a row per guest follows its
# outcome (live, peer-to-peer, tunnelled) under one progress bar; Cancel
# stops the drain with every guest running on one host.
#
# Pick the guest and the destination (or give them on the command line) and
# press Migrate: a progress bar shows "x of y MiB", the rate and the time
# left, Finish now forces completion (post-copy if the request allows it,
# otherwise the guest paused so the rest can go), Cancel aborts (the guest
# stays on the source), and the end shows the
# result with the configuration outcome. --request takes a whole request as
# printed GVariant text; --start, --exit-when-done and --screenshot-dir let
# a test drive it without a person (the exit status is 0 only on success).
#
# From the build tree:
#   GI_TYPELIB_PATH=build/gir LD_LIBRARY_PATH=build/plugin /usr/bin/python3 examples/migrate-dialog.py
import argparse
import os
import subprocess
import sys
import time

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("VirtMigrate", "1.0")
from gi.repository import Gio, GLib, Gtk, VirtMigrate  # noqa: E402

try:
    gi.require_version("Adw", "1")
    from gi.repository import Adw  # noqa: E402
except (ValueError, ImportError):
    Adw = None

MIB = 1024 * 1024


def fmt_time(seconds):
    seconds = max(int(seconds), 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


class MigrateWindow(Gtk.ApplicationWindow):
    def __init__(self, app, args):
        super().__init__(application=app, title="Migrate a virtual machine")
        self.args = args
        self.job = None
        self.cancellable = None
        self.progress_shot = False
        self.set_default_size(520, 320)

        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12,
                      margin_top=18, margin_bottom=18, margin_start=18, margin_end=18)
        self.set_child(box)

        grid = Gtk.Grid(column_spacing=12, row_spacing=8)
        self.source = self._row(grid, 0, "Source host", args.connect or os.environ.get("LIBVIRT_DEFAULT_URI", "qemu:///system"))
        self.domain = self._row(grid, 1, "Virtual machine", args.domain or "")
        self.dest = self._row(grid, 2, "Destination host", args.dest or "")
        self.migrate_uri = self._row(grid, 3, "Migration URI (optional)", args.migrate_uri or "")
        box.append(grid)
        self.form = grid

        self.bar = Gtk.ProgressBar(show_text=True, text="Not started")
        box.append(self.bar)
        self.detail = Gtk.Label(label="", xalign=0)
        box.append(self.detail)
        self.result = Gtk.Label(label="", xalign=0, wrap=True, selectable=True)
        box.append(self.result)
        # The pre-flight verdict, shown before anything moves.
        self.checks = Gtk.Label(label="", xalign=0, wrap=True, selectable=True)
        box.append(self.checks)
        self.manager = VirtMigrate.Manager.new()

        buttons = Gtk.Box(spacing=8, halign=Gtk.Align.END, valign=Gtk.Align.END, vexpand=True)
        self.cancel_button = Gtk.Button(label="Cancel", sensitive=False)
        self.cancel_button.connect("clicked", self.on_cancel)
        # Force-complete: post-copy if the request allows it, else the
        # guest is paused on the source so the rest can go.
        self.finish_button = Gtk.Button(label="Finish now", sensitive=False,
                                        tooltip_text="Switch to post-copy if allowed, otherwise pause the "
                                                     "guest so the migration can finish")
        self.finish_button.connect("clicked", self.on_finish_now)
        buttons.append(self.finish_button)
        self.migrate_button = Gtk.Button(label="Migrate")
        self.migrate_button.add_css_class("suggested-action")
        self.migrate_button.connect("clicked", lambda _b: self.start())
        buttons.append(self.cancel_button)
        buttons.append(self.migrate_button)
        box.append(buttons)

    def _row(self, grid, row, label, text):
        grid.attach(Gtk.Label(label=label, xalign=1), 0, row, 1, 1)
        entry = Gtk.Entry(text=text, hexpand=True)
        grid.attach(entry, 1, row, 1, 1)
        return entry

    def build_request(self):
        if self.args.request:
            variant = GLib.Variant.parse(GLib.VariantType("a{sv}"), self.args.request)
            request = VirtMigrate.Request.new_from_variant(variant)
            self.source.set_text(request.get_source_uri() or "")
            self.domain.set_text(request.get_domain() or "")
            self.dest.set_text(request.get_dest_uri() or "")
            self.migrate_uri.set_text(request.get_hypervisor_uri() or "")
            return request
        request = VirtMigrate.Request.new(self.domain.get_text(), self.source.get_text(), self.dest.get_text())
        request.props.live = True
        if self.migrate_uri.get_text():
            request.props.hypervisor_uri = self.migrate_uri.get_text()
        return request

    def start(self):
        try:
            request = self.build_request()
            request.validate()
        except GLib.Error as e:
            self.result.set_text(f"Cannot migrate: {e.message}")
            return
        self.form.set_sensitive(False)
        self.migrate_button.set_sensitive(False)
        self.result.set_text("")
        self.bar.set_text("Checking the destination…")
        self.request = request
        self.manager.check_async(request, None, None, self.on_checked)

    def on_checked(self, manager, res):
        """The verdict: a line per check that is not ok; a blocker stops here."""
        try:
            (verdict,) = manager.check_finish(res).unpack()
        except GLib.Error as e:
            verdict = {"result": "blocker", "checks": [{"check": "source", "result": "blocker",
                                                          "reason": e.message, "fix": ""}]}
        marks = {"ok": "✔", "warning": "⚠", "unknown": "?", "blocker": "✖"}
        lines = [f"{marks[c['result']]} {c['reason']}" + (f" — {c['fix']}" if c["fix"] and c["result"] != "ok" else "")
                 for c in verdict["checks"] if c["result"] != "ok"]
        if not lines:
            lines = [f"✔ The destination can take the guest ({len(verdict['checks'])} checks)"]
        self.checks.set_text("\n".join(lines))
        print(f"verdict: {verdict['result']}: " + " | ".join(lines), flush=True)
        if verdict["result"] in ("blocker", "unknown") and not self.request.props.force:
            self.bar.set_text("Cannot migrate")
            self.result.set_text("The destination cannot take this guest; nothing was moved."
                                 if verdict["result"] == "blocker" else
                                 "The checks could not run, so nothing is known of the destination; nothing was moved.")
            self.form.set_sensitive(True)
            self.migrate_button.set_sensitive(True)
            self.ok = False
            print(f"result: {self.bar.get_text()}: {self.result.get_text()}", flush=True)
            if self.args.screenshot_dir:
                GLib.timeout_add(300, self.screenshot, "done.png", "refused")
            elif self.args.exit_when_done:
                self.get_application().quit()
            return
        self.run(self.request)

    def run(self, request):
        self.cancel_button.set_sensitive(True)
        self.bar.set_text("Preparing…")
        # The same engine as the CLI and virt-migrated: settings, policy, queue.
        self.job = self.manager.create_job(request)
        self.job.connect("notify::progress", self.on_progress)
        self.job.connect("notify::rate", self.on_progress)
        self.job.connect("notify::phase", self.on_progress)
        self.job.connect("notify::messages", self.on_messages)
        self.messages_seen = 0
        self.finish_clicked = False
        self.finish_scheduled = False
        self.cancellable = Gio.Cancellable()
        self.job.run_async(self.cancellable, self.on_done)

    def on_messages(self, job, _pspec):
        """The job's log (the policy's steps, force-complete), on standard output."""
        messages = job.get_messages() or []
        for line in messages[self.messages_seen:]:
            print(f"message: {line}", flush=True)
        self.messages_seen = len(messages)

    def on_finish_now(self, _button):
        self.finish_clicked = True
        self.finish_button.set_sensitive(False)
        if self.job is not None:
            try:
                self.job.force_complete()
            except GLib.Error as e:
                self.result.set_text(f"Cannot finish now: {e.message}")

    def on_progress(self, job, _pspec):
        total, done = job.get_data_total(), job.get_data_processed()
        fraction = job.get_progress()
        self.bar.set_fraction(fraction)
        self.bar.set_text(f"{done / MIB:.1f} of {total / MIB:.1f} MiB")
        end = job.get_expected_end_time()
        left = fmt_time((end - GLib.get_real_time()) / 1e6) if end > 0 else "--:--"
        phase = job.get_phase().value_nick.replace("-", " ")
        if phase == "memory" and job.get_iteration() > 0:
            phase = f"memory, pass {job.get_iteration()}"
        self.detail.set_text(f"{job.get_rate() / MIB:.1f} MiB/s, {left} left — {phase}")
        moving = job.get_state() == VirtMigrate.JobState.RUNNING and total > 0
        self.finish_button.set_sensitive(moving and not self.finish_clicked)
        if moving and self.args.finish_now_after is not None and not self.finish_scheduled:
            self.finish_scheduled = True
            GLib.timeout_add(int(self.args.finish_now_after * 1000), self.click_finish_now)
        if self.args.screenshot_dir and not self.progress_shot and 0 < fraction < 1:
            self.progress_shot = True
            # Once this frame is drawn.
            GLib.timeout_add(300, self.screenshot, "progress.png", f"{fraction:.2f}")

    def click_finish_now(self):
        """--finish-now-after: the button pressed as a person would."""
        print("clicked: Finish now", flush=True)
        self.finish_button.emit("clicked")
        return GLib.SOURCE_REMOVE

    def on_cancel(self, _button):
        self.cancel_button.set_sensitive(False)
        self.bar.set_text("Cancelling…")
        if self.job is not None:
            self.job.cancel()

    def on_done(self, job, res):
        self.cancel_button.set_sensitive(False)
        self.finish_button.set_sensitive(False)
        self.on_messages(job, None)
        try:
            job.run_finish(res)
            outcome = job.get_config_outcome()
            self.bar.set_fraction(1.0)
            self.bar.set_text("Done")
            self.result.set_text(
                f"Migrated '{job.get_request().get_domain()}' in {job.get_elapsed() / 1000:.1f} s, "
                f"downtime {job.get_downtime()} ms.\n"
                f"Configuration: {outcome.to_string() if outcome else 'unknown'}")
            self.ok = True
        except GLib.Error as e:
            self.bar.set_text("Cancelled" if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED) else "Failed")
            self.result.set_text(e.message)
            self.ok = False
        print(f"result: {self.bar.get_text()}: {self.result.get_text()}", flush=True)
        if self.args.screenshot_dir:
            GLib.timeout_add(300, self.screenshot, "done.png", "final")
        elif self.args.exit_when_done:
            self.get_application().quit()

    def screenshot(self, filename, note):
        """Saves the X display (Xvfb in the tests) to a PNG in --screenshot-dir.

        PyGObject 3.42 (Debian 12) cannot pass GskRenderNode, so the window
        cannot render itself to a texture from Python; ImageMagick's import
        captures the display instead, cropped to this window (it sits at the
        origin without a window manager)."""
        path = os.path.join(self.args.screenshot_dir, filename)
        geometry = f"{self.get_width()}x{self.get_height()}+0+0"
        done = subprocess.run(["import", "-window", "root", "-crop", geometry, path],
                              capture_output=True, text=True)
        if done.returncode == 0:
            print(f"screenshot: {path} ({note}, bar {self.bar.get_fraction():.2f})", flush=True)
        else:
            print(f"screenshot failed: {done.stderr.strip()}", flush=True)
        if filename == "done.png" and self.args.exit_when_done:
            self.get_application().quit()
        return GLib.SOURCE_REMOVE


class DrainWindow(Gtk.ApplicationWindow):
    """A host drain: one bar for the whole, a row per guest."""

    def __init__(self, app, args):
        super().__init__(application=app, title="Move every virtual machine off a host")
        self.args = args
        self.drain = None
        self.ok = False
        self.set_default_size(640, 360)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12,
                      margin_top=18, margin_bottom=18, margin_start=18, margin_end=18)
        self.set_child(box)
        grid = Gtk.Grid(column_spacing=12, row_spacing=8)
        self.source = MigrateWindow._row(self, grid, 0, "Host to empty",
                                         args.connect or os.environ.get("LIBVIRT_DEFAULT_URI", "qemu:///system"))
        self.dests = MigrateWindow._row(self, grid, 1, "Destinations (comma-separated)", args.dest or "")
        box.append(grid)
        self.form = grid
        self.bar = Gtk.ProgressBar(show_text=True, text="Not started")
        box.append(self.bar)
        self.table = Gtk.Grid(column_spacing=16, row_spacing=4)
        box.append(self.table)
        self.summary = Gtk.Label(label="", xalign=0, wrap=True, selectable=True)
        box.append(self.summary)
        buttons = Gtk.Box(spacing=8, halign=Gtk.Align.END, valign=Gtk.Align.END, vexpand=True)
        self.cancel_button = Gtk.Button(label="Cancel", sensitive=False)
        self.cancel_button.connect("clicked", lambda _b: self.drain and self.drain.cancel())
        self.start_button = Gtk.Button(label="Empty host")
        self.start_button.add_css_class("destructive-action")
        self.start_button.connect("clicked", lambda _b: self.start())
        buttons.append(self.cancel_button)
        buttons.append(self.start_button)
        box.append(buttons)
        self.manager = VirtMigrate.Manager.new()

    def start(self):
        request = VirtMigrate.Request.new(None, self.source.get_text(), None)
        request.props.live = True
        request.props.flow = VirtMigrate.Flow.PEER_TO_PEER
        request.props.transport = VirtMigrate.Transport.TUNNELLED
        dests = [d.strip() for d in self.dests.get_text().split(",") if d.strip()]
        try:
            self.drain = self.manager.create_drain(request, dests)
        except GLib.Error as e:
            self.summary.set_text(f"Cannot drain: {e.message}")
            return
        self.drain.set_max_parallel(self.args.max_parallel)
        self.drain.connect("notify::guests", self.on_changed)
        self.drain.connect("notify::state", self.on_changed)
        self.drain.connect("notify::progress", self.on_changed)
        self.form.set_sensitive(False)
        self.start_button.set_sensitive(False)
        self.cancel_button.set_sensitive(True)
        self.bar.set_text("Checking every guest against every destination…")
        self.drain.run_async(None, self.on_done)

    def on_changed(self, drain, _pspec):
        self.bar.set_fraction(drain.get_progress())
        state = drain.get_state().value_nick
        if state != "planning":
            self.bar.set_text(f"{drain.get_n_moved()} of {drain.get_n_guests()} moved — {state}")
        child = self.table.get_first_child()
        while child is not None:
            self.table.remove(child)
            child = self.table.get_first_child()
        marks = {"moved": "✔", "left": "✖", "failed": "✖", "cancelled": "✖", "running": "⇢",
                 "queued": "…", "planned": "…"}
        for row, guest in enumerate(drain.get_guests().unpack()):
            where = guest["destination"] if guest["outcome"] != "left" else ""
            detail = guest["reason"] or where
            self.table.attach(Gtk.Label(label=f"{marks.get(guest['outcome'], '')} {guest['domain']}", xalign=0),
                              0, row, 1, 1)
            self.table.attach(Gtk.Label(label=guest["outcome"], xalign=0), 1, row, 1, 1)
            self.table.attach(Gtk.Label(label=detail, xalign=0, wrap=True, max_width_chars=60), 2, row, 1, 1)

    def on_done(self, drain, res):
        self.cancel_button.set_sensitive(False)
        try:
            self.ok = drain.run_finish(res)
        except GLib.Error as e:
            self.ok = False
            print(f"drain error: {e.message}", flush=True)
        self.on_changed(drain, None)
        snapshot = drain.to_variant().unpack()
        self.summary.set_text(snapshot["Summary"])
        print(f"drain: {drain.get_state().value_nick}: {snapshot['Summary']}", flush=True)
        for guest in drain.get_guests().unpack():
            print(f"guest: {guest['domain']} {guest['outcome']} {guest['destination']} {guest['reason']}", flush=True)
        if self.args.screenshot_dir:
            GLib.timeout_add(300, self.screenshot, "drain.png")
        elif self.args.exit_when_done:
            self.get_application().quit()

    def screenshot(self, filename):
        path = os.path.join(self.args.screenshot_dir, filename)
        geometry = f"{self.get_width()}x{self.get_height()}+0+0"
        done = subprocess.run(["import", "-window", "root", "-crop", geometry, path],
                              capture_output=True, text=True)
        print(f"screenshot: {path}" if done.returncode == 0 else f"screenshot failed: {done.stderr.strip()}",
              flush=True)
        if self.args.exit_when_done:
            self.get_application().quit()
        return GLib.SOURCE_REMOVE


def main():
    parser = argparse.ArgumentParser(description="Migrate a libvirt guest with a progress dialog")
    parser.add_argument("--connect", help="source libvirt URI")
    parser.add_argument("--domain", help="the guest to migrate")
    parser.add_argument("--dest", help="destination libvirt URI")
    parser.add_argument("--migrate-uri", help="hypervisor migration URI (tcp://, unix://)")
    parser.add_argument("--request", help="a whole request, as a{sv} GVariant text")
    parser.add_argument("--start", action="store_true", help="start at once")
    parser.add_argument("--exit-when-done", action="store_true", help="quit when the migration ends")
    parser.add_argument("--screenshot-dir", help="save progress.png and done.png (drain.png) here")
    parser.add_argument("--finish-now-after", type=float, metavar="SECONDS",
                        help="press Finish now this long after memory starts moving")
    parser.add_argument("--drain", action="store_true", help="empty the --connect host onto --dest (comma-separated)")
    parser.add_argument("--max-parallel", type=int, default=2, help="with --drain: at most N migrations at once")
    args = parser.parse_args()
    if args.screenshot_dir:
        os.makedirs(args.screenshot_dir, exist_ok=True)

    if Adw is not None:
        app = Adw.Application(application_id="org.virtmigrate.MigrateDialog",
                              flags=Gio.ApplicationFlags.NON_UNIQUE)
    else:
        app = Gtk.Application(application_id="org.virtmigrate.MigrateDialog",
                              flags=Gio.ApplicationFlags.NON_UNIQUE)
    state = {}

    def activate(app):
        win = DrainWindow(app, args) if args.drain else MigrateWindow(app, args)
        state["win"] = win
        win.present()
        if args.start:
            GLib.idle_add(lambda: win.start() and False)

    app.connect("activate", activate)
    app.run([sys.argv[0]])
    return 0 if getattr(state.get("win"), "ok", False) else 1


if __name__ == "__main__":
    started = time.monotonic()
    rc = main()
    print(f"exit {rc} after {time.monotonic() - started:.1f} s", flush=True)
    sys.exit(rc)
