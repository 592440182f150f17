// The processes a benchmark run starts — the built appliance, the bare-Aedes baseline, Debian's
// Mosquitto — and the one place that remembers everything to undo (child processes, temporary
// directories), so that Ctrl-C, an error or a normal end all leave nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../loadgen.js';
import { adminApiToken } from '../first-admin.js';

// ---- cleanup registry -----------------------------------------------------------------------

/** Synchronous undo actions, run once, newest first: safe from a signal handler or 'exit'. */
export class Cleanup {
  private readonly actions = new Map<number, { what: string; run: () => void }>();
  private nextId = 1;

  add(what: string, run: () => void): () => void {
    const id = this.nextId++;
    this.actions.set(id, { what, run });
    return () => {
      this.actions.delete(id);
    };
  }

  runAll(): string[] {
    const problems: string[] = [];
    for (const [id, a] of [...this.actions].reverse()) {
      this.actions.delete(id);
      try {
        a.run();
      } catch (e) {
        problems.push(`${a.what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return problems;
  }

  /** A temporary directory removed at cleanup (short: unix socket paths inside must stay under 108 bytes). */
  tempDir(prefix: string): { dir: string; remove: () => void } {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    const forget = this.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    return {
      dir,
      remove: () => {
        forget();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /** On Ctrl-C or SIGTERM: undo everything and exit 130, so that no child outlives the benchmark. */
  exitOnSignals(): void {
    const onSignal = (): void => {
      this.runAll();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  /** SIGKILL at cleanup unless the process has already gone. */
  killLater(what: string, pid: number): () => void {
    return this.add(`kill ${what} (${pid})`, () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    });
  }
}

// ---- managed child --------------------------------------------------------------------------

const TAIL_LINES = 60;

export interface Managed {
  proc: ChildProcess;
  pid: number;
  /** last lines of stdout + stderr, for error reports */
  tail(): string;
  /** bytes the process wrote to stderr (its log volume) */
  stderrBytes(): number;
  exited: Promise<void>;
  isRunning(): boolean;
}

function manage(cleanup: Cleanup, what: string, cmd: string, args: string[], onStdoutLine?: (line: string) => void): Managed {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${what}: could not start ${cmd}`);
  const pid = proc.pid;
  const forget = cleanup.killLater(what, pid);
  const lines: string[] = [];
  let errBytes = 0;
  let running = true;
  const keep = (text: string): void => {
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  let outBuf = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    keep(chunk);
    outBuf += chunk;
    let nl: number;
    while ((nl = outBuf.indexOf('\n')) >= 0) {
      onStdoutLine?.(outBuf.slice(0, nl));
      outBuf = outBuf.slice(nl + 1);
    }
  });
  // the pipes are always drained: a child blocked on a full stderr pipe would stall the benchmark
  const logFile = process.env.RW_BENCH_LOG;
  proc.stderr?.on('data', (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    errBytes += chunk.length;
    keep(chunk.toString('utf8'));
  });
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      running = false;
      forget();
      resolve();
    });
  });
  return { proc, pid, tail: () => lines.join('\n'), stderrBytes: () => errBytes, exited, isRunning: () => running };
}

async function waitForLine<T>(m: Managed, what: string, timeoutMs: number, match: (line: string) => T | null, lineSource: (cb: (l: string) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms:\n${m.tail()}`)), timeoutMs);
    lineSource((line) => {
      const v = match(line);
      if (v !== null) {
        clearTimeout(timer);
        resolve(v);
      }
    });
    void m.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${what} exited during start-up:\n${m.tail()}`));
    });
  });
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function terminate(m: Managed, graceMs: number): Promise<void> {
  if (!m.isRunning()) return;
  m.proc.kill('SIGTERM');
  const timer = setTimeout(() => m.proc.kill('SIGKILL'), graceMs);
  await m.exited;
  clearTimeout(timer);
}

/** Pids of the processes whose command line names `dir` (a data dir's unique temp path), this one aside. */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** Kills whatever still runs from a data dir (an rrdcached the supervisor restarted). */
export function killProcessesUsing(dir: string): void {
  for (const pid of processesUsing(dir)) killNow(pid);
}

