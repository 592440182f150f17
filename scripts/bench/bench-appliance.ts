// The built appliance under a benchmark's load (shared by ingest.ts and remote-write-e2e.ts): the
// bundle snapshotted once per run, agents enrolled once into a template database kept between
// runs (each run copies it into a fresh data dir and keeps only its own agents), the health
// counters, the warm-up's drain of the agents' backlog, waiting for a quiet machine, and the stop.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';
import type { HealthResponse } from '../../contract/api.js';
import { enrollAgents, readIdentityCache, sleep, type AgentIdentity, type LoadGenerator } from '../loadgen.js';
import { authorization, type ApiTarget } from './read-back.js';
import { killNow, killProcessesUsing, startAppliance, terminate, type Cleanup, type Managed, type StartedAppliance } from './processes.js';
import { machineBusySeconds } from './proc-stats.js';
import { fmt } from './report.js';

export const BENCH_TOKEN = 'rackwatch-bench-token';

export interface EnrollmentPlace {
  /** identities + template database, kept between runs (var/bench) */
  benchDir: string;
  repoRoot: string;
  /** the appliance bundle that enrolls them */
  applianceBinary: string;
  cleanup: Cleanup;
  log: (line: string) => void;
}

export function templateDbDir(benchDir: string): string {
  return path.join(benchDir, 'template', 'db');
}

/**
 * At least `count` agents enrolled in the template database, enrolling the missing ones through
 * the real API once; later runs copy that database into their fresh data dir, so a re-run skips
 * enrollment. Returns every cached identity (possibly more than `count`).
 */
