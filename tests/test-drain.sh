#!/bin/bash
# Draining a host for real (inside a test bed of three hosts): every
# running guest of the source checked against every destination, placed,
# moved within the limit; a guest blocked by a guest of the same name
# stays running on the source with its reason and the drain exits 1; two
# destinations; a cancel half-way; virt-migrated killed and restarted
# mid-drain, which resumes from its record. The number of migrations at
# once is read from the jobs' recorded start and end times.
set -euo pipefail
build=$1
dir=$VIRT_MIGRATE_TESTBED_DIR
src=$VIRT_MIGRATE_TESTBED_SRC_URI
dst=$VIRT_MIGRATE_TESTBED_DST_URI
dst2=${VIRT_MIGRATE_TESTBED_DST2_URI:?the drain test needs VIRT_MIGRATE_TESTBED_HOSTS=3}
cli=$build/tools/virt-migrate
tool=$build/tests/vm-testbed-tool
export XDG_STATE_HOME=$dir/drain-state
. "$(dirname "$0")/tap.sh"
state() { "$tool" state "$1" "$2"; }
# Each guest runs on exactly one host: running there, absent (or defined
# and shut off) on the others, never paused.
one_host() { # GUEST
	local where=() h s
	for h in src dst dst2; do
		s=$("$tool" state $h "$1")
		case $s in
		running) where+=("$h") ;;
		absent | shutoff) ;;
		*) echo "$1 is $s on $h" >&2; return 1 ;;
		esac
	done
	[ ${#where[@]} -eq 1 ] || { echo "$1 runs on: ${where[*]:-nowhere}" >&2; return 1; }
	echo "${where[0]}"
}
# The most of the drain's jobs that ran at once, from the history (their
# StartTime and EndTime).
most_at_once() { # DRAIN-ID [--bus]
	"$cli" ${2:-} history --json | /usr/bin/python3 -c '
import json, sys
drain = int(sys.argv[1])
jobs = [r for r in json.load(sys.stdin) if r.get("Drain") == drain]
events = sorted([(r["StartTime"], 1) for r in jobs] + [(r["EndTime"], -1) for r in jobs], key=lambda e: (e[0], e[1]))
now = most = 0
for _, d in events:
    now += d
    most = max(most, now)
print(most, len(jobs))' "$1"
}
drain_record() { # DRAIN-ID -> its history record, as JSON
	"$cli" history --json "drain $1"
}

echo "1..6"

for g in d1 d2 d3 d4; do "$tool" guest "$g"; done
# d3 is blocked: another guest of that name (another UUID) on the destination.
uuid=$(virsh -q -c "$src" domuuid d3)
virsh -q -c "$src" dumpxml d3 | sed "s|<uuid>$uuid</uuid>|<uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>|" > "$dir/d3-other.xml"
virsh -q -c "$dst" define "$dir/d3-other.xml" > /dev/null

# 1. The plan first: nothing moves, the blocked guest named with its reason.
set +e
"$cli" drain -c "$src" --live --p2p --tunnelled --max-parallel 2 --dry-run "$dst" > "$dir/plan.out" 2>&1; rc=$?
set -e
show "$dir/plan.out"
[ $rc -eq 1 ] || fail "a dry run with a guest that cannot go exited $rc, expected 1"
grep -q "^Cannot go, stays on the source:" "$dir/plan.out" &&
  grep -Eq "^  d3: .*A different guest of the same name" "$dir/plan.out" || fail "the plan does not name d3 and why"
grep -q "^Would move, in this order:" "$dir/plan.out" && [ "$(grep -c ' -> ' "$dir/plan.out")" -eq 3 ] ||
  fail "the plan does not list the three movers"
for g in d1 d2 d3 d4; do [ "$(state src $g)" = running ] || fail "$g moved in a dry run"; done
ok "drain --dry-run: three guests would move, d3 cannot (a guest of the same name), nothing moved, exit 1"

# 2. The judged drain.
set +e
"$cli" drain -c "$src" --live --p2p --tunnelled --max-parallel 2 "$dst" > "$dir/drain.out" 2>&1; rc=$?
set -e
show "$dir/drain.out"
[ $rc -eq 1 ] || fail "the drain exited $rc, expected 1 (a guest stayed)"
for g in d1 d2 d4; do
	[ "$(one_host $g)" = dst ] || fail "$g did not move to the destination"
done
[ "$(one_host d3)" = src ] || fail "d3 is not running on the source alone"
grep -Eq "^  d3 +left .*" "$dir/drain.out" && grep -q "A different guest of the same name" "$dir/drain.out" ||
  fail "the table does not say why d3 stayed"
grep -q "^Drain incomplete: 3 of 4 guests moved, 1 left on the source, 0 failed" "$dir/drain.out" ||
  fail "no summary"
# Its id (from the history's counter, shared with the jobs): in its first line.
id=$(sed -n 's/^Drain \([0-9][0-9]*\) of .*/\1/p' "$dir/drain.out")
[ -n "$id" ] || fail "the drain's first line does not give its id"
read -r most jobs < <(most_at_once "$id")
echo "# drain $id: $jobs jobs, at most $most at once"
[ "$jobs" -eq 3 ] && [ "$most" -le 2 ] && [ "$most" -ge 1 ] || fail "$jobs jobs, $most at once (limit 2)"
drain_record "$id" | /usr/bin/python3 -c '
import json, sys
(r,) = json.load(sys.stdin)
assert r["Kind"] == "drain" and r["Outcome"] == "incomplete", r
rows = {g["domain"]: g for g in r["Guests"]}
assert rows["d3"]["outcome"] == "left" and "same name" in rows["d3"]["reason"], rows
assert all(rows[g]["outcome"] == "moved" and rows[g]["job"] > 0 for g in ("d1", "d2", "d4")), rows' ||
  fail "the history's drain record"
ok "drain --live --p2p --tunnelled --max-parallel 2: three moved, d3 runs on the source with its reason, exit 1, never more than 2 at once"

# 3. Two destinations, most free memory: the guests spread over both
# (the test bed's hosts share one machine, so each placed guest tips the
# balance); --exclude leaves a guest out of the drain altogether.
for g in e1 e2 e3 e4 skip-me; do "$tool" guest "$g"; done
set +e
"$cli" drain -c "$src" --live --p2p --tunnelled --max-parallel 2 --exclude 'd*' --exclude 'skip-*' \
	"$dst" "$dst2" > "$dir/two.out" 2>&1; rc=$?
set -e
show "$dir/two.out"
[ $rc -eq 0 ] || fail "the drain to two destinations exited $rc"
on_dst=0 on_dst2=0
for g in e1 e2 e3 e4; do
	case $(one_host $g) in dst) on_dst=$((on_dst + 1)) ;; dst2) on_dst2=$((on_dst2 + 1)) ;; *) fail "$g did not move" ;; esac
