#!/usr/bin/python3
# virt-migrated's HTTP side for real, inside the test bed: a private session
# bus, the daemon with --http on loopback, migrations started and cancelled
# over D-Bus, and the HTTP API, the event stream, the Prometheus metrics,
# the status page in headless Chromium and the webhooks (received by libsoup
# servers in this process) checked against them. TAP output.
#
#   tests/testbed/virt-migrate-testbed run -- /usr/bin/python3 tests/test-http.py BUILD-DIR
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

import gi

gi.require_version("Gio", "2.0")
gi.require_version("Soup", "3.0")
from testlib import free_port, private_bus, wait_for  # noqa: E402
from gi.repository import Gio, GLib, Soup  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

BUILD = sys.argv[1]
TOOL = os.path.join(BUILD, "tests", "vm-testbed-tool")
DAEMON = os.environ.get("VIRT_MIGRATED", os.path.join(BUILD, "tools", "virt-migrated"))
DIR = os.path.join(os.environ["VIRT_MIGRATE_TESTBED_DIR"], "http")
DST = os.environ["VIRT_MIGRATE_TESTBED_DST_URI"]
SHOTS = os.path.join(BUILD, "http-screenshots")
NAME = "org.virtmigrate.VirtMigrate1"
results = []


def tool(*args):
    return subprocess.run([TOOL, *args], check=True, capture_output=True, text=True).stdout.strip()


# --- the webhook receivers: libsoup servers on loopback, in their own thread ---

class Receiver:
    """A libsoup server that records every POST; with flaky=True it answers
    500 to the first attempt for each job."""

    def __init__(self, flaky=False):
        self.flaky = flaky
        self.posts = []
        self.lock = threading.Lock()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        context = GLib.MainContext.new()
        context.push_thread_default()
        self.server = Soup.Server()
        self.server.add_handler(None, self._handle)
        self.server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY)
        self.url = self.server.get_uris()[0].to_string() + "hook"
        ready.set()
        GLib.MainLoop.new(context, False).run()

    def _handle(self, server, msg, path, query):
        body = msg.get_request_body().flatten().get_data()
        headers = msg.get_request_headers()
        post = {"method": msg.get_method(), "body": json.loads(body),
                "type": headers.get_content_type()[0],
                "event": headers.get_one("X-VirtMigrate-Event"),
                "attempt": int(headers.get_one("X-VirtMigrate-Attempt"))}
        with self.lock:
            first = not any(p["body"]["job"]["Id"] == post["body"]["job"]["Id"] for p in self.posts)
            self.posts.append(post)
        status = 500 if self.flaky and first else 200
        msg.set_status(status, None)
        msg.set_response("text/plain", Soup.MemoryUse.COPY, b"ok\n" if status == 200 else b"try later\n")

    def for_job(self, job_id):
        with self.lock:
            return [p for p in self.posts if p["body"]["job"]["Id"] == job_id]


# --- the daemon -------------------------------------------------------------


def daemon_env(bus_address, config_home=None):
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus_address, G_DEBUG="fatal-criticals")
    if config_home is not None:
        # The keyfile GSettings backend, so that the test sets real keys.
        env.update(GSETTINGS_BACKEND="keyfile", XDG_CONFIG_HOME=config_home)
    return env


