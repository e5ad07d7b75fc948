// A page in headless Chromium, driven over the DevTools protocol with
// Node 20's WebSocket (--experimental-websocket): no npm. Elements are
// found by their role and accessible name, as a screen reader finds them
// (Accessibility.queryAXTree), and every uncaught page error and console
// error is kept for the test to check.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

export class Browser {
    static async launch(port) {
        const profile = mkdtempSync(join(tmpdir(), "vm-chromium-"));
        const proc = spawn("chromium", [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, "--window-size=1280,900",
            "about:blank",
        ], { stdio: ["ignore", "ignore", "pipe"] });
        let log = "";
        proc.stderr.on("data", d => { log += d; });
        let version = null;
        for (let i = 0; i < 150 && !version; i++) {
            try {
                version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
            } catch {
                await sleep(100);
            }
        }
        if (!version)
            throw new Error("chromium did not start: " + log);
        const b = new Browser(proc, profile, port);
        return b;
    }

    constructor(proc, profile, port) {
        this.proc = proc;
        this.profile = profile;
        this.port = port;
    }

    async newPage() {
        const target = await (await fetch(`http://127.0.0.1:${this.port}/json/new?about:blank`, { method: "PUT" })).json();
        const page = new Page(target.webSocketDebuggerUrl);
        await page.open();
        return page;
    }

    close() {
        this.proc.kill("SIGKILL");
        try {
            rmSync(this.profile, { recursive: true, force: true });
        } catch { /* chromium may still hold it */ }
    }
}

export class Page {
    constructor(url) {
        this.url = url;
        this.id = 0;
        this.waiting = new Map();
        this.errors = [];
        this.listeners = [];
    }

    open() {
        return new Promise((resolve, reject) => {
            this.ws = new WebSocket(this.url);
            this.ws.onopen = async () => {
                await this.send("Page.enable");
                await this.send("Runtime.enable");
                await this.send("Log.enable");
                await this.send("DOM.enable");
                await this.send("Accessibility.enable");
                resolve();
            };
            this.ws.onerror = e => reject(new Error("DevTools websocket: " + e.message));
            this.ws.onmessage = m => this.dispatch(JSON.parse(m.data));
        });
    }

    dispatch(msg) {
        if (msg.id !== undefined) {
            const w = this.waiting.get(msg.id);
            this.waiting.delete(msg.id);
            if (msg.error)
                w.reject(new Error(`${w.method}: ${msg.error.message}`));
            else
                w.resolve(msg.result);
            return;
        }
        if (msg.method === "Runtime.exceptionThrown") {
            const d = msg.params.exceptionDetails;
            this.errors.push("uncaught: " + (d.exception && d.exception.description ? d.exception.description : d.text));
        } else if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error") {
            this.errors.push("console.error: " + msg.params.args.map(a => a.value ?? a.description).join(" "));
        } else if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error") {
            this.errors.push("log: " + msg.params.entry.text + " " + (msg.params.entry.url || ""));
        }
        for (const l of this.listeners)
            l(msg);
    }

    send(method, params = {}) {
        const id = ++this.id;
        this.ws.send(JSON.stringify({ id, method, params }));
        return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, method }));
    }

    async goto(url) {
        const loaded = new Promise(resolve => {
            const l = msg => {
                if (msg.method === "Page.loadEventFired") {
                    this.listeners = this.listeners.filter(x => x !== l);
                    resolve();
                }
            };
            this.listeners.push(l);
        });
        await this.send("Page.navigate", { url });
        await loaded;
    }

    async eval(expression) {
        const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails)
            throw new Error("eval: " + (r.exceptionDetails.exception?.description || r.exceptionDetails.text));
        return r.result.value;
    }

    // The elements of @role named @name (exactly), visible or not: their
    // backend node ids. Only what a screen reader sees counts.
    async find(role, name) {
        const doc = await this.send("DOM.getDocument", { depth: 0 });
        const r = await this.send("Accessibility.queryAXTree", { nodeId: doc.root.nodeId, accessibleName: name, role });
        return r.nodes.filter(n => !n.ignored).map(n => n.backendDOMNodeId);
    }

    async waitFor(what, fn, timeout = 30000) {
        const end = Date.now() + timeout;
        let last;
        while (Date.now() < end) {
            try {
                last = await fn();
                if (last)
                    return last;
            } catch (e) {
                last = e.message;
            }
            await sleep(200);
        }
        throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    }

    async one(role, name, timeout = 30000) {
        return this.waitFor(`${role} "${name}"`, async () => {
            const ids = await this.find(role, name);
            return ids.length === 1 ? ids[0] : null;
        }, timeout);
    }

    async call(backendNodeId, fn, ...args) {
        const { object } = await this.send("DOM.resolveNode", { backendNodeId });
        const r = await this.send("Runtime.callFunctionOn", {
            objectId: object.objectId, functionDeclaration: fn.toString(),
            arguments: args.map(value => ({ value })), returnByValue: true, awaitPromise: true,
        });
        if (r.exceptionDetails)
            throw new Error("call: " + r.exceptionDetails.text);
        return r.result.value;
    }

    async click(role, name) {
        const id = await this.one(role, name);
        await this.waitFor(`${role} "${name}" enabled`, () => this.call(id, function () { return !this.disabled; }));
        await this.call(id, function () { this.scrollIntoView(); this.click(); });
    }

    async enabled(role, name) {
        const id = await this.one(role, name);
        return this.call(id, function () { return !this.disabled; });
    }

    async check(name, on = true) {
        const id = await this.one("checkbox", name);
        await this.call(id, function (want) {
            if (this.checked !== want)
                this.click();
        }, on);
    }

    async fill(role, name, text) {
        const id = await this.one(role, name);
        await this.call(id, function (value) {
            this.focus();
            this.value = value;
            this.dispatchEvent(new Event("input", { bubbles: true }));
        }, text);
    }

    async attr(role, name, attribute) {
        const id = await this.one(role, name);
        return this.call(id, function (a) { return this.getAttribute(a); }, attribute);
    }

    async text() {
        return this.eval("document.body.innerText");
    }

    async screenshot(file) {
        const r = await this.send("Page.captureScreenshot", { format: "png" });
        writeFileSync(file, Buffer.from(r.data, "base64"));
    }

    close() {
        this.ws.close();
    }
}