done
[ $on_dst -eq 2 ] && [ $on_dst2 -eq 2 ] || fail "placement: $on_dst on dst, $on_dst2 on dst2"
[ "$(one_host skip-me)" = src ] && ! grep -q "skip-me" "$dir/two.out" || fail "--exclude"
grep -q "most free memory" "$dir/two.out" || fail "the rule is not said"
ok "two destinations: two guests each by most free memory, exit 0; --exclude left skip-me out"

# 4. A cancel half-way: slow guests (24 MiB of data each behind a 4 MiB/s
# cap), one at a time; Ctrl-C once the second has started. Idle guests
# with data: a guest that keeps dirtying (at a pace the dirtier sets by
# CPU work, calibrated at boot) was once too fast to converge on a loaded
# machine, and the policy stopped the first before anything had moved; one
# dirtying slowly had written so little that the second moved within the
# second before the Ctrl-C, and the third had started.
for g in c1 c2 c3; do "$tool" idle-guest "$g" 64 24; done
"$cli" drain -c "$src" --live --p2p --tunnelled --bandwidth 4 --max-parallel 1 --include 'c*' "$dst" \
	> "$dir/cancel.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	grep -q "^c[0-9]: migrating to .*(job" "$dir/cancel.out" && [ "$(grep -c 'migrating to' "$dir/cancel.out")" -ge 2 ] && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
sleep 1
kill -INT $pid
set +e
wait $pid; rc=$?
set -e
show "$dir/cancel.out"
[ $rc -eq 130 ] || fail "the cancelled drain exited $rc, expected 130"
grep -q "^Drain cancelled: " "$dir/cancel.out" || fail "no cancelled summary"
moved=0 stayed=0
for g in c1 c2 c3; do
	case $(one_host $g) in dst) moved=$((moved + 1)) ;; src) stayed=$((stayed + 1)) ;; *) fail "$g" ;; esac