def run_daemon(args, env, timeout=10):
    """A virt-migrated that is expected to refuse to start."""
    return subprocess.run([DAEMON, "--state-dir", os.path.join(DIR, "state-refused"), *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


class Http:
    def __init__(self, port, token, tls_context=None):
        self.port, self.token, self.tls = port, token, tls_context

    def connection(self, timeout=10):
        if self.tls is not None:
            return http.client.HTTPSConnection("localhost", self.port, timeout=timeout, context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, path, method="GET", token=True, headers=None, body=None):
        conn = self.connection()
        h = dict(headers or {})
        if token is True:
            h["Authorization"] = "Bearer " + self.token
        elif token:
            h["Authorization"] = "Bearer " + token
        conn.request(method, path, body=body, headers=h)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def json(self, path):
        status, _, data = self.request(path)
        assert status == 200, (path, status, data)
        return json.loads(data)

    def metrics(self):
        status, headers, data = self.request("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"), (status, headers)
        families = {}
        for family in text_string_to_metric_families(data.decode()):
            families[family.name] = family
        return families


class EventStream:
    """GET /v1/events in a thread: every event with its arrival time."""

    def __init__(self, http_):
        self.events = []
        self.lock = threading.Lock()
        self.conn = http_.connection(timeout=300)
        self.conn.request("GET", "/v1/events", headers={"Authorization": "Bearer " + http_.token})
        self.sock = self.conn.sock
        self.response = self.conn.getresponse()
        assert self.response.status == 200, self.response.status
        assert self.response.getheader("Content-Type") == "text/event-stream"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        event, data = None, []
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if event is not None:
                        with self.lock:
                            self.events.append((time.monotonic(), event, json.loads("\n".join(data))))
                    event, data = None, []
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
        except Exception:  # noqa: BLE001 (the stream closed under us)
            pass

    def for_job(self, job_id):
        with self.lock:
            return [(t, e, d) for t, e, d in self.events if d.get("Id") == job_id]

    def close(self):
        # Shut the socket down first: the reader thread holds the response.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


def metric_value(families, family, sample_name, **labels):
    total = 0.0
    if family not in families:
        return 0.0
    for sample in families[family].samples:
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
            total += sample.value
    return total


class DBus:
    def __init__(self, address):
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    def migrate(self, request_text):
        request = GLib.Variant.parse(GLib.VariantType("a{sv}"), request_text)
        reply = self.conn.call_sync(NAME, "/org/virtmigrate/VirtMigrate1/Manager", NAME + ".Manager", "Migrate",
                                    GLib.Variant.new_tuple(request), GLib.VariantType("(o)"),
                                    Gio.DBusCallFlags.NONE, 30000, None)
        path = reply.unpack()[0]
        return path, int(path.rsplit("/", 1)[1])

    def cancel(self, path):
        self.conn.call_sync(NAME, path, NAME + ".Job", "Cancel", None, None, Gio.DBusCallFlags.NONE, 30000, None)


# --- Chromium ---------------------------------------------------------------

def screenshot(url, path):
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-first-run", "--user-data-dir=" + os.path.join(DIR, "chromium"),
                    "--window-size=900,360", "--screenshot=" + path, url],
                   env=env, check=True, capture_output=True, timeout=120)
    return colours(path)


def colours(path):
    """Pixel counts per colour (ImageMagick's histogram)."""
    out = subprocess.run(["convert", path, "-alpha", "off", "-format", "%c", "histogram:info:-"],
                         check=True, capture_output=True, text=True).stdout
    counts = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+):.*#([0-9A-Fa-f]{6})", line)
        if m:
            counts[m.group(2).lower()] = counts.get(m.group(2).lower(), 0) + int(m.group(1))
    return counts


BAR_BLUE, BAR_GREEN, TRACK = "3584e4", "26a269", "deddda"


# --- the tests --------------------------------------------------------------

def test(fn):
    results.append(fn)
    return fn


class Context:
    pass


ctx = Context()


@test
def token_file():
    """The daemon creates the token file with mode 0600 and prints where it is"""
    mode = os.stat(ctx.token_file).st_mode & 0o777
    assert mode == 0o600, oct(mode)
    assert len(ctx.http.token) >= 32
    log = open(ctx.log_path).read()
    assert f"HTTP: serving http://127.0.0.1:{ctx.port}/ (read-only; bearer token in {ctx.token_file})" in log, log
    return f"{ctx.token_file}, mode 0600"


