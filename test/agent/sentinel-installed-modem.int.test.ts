// S13, B4: a sentinel's modem channel on a server installed the product's way. The REAL appliance
// serves the agent and its serialport runtime; scripts/install-agent.sh installs the agent twice
// into temporary roots, once without and once with --with-modem; each installed agent (run from
// there: no repository node_modules on its resolution path) is made the sentinel in turn and the
// Redundancy screen's "send a test alarm" is run. Without serialport the modem channel's result
// says so and how to fix it (and the log says it once); with it, the SMS reaches the modem
// simulator on a pty.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import t from 'tap';
import type { RedundancyResponse } from '../../contract/sentinel.js';
import { startPtySimulator } from '../../scripts/modem-sim/pty-simulator.js';
import { ROOT, startAgent, startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const MISSING = 'serialport is not installed beside the agent: run the installer again with --with-modem';
const TO = '+821055556666';

/** Runs the installer against the appliance into `root`; resolves with its output once it succeeded. */
async function installAgent(app: RunningAppliance, root: string, extra: string[]): Promise<string> {
  const child = spawn('sh', [path.join(ROOT, 'scripts/install-agent.sh'), '--root', root, '--appliance', app.url, '--token', app.token, ...extra], {
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const [status] = await once(child, 'close') as [number | null];
  if (status !== 0) throw new Error(`install-agent.sh ${extra.join(' ')} failed: ${out}`);
  return out;
}

void t.test('an installed sentinel: without --with-modem the modem channel says what to do; with it, the SMS goes out', async (t) => {
  const app = await startAppliance(t);
  const modem = await startPtySimulator({ model: { delays: { replyMs: 5, promptMs: 20, sendMs: 100, reportMs: 300, bootMs: 200, simReadyMs: 50 } }, boot: 'ready' });
  t.teardown(() => modem.stop());

  const plainRoot = tempDir(t, 'rw-inst-plain-');
  const modemRoot = tempDir(t, 'rw-inst-modem-');
  await installAgent(app, plainRoot, []);
  t.match(await installAgent(app, modemRoot, ['--with-modem']), /downloaded the serialport runtime serialport-linux-.*checked; it loads/, 'from the appliance');
  const bundle = (root: string): string => path.join(root, 'opt/rackwatch-agent/rackwatch-agent.js');
  const plain = startAgent(t, app, { bin: bundle(plainRoot), hostname: 'sentinel-plain', keepalive: 5 });
  const withModem = startAgent(t, app, { bin: bundle(modemRoot), hostname: 'sentinel-modem', keepalive: 5 });
  t.teardown(() => { if (!t.passing()) t.comment(`plain:\n${plain.output().slice(-4000)}\nwith modem:\n${withModem.output().slice(-4000)}`); });
  const idOf = (hostname: string) => waitFor(`${hostname} enrolled`, async () =>
    (await app.api<{ id: string; hostname: string }[]>('/api/v1/agents')).find((a) => a.hostname === hostname)?.id, { timeoutMs: 30_000 });
  const plainId = await idOf('sentinel-plain');
  const modemId = await idOf('sentinel-modem');

  const channels = [{ type: 'modem', device: modem.path, to: [TO] }];
  const makeSentinel = async (agentId: string, output: () => string): Promise<void> => {
    const mark = output().length;
    const res = await app.fetch('/api/v1/redundancy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sentinels: [agentId], graceS: 60, name: 'rack-a', channels }) });
    const body = await res.text();
    t.equal(res.status, 200, 'the sentinel is set', { body });
    await waitFor('the sentinel watching', () => /watching the appliance as a sentinel/.test(output().slice(mark)), { timeoutMs: 30_000 });
    // its first signed heartbeat gives the key its test report is signed with
    await waitFor('its signed heartbeat', async () =>
      (await app.api<RedundancyResponse>('/api/v1/redundancy')).status.heartbeats.find((h) => h.agentId === agentId)?.atMs, { timeoutMs: 30_000 });
  };
  const runTest = async (agentId: string) => {
    const res = await app.fetch('/api/v1/redundancy/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    t.equal(res.status, 202, 'the test is requested');
    const { id } = await res.json() as { id: string };
    return waitFor('the sentinel\'s test report', async () => {
      const last = (await app.api<RedundancyResponse>('/api/v1/redundancy')).status.lastTest;
      return last?.id === id ? last.reports.find((r) => r.agentId === agentId)?.channels[0] : undefined;
    }, { timeoutMs: 90_000 });
  };

  await t.test('installed without --with-modem: the result says serialport is missing and how to fix it', async (t) => {
    await makeSentinel(plainId, () => plain.output());
    const first = await runTest(plainId);
    t.match(first, { type: 'modem', ok: false });
    t.equal(first.error, MISSING, 'what the Redundancy screen shows');
    const second = await runTest(plainId);
    t.equal(second.error, MISSING, 'every result says it');
    t.equal(plain.output().split(MISSING).length - 1, 1, 'the log says it once');
    t.same(modem.log.messages().filter((m) => m.to === TO), [], 'no SMS');
  });

  await t.test('installed with --with-modem: the test alarm reaches the modem as SMS', async (t) => {
    await makeSentinel(modemId, () => withModem.output());
    const result = await runTest(modemId);
    t.match(result, { type: 'modem', ok: true, error: null });
    const sms = await waitFor('the SMS at the modem', () => modem.log.messages().find((m) => m.to === TO && m.complete), { timeoutMs: 30_000 });
    t.ok(sms.text.length > 0, `the test message: ${sms.text}`);
  });
});