done
echo "# after the cancel: $moved moved, $stayed on the source"
[ $moved -ge 1 ] && [ $stayed -ge 1 ] || fail "not half-way: $moved moved, $stayed stayed"
grep -Eq "^  c[0-9] +left .*" "$dir/cancel.out" && grep -q "Not started: the drain was cancelled" "$dir/cancel.out" ||
  fail "the guest not started is not said to stay"
ok "a cancel half-way (Ctrl-C): $moved moved, $stayed stayed, each running on exactly one host, exit 130"

# 5. virt-migrated killed mid-drain and restarted: it resumes the drain from
# its record; what moved stays moved, the migration it was running is
# followed to its end, and the rest moves, never more at once than the
# drain's max-parallel (the followed migration counts). Idle guests with
# data, as in 4: sure to converge, each a few seconds to move.
for g in r1 r2 r3; do "$tool" idle-guest "$g" 64 24; done
start_bus
http_port=$(free_port)
hook_port=$(free_port)
# A webhook receiver: each POST's body, a line each.
/usr/bin/python3 - "$hook_port" "$dir/hooks" <<'EOF' &
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
EOF
receiver=$!
trap 'kill $bus_pid $receiver 2>/dev/null || true' EXIT
drain_prop() { # PATH PROPERTY
	gdbus call --session -d org.virtmigrate.VirtMigrate1 -o "$1" -m org.freedesktop.DBus.Properties.Get \
		org.virtmigrate.VirtMigrate1.Drain "$2"
}
start_daemon --http "127.0.0.1:$http_port" --http-token-file "$dir/http-token" --webhook "http://127.0.0.1:$hook_port/"
"$cli" --bus drain -c "$src" --live --p2p --tunnelled --bandwidth 4 --max-parallel 1 --include 'r*' "$dst" \
	> "$dir/bus.out" 2>&1 &
client=$!
path=
for _ in $(seq 1 600); do
	path=$(sed -n 's|^Drain \(/org/virtmigrate/VirtMigrate1/drains/[0-9]*\)$|\1|p' "$dir/bus.out")
	[ -n "$path" ] && grep -q "moved to" "$dir/bus.out" && grep -q "^r[0-9]: migrating to" <(grep -v "^r[0-9]: moved" "$dir/bus.out" | tail -n 1) && break
	sleep 0.1
done
[ -n "$path" ] || { show "$dir/bus.out"; fail "no drain over the bus"; }
# Killed once the guest's memory is moving (libvirt past its prepare
# phase), so that the migration libvirt carries on is the one to follow.
mover=$(sed -n 's/^\(r[0-9]\): migrating to .*/\1/p' "$dir/bus.out" | tail -n 1)
for _ in $(seq 1 300); do
	virsh -q -c "$src" domjobinfo "$mover" 2>/dev/null | grep -E "^Memory processed: +[1-9]" >/dev/null && break
	sleep 0.2
done
show "$dir/bus.out"
kill -9 $daemon
wait $daemon 2>/dev/null || true
kill -9 $client 2>/dev/null || true
wait $client 2>/dev/null || true
first=$(sed -n 's/^\(r[0-9]\): moved to .*/\1/p' "$dir/bus.out" | head -n 1)
echo "# killed virt-migrated after $first moved; restarting it"
start_daemon --http "127.0.0.1:$http_port" --http-token-file "$dir/http-token" --webhook "http://127.0.0.1:$hook_port/"
for _ in $(seq 1 900); do
	s=$(drain_prop "$path" State 2>/dev/null || true)
	case $s in *succeeded* | *incomplete* | *cancelled* | *failed*) break ;; esac
	sleep 0.2
