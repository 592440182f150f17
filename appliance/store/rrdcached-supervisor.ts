// Runs rrdcached as a supervised child process (D2): spawns it in the foreground with its journal
// and socket under the data directory, connects a client, restarts it with exponential backoff
// when it dies, and stops it cleanly (flush, SIGTERM, SIGKILL after a timeout).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { RwError } from '../../contract/errors.js';
import { stopOrphan, tiedToParent } from '../../core/child-lifetime.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { RrdcachedClient } from './rrdcached-client.js';
import { assertSocketPathFits, connectUnixSocket } from './rrdcached-socket.js';

export interface RrdcachedPaths {
  /** -b: RRD files live here; clients name files relative to it */
  rrdDir: string;
  runDir: string;
  socketPath: string;
  pidFile: string;
  /** -j */
  journalDir: string;
}

export function rrdcachedPaths(dataDir: string): RrdcachedPaths {
  const runDir = path.join(dataDir, 'run');
  return {
    rrdDir: path.join(dataDir, 'rrd'),
    runDir,
    socketPath: path.join(runDir, 'rrdcached.sock'),
    pidFile: path.join(runDir, 'rrdcached.pid'),
    journalDir: path.join(dataDir, 'journal'),
  };
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** Delay before restart number `attempt` (0-based) of a daemon that keeps failing. */
export function restartDelayMs(attempt: number, opts: BackoffOptions): number {
  return Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt));
}

export interface RrdcachedSupervisorDeps {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** rrdcached executable; default `rrdcached` from PATH */
  binary?: string;
  /**
   * -w, seconds a file's updates stay in memory (and the journal) before being written. The SD
   * card sees one write per file per interval instead of one per sample. Default 300.
   */
  writeIntervalS?: number;
  /**
   * -z, random extra delay per file, seconds, so that files are not all written at once. Default
   * writeIntervalS: files that got their first value together (every agent reconnecting after a
   * restart, or enrolling at once) are written spread over a whole interval. With a tenth of it,
   * 10,000 agents' 120,000 files were written within ~30 s every five minutes, and rrdcached took
   * 60 % of a core meanwhile (the ingest benchmark fell behind whenever its window met that wave).
   */
  writeJitterS?: number;
  /**
   * -f, seconds between rrdcached's scans for files whose updates stopped coming (an agent gone
   * quiet): without a scan their last updates stay in its memory; rrdcached's own default is an
   * hour. With it, an update is in the RRD file (unsynced) within -w + -z + -f of being taken,
   * which is how long the store's sample journal keeps it (docs/storage.md "Power cut").
   * Default 60.
   */
  flushIntervalS?: number;
  /** default 0.2 s doubling to 10 s */
  backoff?: BackoffOptions;
  /** the daemon must answer PING this soon after spawn (journal replay included); default 30 s */
  readyTimeoutMs?: number;
  /**
   * A daemon that leaves a PING unanswered this long is hung (a stalled disk, SIGSTOP) and is
   * killed and restarted: its journal and the store's re-sent tail keep what it had taken, and
   * waiting writers get through again. Default 60 s; a PING waits behind queued commands, so
   * this must be far above the time a full pipeline takes to drain.
   */
  hangTimeoutMs?: number;
  /** how often the watchdog PINGs; default 5 s */
  watchdogIntervalMs?: number;
  /**
   * RES: a PING unanswered this long makes health say "rrdcached not answering" (and series reads
   * fail at once with RW_ERR_RRDCACHED_DOWN) while the watchdog waits out hangTimeoutMs before the
   * restart. Default 10 s: far above a PING's wait behind a busy pipeline, far below a minute.
   */
  unansweredMs?: number;
  /** RES: told when the daemon stops answering (false) and when it answers again (true), for the fault alert */
  onAnswering?: (answering: boolean) => void;
  /** SIGTERM → SIGKILL; -F writes every pending update on shutdown, which takes a while on an SD card; default 30 s */
  stopTimeoutMs?: number;
  /**
   * Runs on every new connection before the daemon is reported up, so that whatever must reach
   * rrdcached first (the store's re-sent tail) goes ahead of waiting writers.
   */
  onConnected?: (client: RrdcachedClient, info: { restarted: boolean }) => Promise<void>;
}