@test
def needs_token():
    """Without the token (or with a wrong one): 401 and no data, on every path"""
    for path in ["/v1/jobs", "/v1/jobs/1", "/v1/events", "/metrics", "/", "/nothing"]:
        for token in [None, "wrong-token-wrong-token-wrong-token"]:
            status, headers, data = ctx.http.request(path, token=token)
            assert status == 401, (path, status)
            assert headers.get("WWW-Authenticate", "").startswith("Bearer"), headers
            assert b"Id" not in data and b"virtmigrate_" not in data and b"<html" not in data, data
    status, _, _ = ctx.http.request("/v1/jobs?access_token=" + "x" * 64, token=None)
    assert status == 401
    status, _, _ = ctx.http.request("/v1/jobs?access_token=" + ctx.http.token, token=None)
    assert status == 200
    return "401 on 6 paths with no token and a wrong one; ?access_token= works"


@test
def limits():
    """A 10 MiB body and 1,000 headers are refused (413, 431) and the daemon keeps serving; too many event streams get 503"""
    body = b"x" * (10 * 1024 * 1024)
    try:
        status, _, _ = ctx.http.request("/v1/jobs", method="POST", body=body)
    except (BrokenPipeError, ConnectionResetError):
        status = "connection closed"
    assert status in (413, "connection closed"), status
    headers = {f"X-Header-{i}": "v" for i in range(1000)}
    status, _, data = ctx.http.request("/v1/jobs", headers=headers)
    assert status == 431, (status, data)
    status, _, _ = ctx.http.request("/v1/jobs")
    assert status == 200, status
    streams = [EventStream(ctx.http) for _ in range(16)]
    status, _, data = ctx.http.request("/v1/events")
    for s in streams:
        s.close()
    assert status == 503 and b"Too many event streams" in data, (status, data)
    wait_for(lambda: stream_opens(), 5, "a closed stream's place to be given back")
    status, _, _ = ctx.http.request("/v1/jobs")
    assert status == 200, status
    return f"POST 10 MiB: {413 if isinstance(status, int) else status}, 1000 headers: 431, 17th stream: 503, still serving"


@test
def read_only():
    """Nothing over HTTP changes a migration: POST, PUT and DELETE get 405"""
    for method in ["POST", "PUT", "DELETE", "PATCH"]:
        status, headers, data = ctx.http.request("/v1/jobs/1", method=method, body=b"{}")
        assert status == 405 and headers.get("Allow") == "GET, HEAD", (method, status, data)
    return "405 with Allow: GET, HEAD"


