// The standby appliance and the sentinels (S13, B4; docs/standby.md, docs/agent.md "Sentinel"):
//
//   node scripts/build.mjs && npx tsx scripts/bench/failover.ts [--parts faults,standby,false-alarms,dual]
//     [--faults kill,hang,link] [--runs 20] [--grace 10] [--keepalive 15] [--standby-runs 20]
//     [--false-alarm-minutes 30] [--appliance-restarts 5] [--agent-restarts 10] [--away S] [--seconds 60] [--interval 5]
//
// Needs root (network namespaces, veth links only: no address outside them is touched). Parts:
//
// faults: the built appliance in a network namespace, a sentinel (the built agent, --keepalive)
//    in another, this process on the same bridge with a webhook receiver, an SMTP sink and the
//    sentinel's "own network" target; the sentinel's modem is the simulator on a pty. Per fault
//    and run: SIGKILL (restored by a restart), SIGSTOP = hung (SIGCONT), the appliance's veth link
//    down (up); the time from the fault to the first alarm at each channel (webhook, SMTP, SMS
//    complete in the simulator's log), then the recovery at every channel before the next run.
//    Target: grace + 15 s. A hung appliance's or cut link's MQTT session counts as lost for the
//    sentinel once a packet has waited 5 s for the broker's answer (docs/agent.md "Sentinel"), not
//    after mqtt.js's 1.5 × keepalive, so --keepalive no longer bounds the hang's alarm.
// standby: two built appliances with `--modem sim`, paired with --grace, one on-call contact made
//    on the primary and copied to the standby; the primary SIGKILLed once the standby hears it; the
//    time from the kill to the standby's first SMS (the simulator's log: the message complete),
//    --standby-runs fresh pairs. Target: grace + 15 s.
// false-alarms: --false-alarm-minutes with two sentinels watching, each restarted at random times
//    (--agent-restarts in all), and --appliance-restarts announced restarts (PUT /planned-restart
//    for 2 minutes, then a clean stop, --away seconds down, and a start); every alarm at every
//    channel counted. Target: none.
// dual: dual publishing's cost on the agent: the built agent (as installed, with its node flags)
//    runs --seconds with one appliance, then --seconds with two (`--standby-mqtt`), each publishing
//    to Aedes brokers in this process; CPU (every thread's, /proc/<pid>/task/*/schedstat) per
//    second and RSS (mean and peak, sampled every 250 ms) of each run, after a 10 s warm-up.
//
// The parts run one after another; the load average is printed at the start and the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import type { SimLogResponse } from '../../contract/alerts-api.js';
import type { PairStatus } from '../../contract/pair.js';
import { freePort, startAgent, startAppliance as startTestAppliance, waitFor, type RunningAgent, type RunningAppliance, type Teardownable } from '../../test/helpers/appliance-harness.js';
import { makeLan, type NetnsLan } from '../../test/helpers/netns-lan.js';
import { startSmtpSink } from '../../test/helpers/smtp-sink.js';
import { startWebhookReceiver } from '../../test/helpers/webhook-receiver.js';
import { startPtySimulator } from '../modem-sim/pty-simulator.js';
import { percentile } from './percentile.js';
import { cpuSecondsPrecise, RssSampler } from './proc-stats.js';
import { Cleanup, startAppliance, terminate, type StartedAppliance } from './processes.js';

const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: 'faults,standby,false-alarms,dual' },
    faults: { type: 'string', default: 'kill,hang,link' },
    runs: { type: 'string', default: '20' },
    grace: { type: 'string', default: '10' },
    keepalive: { type: 'string', default: '15' },
    'standby-runs': { type: 'string', default: '20' },
    'false-alarm-minutes': { type: 'string', default: '30' },
    'appliance-restarts': { type: 'string', default: '5' },
    'agent-restarts': { type: 'string', default: '10' },
    away: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '5' },
    'agent-node-flags': { type: 'string', default: '--max-semi-space-size=1 --optimize-for-size --no-sparkplug' },
  },
});