export async function ensureIdentities(p: EnrollmentPlace, count: number): Promise<AgentIdentity[]> {
  const cacheFile = path.join(p.benchDir, 'identities.json');
  const templateDir = path.join(p.benchDir, 'template');
  const dbFile = path.join(templateDbDir(p.benchDir), 'rackwatch.sqlite');
  let cached = await readIdentityCache(cacheFile);
  if (cached.length > 0 && !existsSync(dbFile)) {
    // identities without the database that knows them are useless
    rmSync(cacheFile, { force: true });
    cached = [];
  }
  if (cached.length >= count) return cached;
  if (cached.length === 0) rmSync(templateDir, { recursive: true, force: true });
  mkdirSync(templateDir, { recursive: true });
  p.log(`enrolling ${fmt(count - cached.length)} agents through POST /api/v1/enroll (once: kept in ${path.relative(p.repoRoot, p.benchDir) || p.benchDir})`);
  const t0 = performance.now();
  const app = await startAppliance(p.cleanup, { binary: p.applianceBinary, dataDir: templateDir, token: BENCH_TOKEN, extraArgs: ['--log-level', 'warn'], nodeArgs: [] });
  try {
    await enrollAgents({
      httpUrl: `http://127.0.0.1:${app.httpPort}`, token: BENCH_TOKEN, count, concurrency: 32, cacheFile,
      progress: (done, total) => { if (done % 2000 === 0) p.log(`  enrolled ${fmt(done)}/${fmt(total)}`); },
    });
  } finally {
    // a clean stop checkpoints SQLite's WAL into the file that later runs copy
    await terminate(app, 30_000);
  }
  const identities = await readIdentityCache(cacheFile);
  p.log(`  ${fmt(identities.length)} agents enrolled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return identities;
}

/**
 * Leaves only this run's agents enrolled in a run's copy of the template database: an
 * appliance with 10,000 agents enrolled but 1,000 connected is not the 1,000-agent appliance
 * (whatever walks all enrolled agents would be charged for the other 9,000). better-sqlite3 is
 * loaded from the repository's node_modules: the bundled benchmark runs from a temporary
 * directory and leaves native addons out of the bundle.
 */
export function keepOnlyAgents(repoRoot: string, dbFile: string, ids: readonly AgentIdentity[]): void {
  const Database = createRequire(path.join(repoRoot, 'package.json'))('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(dbFile);
  try {
    db.exec('CREATE TEMP TABLE keep (id TEXT PRIMARY KEY)');
    const add = db.prepare('INSERT INTO keep (id) VALUES (?)');
    db.transaction(() => { for (const id of ids) add.run(id.agentId); })();
    db.exec('DELETE FROM agents WHERE id NOT IN (SELECT id FROM keep)');
  } finally {
    db.close();
  }
}

export interface AgentsApplianceOptions {
  cleanup: Cleanup;
  repoRoot: string;
  /** holds the template database (ensureIdentities) */
  benchDir: string;
  /** the run's fresh data dir */
  dataDir: string;
  /** this run's agents: the only ones left enrolled */
  ids: readonly AgentIdentity[];
  binary: string;
  extraArgs: string[];
  nodeArgs: string[];
}

/**
 * The built appliance with the simulated agents enrolled (the template database copied into a
 * fresh data dir, only this run's agents kept), started, its rrdcached killed with the run.
 */
export async function startApplianceWithAgents(o: AgentsApplianceOptions): Promise<{ app: StartedAppliance; rrdPid: number | null }> {
  cpSync(templateDbDir(o.benchDir), path.join(o.dataDir, 'db'), { recursive: true });
  keepOnlyAgents(o.repoRoot, path.join(o.dataDir, 'db', 'rackwatch.sqlite'), o.ids);
  const app = await startAppliance(o.cleanup, { binary: o.binary, dataDir: o.dataDir, token: BENCH_TOKEN, extraArgs: o.extraArgs, nodeArgs: o.nodeArgs });
  const rrdPid = (await getHealth(app)).rrdcached.pid;
  if (rrdPid !== null) o.cleanup.killLater('rrdcached', rrdPid);
  return { app, rrdPid };
}

/** The appliance's HTTP API as its admin (the health details and the series need a signed-in caller). */
export async function getHealth(api: ApiTarget): Promise<HealthResponse> {
  const res = await fetch(`http://127.0.0.1:${api.httpPort}/api/v1/health`, { headers: authorization(api), signal: AbortSignal.timeout(10_000) });
  // 503 (degraded) still carries the counters
  return (await res.json()) as HealthResponse;
}

/**
 * This machine may be shared (other sessions build and test here): before a run, wait up to
 * maxS for everything else to use less than thresholdPct of one core, measured over 2 s. The
 * benchmark's own processes are all stopped at this point, so all of it is someone else's.
 */
export async function waitForQuiet(maxS: number, thresholdPct: number): Promise<{ waitedS: number; busyPct: number | null }> {
  const t0 = performance.now();
  let busyPct: number | null = null;
  for (;;) {
    const a = machineBusySeconds();
    const self0 = process.cpuUsage();
    await sleep(2000);
    const b = machineBusySeconds();
    const self = process.cpuUsage(self0);
    if (a === null || b === null) return { waitedS: 0, busyPct: null };
    busyPct = Math.max(0, (100 * (b - a - (self.user + self.system) / 1e6)) / 2);
    const waitedS = (performance.now() - t0) / 1000;
    if (busyPct < thresholdPct || waitedS >= maxS) return { waitedS, busyPct };
  }
}

/** the warm-up ends when the agents' backlog has not reached a new low for this long */
const WARMUP_FLAT_MS = 60_000;

/**
 * After the first full round (which creates the appliance's RRD files): waits until the queue
 * that built up meanwhile has drained from the agents, so that it is not acknowledged inside the
 * window and inflates its rate; under overload it never does, which is seen as "no longer
 * shrinking" over a span longer than a hiccup (rrdcached's first write of thousands of new files
 * stalls the drain for seconds without ending it).
 */
export async function drainWarmupBacklog(g: LoadGenerator, agents: number, deadlineMs: number, log: (line: string) => void): Promise<void> {
  // queued in the agents or in flight: both would be acknowledged inside the window
  const waiting = (): number => { const x = g.snapshot(); return x.deferred + x.inflight; };
  let best = waiting();
  let bestAt = performance.now();
  let loggedAt = performance.now();
  while (performance.now() < deadlineMs) {
    await sleep(250);
    const d = waiting();
    if (d <= Math.max(10, agents / 100)) break;
    if (d < best) {
      best = d;
      bestAt = performance.now();
    } else if (performance.now() - bestAt > WARMUP_FLAT_MS) {
      break;
    }
    if (performance.now() - loggedAt > 30_000) {
      loggedAt = performance.now();
      log(`  warm-up: ${fmt(d)} batches queued or in flight in the agents`);
    }
  }
}

/**
 * Stops a benchmark's appliance at once. The data dir is thrown away, so rrdcached is not asked
 * to flush: with -F it would first write every pending update into tens of thousands of files,
 * which takes minutes. `graceful`: SIGTERM (a CPU profile is written only on a normal exit).
 */
export async function stopBenchAppliance(app: Managed, rrdPid: number | null, dataDir: string, graceful: boolean): Promise<void> {
  killNow(rrdPid);
  if (graceful) {
    await terminate(app, 30_000);
  } else {
    killNow(app.pid);
    await app.exited;
  }
  // an rrdcached the supervisor restarted in between
  killProcessesUsing(dataDir);
}

export interface ApplianceSnapshot {
  file: string;
  source: string;
  sha256: string;
  builtAt: string;
  gitHead: string;
  /** files changed in the working tree against HEAD when the benchmark started */
  gitChangedFiles: number;
}

/**
 * Copies the appliance bundle once, so that every run of a benchmark measures the same build
 * even when dist/ is rebuilt meanwhile (npm test rebuilds it). The copy stays inside the
 * repository (var/bench/) so that its external modules (better-sqlite3) still resolve from
 * node_modules.
 */
export function snapshotAppliance(opts: { appliance: string; benchDir: string }, repoRoot: string, name = 'appliance-under-test.js'): ApplianceSnapshot {
  if (!existsSync(opts.appliance)) throw new Error(`${opts.appliance} is missing: build it first (node scripts/build.mjs)`);
  mkdirSync(opts.benchDir, { recursive: true });
  const file = path.join(opts.benchDir, name);
  copyFileSync(opts.appliance, file);
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const fromThisTree = path.resolve(opts.appliance) === path.join(repoRoot, 'dist', 'appliance.js');
  return {
    file,
    source: opts.appliance,
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    builtAt: statSync(opts.appliance).mtime.toISOString(),
    gitHead: fromThisTree ? git(['rev-parse', '--short', 'HEAD']) : '',
    gitChangedFiles: fromThisTree ? git(['status', '--porcelain']).split('\n').filter(Boolean).length : 0,
  };
}
