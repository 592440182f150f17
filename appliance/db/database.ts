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
  // NORMAL is durable across process crashes in WAL mode; only a power cut can lose the last
  // transactions, which the agents' disk queues and rrdcached's journal cover.
  db.pragma('synchronous = NORMAL');
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