export interface RrdcachedHealth {
  ok: boolean;
  /** false while a PING has been unanswered past unansweredMs (RES); absent when unknown */
  answering?: boolean;
  restarts: number;
  pid: number | null;
}

type State = 'stopped' | 'starting' | 'up' | 'down' | 'stopping';

interface Waiter {
  resolve: (c: RrdcachedClient) => void;
  reject: (e: RwError) => void;
  timer: unknown;
}

const CONNECT_RETRY_MS = 50;
/** a daemon that stayed up this long is healthy again: the next failure restarts it quickly */
const STABLE_AFTER_MS = 30_000;
const STDERR_TAIL_LINES = 10;
const FLUSHALL_TIMEOUT_MS = 5_000;
const DEFAULT_FLUSH_INTERVAL_S = 60;

export class RrdcachedSupervisor {
  readonly paths: RrdcachedPaths;
  private state: State = 'stopped';
  private child: ChildProcess | null = null;
  private childExited: Promise<void> = Promise.resolve();
  private clientConn: RrdcachedClient | null = null;
  private restarts = 0;
  private failures = 0;
  private upSince = 0;
  private watchdogTimer: unknown = null;
  /** when the watchdog's outstanding PING was sent (null: none outstanding) */
  private pingSentAt: number | null = null;
  private unansweredTimer: unknown = null;
  /** what onAnswering was last told */
  private reportedAnswering = true;
  /** false until the first start succeeded: a failing first start is start()'s error, not a restart */
  private everUp = false;
  private restartTimer: unknown = null;
  /** bumps on every spawn, exit and stop: a connect loop of an older generation gives up */
  private generation = 0;
  private readonly waiters = new Set<Waiter>();
  /** short retry sleeps; stop() cuts them short so that no timer outlives it */
  private readonly sleeps = new Map<unknown, () => void>();
  private stderrTail: string[] = [];
  private readonly log: Logger;
  private readonly backoff: BackoffOptions;
  private readonly writeIntervalS: number;
  private readonly writeJitterS: number;
  readonly flushIntervalS: number;

  constructor(private readonly deps: RrdcachedSupervisorDeps) {
    this.paths = rrdcachedPaths(deps.dataDir);
    this.log = deps.logger.child('rrdcached');
    this.backoff = deps.backoff ?? { initialMs: 200, maxMs: 10_000 };
    this.writeIntervalS = deps.writeIntervalS ?? 300;
    this.writeJitterS = deps.writeJitterS ?? this.writeIntervalS;
    this.flushIntervalS = deps.flushIntervalS ?? DEFAULT_FLUSH_INTERVAL_S;
  }

  /** At most this long after rrdcached took an update it has written it to the RRD file (not synced): -w + -z + -f. */
  get maxUnwrittenS(): number {
    return this.writeIntervalS + this.writeJitterS + this.flushIntervalS;
  }

