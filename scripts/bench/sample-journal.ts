// What the sample journal costs (RES, S19): the built appliance with `--sample-journal on` next to
// the baseline `--sample-journal off`, measured in the same run with the same load, alternately:
//
//   paced     N agents at their interval (default 1,000 at 5 s): CPU per message, PUBACK latency
//             (publish → acknowledgement, which now waits for the fdatasync), and bytes written
//             to the disk per second (the SD card's wear), scaled to 1,000 agents;
//   flat out  fewer agents with a deep backlog each (as after an outage), publishing as fast as
//             the acknowledgements come: the throughput the appliance sustains, and CPU per message.
//
// Bytes written are the kernel's per-process write_bytes (/proc/<pid>/io: pages this process
// dirtied, which is what writeback sends to the card), for the appliance and its rrdcached; the
// data directory is under the system's temporary directory, which must be a real disk (fdatasync
// on tmpfs costs nothing).
//
// The journal is measured with two gathering windows: 5 ms (on) and 20 ms (on20, the default).
//
//   node scripts/bench/run.mjs scripts/bench/sample-journal.ts            (~10 min)
//   node scripts/bench/run.mjs scripts/bench/sample-journal.ts --help
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { enrollAgents, LoadGenerator, readIdentityCache, SAMPLES_PER_BATCH, sleep, type AgentIdentity } from '../loadgen.js';
import { percentile } from './percentile.js';
import { Cleanup, startAppliance, terminate } from './processes.js';
import { cpuSeconds } from './proc-stats.js';

const TOKEN = 'rackwatch-bench-token';
/** on: the journal with a 5 ms gathering window; on20: with 20 ms, the default (fewer fdatasyncs, fewer page rewrites) */
type Mode = 'off' | 'on' | 'on20';
const MODE_ARGS: Record<Mode, string[]> = {
  off: ['--sample-journal', 'off'],
  on: ['--sample-journal', 'on', '--sample-journal-commit-ms', '5'],
  on20: ['--sample-journal', 'on', '--sample-journal-commit-ms', '20'],
};

const HELP = `Usage: node scripts/bench/run.mjs scripts/bench/sample-journal.ts [options]

  --agents N          paced agents (default 1000)
  --interval S        their interval (default 5)
  --flat-agents N     flat-out agents (default 200)
  --backlog R         rounds each flat-out agent has queued at start (default 400)
  --window S          measured seconds of each run (default 20)
  --loads LIST        which loads to run: paced,flat (default both)
  --repeats K         rounds of off, on (5 ms gathering), on20 (20 ms) for each load (default 2; the order alternates)
  --bench-dir DIR     enrolled identities + template database (default var/bench/sample-journal)
  --results FILE      JSON results (default <bench-dir>/results.json)`;

interface RunResult {
  mode: Mode;
  load: 'paced' | 'flat';
  agents: number;
  windowS: number;
  ackedPerS: number;
  /** appliance + rrdcached CPU ms per acknowledged message */
  cpuMsPerMsg: number;
  applianceCpuPct: number;
  rrdcachedCpuPct: number;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  /** bytes/s the appliance (journal, SQLite…) and rrdcached dirtied */
  applianceWriteBps: number;
  rrdcachedWriteBps: number;
}