export function killNow(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

// ---- the three targets ------------------------------------------------------------------------

export interface ApplianceStartOptions {
  /** the repository: its dist/appliance.js is started unless `binary` names another bundle */
  repoRoot?: string;
  /** the bundled appliance to start (e.g. a snapshot of dist/appliance.js) */
  binary?: string;
  dataDir: string;
  token: string;
  /** extra appliance flags, e.g. ['--max-concurrent-writes', '1024'] */
  extraArgs: readonly string[];
  /** node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir] */
  nodeArgs: readonly string[];
  /** how long to wait for "rackwatch ready" (default 60 s; a restart replays the journals first) */
  readyTimeoutMs?: number;
}

export interface StartedAppliance extends Managed {
  httpPort: number;
  mqttPort: number;
  /** an admin API token (docs/security.md): the bench reads health details, series, the stream */
  apiToken: string;
}

export function applianceBinary(repoRoot: string): string {
  return path.join(repoRoot, 'dist', 'appliance.js');
}

export async function startAppliance(cleanup: Cleanup, o: ApplianceStartOptions): Promise<StartedAppliance> {
  const binary = o.binary ?? (o.repoRoot !== undefined ? applianceBinary(o.repoRoot) : null);
  if (binary === null) throw new Error('startAppliance: give binary or repoRoot');
  const listeners: ((l: string) => void)[] = [];
  const m = manage(cleanup, 'appliance', process.execPath, [
    ...o.nodeArgs, binary,
    '--data-dir', o.dataDir, '--http-port', '0', '--mqtt-port', '0', '--mqtts-port', '0', '--https-port', '0', '--http-plain', 'serve', '--listen', '127.0.0.1',
    '--enroll-token', o.token, '--retention', 'bench',
    // every simulated agent connects from 127.0.0.1: the per-address cap would refuse all but 1,024
    '--mqtt-connections-per-address', '1000000', ...o.extraArgs,
  ], (line) => { for (const l of listeners) l(line); });
  const ready = await waitForLine(m, 'the appliance', o.readyTimeoutMs ?? 60_000, (line) => {
    const r = /^rackwatch ready (\{.*\})$/.exec(line);
    return r?.[1] ? (JSON.parse(r[1]) as { httpPort: number; mqttPort: number }) : null;
  }, (cb) => listeners.push(cb));
  const apiToken = await adminApiToken({ baseUrl: `http://127.0.0.1:${ready.httpPort}`, dataDir: o.dataDir, binary, name: 'benchmark' });
  return { ...m, httpPort: ready.httpPort, mqttPort: ready.mqttPort, apiToken };
}

export interface StartedBroker extends Managed {
  port: number;
}

export async function startBareAedes(cleanup: Cleanup, script: string): Promise<StartedBroker> {
  return startBrokerScript(cleanup, 'bare Aedes', script, [], 'bare-aedes ready');
}

/**
 * A bench broker script (bundled by run.mjs) started with `--port <port> --host 127.0.0.1` and
 * `args`, once it prints `<readyPrefix> {"port":…}`; port 0 (the default): the OS picks one.
 */
export async function startBrokerScript(cleanup: Cleanup, what: string, script: string, args: string[], readyPrefix: string, port = 0): Promise<StartedBroker> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run the benchmark through scripts/bench/run.mjs`);
  const listeners: ((l: string) => void)[] = [];
  const m = manage(cleanup, what, process.execPath, [script, '--port', String(port), '--host', '127.0.0.1', ...args], (line) => { for (const l of listeners) l(line); });
  const ready = await waitForLine(m, what, 20_000, (line) => {
    if (!line.startsWith(`${readyPrefix} `)) return null;
    return JSON.parse(line.slice(readyPrefix.length + 1)) as { port: number };
  }, (cb) => listeners.push(cb));
  return { ...m, port: ready.port };
}

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';

/** A port free on 127.0.0.1 right now (the OS picks it; the caller binds it moments later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, m: Managed, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!m.isRunning()) throw new Error(`mosquitto exited during start-up:\n${m.tail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms:\n${m.tail()}`);
}

/** Debian's mosquitto with the minimal config of the brief: one loopback listener, anonymous clients. */
export async function startMosquitto(cleanup: Cleanup, confDir: string): Promise<StartedBroker> {
  if (!existsSync(MOSQUITTO_BINARY)) throw new Error(`${MOSQUITTO_BINARY} is missing (apt-get install mosquitto)`);
  const port = await freePort();
  const conf = path.join(confDir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
  const m = manage(cleanup, 'mosquitto', MOSQUITTO_BINARY, ['-c', conf]);
  await waitForPort(port, m, 10_000);
  return { ...m, port };
}