/** A whole number in [min, max], or exit with the flag named. */
function bounded(flag: string, min: number, max: number): number {
  const raw = (args as Record<string, string | undefined>)[flag] ?? '';
  const v = Number(raw);
  if (!/^\d+$/.test(raw) || v < min || v > max) {
    process.stderr.write(`failover: --${flag} must be a whole number from ${min} to ${max} (got "${raw}")\n`);
    process.exit(2);
  }
  return v;
}
/** A comma list of names out of `allowed`, or exit with the flag named. */
function oneOf<T extends string>(flag: string, allowed: readonly T[]): T[] {
  const list = ((args as Record<string, string | undefined>)[flag] ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  const bad = list.filter((x) => !(allowed as readonly string[]).includes(x));
  if (list.length === 0 || bad.length > 0) {
    process.stderr.write(`failover: --${flag} takes a comma list of ${allowed.join(', ')} (got "${bad.join(',') || '(none)'}")\n`);
    process.exit(2);
  }
  return list as T[];
}

const PARTS = oneOf('parts', ['faults', 'standby', 'false-alarms', 'dual'] as const);
const FAULTS = oneOf('faults', ['kill', 'hang', 'link'] as const);
type Fault = (typeof FAULTS)[number];
const RUNS = bounded('runs', 1, 200);
// the redundancy and pair settings take graceS from 2 s (api.md); more than 10 minutes makes no bench
const GRACE_S = bounded('grace', 2, 600);
const KEEPALIVE_S = bounded('keepalive', 5, 600);
const STANDBY_RUNS = bounded('standby-runs', 1, 200);
const FALSE_ALARM_MINUTES = bounded('false-alarm-minutes', 1, 24 * 60);
const APPLIANCE_RESTARTS = bounded('appliance-restarts', 0, 100);
const AGENT_RESTARTS = bounded('agent-restarts', 0, 1000);
// an announced restart away longer than the grace period: one shorter would not alarm unannounced
// either, and the announcement would go untested (default: grace + 20 s)
const AWAY_S = args.away === undefined ? GRACE_S + 20 : bounded('away', 0, 110);
const SECONDS = bounded('seconds', 1, 3600);
bounded('interval', 1, 3600);
const TARGET_MS = (GRACE_S + 15) * 1000;
const WARMUP_S = 10;
const CONTACT = '+821099998888';
const SECRET = 'failover-bench-pair-secret';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (line: string): void => { process.stdout.write(`${line}\n`); };
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function until<T>(what: string, probe: () => Promise<T | null | false | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== false && v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function apiOf(app: StartedAppliance) {
  const base = `http://127.0.0.1:${app.httpPort}/api/v1`;
  const headers = { authorization: `Bearer ${app.apiToken}`, 'content-type': 'application/json' };
  return async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + p, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

async function failover(cleanup: Cleanup): Promise<{ firstSmsMs: number; text: string }> {
  const start = (prefix: string): Promise<StartedAppliance> => startAppliance(cleanup, {
    repoRoot, dataDir: cleanup.tempDir(prefix).dir, token: 'bench-token', nodeArgs: [],
    extraArgs: ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--log-level', 'warn'],
  });
  const [primary, standby] = await Promise.all([start('rw-fo-p-'), start('rw-fo-s-')]);
  const [p, s] = [apiOf(primary), apiOf(standby)];
  for (const [api, role, peer] of [[p, 'primary', standby], [s, 'standby', primary]] as const) {
    await api('PUT', '/redundancy', { sentinels: [], pair: { role, peer: `http://127.0.0.1:${peer.httpPort}`, secret: SECRET, graceS: GRACE_S } });
  }
  await p('POST', '/contacts', { name: 'On call', phone: CONTACT, language: 'en', severities: ['critical'] });
  for (const api of [p, s]) await until('the simulated modem', async () => (await api<{ status: { state: string } | null }>('GET', '/modem')).status?.state === 'ready', 60_000);
  const version = (await p<PairStatus>('GET', '/pair')).configVersion;
  await until('the contact copied and the primary heard', async () => {
    const st = await s<PairStatus>('GET', '/pair');
    return st.copiedVersion === version && st.lastHeardAt !== null && st.holdingSms;
  }, 30_000);
  const killedAt = Date.now();
  primary.proc.kill('SIGKILL');
  const sms = await until('the standby\'s first SMS', async () => (await s<SimLogResponse>('GET', '/modem/sim-log')).messages.find((m) => m.to === CONTACT && m.complete), (GRACE_S + 120) * 1000);
  const firstSmsMs = Date.now() - killedAt;
  // a fresh pair per run: this one's standby goes, so runs do not pile up appliances
  await terminate(standby, 10_000);
  return { firstSmsMs, text: sms.text };
}

async function broker(cleanup: Cleanup): Promise<number> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add('a bench broker', () => {
    server.close();
    aedes.close();
  });
  return (server.address() as AddressInfo).port;
}

async function agentRun(cleanup: Cleanup, ports: readonly number[]): Promise<{ cpuMsPerS: number; rssMeanMb: number; rssPeakMb: number }> {
  const stateDir = path.join(cleanup.tempDir('rw-fo-agent-').dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  writeFileSync(path.join(stateDir, 'identity.json'), JSON.stringify({ agentId: 'bench-agent', secret: 'bench', mqttPort: ports[0] }), { mode: 0o600 });
  const flags = args['agent-node-flags'].split(' ').filter((f) => f !== '');
  const child: ChildProcess = spawn(process.execPath, [
    ...flags, path.join(repoRoot, 'dist', 'agent.js'), '--appliance', 'http://127.0.0.1:9', '--state-dir', stateDir,
    '--interval', args.interval, '--log-level', 'warn', ...(ports[1] !== undefined ? ['--standby-mqtt', `mqtt://127.0.0.1:${ports[1]}`] : []),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid ?? 0;
  const stop = cleanup.killLater('the agent', pid);
  const rss = new RssSampler(() => ({ agent: pid }), 250);
  rss.start();
  await sleep(WARMUP_S * 1000);
  const cpu0 = cpuSecondsPrecise(pid) ?? NaN;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const cpu1 = cpuSecondsPrecise(pid) ?? NaN;
  const t1 = performance.now();
  rss.stop();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  stop();
  return { cpuMsPerS: ((cpu1 - cpu0) * 1000) / ((t1 - t0) / 1000), rssMeanMb: (rss.meanKb('agent', t0, t1) ?? NaN) / 1024, rssPeakMb: (rss.peakKb('agent', t0, t1) ?? NaN) / 1024 };
}

// ---- the sentinels: faults and false alarms --------------------------------------------------

const CHANNELS = ['webhook', 'smtp', 'modem'] as const;
type Channel = (typeof CHANNELS)[number];

/** Where a sentinel's messages arrive, counted per channel: alarms and recoveries only grow. */
interface Sinks {
  settings: (sentinels: string[]) => unknown;
  alarms: Record<Channel, () => number>;
  recoveries: Record<Channel, () => number>;
}

async function startSinks(tt: Teardownable, lan: NetnsLan): Promise<Sinks> {
  const root = lan.addr('root');
  const hook = await startWebhookReceiver(tt, { host: root });
  const smtp = await startSmtpSink(tt, root);
  // the sentinels' own network check: a TCP listener on this side of the bridge
  const ownNet = net.createServer((sock) => sock.destroy());
  await new Promise<void>((resolve) => ownNet.listen(0, root, resolve));
  tt.teardown(() => new Promise<void>((resolve) => ownNet.close(() => resolve())));
  const modem = await startPtySimulator({ model: { delays: { replyMs: 5, promptMs: 20, sendMs: 100, reportMs: 300, bootMs: 200, simReadyMs: 50 } }, boot: 'ready' });
  tt.teardown(() => modem.stop());
  const sms = (text: RegExp) => (): number => modem.log.messages().filter((m) => m.to === CONTACT && m.complete && text.test(m.text)).length;
  return {
    settings: (sentinels) => ({
      sentinels, graceS: GRACE_S, ownNetworkCheck: `${root}:${(ownNet.address() as AddressInfo).port}`, name: 'rack-a',
      channels: [
        { type: 'webhook', url: hook.url },
        { type: 'smtp', host: root, port: smtp.port, from: 'sentinel@example.net', to: ['oncall@example.net'] },
        { type: 'modem', device: modem.path, to: [CONTACT] },
      ],
    }),
    alarms: {
      webhook: () => hook.hooks.filter((h) => h.event === 'alarm').length,
      smtp: () => smtp.mails.filter((m) => /응답 없음/.test(m.subject)).length,
      modem: sms(/응답하지 않습니다/),
    },
    recoveries: {
      webhook: () => hook.hooks.filter((h) => h.event === 'recovery').length,
      smtp: () => smtp.mails.filter((m) => /복구/.test(m.subject)).length,
      modem: sms(/다시 응답합니다/),
    },
  };
}

const counts = (of: Record<Channel, () => number>): Record<Channel, number> => ({ webhook: of.webhook(), smtp: of.smtp(), modem: of.modem() });

/** The appliance in the LAN's `app` namespace, restartable on the same ports and data. */
class WatchedAppliance {
  private constructor(private readonly tt: Teardownable, private readonly lan: NetnsLan, public app: RunningAppliance) {}

  static async start(tt: Teardownable, lan: NetnsLan): Promise<WatchedAppliance> {
    const app = await startTestAppliance(tt, { netns: lan.ns('app'), host: lan.addr('app'), httpPort: await freePort(), mqttPort: await freePort() });
    return new WatchedAppliance(tt, lan, app);
  }

  async restart(): Promise<void> {
    const { httpPort, mqttPort, dataDir } = this.app;
    this.app = await startTestAppliance(this.tt, { netns: this.lan.ns('app'), host: this.lan.addr('app'), httpPort, mqttPort, dataDir });
  }

  /** the sentinels enrolled, made sentinels with `settings`, and watching */
  async watchedBy(sentinels: RunningAgent[], hostnames: string[], sinks: Sinks): Promise<string[]> {
    const ids = await waitFor('the sentinels enrolled', async () => {
      const agents = await this.app.api<{ id: string; hostname: string }[]>('/api/v1/agents');
      const found = hostnames.map((h) => agents.find((a) => a.hostname === h)?.id);
      return found.every(Boolean) ? found as string[] : undefined;
    }, { timeoutMs: 120_000 });
    const res = await this.app.fetch('/api/v1/redundancy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sinks.settings(ids)) });
    if (res.status !== 200) throw new Error(`PUT /redundancy: HTTP ${res.status} ${await res.text()}`);
    await Promise.all(sentinels.map((s) => waitFor('a sentinel watching', () => /watching the appliance as a sentinel/.test(s.output()), { timeoutMs: 60_000 })));
    return ids;
  }

  async online(ids: string[]): Promise<void> {
    await waitFor('the sentinels\' MQTT sessions up', async () => {
      const agents = await this.app.api<{ id: string; status: string }[]>('/api/v1/agents');
      return ids.every((id) => agents.find((a) => a.id === id)?.status === 'online');
    }, { timeoutMs: 120_000, intervalMs: 250 });
  }
}

/** The teardowns the test harness registers, run at the end (or on a signal, by Cleanup). */
class Teardowns implements Teardownable {
  private readonly fns: { fn: () => unknown; forget: () => void }[] = [];
  constructor(private readonly cleanup: Cleanup) {}
  teardown(fn: () => unknown): void {
    // a signal: Cleanup runs these without waiting (processes get their SIGTERM, namespaces go)
    this.fns.push({ fn, forget: this.cleanup.add('a harness teardown', () => { void fn(); }) });
  }
  async runAll(): Promise<void> {
    for (const { fn, forget } of this.fns.splice(0).reverse()) {
      forget();
      try { await fn(); } catch (e) { process.stderr.write(`teardown: ${(e as Error).message}\n`); }
    }
  }
}

type RunResult = Record<Channel, number | null>;

async function faultRun(fault: Fault, watched: WatchedAppliance, lan: NetnsLan, sinks: Sinks, ids: string[]): Promise<RunResult> {
  await watched.online(ids);
  const alarmsBefore = counts(sinks.alarms);
  const recoveriesBefore = counts(sinks.recoveries);
  const pid = watched.app.proc.pid ?? 0;
  const t0 = Date.now();
  if (fault === 'kill') await watched.app.kill();
  else if (fault === 'hang') process.kill(pid, 'SIGSTOP');
  else lan.link('app', false);
  const got: RunResult = { webhook: null, smtp: null, modem: null };
  // a hung appliance's session is lost only after 1.5 keepalives; a minute more for a loaded machine
  const timeoutMs = (GRACE_S + 1.5 * KEEPALIVE_S + 60) * 1000;
  await waitFor('an alarm at every channel', () => {
    for (const c of CHANNELS) if (got[c] === null && sinks.alarms[c]() > alarmsBefore[c]) got[c] = Date.now() - t0;
    return CHANNELS.every((c) => got[c] !== null);
  }, { timeoutMs, intervalMs: 50 }).catch(() => undefined);
  if (fault === 'kill') await watched.restart();
  else if (fault === 'hang') process.kill(pid, 'SIGCONT');
  else lan.link('app', true);
  await waitFor('the recovery at every channel', () => CHANNELS.every((c) => sinks.recoveries[c]() > recoveriesBefore[c]), { timeoutMs: 180_000, intervalMs: 250 })
    .catch((e: unknown) => say(`  (${fault}: ${(e as Error).message}; recoveries ${JSON.stringify(counts(sinks.recoveries))} before ${JSON.stringify(recoveriesBefore)})`));
  return got;
}

const secs = (ms: number): string => (ms / 1000).toFixed(1);

function summary(fault: Fault, runs: RunResult[]): void {
  for (const c of CHANNELS) {
    const got = runs.map((r) => r[c]).filter((v): v is number => v !== null).sort((a, b) => a - b);
    const missing = runs.length - got.length;
    const max = got.at(-1) ?? NaN;
    const met = missing === 0 && max <= TARGET_MS;
    say(`  ${fault.padEnd(4)} ${c.padEnd(7)} n=${got.length}${missing ? ` (${missing} runs without an alarm)` : ''}  median ${secs(percentile(got, 0.5))} s  p95 ${secs(percentile(got, 0.95))} s  max ${secs(max)} s  `
      + `within target ${got.filter((v) => v <= TARGET_MS).length}/${runs.length}  target ≤ ${secs(TARGET_MS)} s: ${met ? 'MET' : 'NOT MET'}`);
  }
}

async function faults(cleanup: Cleanup): Promise<void> {
  const tt = new Teardowns(cleanup);
  try {
    const lan = makeLan(tt, ['app', 's1']);
    const sinks = await startSinks(tt, lan);
    const watched = await WatchedAppliance.start(tt, lan);
    const sentinel = startAgent(tt, watched.app, { netns: lan.ns('s1'), hostname: 'sentinel-s1', keepalive: KEEPALIVE_S });
    const ids = await watched.watchedBy([sentinel], ['sentinel-s1'], sinks);
    say(`faults: ${FAULTS.join(', ')} × ${RUNS} runs; grace ${GRACE_S} s, sentinel keepalive ${KEEPALIVE_S} s; target: first alarm ≤ grace + 15 s = ${secs(TARGET_MS)} s`);
    const results = new Map<Fault, RunResult[]>();
    for (const fault of FAULTS) {
      const runs: RunResult[] = [];
      results.set(fault, runs);
      for (let i = 1; i <= RUNS; i++) {
        const r = await faultRun(fault, watched, lan, sinks, ids);
        runs.push(r);
        say(`  ${fault} run ${i}: ${CHANNELS.map((c) => `${c} ${r[c] === null ? 'none' : `${secs(r[c])} s`}`).join(', ')} (load ${load()})`);
      }
      summary(fault, runs);
    }
    say('fault → first alarm per channel (all faults):');
    for (const [fault, runs] of results) summary(fault, runs);
  } finally {
    await tt.runAll();
  }
}

async function falseAlarms(cleanup: Cleanup): Promise<void> {
  const tt = new Teardowns(cleanup);
  try {
    const lan = makeLan(tt, ['app', 's1', 's2']);
    const sinks = await startSinks(tt, lan);
    const watched = await WatchedAppliance.start(tt, lan);
    const names = ['s1', 's2'];
    const sentinels = names.map((n) => startAgent(tt, watched.app, { netns: lan.ns(n), hostname: `sentinel-${n}`, keepalive: KEEPALIVE_S }));
    const ids = await watched.watchedBy(sentinels, names.map((n) => `sentinel-${n}`), sinks);
    const spanMs = FALSE_ALARM_MINUTES * 60_000;
    // appliance restarts evenly spread, agent restarts at random times; one at a time, in order
    const events: { atMs: number; what: 'appliance' | number }[] = [
      ...Array.from({ length: APPLIANCE_RESTARTS }, (_v, i) => ({ atMs: ((i + 0.5) * spanMs) / APPLIANCE_RESTARTS, what: 'appliance' as const })),
      ...Array.from({ length: AGENT_RESTARTS }, () => ({ atMs: Math.random() * spanMs, what: Math.floor(Math.random() * sentinels.length) })),
    ].sort((a, b) => a.atMs - b.atMs);
    say(`false alarms: ${FALSE_ALARM_MINUTES} min, 2 sentinels (grace ${GRACE_S} s, keepalive ${KEEPALIVE_S} s), ${APPLIANCE_RESTARTS} announced appliance restarts (2 min windows, stopped for ${AWAY_S} s each), ${AGENT_RESTARTS} sentinel restarts at random times`);
    const alarms0 = counts(sinks.alarms);
    const t0 = Date.now();
    let restarts = 0;
    for (const ev of events) {
      await sleep(Math.max(0, t0 + ev.atMs - Date.now()));
      const at = `${secs(Date.now() - t0)} s`;
      if (ev.what === 'appliance') {
        const marks = sentinels.map((s) => s.output().length);
        const res = await watched.app.fetch('/api/v1/planned-restart', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes: 2, reason: 'failover bench: announced restart' }) });
        if (res.status !== 200) throw new Error(`PUT /planned-restart: HTTP ${res.status} ${await res.text()}`);
        await Promise.all(sentinels.map((s, i) => waitFor('the sentinel learning of the window', () => /announced a planned restart until/.test(s.output().slice(marks[i])), { timeoutMs: 60_000 })));
        const down = Date.now();
        await watched.app.stop();
        await sleep(AWAY_S * 1000);
        await watched.restart();
        restarts++;
        say(`  ${at}: announced appliance restart ${restarts}/${APPLIANCE_RESTARTS}: away ${secs(Date.now() - down)} s (load ${load()})`);
      } else {
        const i = ev.what;
        const old = sentinels[i];
        if (!old) continue;
        await old.stop();
        const fresh = startAgent(tt, watched.app, { netns: lan.ns(names[i] ?? ''), hostname: `sentinel-${names[i] ?? ''}`, keepalive: KEEPALIVE_S, stateDir: old.stateDir });
        sentinels[i] = fresh;
        await waitFor('the restarted sentinel watching', () => /watching the appliance as a sentinel/.test(fresh.output()), { timeoutMs: 120_000 });
        say(`  ${at}: sentinel-${names[i] ?? ''} restarted`);
      }
    }
    await sleep(Math.max(0, t0 + spanMs - Date.now()));
    // a late alarm from the last restart would come within the grace period and a few ticks
    await sleep((GRACE_S + 1.5 * KEEPALIVE_S + 10) * 1000);
    await watched.online(ids);
    const alarms = counts(sinks.alarms);
    const total = CHANNELS.reduce((n, c) => n + alarms[c] - alarms0[c], 0);
    say(`false alarms in ${secs(Date.now() - t0)} s: ${CHANNELS.map((c) => `${c} ${alarms[c] - alarms0[c]}`).join(', ')} (target: none: ${total === 0 ? 'MET' : 'NOT MET'})`);
    if (total > 0) for (const [i, s] of sentinels.entries()) say(`sentinel-${names[i] ?? ''} said:\n${s.output().split('\n').filter((l) => /alarm|does not answer|planned restart/.test(l)).slice(-20).join('\n')}`);
  } finally {
    await tt.runAll();
  }
}

async function standbyRuns(cleanup: Cleanup): Promise<void> {
  say(`standby: ${STANDBY_RUNS} fresh pairs, grace ${GRACE_S} s`);
  const got: number[] = [];
  let text = '';
  for (let i = 1; i <= STANDBY_RUNS; i++) {
    const fo = await failover(cleanup);
    got.push(fo.firstSmsMs);
    text = fo.text;
    say(`  run ${i}: ${fo.firstSmsMs} ms (load ${load()})`);
  }
  got.sort((a, b) => a - b);
  const max = got.at(-1) ?? NaN;
  say(`primary SIGKILLed → the standby's first SMS, ${got.length} runs: median ${secs(percentile(got, 0.5))} s, p95 ${secs(percentile(got, 0.95))} s, max ${secs(max)} s (target ≤ ${secs(TARGET_MS)} s: ${max <= TARGET_MS ? 'MET' : 'NOT MET'}): "${text}"`);
}

async function dual(cleanup: Cleanup): Promise<void> {
  const [a, b] = [await broker(cleanup), await broker(cleanup)];
  const single = await agentRun(cleanup, [a]);
  const both = await agentRun(cleanup, [a, b]);
  const f = (x: number): string => x.toFixed(2);
  say(`agent, interval ${args.interval} s, ${SECONDS} s after ${WARMUP_S} s warm-up:`);
  say(`  single: CPU ${f(single.cpuMsPerS)} ms/s, RSS mean ${f(single.rssMeanMb)} MB, peak ${f(single.rssPeakMb)} MB`);
  say(`  dual:   CPU ${f(both.cpuMsPerS)} ms/s, RSS mean ${f(both.rssMeanMb)} MB, peak ${f(both.rssPeakMb)} MB`);
  say(`  dual − single: CPU ${f(both.cpuMsPerS - single.cpuMsPerS)} ms/s (×${f(both.cpuMsPerS / single.cpuMsPerS)}), RSS mean ${f(both.rssMeanMb - single.rssMeanMb)} MB`);
}

async function main(): Promise<void> {
  if (PARTS.some((p) => p === 'faults' || p === 'false-alarms') && process.getuid?.() !== 0) {
    process.stderr.write('failover: the faults and false-alarms parts need root (network namespaces)\n');
    process.exit(2);
  }
  const cleanup = new Cleanup();
  cleanup.exitOnSignals();
  try {
    say(`failover: parts ${PARTS.join(', ')}; grace ${GRACE_S} s; load ${load()}, ${os.cpus().length} CPUs; ${new Date().toISOString()}`);
    for (const part of PARTS) {
      if (part === 'faults') await faults(cleanup);
      else if (part === 'standby') await standbyRuns(cleanup);
      else if (part === 'false-alarms') await falseAlarms(cleanup);
      else await dual(cleanup);
    }
    say(`load after: ${load()}; ${new Date().toISOString()}`);
  } finally {
    const problems = cleanup.runAll();
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
  }
}

await main();
process.exit(0);