function writeBytes(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const m = /^write_bytes:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m?.[1] ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function ensureEnrolled(cleanup: Cleanup, benchDir: string, count: number, appliance: string): Promise<AgentIdentity[]> {
  const cacheFile = path.join(benchDir, 'identities.json');
  const templateDir = path.join(benchDir, 'template');
  let ids = existsSync(path.join(templateDir, 'db', 'rackwatch.sqlite')) ? await readIdentityCache(cacheFile) : [];
  if (ids.length >= count) return ids;
  if (ids.length === 0) {
    rmSync(cacheFile, { force: true });
    rmSync(templateDir, { recursive: true, force: true });
  }
  mkdirSync(templateDir, { recursive: true });
  process.stdout.write(`enrolling ${count - ids.length} agents (once; kept in ${benchDir})\n`);
  const app = await startAppliance(cleanup, { binary: appliance, dataDir: templateDir, token: TOKEN, extraArgs: ['--log-level', 'warn'], nodeArgs: [] });
  try {
    await enrollAgents({ httpUrl: `http://127.0.0.1:${app.httpPort}`, token: TOKEN, count, concurrency: 16, cacheFile });
  } finally {
    // a clean stop checkpoints SQLite's WAL into the file the runs copy
    await terminate(app, 30_000);
  }
  ids = await readIdentityCache(cacheFile);
  return ids;
}

async function runOne(cleanup: Cleanup, o: { appliance: string; benchDir: string; ids: AgentIdentity[]; mode: Mode; load: 'paced' | 'flat'; intervalS: number; backlog: number; windowS: number }): Promise<RunResult> {
  const tmp = cleanup.tempDir('rw-bj-');
  cpSync(path.join(o.benchDir, 'template', 'db'), path.join(tmp.dir, 'db'), { recursive: true });
  const app = await startAppliance(cleanup, {
    binary: o.appliance, dataDir: tmp.dir, token: TOKEN, extraArgs: ['--log-level', 'warn', ...MODE_ARGS[o.mode]], nodeArgs: [],
  });
  const rrdPid = Number(readFileSync(path.join(tmp.dir, 'run', 'rrdcached.pid'), 'utf8').trim());
  cleanup.killLater('rrdcached', rrdPid);
  // an agent's acknowledgements come in the order it sent: one FIFO of send times per agent
  const sentAt: number[][] = o.ids.map(() => []);
  const latencies: number[] = [];
  let measuring = false;
  const gen = new LoadGenerator({
    host: '127.0.0.1', port: app.mqttPort, agents: o.ids, intervalS: o.intervalS, maxInflight: 1, keepaliveS: 30,
    connectConcurrency: 64, connectTimeoutMs: 15_000, announce: false, credentials: true, initialBacklogRounds: o.backlog,
    hooks: {
      onMetricsSent: (i, _t, atMs) => sentAt[i]?.push(atMs),
      onMetricsAcked: (i, atMs) => {
        const at = sentAt[i]?.shift();
        if (measuring && at !== undefined) latencies.push(atMs - at);
      },
    },
  });
  try {
    await gen.connectAll();
    gen.startSchedule();
    // warm-up: every agent's files made (template copies), two rounds acknowledged, and for the
    // paced load the catch-up after connecting done (nothing queued in the agents): the window
    // measures the steady state
    const warmDeadline = Date.now() + 180_000;
    const warm = (): boolean => {
      const snap = gen.snapshot();
      // a round or two is always between being sampled and being sent: "caught up" is a few per cent of the agents
      return snap.metricsAcked >= o.ids.length * 2 && (o.backlog > 0 || snap.deferred <= Math.ceil(o.ids.length / 20));
    };
    while (!warm() && Date.now() < warmDeadline) await sleep(200);
    if (!warm()) process.stdout.write(`  (warm-up incomplete after 180 s: ${gen.snapshot().deferred} rounds still queued in the agents)\n`);
    const pid = app.pid;
    const before = { t: performance.now(), acked: gen.snapshot().metricsAcked, app: cpuSeconds(pid) ?? 0, rrd: cpuSeconds(rrdPid) ?? 0, appW: writeBytes(pid), rrdW: writeBytes(rrdPid) };
    measuring = true;
    await sleep(o.windowS * 1000);
    measuring = false;
    const after = { t: performance.now(), acked: gen.snapshot().metricsAcked, app: cpuSeconds(pid) ?? 0, rrd: cpuSeconds(rrdPid) ?? 0, appW: writeBytes(pid), rrdW: writeBytes(rrdPid) };
    const s = (after.t - before.t) / 1000;
    const acked = after.acked - before.acked;
    latencies.sort((a, b) => a - b);
    return {
      mode: o.mode, load: o.load, agents: o.ids.length, windowS: s,
      ackedPerS: acked / s,
      cpuMsPerMsg: acked > 0 ? ((after.app - before.app + after.rrd - before.rrd) * 1000) / acked : NaN,
      applianceCpuPct: ((after.app - before.app) / s) * 100,
      rrdcachedCpuPct: ((after.rrd - before.rrd) / s) * 100,
      ackP50Ms: latencies.length ? percentile(latencies, 0.5) : null,
      ackP99Ms: latencies.length ? percentile(latencies, 0.99) : null,
      applianceWriteBps: (after.appW - before.appW) / s,
      rrdcachedWriteBps: (after.rrdW - before.rrdW) / s,
    };
  } finally {
    gen.hold();
    await gen.stop();
    await terminate(app, 60_000);
    tmp.remove();
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '1000' },
      interval: { type: 'string', default: '5' },
      'flat-agents': { type: 'string', default: '200' },
      backlog: { type: 'string', default: '400' },
      window: { type: 'string', default: '20' },
      repeats: { type: 'string', default: '2' },
      loads: { type: 'string', default: 'paced,flat' },
      'bench-dir': { type: 'string', default: path.join(process.env.RW_REPO_ROOT ?? process.cwd(), 'var', 'bench', 'sample-journal') },
      results: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
  const appliance = path.join(repoRoot, 'dist', 'appliance.js');
  const benchDir = path.resolve(values['bench-dir']);
  const agents = Number(values.agents);
  const flatAgents = Number(values['flat-agents']);
  const intervalS = Number(values.interval);
  const windowS = Number(values.window);
  const repeats = Number(values.repeats);
  const cleanup = new Cleanup();
  cleanup.exitOnSignals();
  try {
    const ids = await ensureEnrolled(cleanup, benchDir, Math.max(agents, flatAgents), appliance);
    const results: RunResult[] = [];
    for (let r = 0; r < repeats; r++) {
      const order: Mode[] = r % 2 === 0 ? ['off', 'on', 'on20'] : ['on20', 'on', 'off'];
      for (const mode of order) {
        const loads = ([['paced', agents, 0], ['flat', flatAgents, Number(values.backlog)]] as const).filter(([load]) => values.loads.split(',').includes(load));
        for (const [load, n, backlog] of loads) {
          const res = await runOne(cleanup, { appliance, benchDir, ids: ids.slice(0, n), mode, load, intervalS, backlog, windowS });
          results.push(res);
          process.stdout.write(`${load.padEnd(5)} journal ${mode.padEnd(3)}: ${res.ackedPerS.toFixed(0)} msg/s, ${res.cpuMsPerMsg.toFixed(3)} ms CPU/msg (appliance ${res.applianceCpuPct.toFixed(0)} %, rrdcached ${res.rrdcachedCpuPct.toFixed(0)} %), ack p50 ${res.ackP50Ms?.toFixed(1)} ms p99 ${res.ackP99Ms?.toFixed(1)} ms, appliance writes ${(res.applianceWriteBps / 1024).toFixed(0)} KiB/s, rrdcached ${(res.rrdcachedWriteBps / 1024).toFixed(0)} KiB/s\n`);
        }
      }
    }
    const pick = (load: string, mode: Mode, f: (r: RunResult) => number | null): number => mean(results.filter((r) => r.load === load && r.mode === mode).map((r) => f(r) ?? NaN));
    const row = (label: string, load: string, f: (r: RunResult) => number | null, digits: number): string => {
      const off = pick(load, 'off', f);
      const on = pick(load, 'on', f);
      const on20 = pick(load, 'on20', f);
      return `| ${label} | ${off.toFixed(digits)} | ${on.toFixed(digits)} | ${(on / off).toFixed(2)} | ${on20.toFixed(digits)} | ${(on20 / off).toFixed(2)} |`;
    };
    const per1000 = (r: RunResult): number => ((r.applianceWriteBps + r.rrdcachedWriteBps) / r.agents) * 1000 / 1024;
    const lines = [
      `samples per message: ${SAMPLES_PER_BATCH}; paced: ${agents} agents at ${intervalS} s; flat out: ${flatAgents} agents, ${values.backlog} rounds queued each; ${windowS} s windows, ${repeats} pair(s), mean`,
      '',
      '| | journal off (baseline) | journal on, 5 ms window | on / off | journal on, 20 ms (default) | on20 / off |',
      '|---|---|---|---|---|---|',
      row('flat out: acknowledged msg/s', 'flat', (r) => r.ackedPerS, 0),
      row('flat out: CPU ms per message (appliance + rrdcached)', 'flat', (r) => r.cpuMsPerMsg, 3),
      row('paced: CPU ms per message (appliance + rrdcached)', 'paced', (r) => r.cpuMsPerMsg, 3),
      row('paced: PUBACK latency p50, ms', 'paced', (r) => r.ackP50Ms, 1),
      row('paced: PUBACK latency p99, ms', 'paced', (r) => r.ackP99Ms, 1),
      row('paced: KiB written per second per 1,000 agents (appliance + rrdcached)', 'paced', per1000, 0),
    ];
    process.stdout.write('\n' + lines.join('\n') + '\n');
    const resultsFile = values.results ?? path.join(benchDir, 'results.json');
    writeFileSync(resultsFile, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
    process.stdout.write(`results: ${resultsFile}\n`);
    return 0;
  } finally {
    const problems = cleanup.runAll();
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`sample-journal bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
