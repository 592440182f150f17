// Saved walls and the schematic map in SQLite (migration 9; S9, S21): one row per wall, its
// definition as JSON and its name unique whatever the letter case (the name is its address);
// the schematic is one JSON value in settings. Rows are parsed with the contract's schemas on the
// way out, so a row written by an older version still reads as today's shape.
import { schematicInputSchema, wallInputSchema, type SchematicLayout, type Wall, type WallDefinition } from '../../contract/walls-api.js';
import type { Db } from '../db/database.js';

interface WallRow {
  id: string;
  definition: string;
  created_at: number;
  updated_at: number;
}

const SCHEMATIC_KEY = 'schematic.layout';

export class WallRepository {
  constructor(private readonly db: Db) {}

  list(): Wall[] {
    return this.db.prepare<[], WallRow>('SELECT id, definition, created_at, updated_at FROM walls ORDER BY name COLLATE NOCASE, id').all().map(toWall);
  }

  get(id: string): Wall | null {
    const row = this.db.prepare<[string], WallRow>('SELECT id, definition, created_at, updated_at FROM walls WHERE id = ?').get(id);
    return row ? toWall(row) : null;
  }

  /** The id of the wall of this name (any letter case), null when none. */
  idByName(name: string): string | null {
    return this.db.prepare<[string], { id: string }>('SELECT id FROM walls WHERE name = ? COLLATE NOCASE').get(name)?.id ?? null;
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM walls').get()?.n ?? 0;
  }

  insert(id: string, def: WallDefinition, nowMs: number): void {
    this.db.prepare('INSERT INTO walls (id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, def.name, JSON.stringify(def), nowMs, nowMs);
  }

  update(id: string, def: WallDefinition, nowMs: number): boolean {
    return this.db.prepare('UPDATE walls SET name = ?, definition = ?, updated_at = ? WHERE id = ?').run(def.name, JSON.stringify(def), nowMs, id).changes > 0;
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM walls WHERE id = ?').run(id).changes > 0;
  }

  /** The saved map and when it was saved (unix ms), or null before the first save. */
  schematic(): { layout: SchematicLayout; savedAtMs: number } | null {
    const row = this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(SCHEMATIC_KEY);
    if (!row) return null;
    const saved = JSON.parse(row.value) as { layout: unknown; savedAtMs: number };
    return { layout: schematicInputSchema.parse(saved.layout), savedAtMs: saved.savedAtMs };
  }

  saveSchematic(layout: SchematicLayout, nowMs: number): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(SCHEMATIC_KEY, JSON.stringify({ layout, savedAtMs: nowMs }));
  }
}

function toWall(r: WallRow): Wall {
  return { id: r.id, ...wallInputSchema.parse(JSON.parse(r.definition)), createdAt: Math.floor(r.created_at / 1000), updatedAt: Math.floor(r.updated_at / 1000) };
}
