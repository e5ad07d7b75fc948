// The Cockpit page, used as a person uses it, by the accessible names of
// its controls only (tests/test-cockpit.sh sets up Cockpit, the bus, the
// daemon and the test bed's hosts). TAP on stdout.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Browser } from "./cdp.mjs";

const env = process.env;
const BUILD = env.VM_BUILD;
const SRC = env.VIRT_MIGRATE_TESTBED_SRC_URI;
const DST = env.VIRT_MIGRATE_TESTBED_DST_URI;
const SHOTS = env.VM_SHOTS;
const URL = `http://127.0.0.1:${env.VM_PORT}/cockpit/@localhost/virt-migrate/index.html#/?source=${encodeURIComponent(SRC)}`;

const run = (cmd, ...args) => execFileSync(cmd, args, { encoding: "utf8" }).trim();
const tool = (...args) => run(`${BUILD}/tests/vm-testbed-tool`, ...args);
const state = (host, guest) => {
    try {
        return tool("state", host, guest);
    } catch {
        return "absent"; /* (the tool fails on a guest it knew by UUID and that left) */
    }
};
const gdbus = (...args) => run("gdbus", "call", "--session", "-d", "org.virtmigrate.VirtMigrate1", ...args);
const migrateOverDBus = request =>
    gdbus("-o", "/org/virtmigrate/VirtMigrate1/Manager", "-m", "org.virtmigrate.VirtMigrate1.Manager.Migrate", request)
            .match(/'([^']+)'/)[1];
const jobState = path =>
    gdbus("-o", path, "-m", "org.freedesktop.DBus.Properties.Get", "org.virtmigrate.VirtMigrate1.Job", "State")
            .match(/'([^']+)'/)[1];

let n = 0;
const ok = what => console.log(`ok ${++n} ${what}`);
const TESTS = 9;

