// SQLite (better-sqlite3, WAL) for everything that is not a time series: agents and their
// inventory, settings. Schema changes are numbered migrations applied in order at start and
// recorded in `PRAGMA user_version`, so an old data partition upgrades itself.
import Database from 'better-sqlite3';
import { restrictFile, touchPrivateFile } from '../../core/private-files.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  // 0600 (docs/security.md, "Files"): the database holds password hashes, sessions and tokens.
  // SQLite creates the -wal and -shm files with the database file's mode, so the main file is made
  // 0600 before SQLite opens it, and files left by an older version are tightened too.
  if (file !== ':memory:') touchPrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') for (const extra of ['-wal', '-shm']) restrictFile(file + extra);
  // RES: FULL, every commit fsyncs the WAL. NORMAL lost the last transactions to a power cut (or a
  // card that went read-only), and among them what nothing else covers: an enrollment (the agent
  // is then refused for good), an alert's state, an SMS in the outbox. The appliance commits a few
  // batched transactions a second, so FULL costs little (docs/storage.md, scripts/bench/sqlite-synchronous.ts).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const [index, sql] of MIGRATIONS.entries()) {
    const version = index + 1;
    if (version <= current) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

/** PRAGMA quick_check stops after this many problems: the log shows the first ones, not thousands */
export const QUICK_CHECK_MAX_PROBLEMS = 10;

/**
 * RES: PRAGMA quick_check at start (page structure, records, NOT NULL and the like; not the
 * index contents, which integrity_check adds at several times the cost). Reads the whole file
 * once: the cost is measured in docs/benchmarks.md ("SQLite at start").
 */
export function quickCheck(db: Db): { ok: boolean; problems: string[]; ms: number } {
  const started = process.hrtime.bigint();
  let problems: string[];
  try {
    const rows = db.pragma(`quick_check(${QUICK_CHECK_MAX_PROBLEMS})`) as { quick_check: string }[];
    problems = rows.map((r) => r.quick_check).filter((p) => p !== 'ok');
  } catch (e) {
    problems = [(e as Error).message];
  }
  return { ok: problems.length === 0, problems, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}
