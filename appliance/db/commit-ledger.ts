// Lost commits made visible (RES). A lost or damaged SQLite WAL is silent: SQLite opens what the
// main file holds and everything committed since the last checkpoint is gone without a word (an
// agent enrolled a minute earlier is then refused for good). So the database keeps a commit
// sequence (`settings.commit_seq`), and a small sidecar file next to it, written and fsynced
// after the sequence is committed, says what the sequence must at least be. At start, a database
// behind its ledger has lost commits.
//
// The ledger also keeps the enrollments of the last ENROLLMENT_KEEP_MS (id, host name, the
// secret's scrypt hash: what the agents table holds, 0600 like the database): enrollments lost
// with the WAL are put back, and those agents' stored secrets work again with no one touching them.
//
// A tick (every TICK_MS, only when the database changed, and at once after an enrollment) bumps
// the sequence in a transaction of its own; with `synchronous = FULL` its commit fsyncs the WAL, so
// every earlier commit is durable by then too, and only then is the ledger written.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from './database.js';

export const LEDGER_FILE = 'commit-ledger.json';
export const TICK_MS = 30_000;
/** enrollments this recent are kept in the ledger (a WAL is checkpointed long before) */
export const ENROLLMENT_KEEP_MS = 7 * 86_400_000;
export const MAX_ENROLLMENTS = 256;
/** an enrollment reaches the ledger this soon (ticks coalesced) */
export const ENROLLMENT_TICK_MS = 1_000;
const SEQ_KEY = 'commit_seq';

export interface LedgerEnrollment {
  id: string;
  hostname: string;
  secretHash: string;
  createdAt: number;
}

interface LedgerFile {
  v: 1;
  seq: number;
  enrollments: LedgerEnrollment[];
}

export interface LedgerCheck {
  /** the database's sequence and the ledger's (null: no ledger yet, or unreadable) */
  dbSeq: number;
  ledgerSeq: number | null;
  /** the database is behind its ledger: commits were lost */
  lost: boolean;
  /** enrollments of the ledger the database no longer has, put back */
  restored: LedgerEnrollment[];
}

export interface CommitLedgerDeps {
  db: Db;
  /** the database's directory */
  dir: string;
  clock: Clock;
  logger: Logger;
  /** the ledger or the sequence could not be written (RES: a full disk) */
  onWriteError?: (where: string, err: unknown) => void;
}

export class CommitLedger {
  private readonly file: string;
  private enrollments: LedgerEnrollment[] = [];
  private seq = 0;
  private lastChanges = -1;
  private timer: unknown = null;
  private soon: unknown = null;

  constructor(private readonly deps: CommitLedgerDeps) {
    this.file = path.join(deps.dir, LEDGER_FILE);
  }

  /**
   * Compares the database with its ledger, puts back lost enrollments (`restore` inserts one
   * agent row) and brings the sequence level. Run once, before anything writes.
   */
  check(restore: (e: LedgerEnrollment) => boolean): LedgerCheck {
    const dbSeq = this.readDbSeq();
    const ledger = this.readLedger();
    this.seq = Math.max(dbSeq, ledger?.seq ?? 0);
    this.enrollments = ledger?.enrollments ?? [];
    const lost = ledger !== null && ledger.seq > dbSeq;
    const restored = lost ? this.enrollments.filter((e) => restore(e)) : [];
    if (lost) this.writeDbSeq(this.seq);
    return { dbSeq, ledgerSeq: ledger?.seq ?? null, lost, restored };
  }

  start(): void {
    this.lastChanges = this.totalChanges();
    const loop = (): void => {
      this.tick(false);
      const t = this.deps.clock.setTimeout(loop, TICK_MS);
      t.unref?.();
      this.timer = t;
    };
    const t = this.deps.clock.setTimeout(loop, TICK_MS);
    t.unref?.();
    this.timer = t;
  }

  /** A last tick, so that a clean stop leaves the ledger level with the database. */
  stop(): void {
    for (const t of [this.timer, this.soon]) if (t !== null) this.deps.clock.clearTimeout(t);
    this.timer = null;
    const pending = this.soon !== null;
    this.soon = null;
    this.tick(pending);
  }

  /**
   * An agent enrolled (or took a pre-registered entry): in the ledger within ENROLLMENT_TICK_MS.
   * Not at once: a tick is two fsyncs, and 10,000 agents enrolling together would hold the event
   * loop for a minute and more; one tick a second takes them all.
   */
  recordEnrollment(e: LedgerEnrollment): void {
    const cutoff = this.deps.clock.now() - ENROLLMENT_KEEP_MS;
    this.enrollments = [...this.enrollments.filter((x) => x.id !== e.id && x.createdAt >= cutoff), e].slice(-MAX_ENROLLMENTS);
    if (this.soon !== null) return;
    const t = this.deps.clock.setTimeout(() => {
      this.soon = null;
      this.tick(true);
    }, ENROLLMENT_TICK_MS);
    t.unref?.();
    this.soon = t;
  }

  /** Bumps the sequence (a durable commit) and writes the ledger, when the database changed. */
  private tick(force: boolean): void {
    const changes = this.totalChanges();
    if (!force && changes === this.lastChanges) return;
    try {
      const next = this.seq + 1;
      this.writeDbSeq(next);
      this.seq = next;
      this.writeLedger({ v: 1, seq: next, enrollments: this.enrollments });
      this.lastChanges = this.totalChanges();
    } catch (e) {
      this.deps.logger.error('could not write the commit ledger; trying again at the next tick', { err: e });
      this.deps.onWriteError?.('commit ledger', e);
    }
  }

  private totalChanges(): number {
    return this.deps.db.prepare<[], { n: number }>('SELECT total_changes() AS n').get()?.n ?? 0;
  }

  private readDbSeq(): number {
    const row = this.deps.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(SEQ_KEY);
    const n = Number(row?.value ?? 0);
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  private writeDbSeq(seq: number): void {
    this.deps.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(SEQ_KEY, String(seq));
  }

  private readLedger(): LedgerFile | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn('cannot read the commit ledger', { file: this.file, err: e });
      return null;
    }
    try {
      const json = JSON.parse(text) as Partial<LedgerFile>;
      if (json.v !== 1 || typeof json.seq !== 'number' || !Array.isArray(json.enrollments)) throw new Error('not a ledger');
      return { v: 1, seq: json.seq, enrollments: json.enrollments.filter(isEnrollment) };
    } catch (e) {
      // written by rename, so never half-written; a damaged one only loses the check
      this.deps.logger.warn('the commit ledger is unreadable; lost commits cannot be detected at this start', { file: this.file, err: e });
      return null;
    }
  }

  /** Temporary file, fsync, rename, fsync of the directory: the new ledger or the old one, whole. */
  private writeLedger(ledger: LedgerFile): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(ledger) + '\n', { mode: 0o600 });
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dirFd = openSync(this.deps.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

function isEnrollment(x: unknown): x is LedgerEnrollment {
  const e = x as Partial<LedgerEnrollment> | null;
  return !!e && typeof e.id === 'string' && typeof e.hostname === 'string' && typeof e.secretHash === 'string' && typeof e.createdAt === 'number';
}
