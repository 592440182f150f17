// Soak (RES, B2): hours of an appliance's life compressed into half an hour. 2,000 simulated
// agents at 5 s while a chaos loop, every 20–60 s at random, does one of: SIGKILL the appliance
// (and start it again), SIGSTOP its rrdcached for 30 s, fill the data filesystem and free it,
// kill the modem simulator's socat (it comes back 10 s later, as a crashed USB modem re-enumerates), restart a tenth of the agents. Test SMS (short GSM-7 and
// five-part Korean UCS2) are queued all along. What it checks, and prints:
//   - every acknowledged sample read back through the API: 0 missing, 0 wrong (in checkpoints,
//     so that each is read while it is still in the `bench` profile's 30-minute raw archive);
//   - every SMS the API accepted reaches the modem, each part at most twice;
//   - no process left behind (every child an appliance ever had is gone at the end, and each
//     restart finds the previous instance's children gone);
//   - RSS a while after each start within 10 % of the first start's.
//   - S7, S12: every SMS its on-call contact got (the outbox, and what the rate limit still holds),
//     with the alert and rule behind each and a verdict, noise or not (soak-sms.ts, by
//     docs/alerting.md "How noise was judged"), and the noise report over the soak.
//     `--read-back off` skips the checkpoints for a run about alerting only (say so).
// Not a test (it takes half an hour and the whole machine). Build first (`npm run build`: it
// starts dist/appliance.js), then, as root (for a private tmpfs the disk-full chaos can fill):
//   node scripts/bench/run.mjs scripts/bench/soak.ts               (30 min, 2,000 agents)
//   node scripts/bench/run.mjs scripts/bench/soak.ts --minutes 4 --agents 200   (a quick look)
// Without root the disk is not filled (said in the report). Traffic stays on loopback.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { HealthResponse } from '../../contract/api.js';
import type { AlertDetail, HeldSmsResponse, NoiseReport, OutboxEntry, SimLogLine } from '../../contract/alerts-api.js';
import { bytesPerServer } from '../../appliance/store/rrd-layout.js';
import { enrollAgents, LoadGenerator, SIM_SERIES, sleep, type AgentIdentity } from '../loadgen.js';
import { Cleanup, freePort, killNow, processesUsing, startAppliance, terminate, type StartedAppliance } from './processes.js';
import { memoryStatus } from './proc-stats.js';
import { authorization, MAX_ROWS_PER_READ, prng, readBackSeries } from './read-back.js';
import { briefAlert, contactEntries, formatJudged, judgeSms, type Judged, type SmsRecord } from './soak-sms.js';
import type { Alert } from '../../contract/alerting.js';

const TOKEN = 'rackwatch-soak-token';
const SMS_TO = '+821012345678';
/** the on-call contact's phone: the alerts' SMS, told apart from the test SMS by their number */
const ONCALL_TO = '+821087654321';
const SOAK_CONTACT_ID = 'soak-on-call';
/** how long the soak waits for every agent's first acknowledged batch before it adds the contact anyway (said in the report) */
const FIRST_ACK_WAIT_MS = 10 * 60_000;
/** 5 parts in UCS2 (67 characters a part) */
const KOREAN_LONG = '서버 web-01 의 디스크 사용량이 임계값을 넘었습니다. '.repeat(11).slice(0, 300);

