/* virt-migrate's page in Cockpit. Everything goes through virt-migrated's
 * D-Bus API (org.virtmigrate.VirtMigrate1, docs/dbus.md) on the system
 * bus: the guests (Manager.ListGuests), the pre-flight verdict as the
 * destination is typed (Manager.Check), migrations (Manager.Migrate) and
 * every job, also those started elsewhere (the ObjectManager's Job
 * objects, followed live), drains (Manager.Drain) and the history
 * (Manager.GetHistory). No framework: Cockpit's cockpit.js only. */
(function () {
    "use strict";

    const _ = cockpit.gettext;
    const BUS = "org.virtmigrate.VirtMigrate1";
    const ROOT = "/org/virtmigrate/VirtMigrate1";
    const MANAGER = ROOT + "/Manager";
    const IF_MANAGER = BUS + ".Manager";
    const IF_JOB = BUS + ".Job";
    const IF_DRAIN = BUS + ".Drain";
    const FINAL = ["succeeded", "failed", "cancelled"];
    const ERROR_PREFIX = BUS + ".Error.";

    const $ = id => document.getElementById(id);

    let client = null;
    let jobs = null;
    let drains = null;
    let serviceUp = false;
    let guests = [];
    let drainPath = null;
    let recentDestinations = [];
    /* What this user may do (Manager.GetPermissions): yes, auth or no. */
    let permissions = { migrate: "yes", "cancel-any": "no" };
    let myUid = null;

    /* ---- small helpers ---- */

    function el(tag, attrs, ...children) {
        const e = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false)
                continue;
            if (k === "class")
                e.className = v;
            else if (k === "text")
                e.textContent = v;
            else if (k.startsWith("on"))
                e.addEventListener(k.substring(2), v);
            else
                e.setAttribute(k, v === true ? "" : v);
        }
        for (const c of children)
            if (c !== null && c !== undefined && c !== false)
                e.append(c instanceof Node ? c : String(c));
        return e;
    }

    function bytes(n) {
        if (!n)
            return "0 B";
        const units = ["B", "KiB", "MiB", "GiB", "TiB"];
        let i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
    }

    function duration(ms) {
        const s = Math.round(ms / 1000);
        if (s < 60)
            return cockpit.format(_("$0 s"), s);
        if (s < 3600)
            return cockpit.format(_("$0 min $1 s"), Math.floor(s / 60), s % 60);
        return cockpit.format(_("$0 h $1 min"), Math.floor(s / 3600), Math.floor(s % 3600 / 60));
    }

    /* a{sv} values from the bridge are {t, v}; plain values pass. */
    function unv(x) {
        return x !== null && typeof x === "object" && "v" in x && "t" in x ? x.v : x;
    }

    function dict(d) {
        const out = {};
        for (const [k, v] of Object.entries(d || {}))
            out[k] = unv(v);
        return out;
    }

    function errorName(ex) {
        return ex && ex.name ? String(ex.name) : "";
    }

    /* An error in words a person understands, libvirt's message kept. */
    function words(name, message) {
        const short = name.startsWith(ERROR_PREFIX) ? name.substring(ERROR_PREFIX.length) : name;
        const said = {
            ConnectFailed: _("A host could not be reached."),
            Preflight: _("The checks found a reason not to go: nothing moved."),
            DomainNotFound: _("There is no such guest on the source."),
            Busy: _("This guest is being migrated already."),
            CannotConverge: _("The guest changes its memory faster than the link can carry it."),
            PostcopyFailed: _("Post-copy broke: the guest runs on the destination, paused on the source. Recover finishes it."),
            Libvirt: _("libvirt refused or failed the migration."),
            "org.freedesktop.DBus.Error.AccessDenied": _("You are not allowed to do this on this host."),
            "org.freedesktop.DBus.Error.ServiceUnknown": _("The migration service is not running."),
            "org.freedesktop.DBus.Error.NoReply": _("The migration service did not answer."),
        }[short];
        if (!said)
            return message || short || _("It failed.");
        return message && message !== said ? said + " " + message : said;
    }

    function showPageError(text) {
        const e = $("page-error");
        e.textContent = text || "";
        e.hidden = !text;
    }

    function call(method, args, signature) {
        return client.call(MANAGER, IF_MANAGER, method, args, signature ? { type: signature } : undefined);
    }

    /* ---- the source host, from the location: #/?source=URI ---- */

    function sourceUri() {
        const opts = cockpit.location.options || {};
        const s = Array.isArray(opts.source) ? opts.source[0] : opts.source;
        return s || "qemu:///system";
    }

    /* ---- the service: there, gone, refused ---- */

    function setService(up, why) {
        serviceUp = up;
        const s = $("service-state");
        if (up) {
            s.hidden = true;
            s.textContent = "";
        } else {
            s.textContent = why || _("The migration service (virt-migrated) is not running on this host: nothing can be migrated from here. Start it with \"systemctl start virt-migrated\".");
            s.hidden = false;
        }
        for (const b of document.querySelectorAll(".vm-needs-service"))
            b.disabled = !up;
        for (const b of document.querySelectorAll(".vm-needs-migrate"))
            b.disabled = !up || permissions.migrate !== "yes";
        queueRenderJobs();
        $("drain-plan").disabled = !up || permissions.migrate !== "yes";
        if (!up) {
            $("guests-state").textContent = _("The guests cannot be listed without the migration service.");
            $("guests-table").hidden = true;
            if ($("migrate-dialog").open)
                $("migrate-dialog").close();
        }
    }

    function mayMigrate() {
        return serviceUp && permissions.migrate === "yes";
    }

    /* Whether this user may cancel or tune a job @uid started. */
    function mayTouch(uid) {
        return serviceUp && (permissions["cancel-any"] === "yes" || (myUid !== null && uid === myUid));
    }

    function loadPermissions() {
        if (!serviceUp)
            return Promise.resolve();
        return call("GetPermissions", [])
                .then(([p]) => {
                    permissions = dict(p);
                    const e = $("permission-state");
                    if (permissions.migrate === "no")
                        e.textContent = _("You may not migrate guests on this host: polkit does not allow it (action org.virtmigrate.VirtMigrate1.migrate). An administrator can.");
                    else if (permissions.migrate === "auth")
                        e.textContent = _("Migrating guests here needs an administrator: turn on administrative access (in the top bar) to migrate. You can still look and check.");
                    e.hidden = permissions.migrate === "yes";
                    for (const b of document.querySelectorAll(".vm-needs-migrate"))
                        b.disabled = !mayMigrate();
                    $("drain-plan").disabled = !mayMigrate();
                    queueRenderJobs();
                })
                .catch(() => { /* an older service: every call decides for itself */ });
    }

    /* ---- guests ---- */

    function storageWords(storage) {
        return {
            shared: _("shared"),
            local: _("local: copied by a migration"),
            none: _("no disks"),
            unknown: _("not known"),
        }[storage] || storage;
    }

    function renderGuests() {
        const body = $("guests");
        body.replaceChildren();
        for (const g of guests) {
            body.append(el("tr", { "data-guest": g.name },
                           el("th", { scope: "row", text: g.name }),
                           el("td", { text: g.state }),
                           el("td", { text: bytes(g.memory) }),
                           el("td", { text: storageWords(g.storage) }),
                           el("td", { class: "vm-actions-cell" },
                              el("button", {
                                  type: "button", class: "vm-small vm-needs-service",
                                  "aria-label": cockpit.format(_("Check $0"), g.name),
                                  text: _("Check"), onclick: () => openDialog(g, true)
                              }),
                              el("button", {
                                  type: "button", class: "vm-small vm-primary vm-needs-migrate",
                                  "aria-label": cockpit.format(_("Migrate $0"), g.name),
                                  text: _("Migrate"), disabled: !mayMigrate(), onclick: () => openDialog(g, false)
                              }))));
        }
        $("guests-table").hidden = guests.length === 0;
        $("guests-state").textContent = guests.length === 0
            ? cockpit.format(_("No guest is running on $0."), sourceUri()) : "";
    }

    function loadGuests() {
        if (!serviceUp)
            return Promise.resolve();
        return call("ListGuests", [{ "source-uri": cockpit.variant("s", sourceUri()) }], "a{sv}")
                .then(([list]) => {
                    guests = list.map(dict);
                    renderGuests();
                })
                .catch(ex => {
                    $("guests-state").textContent = cockpit.format(_("The guests of $0 cannot be listed: $1"),
                                                                   sourceUri(), words(errorName(ex), ex.message));
                    $("guests-table").hidden = true;
                });
    }

    /* ---- the migrate dialog: the verdict as the destination is typed ---- */

    let dialogGuest = null;
    let checkTimer = null;
    let checkSerial = 0;
    let verdict = null;

    function dialogRequest() {
        const r = {
            domain: cockpit.variant("s", dialogGuest.name),
            "source-uri": cockpit.variant("s", sourceUri()),
            "dest-uri": cockpit.variant("s", $("migrate-destination").value.trim()),
            live: cockpit.variant("b", $("migrate-live").checked),
        };
        if ($("migrate-p2p").checked || $("migrate-tunnelled").checked)
            r.flow = cockpit.variant("s", "peer-to-peer");
        if ($("migrate-tunnelled").checked)
            r.transport = cockpit.variant("s", "tunnelled");
        if ($("migrate-copy").checked)
            r.storage = cockpit.variant("s", "copy-all");
        if ($("migrate-postcopy").checked)
            r.postcopy = cockpit.variant("b", true);
        if ($("migrate-persist").checked)
            r["persist-dest"] = cockpit.variant("b", true);
        if ($("migrate-undefine").checked)
            r["undefine-source"] = cockpit.variant("b", true);
        const map = $("migrate-disk-map").value.split(/[\s,]+/).filter(x => x);
        if (map.length > 0)
            r["disk-map"] = cockpit.variant("as", map);
        const bw = parseInt($("migrate-bandwidth").value, 10);
        if (bw > 0)
            r.bandwidth = cockpit.variant("t", bw);
        if ($("migrate-force").checked)
            r.force = cockpit.variant("b", true);
        return r;
    }

    function updateGo() {
        const dest = $("migrate-destination").value.trim();
        const result = verdict ? verdict.result : null;
        const blocked = result === "blocker" || result === "unknown";
        $("migrate-force-label").hidden = !blocked;
        $("migrate-go").disabled = !mayMigrate() || dest === "" || verdict === null ||
            (blocked && !$("migrate-force").checked);
    }

    function renderVerdict(v, error) {
        const box = $("migrate-verdict");
        box.replaceChildren();
        verdict = v;
        if (error) {
            box.append(el("p", { class: "vm-result-blocker", text: error }));
        } else if (v) {
            const title = {
                ok: _("Ready to go"),
                warning: _("It can go, with warnings"),
                blocker: _("It cannot go"),
                unknown: _("Not known: a check could not run"),
            }[v.result] || v.result;
            $("migrate-uri").textContent = cockpit.format(_("To $0"), v.destination);
            box.append(el("p", { class: "vm-result-" + v.result }, el("strong", { text: title })));
            const list = el("ul");
            for (const c of (v.checks || []).map(dict)) {
                if (c.result === "ok")
                    continue;
                list.append(el("li", { class: "vm-result-" + c.result },
                               el("span", { text: c.reason }),
                               c.fix ? el("span", { class: "vm-fix", text: " — " + c.fix }) : null));
            }
            if (list.children.length > 0)
                box.append(list);
        }
        updateGo();
    }

    function runCheck() {
        const dest = $("migrate-destination").value.trim();
        const serial = ++checkSerial;
        verdict = null;
        updateGo();
        if (dest === "" || !dialogGuest) {
            renderVerdict(null);
            $("migrate-uri").textContent = "";
            return;
        }
        $("migrate-verdict").replaceChildren(el("p", { class: "vm-subtle", text: _("Checking…") }));
        const req = dialogRequest();
        delete req.force;
        call("Check", [req, [dest]], "a{sv}as")
                .then(([verdicts]) => {
                    if (serial !== checkSerial)
                        return;
                    const v = dict(verdicts[0]);
                    renderVerdict(v);
                })
                .catch(ex => {
                    if (serial !== checkSerial)
                        return;
                    renderVerdict(null, words(errorName(ex), ex.message));
                });
    }

    function scheduleCheck() {
        window.clearTimeout(checkTimer);
        $("migrate-error").hidden = true;
        checkTimer = window.setTimeout(runCheck, 400);
    }

    function openDialog(guest, checkOnly) {
        dialogGuest = guest;
        verdict = null;
        $("migrate-title").textContent = cockpit.format(checkOnly ? _("Check $0") : _("Migrate $0"), guest.name);
        const note = $("migrate-storage-note");
        if (guest.storage === "local") {
            note.textContent = _("Its disks are on this host's own storage: the destination cannot see them, so they are copied (Copy storage).");
            note.hidden = false;
            $("migrate-copy").checked = true;
        } else {
            note.hidden = true;
            $("migrate-copy").checked = false;
        }
        $("migrate-force").checked = false;
        $("migrate-error").hidden = true;
        $("migrate-uri").textContent = "";
        renderVerdict(null);
        $("migrate-dialog").showModal();
        $("migrate-destination").focus();
        if ($("migrate-destination").value.trim() !== "")
            runCheck();
    }

    function migrate() {
        $("migrate-go").disabled = true;
        call("Migrate", [dialogRequest()], "a{sv}")
                .then(() => {
                    remember($("migrate-destination").value.trim());
                    $("migrate-dialog").close();
                })
                .catch(ex => {
                    const e = $("migrate-error");
                    e.textContent = words(errorName(ex), ex.message);
                    e.hidden = false;
                    updateGo();
                });
    }

    function remember(dest) {
        if (dest && !recentDestinations.includes(dest))
            recentDestinations.unshift(dest);
        renderRecent();
    }

    function renderRecent() {
        $("recent-destinations").replaceChildren(...recentDestinations.slice(0, 10).map(d => el("option", { value: d })));
    }

    /* ---- jobs: every one the service has, followed live ---- */

    let renderQueued = false;

    function queueRenderJobs() {
        if (renderQueued)
            return;
        renderQueued = true;
        window.requestAnimationFrame(() => {
            renderQueued = false;
            renderJobs();
        });
    }

    function jobAction(path, method, name) {
        client.call(path, IF_JOB, method, [])
                .catch(ex => showPageError(cockpit.format(_("$0 $1: $2"), method === "ForceComplete"
                    ? _("Finish now") : method, name, words(errorName(ex), ex.message))));
    }

    function jobItem(path, j) {
        const name = j.Domain || "?";
        const req = dict(j.Request);
        const state = j.State || "pending";
        const final = FINAL.includes(state);
        const pct = Math.floor((j.Progress || 0) * 100);
        const figures = el("dl", { class: "vm-figures" });
        const fig = (label, value) => figures.append(el("div", {}, el("dt", { text: label }), el("dd", { text: value })));

        fig(_("Phase"), j.Phase || "none");
        if (j.Rate)
            fig(_("Rate"), bytes(j.Rate) + "/s");
        if (!final && j.ExpectedEndTime)
            fig(_("Expected end"), duration(Math.max(0, j.ExpectedEndTime / 1000 - Date.now())) + " " + _("from now"));
        if (!final && !j.ExpectedEndTime && state === "running")
            fig(_("Expected end"), _("not known yet"));
        if (j.Iteration)
            fig(_("Pass"), String(j.Iteration));
        if (j.Downtime)
            fig(_("Downtime"), j.Downtime + " ms");
        if (j.Elapsed)
            fig(_("Elapsed"), duration(j.Elapsed));

        const bar = el("div", {
            class: "vm-progress", role: "progressbar", "aria-label": cockpit.format(_("Progress of $0"), name),
            "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct)
        }, el("div"));
        bar.firstChild.style.width = pct + "%";

        const actions = el("div", { class: "vm-actions" });
        const mine = mayTouch(j.StartedByUid);
        const notMine = mine ? null : _("Started by another user: only they or an administrator may change it");
        if (!final) {
            actions.append(el("button", {
                type: "button", class: "vm-small", "aria-label": cockpit.format(_("Cancel $0"), name),
                text: _("Cancel"), disabled: !j.Cancelable || !mine, title: notMine,
                onclick: () => jobAction(path, "Cancel", name)
            }));
            actions.append(el("button", {
                type: "button", class: "vm-small",
                "aria-label": cockpit.format(_("Finish now $0"), name), text: _("Finish now"),
                disabled: !(state === "running" || state === "postcopy") || !mine, title: notMine,
                onclick: () => jobAction(path, "ForceComplete", name)
            }));
        } else if (state === "failed" && (j.ErrorName || "").endsWith(".PostcopyFailed")) {
            actions.append(el("button", {
                type: "button", class: "vm-small vm-primary",
                "aria-label": cockpit.format(_("Recover $0"), name), text: _("Recover"), disabled: !mine,
                title: notMine,
                onclick: () => jobAction(path, "Recover", name)
            }));
        }

        const stateWords = {
            pending: _("Waiting for a slot"), preparing: _("Preparing"), running: cockpit.format(_("$0 %"), pct),
            postcopy: cockpit.format(_("Post-copy, $0 %"), pct), completing: _("Completing"),
            succeeded: _("Done"), failed: _("Failed"), cancelled: _("Cancelled: the guest stays on the source"),
            recovering: _("Resuming post-copy"),
        }[state] || state;

        const item = el("li", { class: "vm-job", "data-state": state, "data-job": String(j.Id), "aria-label": name },
                        el("div", { class: "vm-job-head" },
                           el("span", { class: "vm-job-title" },
                              cockpit.format(_("$0 to $1"), name, req["dest-uri"] || "?")),
                           el("span", { class: "vm-job-state", text: stateWords })),
                        bar, figures);
        if (j.Error) {
            item.append(el("p", { class: "vm-error" },
                           words(j.ErrorName || "", ""),
                           el("small", { text: j.Error })));
        }
        const steps = (j.Messages || []).slice(-4);
        if (steps.length > 0)
            item.append(el("ul", { class: "vm-messages" }, ...steps.map(m => el("li", { text: m }))));
        if (actions.children.length > 0)
            item.append(actions);
        return item;
    }

    const lastStates = {};
    let refreshTimer = null;

    /* A job that just ended changed the guests and the history. */
    function noticeEnds(all) {
        let ended = false;
        for (const [path, j] of all) {
            if (FINAL.includes(j.State) && lastStates[path] !== undefined && !FINAL.includes(lastStates[path]))
                ended = true;
            lastStates[path] = j.State;
        }
        if (ended) {
            window.clearTimeout(refreshTimer);
            refreshTimer = window.setTimeout(() => {
                loadGuests();
                loadHistory();
            }, 200);
        }
    }

    function renderJobs() {
        const list = $("jobs");
        const all = Object.entries(jobs || {}).filter(([, j]) => j.valid !== false && j.Id !== undefined);
        all.sort((a, b) => {
            const fa = FINAL.includes(a[1].State), fb = FINAL.includes(b[1].State);
            return fa !== fb ? (fa ? 1 : -1) : b[1].Id - a[1].Id;
        });
        noticeEnds(all);
        list.replaceChildren(...all.slice(0, 20).map(([path, j]) => jobItem(path, j)));
        $("jobs-card").hidden = all.length === 0;
    }

    /* ---- drain ---- */

    function drainOptions(dryRun) {
        const dests = $("drain-destinations").value.split(/[\s,]+/).filter(x => x);
        const o = {
            "source-uri": cockpit.variant("s", sourceUri()),
            destinations: cockpit.variant("as", dests),
            live: cockpit.variant("b", $("drain-live").checked),
            "max-parallel": cockpit.variant("u", Math.max(0, parseInt($("drain-parallel").value, 10) || 0)),
            "dry-run": cockpit.variant("b", dryRun),
        };
        if ($("drain-p2p").checked || $("drain-tunnelled").checked)
            o.flow = cockpit.variant("s", "peer-to-peer");
        if ($("drain-tunnelled").checked)
            o.transport = cockpit.variant("s", "tunnelled");
        if ($("drain-copy").checked)
            o.storage = cockpit.variant("s", "copy-all");
        return o;
    }

    function renderDrain() {
        const d = drainPath && drains ? drains[drainPath] : null;
        if (!d || d.State === undefined)
            return;
        const rows = (d.Guests || []).map(dict);
        $("drain-guests").replaceChildren(...rows.map(g => el("tr", {},
                                                              el("th", { scope: "row", text: g.domain }),
                                                              el("td", { text: bytes(g.memory) }),
                                                              el("td", { text: g.destination || "—" }),
                                                              el("td", { text: g.outcome }),
                                                              el("td", { text: g.reason || g.rule || "" }))));
        $("drain-table").hidden = rows.length === 0;
        $("drain-state").textContent = d.DryRun
            ? (d.State === "planned" ? cockpit.format(_("The plan: $0. Nothing moved."), d.Summary || "") : _("Planning…"))
            : cockpit.format(_("Drain $0: $1"), d.State, d.Summary || "");
        const running = !d.DryRun && !["succeeded", "incomplete", "cancelled", "failed"].includes(d.State);
        $("drain-cancel").hidden = !running;
        $("drain-start").disabled = !(d.DryRun && d.State === "planned") || !mayMigrate();
        const p = $("drain-progress");
        p.hidden = d.DryRun;
        const pct = Math.floor((d.Progress || 0) * 100);
        p.setAttribute("aria-valuenow", String(pct));
        p.firstChild.style.width = pct + "%";
    }

    function startDrain(dryRun) {
        $("drain-start").disabled = true;
        $("drain-state").textContent = dryRun ? _("Planning…") : _("Starting…");
        call("Drain", [drainOptions(dryRun)], "a{sv}")
                .then(([path]) => {
                    drainPath = path;
                    renderDrain();
                })
                .catch(ex => {
                    $("drain-state").textContent = words(errorName(ex), ex.message);
                });
    }

    /* ---- history ---- */

    function loadHistory() {
        if (!serviceUp)
            return;
        const guest = $("history-guest").value.trim();
        const filter = { limit: cockpit.variant("u", 200) };
        if (guest)
            filter.domain = cockpit.variant("s", guest);
        call("GetHistory", [filter], "a{sv}")
                .then(([records]) => {
                    const rows = records.map(dict).reverse();
                    for (const r of rows)
                        if (r.Destination && recentDestinations.length < 10)
                            remember(r.Destination);
                    $("history").replaceChildren(...rows.map(r => el("tr", {},
                                                                     el("td", { text: new Date((r.EndTime || 0) / 1000).toLocaleString() }),
                                                                     el("th", { scope: "row", text: r.Domain }),
                                                                     el("td", { text: r.Destination }),
                                                                     el("td", { text: r.Outcome }),
                                                                     el("td", { text: duration(r.Elapsed || 0) }),
                                                                     el("td", { text: r.Downtime ? r.Downtime + " ms" : "—" }),
                                                                     el("td", { text: r.Error || "" }))));
                    $("history-table").hidden = rows.length === 0;
                    $("history-state").textContent = rows.length === 0
                        ? (guest ? cockpit.format(_("No migration of $0 yet."), guest) : _("No migration yet.")) : "";
                })
                .catch(ex => {
                    $("history-state").textContent = words(errorName(ex), ex.message);
                });
    }

    /* ---- views ---- */

    function show(view) {
        for (const v of ["guests", "drain", "history"]) {
            $("view-" + v).hidden = v !== view;
            $("tab-" + v).setAttribute("aria-selected", String(v === view));
        }
        if (view === "history")
            loadHistory();
        if (view === "guests")
            loadGuests();
    }

    /* ---- start ---- */

    function connect() {
        cockpit.user().then(user => {
            myUid = user.id;
            queueRenderJobs();
        });
        client = cockpit.dbus(BUS, { bus: "system", superuser: "try" });
        client.addEventListener("owner", (event, owner) => {
            const was = serviceUp;
            setService(!!owner);
            if (owner && !was) {
                loadPermissions().then(() => {
                    loadGuests();
                    loadHistory();
                });
            }
            queueRenderJobs();
        });
        client.addEventListener("close", (event, options) => {
            setService(false, cockpit.format(_("The connection to the migration service closed: $0"),
                                             cockpit.message(options)));
        });
        jobs = client.proxies(IF_JOB, ROOT);
        jobs.addEventListener("added", queueRenderJobs);
        jobs.addEventListener("changed", queueRenderJobs);
        jobs.addEventListener("removed", queueRenderJobs);
        drains = client.proxies(IF_DRAIN, ROOT);
        drains.addEventListener("changed", renderDrain);
        drains.addEventListener("added", renderDrain);
    }

    function init() {
        if (window.localStorage.getItem("shell:style") === "dark")
            document.documentElement.classList.add("vm-dark");
        else if (window.localStorage.getItem("shell:style") === "light")
            document.documentElement.classList.add("vm-light");

        $("source-uri").textContent = sourceUri();
        $("tab-guests").addEventListener("click", () => show("guests"));
        $("tab-drain").addEventListener("click", () => show("drain"));
        $("tab-history").addEventListener("click", () => show("history"));
        for (const id of ["migrate-destination", "migrate-disk-map", "migrate-bandwidth"])
            $(id).addEventListener("input", scheduleCheck);
        for (const id of ["migrate-live", "migrate-p2p", "migrate-copy", "migrate-postcopy", "migrate-persist",
            "migrate-undefine"])
            $(id).addEventListener("change", scheduleCheck);
        $("migrate-tunnelled").addEventListener("change", () => {
            if ($("migrate-tunnelled").checked)
                $("migrate-p2p").checked = true;
            scheduleCheck();
        });
        $("migrate-p2p").addEventListener("change", () => {
            if (!$("migrate-p2p").checked)
                $("migrate-tunnelled").checked = false;
        });
        $("migrate-force").addEventListener("change", updateGo);
        $("migrate-go").addEventListener("click", migrate);
        $("migrate-close").addEventListener("click", () => $("migrate-dialog").close());
        $("drain-tunnelled").addEventListener("change", () => {
            if ($("drain-tunnelled").checked)
                $("drain-p2p").checked = true;
        });
        $("drain-form").addEventListener("submit", ev => {
            ev.preventDefault();
            startDrain(true);
        });
        $("drain-start").addEventListener("click", () => startDrain(false));
        $("drain-cancel").addEventListener("click", () => {
            if (drainPath)
                client.call(drainPath, IF_DRAIN, "Cancel", [])
                        .catch(ex => showPageError(words(errorName(ex), ex.message)));
        });
        let historyTimer = null;
        $("history-guest").addEventListener("input", () => {
            window.clearTimeout(historyTimer);
            historyTimer = window.setTimeout(loadHistory, 300);
        });
        $("history-form").addEventListener("submit", ev => {
            ev.preventDefault();
            loadHistory();
        });
        cockpit.addEventListener("locationchanged", () => {
            $("source-uri").textContent = sourceUri();
            loadGuests();
        });
        window.setInterval(() => {
            if (Object.values(jobs || {}).some(j => !FINAL.includes(j.State)))
                queueRenderJobs(); /* the expected end counts down */
        }, 1000);
        connect();
    }

    document.addEventListener("DOMContentLoaded", init);
}());