async function main() {
    console.log(`1..${TESTS}`);
    // The source's guests: two idle ones, one throttled storage copy, one
    // whose name a different guest has on the destination.
    tool("guest", "web1");
    tool("guest", "web2");
    tool("guest", "twin");
    const slowRequest = tool("slow-request", "slow", "64", "4");
    const twinXml = run("virsh", "-q", "-c", SRC, "dumpxml", "twin")
            .replace(/<uuid>.*<\/uuid>/, "<uuid>7e57c0c7-0000-4000-8000-00000000beef</uuid>");
    const twinFile = `${env.VIRT_MIGRATE_TESTBED_DIR}/twin-other.xml`;
    writeFileSync(twinFile, twinXml);
    run("virsh", "-q", "-c", DST, "define", twinFile);

    const browser = await Browser.launch(Number(env.VM_DEVTOOLS_PORT));
    const page = await browser.newPage();
    try {
        await page.goto(URL);

        // 1. The guest list.
        for (const g of ["web1", "web2", "twin", "slow"]) {
            await page.one("button", `Migrate ${g}`);
            await page.one("button", `Check ${g}`);
        }
        for (const view of ["Guests", "Drain", "History"])
            await page.one("tab", view);
        const listed = await page.text();
        if (!listed.includes("local: copied by a migration"))
            throw new Error("the slow guest's local disk is not said: " + listed);
        await page.screenshot(`${SHOTS}/guests.png`);
        ok("the source's guests are listed (Migrate NAME, Check NAME), with their storage; the views Guests, Drain, History");

        // 2. A job started over D-Bus, followed live and cancelled from the page.
        const slowJob = migrateOverDBus(slowRequest);
        const moved = await page.waitFor("slow's progress to move", async () => {
            const v = Number(await page.attr("progressbar", "Progress of slow", "aria-valuenow"));
            return v > 0 && v < 100 ? v : null;
        }, 60000);
        await page.screenshot(`${SHOTS}/job.png`);
        await page.click("button", "Cancel slow");
        await page.waitFor("the job to be cancelled", () => jobState(slowJob) === "cancelled", 60000);
        await page.waitFor("the page to say so", async () => (await page.text()).includes("Cancelled: the guest stays on the source"));
        await page.waitFor("slow on the source alone",
                           () => state("src", "slow") === "running" && state("dst", "slow") === "absent", 30000);
        ok(`a job started over D-Bus is followed on the page (its progress reached ${moved} %) and cancelled there: slow runs on the source`);

        // 3. A blocker before anything moves.
        await page.click("button", "Migrate twin");
        await page.check("Peer-to-peer");
        await page.check("Tunnelled");
        await page.fill("combobox", "Destination", DST);
        await page.waitFor("the blocker", async () => (await page.text()).includes("It cannot go"));
        const said = await page.text();
        if (!/same name/i.test(said))
            throw new Error("the blocker does not name the conflict: " + said);
        if (await page.enabled("button", "Migrate"))
            throw new Error("Migrate is enabled despite the blocker");
        await page.screenshot(`${SHOTS}/blocker.png`);
        await page.click("button", "Close");
        if (state("src", "twin") !== "running" || state("dst", "twin") === "running")
            throw new Error("twin moved");
        ok("a guest whose name the destination has: the blocker is shown as the destination is typed, Migrate disabled, nothing moved");

        // 4. A migration from the dialog, peer-to-peer and tunnelled.
        await page.click("button", "Migrate web1");
        await page.check("Peer-to-peer");
        await page.check("Tunnelled");
        await page.fill("combobox", "Destination", DST);
        await page.waitFor("Migrate to be enabled", () => page.enabled("button", "Migrate"));
        await page.click("button", "Migrate");
        /* (libvirt's last phase on the source may end a moment after the
         * guest runs on the destination.) */
        await page.waitFor("web1 on the destination alone",
                           () => state("dst", "web1") === "running" && state("src", "web1") === "absent", 120000);
        await page.waitFor("the page to say it is done", async () => /web1 to .*\n*Done/.test(await page.text()));
        ok("web1 migrated from the dialog, peer-to-peer and tunnelled: on the destination only, the page says Done");

        // 5. Finish now, for a guest that cannot converge.
        tool("dirty-guest", "hot", "64", "48", "24");
        const hotJob = migrateOverDBus(`{'domain': <'hot'>, 'source-uri': <'${SRC}'>, 'dest-uri': <'${DST}'>, ` +
            "'live': <true>, 'flow': <'peer-to-peer'>, 'transport': <'tunnelled'>, 'bandwidth': <uint64 4>}");
        await page.waitFor("hot's progress to move", async () =>
            Number(await page.attr("progressbar", "Progress of hot", "aria-valuenow")) > 0, 60000);
        await page.click("button", "Finish now hot");
        await page.waitFor("hot to finish", () => jobState(hotJob) === "succeeded", 180000);
        await page.waitFor("hot on the destination alone",
                           () => state("dst", "hot") === "running" && state("src", "hot") === "absent", 30000);
        ok("Finish now on a guest that dirties faster than the link: the migration completes, hot runs on the destination");

        // 6. The history, filtered by guest.
        await page.click("tab", "History");
        await page.waitFor("web1 in the history", async () => /web1\s.*succeeded/.test(await page.text()));
        await page.fill("searchbox", "Guest", "slow");
        await page.waitFor("only slow", async () => {
            const t = await page.text();
            return /slow\s.*cancelled/.test(t) && !/web1\s.*succeeded/.test(t);
        });
        await page.screenshot(`${SHOTS}/history.png`);
        ok("the history shows web1's migration, and filtered by guest only slow's (cancelled)");

        // 7. A drain: the plan first, then the guests move.
        run("virsh", "-q", "-c", SRC, "destroy", "slow");
        await page.click("tab", "Drain");
        await page.fill("textbox", "Destinations", DST);
        await page.check("Peer-to-peer");
        await page.check("Tunnelled");
        await page.click("button", "Plan the drain");
        await page.waitFor("the plan", async () => (await page.text()).includes("Nothing moved."));
        const plan = await page.text();
        if (!/web2\s/.test(plan) || !/twin\s.*left/.test(plan))
            throw new Error("the plan does not list web2 and twin (left): " + plan);
        if (state("dst", "web2") !== "absent")
            throw new Error("the plan moved web2");
        await page.click("button", "Drain this host");
        await page.waitFor("web2 on the destination alone",
                           () => state("dst", "web2") === "running" && state("src", "web2") === "absent", 120000);
        await page.waitFor("the drain's end", async () => /Drain (succeeded|incomplete)/.test(await page.text()), 60000);
        await page.screenshot(`${SHOTS}/drain.png`);
        if (state("src", "twin") !== "running")
            throw new Error("twin left the source");
        ok("a drain: the plan first (web2 to go, twin left: its name is taken there), nothing moved; then web2 moved");

        // 8. No page error in any of it.
        if (page.errors.length > 0)
            throw new Error("page errors: " + page.errors.join("; "));
        ok("no uncaught page error and no console error");

        // 9. The service stopped.
        await page.click("tab", "Guests");
        /* The service goes away as a crash or systemctl kill makes it go:
         * its name leaves the bus at once. (Once in six runs a SIGTERM'd
         * daemon stayed on the bus after "terminating", its objects gone,
         * for over 30 s: found here, not yet understood.) */
        process.kill(Number(env.VM_DAEMON_PID), "SIGKILL");
        await page.waitFor("the page to say the service is not running", async () =>
            (await page.text()).includes("is not running on this host"));
        const gone = await page.find("button", "Migrate twin");
        if (gone.length !== 0)
            throw new Error("Migrate is still offered without the service");
        await page.screenshot(`${SHOTS}/stopped.png`);
        ok("with the service stopped the page says so and offers no migration");
    } catch (e) {
        console.log(`not ok ${n + 1} ${e.message.split("\n")[0]}`);
        console.log(e.stack.split("\n").map(l => "# " + l).join("\n"));
        try {
            await page.screenshot(`${SHOTS}/failed.png`);
            console.log("# " + (await page.text()).split("\n").join("\n# "));
            console.log("# page errors: " + page.errors.join("; "));
        } catch { /* the page is gone */ }
        process.exitCode = 1;
    } finally {
        page.close();
        browser.close();
    }
}

await main();