@test
def migration_over_http():
    """A throttled migration: /v1/jobs shows it with growing progress, /metrics with its gauges, the page with a partly filled bar"""
    ctx.metrics_before = ctx.http.metrics()
    ctx.events = EventStream(ctx.http)
    path, job_id = ctx.dbus.migrate(tool("slow-request", "http-a", "64", "4"))
    ctx.job_a = job_id
    progress = []
    rated = []
    gauges = None
    shot = None
    while True:
        job = ctx.http.json(f"/v1/jobs/{job_id}")
        if job["State"] in ("succeeded", "failed", "cancelled"):
            break
        if job["State"] == "running":
            progress.append(job["Progress"])
            if 0 < job["Progress"] < 1:
                rated.append(job["Rate"] if job["ExpectedEndTime"] > time.time() * 1e6 else 0)
            if gauges is None and job["BytesProcessed"] > 0:
                gauges = ctx.http.metrics()
            if shot is None and 0.1 < job["Progress"] < 0.75:
                shot = screenshot(f"http://127.0.0.1:{ctx.port}/?access_token={ctx.http.token}",
                                  os.path.join(SHOTS, "progress.png"))
                ctx.shot_progress = job["Progress"]
        time.sleep(0.3)
    assert job["State"] == "succeeded", job
    listed = ctx.http.json("/v1/jobs")
    assert [j["Id"] for j in listed if j["Id"] == job_id] == [job_id], listed
    for key in ["State", "Progress", "Rate", "ExpectedEndTime", "BytesTotal", "BytesProcessed", "BytesRemaining",
                "DirtyRate", "Iteration", "Downtime", "Elapsed", "Cancelable", "StartedByUid", "Request",
                "Domain", "Error", "Messages"]:
        assert key in job, (key, job)
    assert job["Domain"] == "http-a" and job["Request"]["domain"] == "http-a", job
    assert job["StartedByUid"] == os.getuid() and job["Cancelable"] is False, job
    assert job["Progress"] == 1.0 and job["BytesProcessed"] == job["BytesTotal"] > 64 * 1024 * 1024, job
    assert any("configuration" in m for m in job["Messages"]), job["Messages"]
    verdict = job["Verdict"]
    assert verdict["result"] in ("ok", "warning") and verdict["destination"] == DST, verdict
    assert {"reachable", "name", "memory"} <= {c["check"] for c in verdict["checks"]}, verdict
    rising = sorted(set(p for p in progress if 0 < p < 1))
    # QEMU's throttled block mirror moves the disk in bursts: a few steps.
    assert len(rising) >= 2, progress
    assert all(b >= a for a, b in zip(progress, progress[1:])), progress
    # Once data moves, a rate (averaged over the bursts) and a time left
    # (a gap between two bursts longer than the 5 s average reads 0).
    moving = [r for r in rated if r > 0]
    assert len(moving) >= 3, rated
    assert tool("state", "dst", "http-a") == "running" and tool("state", "src", "http-a") == "absent"

    assert gauges is not None, "no metrics sample while running"
    processed = metric_value(gauges, "virtmigrate_migration_data_processed_bytes",
                             "virtmigrate_migration_data_processed_bytes", domain="http-a", destination=DST)
    total = metric_value(gauges, "virtmigrate_migration_data_total_bytes",
                         "virtmigrate_migration_data_total_bytes", domain="http-a", destination=DST)
    assert 0 < processed <= total, (processed, total)

    assert shot is not None, "no screenshot taken while running"
    assert shot.get(BAR_BLUE, 0) > 800 and shot.get(TRACK, 0) > 4000, shot
    ctx.done_shot = screenshot(f"http://127.0.0.1:{ctx.port}/?access_token={ctx.http.token}",
                               os.path.join(SHOTS, "done.png"))
    return (f"{len(rising)} distinct progress values {rising[0]:.2f}..{rising[-1]:.2f}, "
            f"a rate in {len(moving)}/{len(rated)} samples (median {sorted(moving)[len(moving) // 2] / 2**20:.1f} MiB/s); "
            f"screenshot at {ctx.shot_progress:.2f}: {SHOTS}/progress.png ({shot.get(BAR_BLUE)} bar pixels)")


@test
def page_completed():
    """The status page after the migration: a full green bar, no blue left"""
    shot = ctx.done_shot
    assert shot.get(BAR_GREEN, 0) > 8000 and shot.get(BAR_BLUE, 0) == 0, shot
    return f"{SHOTS}/done.png ({shot.get(BAR_GREEN)} green bar pixels)"


@test
def event_stream():
    """/v1/events: several job events, rate-limited (at most 10 per second), then completed"""
    events = wait_for(lambda: [e for e in ctx.events.for_job(ctx.job_a)] if any(
        e[1] == "completed" for e in ctx.events.for_job(ctx.job_a)) else None, 10, "the completed event")
    kinds = [e[1] for e in events]
    assert kinds[-1] == "completed" and kinds.count("completed") == 1, kinds
    running = [e for e in events if e[1] == "job" and e[2]["State"] == "running"]
    assert len(running) >= 3, kinds
    values = [e[2]["Progress"] for e in running]
    assert all(b >= a for a, b in zip(values, values[1:])), values
    times = [e[0] for e in events if e[1] == "job"]
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    assert busiest <= 11, busiest
    assert events[-1][2]["State"] == "succeeded", events[-1]
    return f"{len(kinds)} events ({len(running)} while running, at most {busiest} in a second), then completed"


