// Saved statistics reports in SQLite (migration 7; S10): definitions, the scheduled instant of
// each one's last run, and the CSV files the runs produced, the newest STATS_LIMITS.runsPerReport
// of each kept. A report's runs go with it (ON DELETE CASCADE).
import { reportDefinitionSchema, STATS_LIMITS, type ReportDefinition, type ReportRunInfo } from '../../contract/stats-api.js';
import type { Db } from '../db/database.js';

export interface StoredReport {
  id: string;
  definition: ReportDefinition;
  /** unix ms */
  createdAt: number;
  /** unix ms of the scheduled instant of the last run, null before the first */
  lastDue: number | null;
}

interface ReportRow {
  id: string;
  definition: string;
  created_at: number;
  last_due: number | null;
}

interface RunRow {
  id: number;
  produced_at: number;
  from_s: number;
  to_s: number;
  bytes: number | null;
  error: string | null;
}

const BUSINESS_HOURS_KEY = 'stats.business_hours';

export class ReportRepository {
  constructor(private readonly db: Db) {}

  list(): StoredReport[] {
    return this.db.prepare<[], ReportRow>('SELECT id, definition, created_at, last_due FROM stats_reports ORDER BY created_at, id').all().map(toReport);
  }

  get(id: string): StoredReport | null {
    const row = this.db.prepare<[string], ReportRow>('SELECT id, definition, created_at, last_due FROM stats_reports WHERE id = ?').get(id);
    return row ? toReport(row) : null;
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM stats_reports').get()?.n ?? 0;
  }

  insert(id: string, definition: ReportDefinition, nowMs: number): void {
    this.db.prepare('INSERT INTO stats_reports (id, definition, created_at, updated_at, last_due) VALUES (?, ?, ?, ?, NULL)')
      .run(id, JSON.stringify(definition), nowMs, nowMs);
  }

  /** A changed schedule counts from the change: a run is not made for a time before it. */
  update(id: string, definition: ReportDefinition, nowMs: number): boolean {
    return this.db.prepare('UPDATE stats_reports SET definition = ?, updated_at = ?, last_due = ? WHERE id = ?')
      .run(JSON.stringify(definition), nowMs, nowMs, id).changes > 0;
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM stats_reports WHERE id = ?').run(id).changes > 0;
  }

  /** Records a run and its scheduled instant in one transaction, dropping the oldest runs beyond the bound. */
  addRun(reportId: string, dueMs: number, run: { producedAt: number; from: number; to: number; csv: string | null; error: string | null }): number {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO stats_report_runs (report_id, produced_at, from_s, to_s, csv, error) VALUES (?, ?, ?, ?, ?, ?)')
        .run(reportId, run.producedAt, run.from, run.to, run.csv, run.error).lastInsertRowid);
      this.db.prepare(`DELETE FROM stats_report_runs WHERE report_id = ? AND id NOT IN
        (SELECT id FROM stats_report_runs WHERE report_id = ? ORDER BY id DESC LIMIT ?)`).run(reportId, reportId, STATS_LIMITS.runsPerReport);
      this.db.prepare('UPDATE stats_reports SET last_due = ? WHERE id = ?').run(dueMs, reportId);
      return id;
    })();
  }

  /** Newest first. */
  runs(reportId: string): ReportRunInfo[] {
    return this.db.prepare<[string], RunRow>('SELECT id, produced_at, from_s, to_s, length(csv) AS bytes, error FROM stats_report_runs WHERE report_id = ? ORDER BY id DESC')
      .all(reportId).map((r) => ({ id: r.id, producedAt: r.produced_at, from: r.from_s, to: r.to_s, bytes: r.bytes ?? 0, error: r.error }));
  }

  runCsv(reportId: string, runId: number): { csv: string | null; from: number; producedAt: number } | null {
    const row = this.db.prepare<[string, number], { csv: string | null; from_s: number; produced_at: number }>('SELECT csv, from_s, produced_at FROM stats_report_runs WHERE report_id = ? AND id = ?').get(reportId, runId);
    return row ? { csv: row.csv, from: row.from_s, producedAt: row.produced_at } : null;
  }

  /** The saved business hours (JSON in settings), or null when never set. */
  businessHours(): unknown {
    const row = this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(BUSINESS_HOURS_KEY);
    return row ? JSON.parse(row.value) as unknown : null;
  }

  saveBusinessHours(value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(BUSINESS_HOURS_KEY, JSON.stringify(value));
  }
}

function toReport(r: ReportRow): StoredReport {
  return { id: r.id, definition: reportDefinitionSchema.parse(JSON.parse(r.definition)), createdAt: r.created_at, lastDue: r.last_due };
}
