// Service checks in SQLite (migration 6; S5, S6, S16): definitions, the last result of each
// (check, agent) pair, and state changes. A check of an agent or a group goes with it (ON DELETE
// CASCADE), and its statuses and history go with the check. The appliance's own runs (probes)
// are stored under agent_key '' (a primary key cannot hold NULL).
import type { CheckInput, CheckHistoryEntry, CheckStatus, CheckStatusState, CheckType } from '../../contract/checks-api.js';
import type { CheckState, Perfdatum } from '../../contract/checks.js';
import type { Db } from '../db/database.js';

export interface StoredCheck {
  id: string;
  type: CheckType;
  /** the agent it runs on (an agent check) or is about (a probe) */
  agentId: string | null;
  groupId: string | null;
  definition: CheckInput;
  enabled: boolean;
  /** unix s */
  createdAt: number;
  updatedAt: number;
}

/** A stored status: which instance, and its last result. */
export interface StoredStatus extends CheckStatus {
  checkId: string;
  agentId: string | null;
}

/** History bounds (docs/bounds.md "check history"): entries older than this go, ... */
export const HISTORY_KEEP_S = 90 * 86_400;
/** ... and each (check, agent) pair keeps at most this many of the newest. */
export const HISTORY_PER_INSTANCE = 1000;

interface CheckRow {
  id: string;
  type: string;
  agent_id: string | null;
  group_id: string | null;
  definition: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

interface StatusRow {
  check_id: string;
  agent_key: string;
  state: string;
  since: number;
  last_run: number;
  output: string;
  long_output: string;
  perfdata: string;
  duration_ms: number;
}

interface HistoryRow {
  t: number;
  agent_key: string;
  state: string;
  previous: string;
  output: string;
}

const keyOf = (agentId: string | null): string => agentId ?? '';
const agentOf = (key: string): string | null => (key === '' ? null : key);

function toCheck(r: CheckRow): StoredCheck {
  return {
    id: r.id, type: r.type as CheckType, agentId: r.agent_id, groupId: r.group_id,
    definition: JSON.parse(r.definition) as CheckInput, enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toStatus(r: StatusRow): StoredStatus {
  return {
    checkId: r.check_id, agentId: agentOf(r.agent_key), state: r.state as CheckStatusState, since: r.since, lastRun: r.last_run,
    output: r.output, longOutput: r.long_output, perfdata: JSON.parse(r.perfdata) as Perfdatum[], durationMs: r.duration_ms,
  };
}

export class CheckRepository {
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly putStatusStmt;
  private readonly addHistoryStmt;
  private readonly trimInstanceStmt;
  private readonly existsStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO checks (id, type, agent_id, group_id, definition, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateStmt = db.prepare('UPDATE checks SET agent_id = ?, group_id = ?, definition = ?, enabled = ?, updated_at = ? WHERE id = ?');
    this.putStatusStmt = db.prepare(
      `INSERT INTO check_status (check_id, agent_key, state, since, last_run, output, long_output, perfdata, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(check_id, agent_key) DO UPDATE SET state = excluded.state, since = excluded.since, last_run = excluded.last_run,
         output = excluded.output, long_output = excluded.long_output, perfdata = excluded.perfdata, duration_ms = excluded.duration_ms`,
    );
    this.existsStmt = db.prepare<[string], { id: string }>('SELECT id FROM checks WHERE id = ?');
    this.addHistoryStmt = db.prepare('INSERT INTO check_history (check_id, agent_key, t, state, previous, output) VALUES (?, ?, ?, ?, ?, ?)');
    // the pair's entries beyond the newest HISTORY_PER_INSTANCE (the index check_history_instance serves it)
    this.trimInstanceStmt = db.prepare(
      `DELETE FROM check_history WHERE check_id = ? AND agent_key = ? AND id <= (
         SELECT id FROM check_history WHERE check_id = ? AND agent_key = ? ORDER BY id DESC LIMIT 1 OFFSET ${HISTORY_PER_INSTANCE})`,
    );
  }

  all(): StoredCheck[] {
    return this.db.prepare<[], CheckRow>('SELECT * FROM checks ORDER BY created_at, id').all().map(toCheck);
  }

  insert(c: StoredCheck): void {
    this.insertStmt.run(c.id, c.type, c.agentId, c.groupId, JSON.stringify(c.definition), c.enabled ? 1 : 0, c.createdAt, c.updatedAt);
  }

  update(c: StoredCheck): void {
    this.updateStmt.run(c.agentId, c.groupId, JSON.stringify(c.definition), c.enabled ? 1 : 0, c.updatedAt, c.id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM checks WHERE id = ?').run(id).changes > 0;
  }

  statuses(): StoredStatus[] {
    return this.db.prepare<[], StatusRow>('SELECT * FROM check_status').all().map(toStatus);
  }

  /** Forgets the statuses of a check's instances that no longer run it (an agent left its group). */
  deleteStatus(checkId: string, agentId: string | null): void {
    this.db.prepare('DELETE FROM check_status WHERE check_id = ? AND agent_key = ?').run(checkId, keyOf(agentId));
  }

  /**
   * Results in one transaction: statuses, and the state changes (oldest first). A status or change
   * of a check deleted meanwhile is skipped (its foreign key would refuse the whole transaction).
   */
  saveRuns(statuses: readonly StoredStatus[], changes: readonly (CheckHistoryEntry & { checkId: string })[]): void {
    this.db.transaction(() => {
      const exists = new Map<string, boolean>();
      const known = (id: string): boolean => {
        let e = exists.get(id);
        if (e === undefined) {
          e = this.existsStmt.get(id) !== undefined;
          exists.set(id, e);
        }
        return e;
      };
      for (const s of statuses) {
        if (!known(s.checkId)) continue;
        this.putStatusStmt.run(s.checkId, keyOf(s.agentId), s.state, s.since, s.lastRun, s.output, s.longOutput, JSON.stringify(s.perfdata), s.durationMs);
      }
      const trimmed = new Set<string>();
      for (const c of changes) {
        if (!known(c.checkId)) continue;
        const key = keyOf(c.agentId);
        this.addHistoryStmt.run(c.checkId, key, c.t, c.state, c.previous, c.output);
        trimmed.add(`${c.checkId}\n${key}`);
      }
      for (const pair of trimmed) {
        const [checkId = '', key = ''] = pair.split('\n');
        this.trimInstanceStmt.run(checkId, key, checkId, key);
      }
    })();
  }

  /** Removes history older than `beforeS` (unix s); returns how many entries went. */
  pruneHistory(beforeS: number): number {
    return this.db.prepare('DELETE FROM check_history WHERE t < ?').run(beforeS).changes;
  }

  /** A check's state changes, newest first. */
  history(checkId: string, q: { agentId?: string | null; from: number; to: number; limit: number }): CheckHistoryEntry[] {
    const where = ['check_id = ?', 't >= ?', 't <= ?'];
    const args: (string | number)[] = [checkId, q.from, q.to];
    if (q.agentId !== undefined) {
      where.push('agent_key = ?');
      args.push(keyOf(q.agentId));
    }
    const rows = this.db.prepare<(string | number)[], HistoryRow>(
      `SELECT t, agent_key, state, previous, output FROM check_history WHERE ${where.join(' AND ')} ORDER BY t DESC, id DESC LIMIT ?`,
    ).all(...args, q.limit);
    return rows.map((r) => ({ t: r.t, agentId: agentOf(r.agent_key), state: r.state as CheckState, previous: r.previous as CheckStatusState, output: r.output }));
  }
}