done
echo "# drain after the restart: $s"
show "$dir/daemon.log"
# (The guests' outcomes in the failure's own line: CI's log keeps little.)
outcomes() {
	drain_prop "$path" Guests | grep -o "{[^}]*}" |
		sed -E "s/.*'reason': <.([^>]*).>.*'domain': <'([^']*)'>.*'outcome': <'([^']*)'>.*/\2 \3 (\1);/" | tr '\n' ' '
}
[[ $s == *succeeded* ]] || fail "the resumed drain ended $s: $(outcomes)"
for g in r1 r2 r3; do [ "$(one_host $g)" = dst ] || fail "$g did not end on the destination"; done
grep -q "drain [0-9]*: recorded as running before a restart: resuming it" "$dir/daemon.log" || fail "no resume logged"
guests=$(drain_prop "$path" Guests)
echo "# $guests"
read -r most jobs < <(most_at_once "${path##*/}" --bus)
echo "# drain ${path##*/}: $jobs jobs, at most $most at once"
[ "$jobs" -eq 3 ] && [ "$most" -eq 1 ] || fail "after the restart: $jobs jobs, $most at once (limit 1)"
# The same drain over HTTP, and its webhook.
curl -sf -H "Authorization: Bearer $(cat "$dir/http-token")" "http://127.0.0.1:$http_port/v1/drains" > "$dir/drains.json" ||
  fail "GET /v1/drains"
/usr/bin/python3 -c '
import json, sys
(d,) = json.load(open(sys.argv[1]))
assert d["State"] == "succeeded" and d["MovedCount"] == 3 and d["GuestCount"] == 3, d
assert [g["outcome"] for g in d["Guests"]] == ["moved"] * 3, d["Guests"]' "$dir/drains.json" || fail "/v1/drains: $(cat "$dir/drains.json")"
for _ in $(seq 1 50); do grep -q '"drain-succeeded"' "$dir/hooks" 2>/dev/null && break; sleep 0.1; done
/usr/bin/python3 -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
drains = [e for e in events if e["event"].startswith("drain-")]
assert [e["event"] for e in drains] == ["drain-succeeded"], [e["event"] for e in events]
assert drains[0]["drain"]["MovedCount"] == 3, drains[0]' "$dir/hooks" || fail "the drain webhook"
# The status page, rendered by headless Chromium: the drain's card, a row per guest.
timeout 120 env -u DBUS_SESSION_BUS_ADDRESS chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$dir/chromium" \
	--dump-dom "http://127.0.0.1:$http_port/?access_token=$(cat "$dir/http-token")" \
	> "$dir/page.html" 2> "$dir/chromium.log" || { tail -5 "$dir/chromium.log"; fail "chromium"; }
cp "$dir/page.html" "$build/drain-page.html"
[ "$(grep -o 'class="guest" data-domain="r[0-9]" data-outcome="moved"' "$dir/page.html" | wc -l)" -eq 3 ] &&
  grep -q "id=\"drain-${path##*/}\"" "$dir/page.html" && grep -q "3 of 3 guests moved" "$dir/page.html" ||
  fail "the status page does not show the drain ($(wc -c < "$dir/page.html") bytes, $build/drain-page.html)"
"$cli" --bus history --json "drain ${path##*/}" | /usr/bin/python3 -c '
import json, sys
(r,) = json.load(sys.stdin)
assert r["Outcome"] == "succeeded" and len(r["Guests"]) == 3, r' || fail "the daemon history"
kill $daemon; wait $daemon 2>/dev/null || true
ok "virt-migrated killed mid-drain: the restarted daemon resumed it from its record ($first stayed moved) and moved the rest one at a time (its max-parallel, the followed migration counted); /v1/drains, the status page, the webhook and the history say so"

# 6. Bad command lines are 2, not 1.
set +e
"$cli" drain -c "$src" > /dev/null 2>&1; a=$?
"$cli" drain -c "$src" --live --tunnelled "$dst" > /dev/null 2>&1; b=$?
"$cli" drain -c "$src" --live --p2p --placement nearest "$dst" > /dev/null 2>&1; c=$?
"$cli" drain -c "$src" --live --p2p "$src" > /dev/null 2>&1; d=$?
"$cli" -c "$src" --max-parallel 2 --live d3 "$dst" > /dev/null 2>&1; e=$?
set -e
[ "$a$b$c$d$e" = 22222 ] || fail "bad command lines exited $a $b $c $d $e"
ok "bad command lines (no destination, tunnelled without p2p, unknown placement, the source as destination, a drain option on a migration) exit 2"