@test
def metrics_after():
    """/metrics parses as Prometheus text; the succeeded counter and the histograms count the migration"""
    after = ctx.http.metrics()
    name = "virtmigrate_migrations_succeeded"
    before = metric_value(ctx.metrics_before, name, name + "_total", domain="http-a")
    now = metric_value(after, name, name + "_total", domain="http-a", destination=DST)
    assert now == before + 1, (before, now)
    for hist in ["virtmigrate_migration_duration_seconds", "virtmigrate_migration_downtime_seconds"]:
        assert after[hist].type == "histogram", after[hist].type
        assert metric_value(after, hist, hist + "_count", domain="http-a") == 1
        inf = metric_value(after, hist, hist + "_bucket", domain="http-a", le="+Inf")
        assert inf == 1, inf
    duration = metric_value(after, "virtmigrate_migration_duration_seconds",
                            "virtmigrate_migration_duration_seconds_sum", domain="http-a")
    assert duration > 5, duration
    assert metric_value(after, "virtmigrate_migration_data_total_bytes",
                        "virtmigrate_migration_data_total_bytes", domain="http-a") == 0
    return f"succeeded_total {before:.0f} -> {now:.0f}, duration {duration:.1f} s"


@test
def cancelled_over_dbus():
    """A job cancelled over D-Bus: /v1/jobs says cancelled, cancelled_total counts it"""
    path, job_id = ctx.dbus.migrate(tool("slow-request", "http-b", "48", "4"))
    ctx.job_b = job_id
    wait_for(lambda: ctx.http.json(f"/v1/jobs/{job_id}")["Progress"] > 0.05, 60, "progress")
    ctx.dbus.cancel(path)
    job = wait_for(lambda: (lambda j: j if j["State"] in ("cancelled", "failed", "succeeded") else None)(
        ctx.http.json(f"/v1/jobs/{job_id}")), 60, "the cancel")
    assert job["State"] == "cancelled", job
    assert tool("state", "src", "http-b") == "running" and tool("state", "dst", "http-b") == "absent"
    after = ctx.http.metrics()
    name = "virtmigrate_migrations_cancelled"
    assert metric_value(after, name, name + "_total", domain="http-b", destination=DST) == 1
    return "cancelled_total{domain=\"http-b\"} 1"


@test
def webhooks():
    """Webhooks (from GSettings): exactly one POST per finished job; a 500 is retried; a dead URL is given up, logged"""
    time.sleep(3)  # room for duplicates to show
    for job_id, event in [(ctx.job_a, "succeeded"), (ctx.job_b, "cancelled")]:
        posts = ctx.good.for_job(job_id)
        assert len(posts) == 1, posts
        p = posts[0]
        assert p["method"] == "POST" and p["type"] == "application/json" and p["attempt"] == 1, p
        assert p["event"] == event and p["body"]["event"] == event and p["body"]["job"]["State"] == event, p
        flaky = ctx.flaky.for_job(job_id)
        assert [f["attempt"] for f in flaky] == [1, 2], flaky
    log = open(ctx.log_path).read()
    for job_id in (ctx.job_a, ctx.job_b):
        assert re.search(rf"webhook {re.escape(ctx.dead_url)}: job {job_id} \w+ not delivered after 2 attempts", log), log
    return "1 POST per job at the good receiver, 2 at the flaky one, the dead URL given up after 2 attempts"