  /** Spawns rrdcached and resolves once it answers; rejects (and leaves nothing running) if the first start fails. */
  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new RwError('RW_ERR_INTERNAL', 'rrdcached supervisor already started');
    assertSocketPathFits(this.paths.socketPath);
    if (this.writeJitterS > this.writeIntervalS) {
      throw new RwError('RW_ERR_CONFIG', `rrdcached write jitter (${this.writeJitterS} s) must not exceed the write interval (${this.writeIntervalS} s)`);
    }
    for (const dir of [this.paths.rrdDir, this.paths.runDir, this.paths.journalDir]) await mkdir(dir, { recursive: true });
    await this.stopOrphan();
    this.state = 'starting';
    const gen = this.spawnChild();
    const ok = await this.connect(gen, false);
    if (!ok) {
      await this.stop();
      const why = this.stderrTail.join(' | ') || 'no output';
      throw new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached did not start (${why})`);
    }
  }

  /** The connected client, waiting for a (re)start up to timeoutMs; rejects with RW_ERR_RRDCACHED_DOWN. */
  whenUp(timeoutMs: number): Promise<RrdcachedClient> {
    if (this.state === 'up' && this.clientConn && !this.clientConn.closed) return Promise.resolve(this.clientConn);
    if (this.state === 'stopped' || this.state === 'stopping') {
      return Promise.reject(new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached is stopped'));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: this.deps.clock.setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached did not come back within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  health(): RrdcachedHealth {
    const answering = this.answering();
    return { ok: this.state === 'up' && answering, answering, restarts: this.restarts, pid: this.child?.pid ?? null };
  }

  /** False while the watchdog's PING has waited past unansweredMs (RES): reads fail fast instead of hanging. */
  answering(): boolean {
    const answering = this.pingSentAt === null || this.deps.clock.now() - this.pingSentAt < this.unansweredMs;
    // whoever sees it first (health, a read, the timer) reports it: the fault alert is never
    // behind what health already says
    if (!answering) this.tellAnswering(false);
    return answering;
  }

  private get unansweredMs(): number {
    return this.deps.unansweredMs ?? 10_000;
  }

  private tellAnswering(answering: boolean): void {
    if (answering === this.reportedAnswering) return;
    this.reportedAnswering = answering;
    if (!answering) this.log.error('rrdcached does not answer PING: health is degraded until it does or is restarted', { unansweredMs: this.unansweredMs });
    try {
      this.deps.onAnswering?.(answering);
    } catch (e) {
      this.log.error('onAnswering failed', { err: e });
    }
  }

  /**
   * FLUSHALL, SIGTERM (rrdcached -F then writes everything), SIGKILL if it takes longer than
   * stopTimeoutMs. Resolves true when the daemon exited by itself after SIGTERM (every update it
   * had is in the RRD files, not yet synced), false when it had to be killed or was not running.
   */
  async stop(): Promise<boolean> {
    if (this.state === 'stopped') return false;
    this.state = 'stopping';
    this.generation++;
    if (this.restartTimer !== null) this.deps.clock.clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.stopWatchdog();
    for (const [timer, wake] of this.sleeps) {
      this.deps.clock.clearTimeout(timer);
      wake();
    }
    this.sleeps.clear();
    this.rejectWaiters(new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached is stopping'));
    const client = this.clientConn;
    this.clientConn = null;
    if (client && !client.closed) {
      try {
        // FLUSHALL only starts the writes and answers at once; a hung daemon must not hang stop()
        await withTimeout(client.flushAll(), FLUSHALL_TIMEOUT_MS, this.deps.clock);
      } catch (e) {
        this.log.warn('FLUSHALL before stop failed; SIGTERM flushes anyway', { error: e });
      }
      client.close();
    }
    const child = this.child;
    let clean = false;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timeoutMs = this.deps.stopTimeoutMs ?? 30_000;
      let timer: unknown = null;
      const timedOut = await Promise.race([
        this.childExited.then(() => false),
        new Promise<boolean>((r) => { timer = this.deps.clock.setTimeout(() => r(true), timeoutMs); }),
      ]);
      this.deps.clock.clearTimeout(timer);
      if (timedOut) {
        this.log.error('rrdcached did not exit after SIGTERM; killing it: pending updates stay in the journal', { timeoutMs });
        child.kill('SIGKILL');
        await this.childExited;
      } else {
        clean = child.exitCode === 0;
      }
    }
    this.child = null;
    this.state = 'stopped';
    return clean;
  }

  private spawnChild(): number {
    const gen = ++this.generation;
    const p = this.paths;
    // Order matters: -m applies to the -l that follows it.
    const args = [
      '-g', // foreground: we are its supervisor
      '-m', '0600', '-l', `unix:${p.socketPath}`,
      '-p', p.pidFile,
      '-j', p.journalDir,
      '-b', p.rrdDir, '-B', // clients may only touch files under -b
      '-R', // …in subdirectories too (one per agent)
      '-F', // write every pending update on SIGTERM, then remove the journal
      '-O', // CREATE never overwrites, whatever the client asks
      '-w', String(this.writeIntervalS),
      '-z', String(this.writeJitterS),
      '-f', String(this.flushIntervalS),
    ];
    const binary = this.deps.binary ?? 'rrdcached';
    this.stderrTail = [];
    // its own process group: a Ctrl-C in the terminal (SIGINT to the foreground group) reaches the
    // appliance, which flushes and stops rrdcached in order; rrdcached must not die first and drop
    // the FLUSHALL. If the appliance dies (SIGKILL) rrdcached gets SIGTERM, and -F writes
    // everything before it exits (core/child-lifetime.ts); one still running is found by its pid
    // file on restart.
    const run = tiedToParent(binary, args, 'TERM');
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    let exited!: () => void;
    this.childExited = new Promise((r) => { exited = r; });
    let done = false;
    const onGone = (code: number | null, signal: NodeJS.Signals | null, err?: Error): void => {
      if (done) return;
      done = true;
      exited();
      this.onChildGone(child, code, signal, err);
    };
    child.on('error', (err) => onGone(null, null, err));
    child.on('exit', (code, signal) => onGone(code, signal));
    const onOutput = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        const text = line.trim();
        if (!text) continue;
        this.stderrTail.push(text);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        this.log.info(text, { pid: child.pid });
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    // output can still arrive after 'exit' (its last words are the useful ones); 'close' is the end
    child.once('close', () => {
      child.stdout?.off('data', onOutput);
      child.stderr?.off('data', onOutput);
    });
    this.log.info('rrdcached started', { pid: child.pid, writeIntervalS: this.writeIntervalS });
    return gen;
  }

  private onChildGone(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.child !== child) return;
    this.child = null;
    this.stderrTail.push(err ? `cannot run ${this.deps.binary ?? 'rrdcached'}: ${err.message}` : `exited with ${signal ?? `code ${code}`}`);
    this.stopWatchdog();
    const client = this.clientConn;
    this.clientConn = null; // first, so that the close below is not taken for a lost connection
    client?.close();
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.generation++;
    const wasUp = this.state === 'up';
    this.state = 'down';
    if (!this.everUp) return;
    if (wasUp && this.deps.clock.now() - this.upSince >= STABLE_AFTER_MS) this.failures = 0;
    const delay = restartDelayMs(this.failures++, this.backoff);
    this.restarts++;
    this.log.error('rrdcached exited; restarting', {
      code, signal, error: err, restarts: this.restarts, delayMs: delay, lastOutput: this.stderrTail.slice(-3),
    });
    this.restartTimer = this.deps.clock.setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'down') return;
      this.state = 'starting';
      const gen = this.spawnChild();
      void this.connect(gen, true);
    }, delay);
  }

  /**
   * Connects to a freshly spawned (or still running) daemon: retries until the socket accepts,
   * PINGs, runs onConnected, then reports up. Resolves false if this generation was superseded
   * or the daemon never answered (then it is killed, and the exit handler restarts it).
   */
  private async connect(gen: number, restarted: boolean): Promise<boolean> {
    const deadline = this.deps.clock.now() + (this.deps.readyTimeoutMs ?? 30_000);
    while (gen === this.generation) {
      let client: RrdcachedClient | null = null;
      try {
        client = new RrdcachedClient(await connectUnixSocket(this.paths.socketPath));
        if (gen !== this.generation) {
          client.close();
          return false;
        }
        await client.ping();
        await this.deps.onConnected?.(client, { restarted });
        if (gen !== this.generation || client.closed) {
          client.close();
          if (gen !== this.generation) return false;
          throw new RwError('RW_ERR_RRDCACHED_DOWN', 'connection lost while preparing it');
        }
        this.clientConn = client;
        this.state = 'up';
        this.everUp = true;
        this.upSince = this.deps.clock.now();
        const connected = client;
        connected.onClose((why) => this.onClientClosed(connected, why));
        this.log.info(restarted ? 'rrdcached is back' : 'rrdcached is up', { pid: this.child?.pid, restarts: this.restarts });
        this.tellAnswering(true);
        this.startWatchdog(connected);
        for (const w of [...this.waiters]) {
          this.deps.clock.clearTimeout(w.timer);
          w.resolve(client);
        }
        this.waiters.clear();
        return true;
      } catch (e) {
        client?.close();
        if (this.deps.clock.now() >= deadline) {
          this.log.error('rrdcached does not answer; killing it', { error: e, lastOutput: this.stderrTail.slice(-3) });
          this.child?.kill('SIGKILL');
          return false;
        }
        await this.sleep(CONNECT_RETRY_MS);
      }
    }
    return false;
  }

  /** The daemon closed our connection: if it is still running, connect again; if it died, onChildGone restarts it. */
  private onClientClosed(client: RrdcachedClient, why: RwError): void {
    if (this.clientConn !== client) return;
    this.clientConn = null;
    this.stopWatchdog();
    if (this.state !== 'up') return;
    this.log.warn('lost the rrdcached connection; reconnecting', { error: why });
    this.state = 'starting';
    const gen = ++this.generation;
    void this.connect(gen, true);
  }

  private startWatchdog(client: RrdcachedClient): void {
    this.stopWatchdog();
    const intervalMs = this.deps.watchdogIntervalMs ?? 5_000;
    const hangMs = this.deps.hangTimeoutMs ?? 60_000;
    const tick = (): void => {
      this.watchdogTimer = null;
      if (this.clientConn !== client || client.closed || this.state !== 'up') return;
      const child = this.child;
      this.pingSentAt = this.deps.clock.now();
      this.unansweredTimer = this.deps.clock.setTimeout(() => {
        this.unansweredTimer = null;
        if (this.pingSentAt !== null) this.tellAnswering(false);
      }, this.unansweredMs);
      withTimeout(client.ping(), hangMs, this.deps.clock).then(
        () => {
          this.clearPing();
          this.tellAnswering(true);
          if (this.clientConn === client && this.state === 'up') this.watchdogTimer = this.deps.clock.setTimeout(tick, intervalMs);
        },
        (e: unknown) => {
          if (this.clientConn !== client || this.child !== child || !child) return; // already replaced
          if (client.closed) return; // the exit or reconnect path handles it
          this.log.error('rrdcached does not answer; killing it so that it is restarted', { pid: child.pid, hangTimeoutMs: hangMs, error: e });
          child.kill('SIGKILL');
        },
      );
    };
    this.watchdogTimer = this.deps.clock.setTimeout(tick, intervalMs);
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer !== null) this.deps.clock.clearTimeout(this.watchdogTimer);
    this.watchdogTimer = null;
    this.clearPing();
  }

  private clearPing(): void {
    this.pingSentAt = null;
    if (this.unansweredTimer !== null) this.deps.clock.clearTimeout(this.unansweredTimer);
    this.unansweredTimer = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      this.sleeps.set(timer, resolve);
    });
  }

  private rejectWaiters(e: RwError): void {
    for (const w of this.waiters) {
      this.deps.clock.clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiters.clear();
  }

  /**
   * A daemon left running by a previous appliance process that died without stopping it holds
   * the pid file, and a new one would refuse to start. Only a process whose command line names
   * our pid file is ours to stop.
   */
  private async stopOrphan(): Promise<void> {
    let pid: number;
    try {
      pid = Number((await readFile(this.paths.pidFile, 'utf8')).trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 1) {
      // RES: an empty or torn pid file (a power cut, or a card that went read-only before its
      // content reached it): rrdcached refuses to start over it ("Empty PID file exist")
      this.log.warn('removing an unreadable rrdcached pid file left by a previous run', { file: this.paths.pidFile });
      await rm(this.paths.pidFile, { force: true });
      return;
    }
    await stopOrphan({
      pidFile: this.paths.pidFile,
      isOurs: (argv) => argv.includes(this.paths.pidFile),
      name: 'rrdcached',
      clock: this.deps.clock,
      logger: this.log,
      timeoutMs: this.deps.stopTimeoutMs ?? 30_000,
    });
    // whatever the pid file still names is not a live rrdcached of ours (ours was just stopped):
    // a killed daemon's file, or its zombie that no one has reaped yet, which rrdcached takes
    // for "Another rrdcached daemon is running" and refuses to start over
    await rm(this.paths.pidFile, { force: true });
  }
}

/** Rejects with RW_ERR_RRDCACHED after `ms` unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  let timer: unknown = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new RwError('RW_ERR_RRDCACHED', `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clock.clearTimeout(timer));
}
