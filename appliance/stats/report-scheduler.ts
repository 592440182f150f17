// Produces each saved report at its schedule (S10): one timer on the injected clock for the
// earliest due report (at most an hour ahead, so a changed system time is noticed), the CSV of
// the period each run covers kept in SQLite (report-repository.ts). A run missed while the
// appliance was down is made once at the next start (the latest missed one, not each of them).
// Runs are made one at a time; a failed run is kept with its error, and the next is scheduled.
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { ReportDefinition } from '../../contract/stats-api.js';
import type { ReportRepository, StoredReport } from './report-repository.js';
import { nextDue, runPeriod } from './report-schedule.js';

export interface ReportSchedulerDeps {
  repo: ReportRepository;
  clock: Clock;
  timeZone: string;
  logger: Logger;
  /** the report's CSV over the period (unix s) */
  produce: (definition: ReportDefinition, from: number, to: number) => Promise<string>;
  /** a database write that failed (RES: reported, the scheduler keeps going) */
  onWriteError?: (where: string, err: unknown) => void;
}

/** the longest single wait: a system clock stepped meanwhile is caught within this */
const MAX_WAIT_MS = 3_600_000;

export class ReportScheduler {
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  /** the scheduled instant of each report's last run made in this process, stored or not (a failed write must not loop) */
  private readonly madeDue = new Map<string, number>();
  private stopped = true;

  constructor(private readonly deps: ReportSchedulerDeps) {}

  start(): void {
    this.stopped = false;
    this.reschedule();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The instant (unix ms) a report runs next, or null when it is disabled. */
  nextRun(report: StoredReport): number | null {
    if (!report.definition.enabled) return null;
    return this.dueAfterLast(report);
  }

  /** After a report was saved or removed: the timer is set for the new earliest. */
  reschedule(): void {
    if (this.stopped) return;
    this.deps.clock.clearTimeout(this.timer);
    const now = this.deps.clock.now();
    let earliest = Infinity;
    for (const r of this.deps.repo.list()) {
      const due = this.nextRun(r);
      if (due !== null) earliest = Math.min(earliest, due);
    }
    if (earliest === Infinity) return;
    this.timer = this.deps.clock.setTimeout(() => this.tick(), Math.max(0, Math.min(earliest - now, MAX_WAIT_MS)));
  }

  /** Resolves when the runs in progress (if any) are done: for tests and a clean stop. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private dueAfterLast(r: StoredReport): number {
    const last = Math.max(r.lastDue ?? r.createdAt, this.madeDue.get(r.id) ?? -Infinity);
    return nextDue(r.definition, last, this.deps.timeZone);
  }

  private tick(): void {
    this.timer = null;
    if (this.running) return;
    this.running = this.runDue().catch((e: unknown) => this.deps.logger.error('report runs failed', { err: e })).finally(() => {
      this.running = null;
      this.reschedule();
    });
  }

  private async runDue(): Promise<void> {
    for (const r of this.deps.repo.list()) {
      if (this.stopped) return;
      if (!r.definition.enabled) continue;
      const now = this.deps.clock.now();
      let due = this.dueAfterLast(r);
      if (due > now) continue;
      // missed runs (the appliance was off): only the latest is made
      for (let next = nextDue(r.definition, due, this.deps.timeZone); next <= now; next = nextDue(r.definition, due, this.deps.timeZone)) due = next;
      await this.runOne(r, due);
    }
  }

  private async runOne(r: StoredReport, dueMs: number): Promise<void> {
    this.madeDue.set(r.id, dueMs);
    const { from, to } = runPeriod(r.definition, dueMs, this.deps.timeZone);
    let csv: string | null = null;
    let error: string | null = null;
    try {
      csv = await this.deps.produce(r.definition, from, to);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.deps.logger.warn('a report could not be produced', { report: r.id, error });
    }
    try {
      // the report may have been removed while it ran
      if (this.deps.repo.get(r.id)) this.deps.repo.addRun(r.id, dueMs, { producedAt: Math.floor(this.deps.clock.now() / 1000), from, to, csv, error });
    } catch (e) {
      this.deps.onWriteError?.('stats reports', e);
      this.deps.logger.error('a report run could not be stored', { report: r.id, err: e });
    }
  }
}