@test
def history():
    """The daemon's history: D-Bus GetHistory, GET /v1/history and `virt-migrate --bus history --json` agree on both jobs"""
    reply = ctx.dbus.conn.call_sync(NAME, "/org/virtmigrate/VirtMigrate1/Manager", NAME + ".Manager", "GetHistory",
                                    GLib.Variant("(a{sv})", ({},)), GLib.VariantType("(aa{sv})"),
                                    Gio.DBusCallFlags.NONE, 30000, None)
    over_dbus = reply.unpack()[0]
    over_http = ctx.http.json("/v1/history")
    cli = subprocess.run([os.path.join(BUILD, "tools", "virt-migrate"), "--bus", "history", "--json"],
                         env=dict(ctx.env), check=True, capture_output=True, text=True).stdout
    over_cli = json.loads(cli)
    mine = [r for r in over_http if r["Id"] in (ctx.job_a, ctx.job_b)]
    assert [(r["Domain"], r["Outcome"]) for r in mine] == [("http-a", "succeeded"), ("http-b", "cancelled")], mine
    a = mine[0]
    assert a["Downtime"] > 0 and a["BytesProcessed"] > 64 << 20 and a["Destination"] == DST, a
    assert a["EndTime"] - a["StartTime"] > 5e6 and len(a["DomainUuid"]) == 36, a
    assert any("configuration" in m for m in a["Messages"]), a["Messages"]
    assert over_http == over_cli, (over_http, over_cli)
    keys = ["Id", "Domain", "DomainUuid", "Outcome", "Downtime", "BytesProcessed", "StartTime", "EndTime",
            "Flags", "Messages", "Error"]
    assert [{k: r[k] for k in keys} for r in over_dbus] == [{k: r[k] for k in keys} for r in over_http], \
        (over_dbus, over_http)
    one = ctx.http.json("/v1/history?domain=http-a&limit=1")
    assert [r["Id"] for r in one] == [ctx.job_a], one
    status, _, body = ctx.http.request("/v1/history?guest=x")
    assert status == 400 and b"guest" in body, (status, body)
    assert os.path.exists(os.path.join(DIR, "state", "history"))
    return f"{len(over_http)} records; http-a downtime {a['Downtime']} ms, {a['BytesProcessed'] / 2**20:.0f} MiB"


@test
def retention():
    """A finished job leaves /v1/jobs after the retention time, with a removed event"""
    wait_for(lambda: all(j["Id"] != ctx.job_a for j in ctx.http.json("/v1/jobs")), 30, "the job to go")
    status, _, _ = ctx.http.request(f"/v1/jobs/{ctx.job_a}")
    assert status == 404
    wait_for(lambda: [e for e in ctx.events.for_job(ctx.job_a) if e[1] == "removed"], 5, "the removed event")
    return "404 and a removed event"


@test
def non_loopback_needs_tls():
    """--http 0.0.0.0:PORT without a certificate: refuses to start, saying why"""
    r = run_daemon(["--http", f"0.0.0.0:{free_port()}", "--http-token-file", ctx.token_file], ctx.env)
    assert r.returncode == 1, r
    assert "Refusing to serve plain HTTP on 0.0.0.0" in r.stderr and "TLS certificate" in r.stderr, r.stderr
    return r.stderr.strip().splitlines()[-1][:90] + "…"


@test
def token_file_mode():
    """A token file others may read is refused"""
    loose = os.path.join(DIR, "loose-token")
    with open(loose, "w") as f:
        f.write("0123456789abcdef0123456789abcdef\n")
    os.chmod(loose, 0o644)
    r = run_daemon(["--http", f"127.0.0.1:{free_port()}", "--http-token-file", loose], ctx.env)
    assert r.returncode == 1 and "mode 0600" in r.stderr, r
    return "mode 0644 refused"


