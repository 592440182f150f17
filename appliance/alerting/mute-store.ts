// Muted servers (SMS `MUTE <server> <minutes>`, or the API): while muted, a server's alerts are
// still raised, stored and shown, but no SMS goes out about them. Kept in SQLite (migration 3),
// so a restart does not cut a mute short.
import type { Db } from '../db/database.js';

export interface MuteRow {
  agentId: string;
  untilMs: number;
  by: string;
}

export class MuteStore {
  constructor(private readonly db: Db) {}

  set(agentId: string, untilMs: number, by: string): void {
    this.db
      .prepare('INSERT INTO alert_mutes (agent_id, until_ms, by) VALUES (?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET until_ms = excluded.until_ms, by = excluded.by')
      .run(agentId, untilMs, by);
  }

  clear(agentId: string): boolean {
    return this.db.prepare('DELETE FROM alert_mutes WHERE agent_id = ?').run(agentId).changes > 0;
  }

  /** Active mutes; expired ones are deleted on the way. */
  active(nowMs: number): MuteRow[] {
    this.db.prepare('DELETE FROM alert_mutes WHERE until_ms <= ?').run(nowMs);
    return this.db
      .prepare<[], { agent_id: string; until_ms: number; by: string }>('SELECT agent_id, until_ms, by FROM alert_mutes ORDER BY until_ms')
      .all()
      .map((r) => ({ agentId: r.agent_id, untilMs: r.until_ms, by: r.by }));
  }
}
