// The configuration copy's two ends in SQLite (S13, B4; docs/standby.md): the primary reads its
// copied tables at one version; the standby applies them in one transaction (rows the primary no
// longer has deleted, children first; the others upserted by key, parents first, so that nothing
// a row refers to is missing and a row that stays is updated, not deleted and re-inserted: its
// check results, sessions and alerts on the standby stay) and takes the primary's version.
import type { PairSnapshot } from '../../contract/pair.js';
import type { Db } from '../db/database.js';
import { PAIR_TABLES, type PairTable } from './pair-tables.js';

export function configVersion(db: Db): number {
  return db.prepare<[], { version: number }>('SELECT version FROM pair_config_version WHERE id = 1').get()?.version ?? 0;
}

/** Every copied row, with the version they are at (one read transaction: they agree). */
export function readSnapshot(db: Db): PairSnapshot {
  return db.transaction((): PairSnapshot => {
    const tables: PairSnapshot['tables'] = {};
    for (const t of PAIR_TABLES) {
      const rows = db.prepare(`SELECT ${t.columns.join(', ')} FROM ${t.name}`).raw().all() as unknown[][];
      tables[t.name] = { columns: [...t.columns], rows };
    }
    return { v: 1, version: configVersion(db), tables };
  })();
}

/** What a snapshot's table must be to be applied: the columns this version copies, in order. */
function rowsOf(snapshot: PairSnapshot, t: PairTable): unknown[][] {
  const table = snapshot.tables[t.name];
  if (!table) throw new Error(`the snapshot has no table ${t.name}`);
  if (table.columns.join(',') !== t.columns.join(',')) {
    throw new Error(`the snapshot's ${t.name} has columns ${table.columns.join(', ')}, this appliance copies ${t.columns.join(', ')}: update both to the same version`);
  }
  return table.rows;
}

const keyText = (values: readonly unknown[]): string => JSON.stringify(values);

/** Applies a snapshot; returns how many rows were written and deleted. Throws (and changes nothing) on a snapshot of another shape. */
export function applySnapshot(db: Db, snapshot: PairSnapshot): { upserted: number; deleted: number } {
  return db.transaction(() => {
    const wanted = new Map(PAIR_TABLES.map((t) => [t.name, rowsOf(snapshot, t)]));
    let deleted = 0;
    for (const t of [...PAIR_TABLES].reverse()) {
      const keep = new Set((wanted.get(t.name) ?? []).map((row) => keyText(row.slice(0, t.key.length))));
      const del = db.prepare(`DELETE FROM ${t.name} WHERE ${t.key.map((k) => `${k} = ?`).join(' AND ')}`);
      for (const key of db.prepare(`SELECT ${t.key.join(', ')} FROM ${t.name}`).raw().all() as unknown[][]) {
        if (!keep.has(keyText(key))) deleted += del.run(...key).changes;
      }
    }
    let upserted = 0;
    for (const t of PAIR_TABLES) {
      const others = t.columns.filter((c) => !t.key.includes(c));
      const placeholders = t.columns.map(() => '?').join(', ');
      const sql = others.length === 0
        ? `INSERT OR IGNORE INTO ${t.name} (${t.columns.join(', ')}) VALUES (${placeholders})`
        : `INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES (${placeholders})
           ON CONFLICT(${t.key.join(', ')}) DO UPDATE SET ${others.map((c) => `${c} = excluded.${c}`).join(', ')}
           WHERE ${others.map((c) => `${t.name}.${c} IS NOT excluded.${c}`).join(' OR ')}`;
      const upsert = db.prepare(sql);
      for (const row of wanted.get(t.name) ?? []) upserted += upsert.run(...row).changes;
    }
    // the triggers moved the local counter while applying: the version is the primary's
    db.prepare('UPDATE pair_config_version SET version = ? WHERE id = 1').run(snapshot.version);
    return { upserted, deleted };
  })();
}