@test
def https_on_any_address():
    """With a TLS certificate: HTTPS on 0.0.0.0, the token still needed, plain HTTP refused"""
    cert, key = os.path.join(DIR, "cert.pem"), os.path.join(DIR, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    bus, address = private_bus()
    port = free_port()
    log = open(os.path.join(DIR, "tls.log"), "w")
    daemon = subprocess.Popen([DAEMON, "--state-dir", os.path.join(DIR, "state-tls"), "--http", f"0.0.0.0:{port}",
                               "--http-token-file", ctx.token_file, "--http-tls-certificate", cert,
                               "--http-tls-key", key], env=daemon_env(address), stdout=log, stderr=log)
    try:
        tls = ssl.create_default_context(cafile=cert)
        https = Http(port, ctx.http.token, tls)
        wait_for(lambda: port_open(port), 10, "the HTTPS port")
        status, _, data = https.request("/v1/jobs")
        assert status == 200 and json.loads(data) == [], (status, data)
        status, _, _ = https.request("/v1/jobs", token=None)
        assert status == 401
        try:
            plain = Http(port, ctx.http.token).request("/v1/jobs")[0]
        except (ConnectionError, http.client.HTTPException):
            plain = "refused"
        assert plain != 200, plain
    finally:
        daemon.terminate()
        daemon.wait()
        bus.terminate()
        bus.wait()
    return f"https://0.0.0.0:{port}/ with a self-signed certificate; plain HTTP: {plain}"


def stream_opens():
    try:
        EventStream(ctx.http).close()
        return True
    except AssertionError:
        return False


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main():
    shutil.rmtree(DIR, ignore_errors=True)
    os.makedirs(DIR)
    shutil.rmtree(SHOTS, ignore_errors=True)
    os.makedirs(SHOTS)
    ctx.good, ctx.flaky = Receiver(), Receiver(flaky=True)
    # A port bound but never listened on: connections are refused, and no
    # other test can take it meanwhile.
    ctx.dead_socket = socket.socket()
    ctx.dead_socket.bind(("127.0.0.1", 0))
    ctx.dead_url = f"http://127.0.0.1:{ctx.dead_socket.getsockname()[1]}/nobody-listens"
    config = os.path.join(DIR, "config")
    os.makedirs(os.path.join(config, "glib-2.0", "settings"))
    with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
        f.write("[org/virtmigrate/VirtMigrate]\n"
                f"webhooks=['{ctx.good.url}', '{ctx.flaky.url}', '{ctx.dead_url}']\n"
                "webhook-attempts=uint32 2\n"
                "webhook-retry-delay=uint32 300\n"
                "retention=uint32 20\n")
    bus, address = private_bus()
    ctx.env = daemon_env(address, config)
    ctx.port = free_port()
    ctx.token_file = os.path.join(DIR, "run", "http-token")
    ctx.log_path = os.path.join(DIR, "daemon.log")
    log = open(ctx.log_path, "w")
    daemon = subprocess.Popen([DAEMON, "--state-dir", os.path.join(DIR, "state"),
                               "--http", str(ctx.port), "--http-token-file", ctx.token_file],
                              env=ctx.env, stdout=log, stderr=log)
    failed = 0
    try:
        wait_for(lambda: port_open(ctx.port) and os.path.exists(ctx.token_file), 15, "the daemon")
        ctx.http = Http(ctx.port, open(ctx.token_file).read().strip())
        ctx.dbus = DBus(address)
        print(f"1..{len(results)}", flush=True)
        for i, fn in enumerate(results, 1):
            started = time.monotonic()
            try:
                note = fn()
                note = f"{note} ({time.monotonic() - started:.1f} s)"
                print(f"ok {i} {fn.__doc__} # {note}", flush=True)
            except Exception as e:  # noqa: BLE001
                failed += 1
                print(f"not ok {i} {fn.__doc__}", flush=True)
                for line in repr(e).splitlines() or [""]:
                    print(f"# {line[:2000]}", flush=True)
    finally:
        daemon.terminate()
        daemon.wait()
        bus.terminate()
        bus.wait()
        log.close()
        for line in open(ctx.log_path).read().splitlines()[-40:]:
            print("# daemon: " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
