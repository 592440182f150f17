// The appliance's own faults (RES): a full, read-only or failing data partition, a hung rrdcached,
// a damaged database or lost commits. Each fault is raised once (a log line, a critical alert on
// the appliance through `onRaised`, health "degraded" with its cause) and cleared by itself when
// the condition is gone. Writers on timers and in event handlers report their failures here
// instead of throwing them out of the timer (`report`, `guard`), and ingest asks `writeRefusal`
// before it stores a batch, so nothing is acknowledged that cannot be stored.
//
// A full disk would also stop the one write that tells someone: the alert and its SMS in the
// outbox (SQLite). A reserve file of RESERVE_BYTES is kept under the data dir while there is room
// and deleted the moment the disk is found full, so SQLite has room for them; it is made again
// when the space is back (docs/storage.md, "When the disk is full").
import { constants as fsConstants } from 'node:fs';
import { access, open, readFile, realpath, stat, statfs, unlink } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ApplianceFault, FaultCause } from '../../contract/api.js';
import type { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { refusalOf, storageFaultOf, type StorageFault } from './storage-fault.js';

/** The reserve file: room for the fault alert, its SMS and a few minutes of other writes (WAL pages). */
export const RESERVE_BYTES = 4 * 1024 * 1024;
/** The disk is full when less than this is free besides the reserve. */
export const FULL_BELOW_BYTES = 1024 * 1024;
/** …and has room again at this much besides the reserve (hysteresis: a disk at the edge does not flap). */
export const ROOM_AGAIN_BYTES = 2 * 1024 * 1024;
/**
 * statfs, access(W_OK) and a read of /proc/self/mountinfo: one each per poll (no write), and at
 * most one extra check a second after a reported failure. What rrdcached acknowledges between a
 * fault and its detection is in its memory only (its journal write fails), so the poll is short.
 */
export const FAULT_POLL_MS = 2_000;
/** lost commits (found at start) show in health this long; their alert stays open until resolved */
export const LOST_COMMITS_HOLD_MS = 3_600_000;
/** an I/O error is cleared when no write has reported one for this long */
export const IO_ERROR_HOLD_MS = 60_000;
export const RESERVE_FILE = 'space-reserve';
const PROBE_FILE = '.write-probe';

/** How `causes` in GET /api/v1/health names each fault. */
/** The faults during which ingest refuses metrics (the broker closes the agents' connections), most telling first. */
export const WRITE_REFUSING_CAUSES: readonly StorageFault[] = ['read-only', 'disk-full', 'io-error'];

/** S7: whether ingest refuses metrics during this fault (the broker then closes the agents' connections). */
export function refusesWrites(cause: FaultCause): boolean {
  return (WRITE_REFUSING_CAUSES as readonly string[]).includes(cause);
}

export const CAUSE_TEXT: Record<FaultCause, string> = {
  'disk-full': 'disk full',
  'read-only': 'read-only',
  'io-error': 'I/O error',
  'rrdcached-not-answering': 'rrdcached not answering',
  'database-integrity': 'database integrity',
  'lost-commits': 'lost commits',
};

export interface FaultMonitorDeps {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** a fault began (after the reserve was released, for a full disk) */
  onRaised?: (fault: ApplianceFault) => void;
  onCleared?: (cause: FaultCause) => void;
  reserveBytes?: number;
  pollMs?: number;
}

export interface FaultCounters {
  /** writes that failed on a storage fault, by where ('last-seen', 'sessions', 'sms outbox' …) */
  writeFailures: Record<string, number>;
  /** the reserve file was deleted to make room */
  reserveReleased: number;
}

export class FaultMonitor {
  readonly counters: FaultCounters = { writeFailures: {}, reserveReleased: 0 };
  private readonly active = new Map<FaultCause, ApplianceFault>();
  private readonly reservePath: string;
  private readonly reserveBytes: number;
  private reservePresent = false;
  /** a write said ENOSPC / EROFS since the last check: the check does not clear that fault yet */
  private readonly reportedSinceCheck = new Set<StorageFault>();
  private lastIoErrorAt = 0;
  private timer: unknown = null;
  private soonTimer: unknown = null;
  private checking: Promise<void> | null = null;
  private running = false;
  private readonly holds = new Set<unknown>();
  /** log each place's failures once per fault, not once per write */
  private readonly logged = new Set<string>();

  constructor(private readonly deps: FaultMonitorDeps) {
    this.reservePath = path.join(deps.dataDir, RESERVE_FILE);
    this.reserveBytes = deps.reserveBytes ?? RESERVE_BYTES;
  }

  /** Checks once (making the reserve if there is room), then every FAULT_POLL_MS. */
  async start(): Promise<void> {
    this.running = true;
    // the reserve a previous run made is ours to hand out again
    this.reservePresent = await stat(this.reservePath).then((s) => s.size >= this.reserveBytes, () => false);
    await this.check();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    for (const t of [this.timer, this.soonTimer, ...this.holds]) if (t !== null) this.deps.clock.clearTimeout(t);
    this.holds.clear();
    this.timer = null;
    this.soonTimer = null;
  }

  faults(): ApplianceFault[] {
    return [...this.active.values()];
  }

  has(cause: FaultCause): boolean {
    return this.active.has(cause);
  }

  /** Why a batch must not be stored now (and not acknowledged), or null. */
  writeRefusal(): RwError | null {
    for (const cause of WRITE_REFUSING_CAUSES) {
      const f = this.active.get(cause);
      if (f) return refusalOf(cause, f.detail);
    }
    return null;
  }

  /**
   * A write failed. A storage fault is counted, raised at once (a full disk releases the reserve
   * before anything else) and logged once per place; true when it was one. Anything else is the
   * caller's to handle.
   */
  report(where: string, err: unknown): boolean {
    const fault = storageFaultOf(err);
    if (fault === null) return false;
    this.counters.writeFailures[where] = (this.counters.writeFailures[where] ?? 0) + 1;
    this.reportedSinceCheck.add(fault);
    if (fault === 'io-error') this.lastIoErrorAt = this.deps.clock.now();
    const key = `${fault} ${where}`;
    if (!this.logged.has(key)) {
      this.logged.add(key);
      this.deps.logger.error(`${where}: write failed (${CAUSE_TEXT[fault]}); further failures here are counted, not logged, until it recovers`, {
        err, code: refusalOf(fault, '').code,
      });
    }
    // a read-only partition fails writes as I/O errors too: one cause, not two
    const explained = fault === 'io-error' && this.active.has('read-only');
    if (!this.active.has(fault) && !explained) {
      if (fault === 'disk-full') this.releaseReserveNow();
      this.raise(fault, `${where}: ${(err as Error).message}`);
    }
    this.checkSoon();
    return true;
  }

  /** Runs a write of a timer or event handler: a storage fault is reported, anything else logged; never throws. */
  guard<T>(where: string, write: () => T): T | undefined {
    try {
      return write();
    } catch (e) {
      if (!this.report(where, e)) this.deps.logger.error(`${where}: write failed`, { err: e });
      return undefined;
    }
  }

  /**
   * A fault found by someone else (rrdcached's watchdog, the start-up checks). `clearAfterMs`: an
   * event rather than a state (lost commits): health shows it this long, the alert stays until resolved.
   */
  raise(cause: FaultCause, detail: string, opts: { clearAfterMs?: number } = {}): void {
    if (opts.clearAfterMs !== undefined) {
      const t = this.deps.clock.setTimeout(() => {
        this.holds.delete(t);
        this.clear(cause);
      }, opts.clearAfterMs);
      t.unref?.();
      this.holds.add(t);
    }
    if (this.active.has(cause)) return;
    const fault: ApplianceFault = { cause, since: this.deps.clock.now(), detail };
    this.active.set(cause, fault);
    this.deps.logger.error(`degraded: ${CAUSE_TEXT[cause]}`, { detail });
    try {
      this.deps.onRaised?.(fault);
    } catch (e) {
      this.deps.logger.error('could not raise the fault alert', { cause, err: e });
    }
  }

  clear(cause: FaultCause): void {
    if (!this.active.delete(cause)) return;
    for (const key of [...this.logged]) if (key.startsWith(`${cause} `)) this.logged.delete(key);
    this.deps.logger.info(`recovered: ${CAUSE_TEXT[cause]}`);
    try {
      this.deps.onCleared?.(cause);
    } catch (e) {
      this.deps.logger.error('could not resolve the fault alert', { cause, err: e });
    }
  }

  /** One look at the data partition: writable? room? Also run by the poll timer. */
  check(): Promise<void> {
    this.checking ??= this.checkNow().finally(() => { this.checking = null; });
    return this.checking;
  }

  private async checkNow(): Promise<void> {
    const reported = new Set(this.reportedSinceCheck);
    this.reportedSinceCheck.clear();
    const dir = this.deps.dataDir;
    // access(2) answers EROFS for a read-only mount without writing anything (no wear)
    let readOnly = false;
    try {
      await access(dir, fsConstants.W_OK);
    } catch (e) {
      readOnly = (e as NodeJS.ErrnoException).code === 'EROFS';
    }
    // ext4's emergency read-only (errors=remount-ro after a failing card) is not a mount flag that
    // access(2) sees; /proc/self/mountinfo shows it, and reading it writes nothing. A write probe
    // only while a write failure is reported or a fault lasts, so a healthy card is not written to.
    if (!readOnly) readOnly = await mountedReadOnly(dir);
    const suspect = reported.size > 0 || this.active.has('read-only') || this.active.has('io-error');
    if (!readOnly && suspect) readOnly = (await this.probeWrite()) === 'EROFS';
    if (readOnly) {
      this.raise('read-only', `${dir} is read-only`);
      this.clear('io-error'); // the card's errors made it read-only: one cause, not two
    } else if (!reported.has('read-only')) {
      this.clear('read-only');
    }

    let free: number;
    try {
      const s = await statfs(dir);
      free = s.bavail * s.bsize;
    } catch (e) {
      this.deps.logger.warn('statfs of the data dir failed', { err: e });
      return;
    }
    // the space the reserve would take if it were there: it is ours to hand out
    const spare = free - (this.reservePresent ? 0 : this.reserveBytes);
    if (spare < FULL_BELOW_BYTES || reported.has('disk-full')) {
      if (!this.active.has('disk-full')) {
        this.releaseReserveNow();
        this.raise('disk-full', `${free} bytes free on ${dir}`);
      }
    } else if (spare >= ROOM_AGAIN_BYTES && this.active.has('disk-full')) {
      this.clear('disk-full');
    }
    if (this.active.has('io-error') && !readOnly && !reported.has('io-error') && this.deps.clock.now() - this.lastIoErrorAt >= IO_ERROR_HOLD_MS) this.clear('io-error');
    if (!this.reservePresent && !readOnly && !this.active.has('disk-full') && spare >= ROOM_AGAIN_BYTES) await this.makeReserve();
  }

  /** Creates, fsyncs and deletes an empty file: the errno of the first step that fails, or null. */
  private async probeWrite(): Promise<string | null> {
    const file = path.join(this.deps.dataDir, PROBE_FILE);
    try {
      const fh = await open(file, 'w', 0o600);
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await unlink(file);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'EIO';
    }
  }

  /** Deleted synchronously: the write that follows (the fault alert) must find the room. */
  private releaseReserveNow(): void {
    if (!this.reservePresent) return;
    try {
      unlinkSync(this.reservePath);
      this.counters.reserveReleased++;
      this.deps.logger.warn('released the space reserve so that the fault alert and its SMS can be stored', { bytes: this.reserveBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.error('could not release the space reserve', { err: e });
    }
    this.reservePresent = false;
  }

  /** Real blocks (zeros written and fsynced), not a sparse file: a sparse one frees nothing when deleted. */
  private async makeReserve(): Promise<void> {
    const chunk = Buffer.alloc(256 * 1024);
    let fh: Awaited<ReturnType<typeof open>> | null = null;
    try {
      fh = await open(this.reservePath, 'w', 0o600);
      for (let written = 0; written < this.reserveBytes; written += chunk.length) {
        await fh.write(chunk, 0, Math.min(chunk.length, this.reserveBytes - written));
      }
      await fh.sync();
      await fh.close();
      fh = null;
      this.reservePresent = true;
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await unlink(this.reservePath).catch(() => undefined);
      this.deps.logger.warn('could not make the space reserve; trying again later', { err: e });
    }
  }

  private schedule(): void {
    if (!this.running) return;
    const t = this.deps.clock.setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.schedule());
    }, this.deps.pollMs ?? FAULT_POLL_MS);
    t.unref?.();
    this.timer = t;
  }

  private checkSoon(): void {
    if (!this.running || this.soonTimer !== null) return;
    const t = this.deps.clock.setTimeout(() => {
      this.soonTimer = null;
      void this.check();
    }, 1_000);
    t.unref?.();
    this.soonTimer = t;
  }
}

/**
 * Whether the mount holding `dir` is read-only, by /proc/self/mountinfo (proc(5)): the mount's own
 * options (field 6) or its superblock's (the last field) say `ro`, or ext4's `emergency_ro`.
 * False when it cannot be told (no /proc): the write path still reports EROFS.
 */
export async function mountedReadOnly(dir: string): Promise<boolean> {
  let info: string;
  let real: string;
  try {
    [info, real] = await Promise.all([readFile('/proc/self/mountinfo', 'utf8'), realpath(dir)]);
  } catch {
    return false;
  }
  let best: { point: string; ro: boolean } | null = null;
  for (const line of info.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    // mount points escape space, tab, newline and backslash as octal
    const point = (fields[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!(real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`))) continue;
    if (best && best.point.length > point.length) continue;
    const mountOptions = (fields[5] ?? '').split(',');
    const superOptions = (right.split(' ')[2] ?? '').split(',');
    best = { point, ro: mountOptions.includes('ro') || superOptions.includes('ro') || superOptions.includes('emergency_ro') };
  }
  return best?.ro ?? false;
}
