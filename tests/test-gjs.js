// The library from gjs through GObject introspection, on the test bed's
// real hosts: a migration awaited with Gio._promisify while notify::progress
// arrives, a cancel, and a plan. TAP output.
//
//   GI_TYPELIB_PATH=build/gir LD_LIBRARY_PATH=build/plugin \
//     tests/testbed/virt-migrate-testbed run -- gjs -m tests/test-gjs.js build/tests/vm-testbed-tool
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import VirtMigrate from 'gi://VirtMigrate?version=1.0';
import System from 'system';

Gio._promisify(VirtMigrate.Job.prototype, 'run_async', 'run_finish');
Gio._promisify(VirtMigrate.Manager.prototype, 'plan_async', 'plan_finish');

const TOOL = ARGV[0];
const SRC = GLib.getenv('VIRT_MIGRATE_TESTBED_SRC_URI');
const DST = GLib.getenv('VIRT_MIGRATE_TESTBED_DST_URI');

function tool(...args) {
    const proc = Gio.Subprocess.new([TOOL, ...args],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE);
    const [, out, err] = proc.communicate_utf8(null, null);
    if (!proc.get_successful())
        throw new Error(`vm-testbed-tool ${args.join(' ')}: ${err}`);
    return out.trim();
}

function slowRequest(name) {
    const text = tool('slow-request', name, '48', '8');
    return VirtMigrate.Request.new_from_variant(GLib.Variant.parse(new GLib.VariantType('a{sv}'), text, null, null));
}

function assert(cond, what) {
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

const tests = [
    ['migrate_with_progress', 'await job.run_async() while notify::progress arrives; 1.0 at the end', async () => {
        const manager = VirtMigrate.Manager.new();
        const job = manager.create_job(slowRequest('gjs-migrate'));
        const seen = [];
        job.connect('notify::progress', j => seen.push(j.progress));
        const ok = await job.run_async(null);
        assert(ok === true, 'run_finish returned true');
        assert(job.state === VirtMigrate.JobState.SUCCEEDED, 'state succeeded');
        assert(seen.length >= 2, `several progress notifications (${seen})`);
        for (let i = 1; i < seen.length; i++)
            assert(seen[i] >= seen[i - 1], `never backwards (${seen})`);
        assert(seen[seen.length - 1] === 1.0, 'ends at 1.0');
        assert(tool('state', 'dst', 'gjs-migrate') === 'running', 'running on the destination');
        assert(tool('state', 'src', 'gjs-migrate') === 'absent', 'gone from the source');
        tool('destroy', 'dst', 'gjs-migrate');
        return `${seen.length} progress notifications`;
    }],
    ['cancel_half_way', 'job.cancel() at the first progress report rejects the promise with CANCELLED', async () => {
        const job = VirtMigrate.Job.new(slowRequest('gjs-cancel'));
        let sent = false;
        job.connect('notify::progress', j => {
            if (!sent && j.progress > 0) {
                sent = true;
                j.cancel();
            }
        });
        let error = null;
        try {
            await job.run_async(null);
        } catch (e) {
            error = e;
        }
        assert(sent, 'cancel sent');
        assert(error && error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED), `CANCELLED (${error})`);
        assert(job.state === VirtMigrate.JobState.CANCELLED, 'state cancelled');
        assert(tool('state', 'src', 'gjs-cancel') === 'running', 'running on the source');
        assert(tool('state', 'dst', 'gjs-cancel') === 'absent', 'absent on the destination');
        tool('destroy', 'src', 'gjs-cancel');
        return error.message;
    }],
    ['plan', 'await manager.plan_async(): the call and the configuration outcome', async () => {
        tool('guest', 'gjs-plan');
        const request = VirtMigrate.Request.new('gjs-plan', SRC, DST);
        request.live = true;
        request.hypervisor_uri = 'tcp://127.0.0.1:49152';
        const plan = await VirtMigrate.Manager.new().plan_async(request, null);
        assert(plan.get_libvirt_api() === 'virDomainMigrate3', 'virDomainMigrate3');
        assert(plan.get_flag_names().includes('VIR_MIGRATE_LIVE'), 'VIR_MIGRATE_LIVE');
        assert(plan.to_text().includes('Call:'), 'to_text');
        assert(tool('state', 'src', 'gjs-plan') === 'running', 'guest untouched');
        tool('destroy', 'src', 'gjs-plan');
        return plan.get_config_outcome().to_string();
    }],
];

const loop = new GLib.MainLoop(null, false);
let failed = 0;
(async () => {
    print(`1..${tests.length}`);
    for (const [i, [name, doc, fn]] of tests.entries()) {
        print(`# ${doc}`);
        try {
            const detail = await fn();
            print(`ok ${i + 1} ${name}: ${detail}`);
        } catch (e) {
            failed++;
            for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
                print(`# ${line}`);
            print(`not ok ${i + 1} ${name}: ${e.message}`);
        }
    }
    loop.quit();
})();
loop.run();
System.exit(failed ? 1 : 0);
