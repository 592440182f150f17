// The redundancy settings in SQLite (migration 15; S13, B4): one row holding the validated body of
// PUT /api/v1/redundancy. It is parsed again on the way out, so a row an older version wrote reads
// as today's shape (fields it lacked take their defaults).
import { redundancySchema, type RedundancyConfig, type SavedRedundancy } from '../../contract/sentinel.js';
import type { Db } from '../db/database.js';

interface Row {
  config: string;
  updated_at: number;
  updated_by: string;
}

export const DEFAULT_REDUNDANCY: RedundancyConfig = redundancySchema.parse({ sentinels: [] });

export class RedundancyStore {
  constructor(private readonly db: Db) {}

  load(): SavedRedundancy {
    const row = this.db.prepare<[], Row>('SELECT config, updated_at, updated_by FROM redundancy_config WHERE id = 1').get();
    if (!row) return { ...DEFAULT_REDUNDANCY, updatedAt: null, updatedBy: null };
    return { ...redundancySchema.parse(JSON.parse(row.config)), updatedAt: row.updated_at, updatedBy: row.updated_by };
  }

  save(config: RedundancyConfig, nowMs: number, by: string): void {
    this.db.prepare(`INSERT INTO redundancy_config (id, config, updated_at, updated_by) VALUES (1, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
      .run(JSON.stringify(config), nowMs, by);
  }
}