interface Options {
  minutes: number;
  agents: number;
  intervalS: number;
  seed: number;
  chaosMinS: number;
  chaosMaxS: number;
  rrdStopS: number;
  checkpointMin: number;
  smsEveryS: number;
  rssAfterS: number;
  diskMb: number | null;
  /** where to write every alert SMS with its alert and judgement, and the noise report (JSON) */
  smsOut: string | null;
  /** off: no read-back checkpoints (a run about alerting only: on the loaded 2-core box one took 30 min and held the chaos loop) */
  readBack: boolean;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '30' },
      agents: { type: 'string', default: '2000' },
      interval: { type: 'string', default: '5' },
      seed: { type: 'string' },
      'chaos-min': { type: 'string', default: '20' },
      'chaos-max': { type: 'string', default: '60' },
      'rrd-stop': { type: 'string', default: '30' },
      checkpoint: { type: 'string', default: '10' },
      'sms-every': { type: 'string', default: '15' },
      'rss-after': { type: 'string', default: '90' },
      'disk-mb': { type: 'string' },
      'sms-out': { type: 'string' },
      'read-back': { type: 'string', default: 'on' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`soak: --minutes 30 --agents 2000 --interval 5 --seed N --chaos-min 20 --chaos-max 60 --rrd-stop 30
      --checkpoint 10 (minutes between read-back checkpoints) --sms-every 15 --rss-after 90 --disk-mb (tmpfs size; default from the agents) --sms-out FILE (alert SMS and noise report, JSON) --read-back on|off\n`);
    return null;
  }
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: must be a number ≥ ${min}`);
    return n;
  };
  return {
    minutes: num('minutes', values.minutes, 1),
    agents: num('agents', values.agents, 1),
    intervalS: num('interval', values.interval, 1),
    seed: values.seed !== undefined ? num('seed', values.seed, 0) : Math.floor(Math.random() * 2 ** 31),
    chaosMinS: num('chaos-min', values['chaos-min'], 1),
    chaosMaxS: num('chaos-max', values['chaos-max'], 1),
    rrdStopS: num('rrd-stop', values['rrd-stop'], 1),
    checkpointMin: num('checkpoint', values.checkpoint, 1),
    smsEveryS: num('sms-every', values['sms-every'], 1),
    rssAfterS: num('rss-after', values['rss-after'], 5),
    diskMb: values['disk-mb'] !== undefined ? num('disk-mb', values['disk-mb'], 64) : null,
    smsOut: values['sms-out'] ?? null,
    readBack: values['read-back'] !== 'off',
  };
}

// ---- a private mount namespace for the tmpfs ---------------------------------------------------

const IN_NAMESPACE = 'RW_SOAK_IN_NAMESPACE';

/** As root, runs this script again in its own mount namespace: the tmpfs it mounts vanishes with it. */
async function reexecInNamespace(): Promise<number | null> {
  if (process.getuid?.() !== 0 || process.env[IN_NAMESPACE] === '1') return null;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, [IN_NAMESPACE]: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { child.kill(sig); });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

// ---- the processes an appliance started -------------------------------------------------------

/** pid → start time (clock ticks since boot): a pid is only "the same process" with the same start */
type ProcessSet = Map<number, number>;

function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Adds every live descendant of `root` to `seen`. */
function recordDescendants(root: number, seen: ProcessSet): void {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const start = startTime(pid);
    if (start !== null) seen.set(pid, start);
    stack.push(...(children.get(pid) ?? []));
  }
}

function stillRunning(set: ProcessSet): number[] {
  return [...set].filter(([pid, start]) => startTime(pid) === start).map(([pid]) => pid);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

// ---- the run ----------------------------------------------------------------------------------

interface SmsSent {
  marker: string;
  text: string;
  long: boolean;
}

interface Report {
  seed: number;
  chaos: Record<string, number>;
  starts: number;
  rssAfterStartMb: number[];
  /** seconds from spawning each instance to its "ready" line (a restart replays rrdcached's and the sample journal first) */
  readyS: number[];
  leftAfterRestart: string[];
  leftAtEnd: string[];
  checkpoints: { fromT: number; toT: number; series: number; unreadable: number; checked: number; missing: number; wrong: number }[];
  readProblems: string[];
  metricsAcked: number;
  sms: { accepted: number; refused: number; reached: number; incomplete: string[]; partsMaxSent: number; overTwice: string[]; notDrained: number; incompleteStates: string[] };
  diskFill: boolean;
  /** S7, S12: every SMS but the soak's test ones, judged, and the noise report over the soak */
  alertSms: Judged[];
  noise: NoiseReport | null;
  startedAtMs: number;
  /** unix ms at which each appliance instance was spawned */
  applianceStarts: number[];
  /** each chaos action with the unix ms it began */
  chaosLog: { at: number; what: string }[];
  /** S7: seconds from the start to adding the on-call contact, and how many agents then had a batch acknowledged */
  firstAckS: number;
  reportingAtContact: number;
}

async function main(): Promise<number> {
  const inNs = await reexecInNamespace();
  if (inNs !== null) return inNs;
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) return 0;
  // run.mjs bundles this script into a temporary directory: the repository is the working directory
  const root = process.env.RW_REPO_ROOT ?? process.cwd();
  const rand = prng(opts.seed);
  const between = (a: number, b: number): number => a + rand() * (b - a);
  const cleanup = new Cleanup();
  const onSignal = (): void => {
    const problems = cleanup.runAll();
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (msg: string): void => { process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`); };

  const { dir: dataDir } = cleanup.tempDir('rw-soak-');
  const diskFill = process.env[IN_NAMESPACE] === '1';
  if (diskFill) {
    const filesBytes = opts.agents * bytesPerServer(opts.intervalS, 'bench');
    const mb = opts.diskMb ?? Math.ceil((filesBytes * 1.5) / 2 ** 20) + 1024;
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'rw-soak', dataDir]);
    cleanup.add(`unmount ${dataDir}`, () => execFileSync('umount', ['-l', dataDir]));
    log(`data dir on a ${mb} MB tmpfs (private mount namespace); seed ${opts.seed}`);
  } else {
    log(`not root: the disk is not filled; seed ${opts.seed}`);
  }
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const report: Report = {
    seed: opts.seed, chaos: {}, starts: 0, rssAfterStartMb: [], readyS: [], leftAfterRestart: [], leftAtEnd: [], checkpoints: [], readProblems: [],
    metricsAcked: 0, sms: { accepted: 0, refused: 0, reached: 0, incomplete: [], partsMaxSent: 0, overTwice: [], notDrained: 0, incompleteStates: [] }, diskFill,
    alertSms: [], noise: null, startedAtMs: Date.now(), applianceStarts: [], chaosLog: [], firstAckS: 0, reportingAtContact: 0,
  };

  // ---- the appliance, started again and again on the same ports and data ----
  let app: StartedAppliance | null = null;
  const children: ProcessSet = new Map();
  const childWatch = setInterval(() => {
    if (app?.isRunning()) recordDescendants(app.pid, children);
  }, 2000);
  const start = async (): Promise<StartedAppliance> => {
    const before = new Set(stillRunning(children));
    const spawnedAt = Date.now();
    report.applianceStarts.push(spawnedAt);
    const a = await startAppliance(cleanup, {
      repoRoot: root, dataDir, token: TOKEN, nodeArgs: [],
      extraArgs: ['--http-port', String(httpPort), '--mqtt-port', String(mqttPort), '--modem', 'sim'],
      // a start after a kill replays minutes of journal for every agent: its time is measured, not bounded at the default minute
      readyTimeoutMs: 600_000,
    });
    report.readyS.push((Date.now() - spawnedAt) / 1000);
    report.starts++;
    recordDescendants(a.pid, children);
    // the previous instance's children (its rrdcached, its socat) must be gone by now: the new
    // one stops an orphaned rrdcached before starting its own
    for (const pid of before) {
      const line = `${pid} ${commandOf(pid)}`;
      if (startTime(pid) === children.get(pid) && !report.leftAfterRestart.includes(line)) report.leftAfterRestart.push(line);
    }
    const pid = a.pid;
    const startNo = report.starts;
    setTimeout(() => {
      const m = a.isRunning() ? memoryStatus(pid) : null;
      if (m) {
        report.rssAfterStartMb[startNo - 1] = m.rssKb / 1024;
        log(`start ${startNo}: RSS ${(m.rssKb / 1024).toFixed(0)} MB ${opts.rssAfterS} s after ready`);
      }
    }, opts.rssAfterS * 1000).unref();
    return a;
  };
  app = await start();
  const api = { httpPort, get apiToken(): string { return app?.apiToken ?? ''; } };
  log(`appliance ready: http ${httpPort}, mqtt ${mqttPort}`);

  // ---- agents ----
  const ids: AgentIdentity[] = await enrollAgents({
    httpUrl: `http://127.0.0.1:${httpPort}`, token: TOKEN, count: opts.agents, concurrency: 16,
    cacheFile: path.join(dataDir, 'soak-identities.json'),
  });
  const gen = new LoadGenerator({
    host: '127.0.0.1', port: mqttPort, agents: ids, intervalS: opts.intervalS, maxInflight: 1, keepaliveS: 30,
    connectConcurrency: 64, connectTimeoutMs: 30_000, announce: true, credentials: true, initialBacklogRounds: 0, persistent: true,
  });
  await gen.connectAll();
  gen.startSchedule();
  log(`${gen.liveAgents()} of ${ids.length} agents connected`);
  // S7, S12: an on-call contact who takes every grade at any hour, so that the soak texts what the
  // default rules and the self-watch would text a real operator. Added once every agent's first
  // batch is acknowledged: the load generator connects every agent before any samples (75 s for
  // 2,000 on a loaded box), and the last of its ramp were still silent 10 s after it (run 2 texted
  // four of them), a silence of its making that a real fleet, whose agents report as they
  // connect, does not have
  const reportingBy = Date.now() + FIRST_ACK_WAIT_MS;
  while (gen.agentsAckedThrough(0) < ids.length && Date.now() < reportingBy) await sleep(1000);
  report.firstAckS = (Date.now() - report.startedAtMs) / 1000;
  report.reportingAtContact = gen.agentsAckedThrough(0);
  log(`${report.reportingAtContact} of ${ids.length} agents have a batch acknowledged: the on-call contact is added`);
  const contactRes = await fetch(`http://127.0.0.1:${httpPort}/api/v1/contacts`, {
    method: 'POST', headers: { ...authorization(api), 'content-type': 'application/json' },
    body: JSON.stringify({ id: SOAK_CONTACT_ID, name: 'soak on-call', phone: ONCALL_TO, language: 'en', severities: ['info', 'warning', 'critical', 'disaster'] }),
  });
  if (contactRes.status !== 201) throw new Error(`could not add the on-call contact: ${contactRes.status} ${await contactRes.text()}`);

  // ---- SMS all along ----
  const smsSent: SmsSent[] = [];
  let smsNo = 0;
  const smsTimer = setInterval(() => {
    const no = ++smsNo;
    const marker = `[soak-${no}]`;
    const long = no % 3 === 0;
    const text = long ? `${marker} ${KOREAN_LONG}` : `${marker} disk 91% on web-${no % 50}`;
    fetch(`http://127.0.0.1:${httpPort}/api/v1/sms/test`, {
      method: 'POST', headers: { ...authorization(api), 'content-type': 'application/json' }, body: JSON.stringify({ to: SMS_TO, text }),
      signal: AbortSignal.timeout(10_000),
    }).then((res) => {
      if (res.status === 202) smsSent.push({ marker, text, long });
      else report.sms.refused++;
    }, () => { report.sms.refused++; });
  }, opts.smsEveryS * 1000);

  // ---- read-back checkpoints: every acknowledged round since the last one ----
  const verifiedTo = new Map<number, number>();
  const checkpoint = async (): Promise<void> => {
    if (!opts.readBack) return;
    const cp = { fromT: Number.POSITIVE_INFINITY, toT: 0, series: 0, unreadable: 0, checked: 0, missing: 0, wrong: 0 };
    const jobs: (() => Promise<void>)[] = [];
    for (const [agentIndex, id] of ids.entries()) {
      const range = gen.ackedRange(agentIndex);
      if (!range) continue;
      const from = Math.max(range.from, (verifiedTo.get(agentIndex) ?? range.from - 1) + 1, range.to - MAX_ROWS_PER_READ);
      if (from > range.to) continue;
      verifiedTo.set(agentIndex, range.to);
      const fromT = gen.roundTime(from);
      const toT = gen.roundTime(range.to);
      cp.fromT = Math.min(cp.fromT, fromT);
      cp.toT = Math.max(cp.toT, toT);
      for (let s = 0; s < SIM_SERIES.length; s++) {
        jobs.push(async () => {
          // a read that fails (the appliance busy restarting its rrdcached) is tried again
          for (let attempt = 1; ; attempt++) {
            const r = await readBackSeries(api, { agentId: id.agentId, agentIndex, seriesIndex: s, intervalS: opts.intervalS, fromT, toT });
            if (!r.read && attempt < 5) {
              await sleep(2000);
              continue;
            }
            cp.series++;
            if (!r.read) cp.unreadable++;
            cp.checked += r.checked;
            cp.missing += r.missing;
            cp.wrong += r.wrong;
            if (report.readProblems.length < 20) report.readProblems.push(...r.problems);
            return;
          }
        });
      }
    }
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < jobs.length) await jobs[next++]?.();
    }));
    report.checkpoints.push(cp);
    log(`checkpoint: ${cp.series} series, ${cp.checked} values checked, ${cp.missing} missing, ${cp.wrong} wrong, ${cp.unreadable} unreadable`);
  };

  // ---- chaos ----
  const count = (what: string): void => { report.chaos[what] = (report.chaos[what] ?? 0) + 1; };
  const rrdcachedPid = (): number | null => {
    try {
      return Number(readFileSync(path.join(dataDir, 'run', 'rrdcached.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  const fillFile = path.join(dataDir, 'soak-fill');
  const actions: Record<string, () => Promise<void>> = {
    'kill appliance': async () => {
      const a = app;
      if (!a) return;
      killNow(a.pid);
      await a.exited;
      app = await start();
    },
    'stop rrdcached': async () => {
      const pid = rrdcachedPid();
      if (pid === null) return;
      const started = startTime(pid);
      process.kill(pid, 'SIGSTOP');
      await sleep(opts.rrdStopS * 1000);
      // the supervisor may have killed and replaced a daemon that stopped answering
      if (startTime(pid) === started) process.kill(pid, 'SIGCONT');
    },
    'fill disk': async () => {
      if (!diskFill) return;
      const { bavail, bsize } = statfsSync(dataDir);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${fillFile}`, 'bs=1M', `count=${Math.ceil((Number(bavail) * Number(bsize)) / 2 ** 20) + 1}`], { stdio: 'ignore' });
      } catch {
        // dd stops at ENOSPC, which is the point
      }
      await sleep(between(20, 40) * 1000);
      rmSync(fillFile, { force: true });
    },
    'kill modem': () => {
      const a = app;
      if (!a) return Promise.resolve();
      for (const [pid] of children) if (parentOf(pid) === a.pid && commandOf(pid).startsWith('socat')) killNow(pid);
      return Promise.resolve();
    },
    'restart agents': () => {
      gen.dropConnections(ids.map((_, i) => i).filter(() => rand() < 0.1));
      return Promise.resolve();
    },
  };
  const names = Object.keys(actions);
  const endAt = Date.now() + opts.minutes * 60_000;
  let nextCheckpoint = Date.now() + opts.checkpointMin * 60_000;
  while (Date.now() < endAt) {
    await sleep(Math.min(between(opts.chaosMinS, opts.chaosMaxS) * 1000, Math.max(0, endAt - Date.now())));
    if (Date.now() >= endAt) break;
    if (Date.now() >= nextCheckpoint) {
      await checkpoint();
      nextCheckpoint = Date.now() + opts.checkpointMin * 60_000;
    }
    const name = names[Math.floor(rand() * names.length)] ?? 'restart agents';
    log(`chaos: ${name}`);
    count(name);
    report.chaosLog.push({ at: Date.now(), what: name });
    await actions[name]?.();
  }

  // ---- the end: let the backlog drain, read everything back, drain the SMS ----
  clearInterval(smsTimer);
  log('chaos over: draining the agents\' queues');
  // S7: the fleet stops sampling now (every agent "no data" 15 s later: 1,668 alerts in a run):
  // the soak's own end, not the appliance's; the on-call contact is switched off first
  await fetch(`http://127.0.0.1:${httpPort}/api/v1/contacts/${SOAK_CONTACT_ID}`, {
    method: 'PUT', headers: { ...authorization(api), 'content-type': 'application/json' },
    body: JSON.stringify({ id: SOAK_CONTACT_ID, name: 'soak on-call', phone: ONCALL_TO, language: 'en', severities: ['info', 'warning', 'critical', 'disaster'], enabled: false }),
  }).catch(() => null);
  gen.stopSampling();
  const drainUntil = Date.now() + 300_000;
  for (let s = gen.snapshot(); Date.now() < drainUntil && s.deferred + s.inflight > 0; s = gen.snapshot()) await sleep(1000);
  gen.hold();
  await gen.settle(60_000);
  report.metricsAcked = gen.snapshot().metricsAcked;
  await checkpoint();
  const smsUntil = Date.now() + 300_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/sms/outbox?state=queued,sending&limit=500`, { headers: authorization(api) }).catch(() => null);
    const pending = res?.ok ? ((await res.json()) as OutboxEntry[]).length : -1;
    report.sms.notDrained = pending;
    if (pending === 0 || Date.now() > smsUntil) break;
    await sleep(2000);
  }
  await sleep(500); // the simulator's log is appended every 50 ms
  tallySms(path.join(dataDir, 'modem-sim.log'), smsSent, report);
  // what the outbox says of each message that did not reach the modem: the first place to look
  const outbox = await fetch(`http://127.0.0.1:${httpPort}/api/v1/sms/outbox?limit=500`, { headers: authorization(api) }).then(async (res) => (res.ok ? ((await res.json()) as OutboxEntry[]) : []), () => []);
  for (const marker of report.sms.incomplete) {
    const e = outbox.find((x) => x.text.startsWith(marker));
    report.sms.incompleteStates.push(e ? `${marker} #${e.id} ${e.state} attempts ${e.attempts} parts ${e.parts.length} sentAt ${e.sentAt ?? '-'} ${e.lastError ? `${e.lastError.code} ${e.lastError.message}` : ''}` : `${marker} not in the outbox`);
  }
  await collectAlertSms(api, httpPort, path.join(dataDir, 'modem-sim.log'), report);
  if (opts.smsOut) writeFileSync(opts.smsOut, JSON.stringify({ seed: opts.seed, agents: opts.agents, minutes: opts.minutes, startedAtMs: report.startedAtMs, contactAddedAtMs: report.startedAtMs + report.firstAckS * 1000, reportingAtContact: report.reportingAtContact, applianceStarts: report.applianceStarts, chaosLog: report.chaosLog, sms: report.alertSms, noise: report.noise }, null, 2));
  const health = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/health`, { headers: authorization(api) })).json()) as HealthResponse;
  await gen.stop();
  clearInterval(childWatch);
  if (app) {
    recordDescendants(app.pid, children);
    await terminate(app, 30_000);
  }
  await sleep(2000);
  report.leftAtEnd = [...new Set([...stillRunning(children), ...processesUsing(dataDir)])].map((pid) => `${pid} ${commandOf(pid)}`);
  printReport(opts, report, health);
  const problems = cleanup.runAll();
  for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
  return verdict(report) ? 0 : 1;
}

/** What reached the modem, from the simulator's log (it spans every restart). */
function tallySms(file: string, sent: readonly SmsSent[], report: Report): void {
  const lines: SimLogLine[] = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no log: nothing reached the modem
  }
  for (const l of text.split('\n')) {
    // a line torn by a full disk mid-append is followed, on the same line, by its rewrite
    const whole = l.slice(Math.max(0, l.lastIndexOf('{"type":')));
    try {
      if (whole) lines.push(JSON.parse(whole) as SimLogLine);
    } catch {
      // torn by a SIGKILL and never rewritten (rare: an SMS it was part of shows as incomplete)
    }
  }
  const submits = lines.filter((l): l is Extract<SimLogLine, { type: 'submit' }> => l.type === 'submit');
  report.sms.accepted = sent.length;
  for (const m of sent) {
    let times: number[];
    let complete: boolean;
    if (!m.long) {
      times = [submits.filter((s) => s.text.startsWith(m.marker)).length];
      complete = (times[0] ?? 0) > 0;
    } else {
      // the parts of this message: those sharing a concatenation reference with a first part
      // that starts with its marker (a retry may have used a new reference)
      const refs = new Set(submits.filter((s) => s.concat?.seq === 1 && s.text.startsWith(m.marker)).map((s) => s.concat?.ref));
      const parts = submits.filter((s) => s.concat && refs.has(s.concat.ref));
      const total = parts[0]?.concat?.total ?? 0;
      times = Array.from({ length: total }, (_, i) => parts.filter((s) => s.concat?.seq === i + 1).length);
      complete = total > 0 && times.every((n) => n > 0);
    }
    const most = Math.max(0, ...times);
    report.sms.partsMaxSent = Math.max(report.sms.partsMaxSent, most);
    if (complete) report.sms.reached++;
    else report.sms.incomplete.push(m.marker);
    if (most > 2) report.sms.overTwice.push(`${m.marker} ${times.join('/')}`);
  }
}

/**
 * S7, S12: every SMS but the soak's test ones (the outbox, paged), the alerts behind each, whether
 * the simulator's log has it, the judgement (soak-sms.ts) and the noise report over the soak.
 */
async function collectAlertSms(api: { httpPort: number; apiToken: string }, httpPort: number, simLog: string, report: Report): Promise<void> {
  const base = `http://127.0.0.1:${httpPort}/api/v1`;
  const get = async <T>(p: string): Promise<T | null> => {
    const res = await fetch(`${base}${p}`, { headers: authorization(api), signal: AbortSignal.timeout(30_000) }).catch(() => null);
    return res?.ok ? ((await res.json()) as T) : null;
  };
  const pages: OutboxEntry[][] = [];
  let before: number | null = null;
  for (let i = 0; i < 100; i++) {
    const page: OutboxEntry[] = (await get<OutboxEntry[]>(`/sms/outbox?limit=500${before !== null ? `&before=${before}` : ''}`)) ?? [];
    pages.push(page);
    if (page.length < 500) break;
    before = Math.min(...page.map((e) => e.id));
  }
  let logText = '';
  try {
    logText = readFileSync(simLog, 'utf8');
  } catch {
    // no log: nothing reached the modem
  }
  const submitted = logText.split('\n').flatMap((l) => {
    try {
      const line = JSON.parse(l.slice(Math.max(0, l.lastIndexOf('{"type":')))) as SimLogLine;
      return line.type === 'submit' && line.to === ONCALL_TO ? [line.text] : [];
    } catch {
      return [];
    }
  });
  const details = new Map<number, Alert>();
  const records: SmsRecord[] = [];
  for (const e of contactEntries(pages)) {
    for (const id of e.alertIds) {
      if (details.has(id)) continue;
      const d = await get<AlertDetail>(`/alerts/${id}`);
      if (d) details.set(id, d.alert);
    }
    const head = e.text.slice(0, 60);
    records.push({
      outboxId: e.id, createdAt: e.createdAt, kind: e.kind, state: e.state, text: e.text,
      reachedModem: submitted.some((t) => t.startsWith(head) || head.startsWith(t)),
      alerts: e.alertIds.flatMap((id) => {
        const a = details.get(id);
        return a ? [briefAlert(a)] : [];
      }),
    });
  }
  // what the rate limit still holds goes out as one digest later: counted as that digest
  const held = (await get<HeldSmsResponse>('/sms/held'))?.messages ?? [];
  for (const id of new Set(held.map((h) => h.alertId))) {
    if (details.has(id)) continue;
    const d = await get<AlertDetail>(`/alerts/${id}`);
    if (d) details.set(id, d.alert);
  }
  if (held.length > 0) {
    records.push({
      outboxId: 0, createdAt: Math.min(...held.map((h) => h.digestAt)), kind: 'digest (held at the end)', state: 'held', text: `${held.length} held: ${[...new Set(held.map((h) => `${h.kind} ${h.ruleName}`))].join(', ')}`, reachedModem: false,
      alerts: [...new Set(held.map((h) => h.alertId))].flatMap((id) => {
        const a = details.get(id);
        return a ? [briefAlert(a)] : [];
      }),
    });
  }
  report.alertSms = judgeSms(records, { applianceStarts: report.applianceStarts, applianceReady: report.applianceStarts.map((at, i) => at + (report.readyS[i] ?? 0) * 1000), chaos: report.chaosLog });
  report.noise = await get<NoiseReport>(`/alerts/noise?from=${report.startedAtMs}&to=${Date.now() + 1}`);
}

function verdict(r: Report): boolean {
  const missing = r.checkpoints.reduce((n, c) => n + c.missing + c.wrong + c.unreadable, 0);
  const rss = r.rssAfterStartMb.filter((x) => x !== undefined);
  const first = rss[0];
  const rssOk = first === undefined || rss.every((x) => x <= first * 1.1);
  return missing === 0 && r.sms.incomplete.length === 0 && r.sms.overTwice.length === 0 && r.leftAtEnd.length === 0 && r.leftAfterRestart.length === 0 && rssOk;
}

function printReport(o: Options, r: Report, h: HealthResponse): void {
  const sum = (k: 'checked' | 'missing' | 'wrong' | 'unreadable' | 'series'): number => r.checkpoints.reduce((n, c) => n + c[k], 0);
  const rss = r.rssAfterStartMb.filter((x) => x !== undefined);
  const first = rss[0];
  const lines = [
    '',
    `## Soak: ${o.minutes} min, ${o.agents} agents at ${o.intervalS} s, chaos every ${o.chaosMinS}–${o.chaosMaxS} s (seed ${r.seed}${r.diskFill ? '' : ', disk not filled: not root'})`,
    `chaos: ${Object.entries(r.chaos).map(([k, v]) => `${k} ×${v}`).join(', ')}; appliance starts: ${r.starts}`,
    `on-call contact added at +${r.firstAckS.toFixed(0)} s, with ${r.reportingAtContact} of ${o.agents} agents' first batch acknowledged`,
    `samples: ${r.metricsAcked} batches acknowledged; ${o.readBack ? '' : 'NOT READ BACK (--read-back off); '}read back ${sum('checked')} values of ${sum('series')} series reads in ${r.checkpoints.length} checkpoints: ${sum('missing')} missing, ${sum('wrong')} wrong, ${sum('unreadable')} unreadable`,
    ...r.readProblems.slice(0, 10).map((p) => `  ${p}`),
    `SMS: ${r.sms.accepted} accepted by the API (${r.sms.refused} refused or unanswered while it was down), ${r.sms.reached} reached the modem complete; most times one part was sent: ${r.sms.partsMaxSent}; left in the outbox: ${r.sms.notDrained}`,
    ...(r.sms.incomplete.length ? [`  incomplete: ${r.sms.incomplete.slice(0, 10).join(' ')}`, ...r.sms.incompleteStates.slice(0, 10).map((x) => `    ${x}`)] : []),
    ...(r.sms.overTwice.length ? [`  sent more than twice: ${r.sms.overTwice.slice(0, 10).join(', ')}`] : []),
    `RSS ${o.rssAfterS} s after each start (MB): ${rss.map((x) => x.toFixed(0)).join(', ')}${first !== undefined ? `; max/first ${(Math.max(...rss) / first).toFixed(2)}` : ''}`,
    `seconds from start to ready, each start: ${r.readyS.map((x) => x.toFixed(0)).join(', ')}`,
    `processes left behind: after a restart ${r.leftAfterRestart.length}, at the end ${r.leftAtEnd.length}`,
    ...[...r.leftAfterRestart, ...r.leftAtEnd].slice(0, 10).map((p) => `  ${p}`),
    `health at the end: ${h.status}; rrdcached restarts ${h.rrdcached.restarts}; rrdUpdates ${h.counters.rrdUpdates}, rrdUpdateErrors ${h.counters.rrdUpdateErrors}`,
    `verdict: ${verdict(r) ? 'PASS' : 'FAIL'}`,
    '',
    ...formatJudged(r.alertSms, r.startedAtMs),
    '',
    `noise report over the soak (GET /alerts/noise): SMS per contact and day ${JSON.stringify(r.noise?.smsPerContactDay ?? null)}`,
    `  alerts per rule: ${(r.noise?.alertsPerRule ?? []).map((x) => `${x.ruleId} fired ${x.fired}, cancelled ${x.cancelled}`).join('; ')}`,
    `  flappiest rules: ${(r.noise?.flappiestRules ?? []).map((x) => `${x.id} ${x.flaps}/${x.fired}`).join('; ')}`,
    `  flappiest servers: ${(r.noise?.flappiestServers ?? []).map((x) => `${x.name} ${x.flaps}/${x.fired}`).join('; ')}`,
    `  chaos (s from start): ${r.chaosLog.map((c) => `+${((c.at - r.startedAtMs) / 1000).toFixed(0)} ${c.what}`).join(', ')}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`soak: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
