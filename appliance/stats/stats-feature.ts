// Statistics and saved reports (S10) as one feature: the statistics service over the RRD store,
// the report definitions in SQLite, the scheduler that produces them, and the business hours
// setting. Built by the composition root with one deps object; start() starts the scheduler.
import { randomBytes } from 'node:crypto';
import { RwError } from '../../contract/errors.js';
import {
  businessHoursSchema, reportDefinitionSchema, STATS_LIMITS,
  type BusinessHours, type ReportDefinition, type ReportView, type StatsResponse,
} from '../../contract/stats-api.js';
import type { Clock } from '../../core/clock.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../db/database.js';
import { boundedRange } from '../store/series-routes.js';
import { DEFAULT_BUSINESS_HOURS } from './local-hours.js';
import { ReportRepository } from './report-repository.js';
import { ReportScheduler } from './report-scheduler.js';
import { resolveServers } from './server-names.js';
import { statsCsv } from './stats-csv.js';
import { StatsService, type ConsolidatedSource, type StatsRequest } from './stats-service.js';

export interface StatsFeatureDeps {
  db: Db;
  store: ConsolidatedSource;
  hostnameOf: (agentId: string) => string | null;
  /** the agents enrolled under a host name (any case): `agents=` takes host names too */
  idsNamed: (hostname: string) => readonly string[];
  clock: Clock;
  timeZone: string;
  /** how far back the RRD files keep anything, seconds */
  retentionS: number;
  logger: Logger;
  onWriteError?: (where: string, err: unknown) => void;
}

export class StatsFeature {
  readonly repo: ReportRepository;
  readonly service: StatsService;
  readonly scheduler: ReportScheduler;

  constructor(private readonly deps: StatsFeatureDeps) {
    this.repo = new ReportRepository(deps.db);
    this.service = new StatsService({
      store: deps.store, hostnameOf: deps.hostnameOf, timeZone: deps.timeZone, businessHours: () => this.businessHours(),
    });
    this.scheduler = new ReportScheduler({
      repo: this.repo, clock: deps.clock, timeZone: deps.timeZone, logger: deps.logger.child('reports'),
      produce: async (def, from, to) => statsCsv(await this.stats({ ...def, from, to })),
      ...(deps.onWriteError ? { onWriteError: deps.onWriteError } : {}),
    });
  }

  start(): void {
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }

  /** The period is bounded as a series read's is (400 days back, a day ahead); default: the last day. */
  stats(req: Omit<StatsRequest, 'from' | 'to'> & { from?: number | undefined; to?: number | undefined }): Promise<StatsResponse> {
    const range = boundedRange(req.from, req.to, 86_400, { clock: this.deps.clock, retentionS: this.deps.retentionS });
    const agents = resolveServers(req.agents, { exists: (id) => this.deps.hostnameOf(id) !== null, idsNamed: this.deps.idsNamed });
    return this.service.compute({ ...req, agents, ...range });
  }

  businessHours(): BusinessHours {
    const saved = businessHoursSchema.safeParse(this.repo.businessHours());
    return saved.success ? saved.data : DEFAULT_BUSINESS_HOURS;
  }

  setBusinessHours(hours: BusinessHours): BusinessHours {
    this.repo.saveBusinessHours(hours);
    return hours;
  }

  reports(): ReportView[] {
    return this.repo.list().map((r) => this.view(r.id));
  }

  view(id: string): ReportView {
    const r = this.repo.get(id);
    if (!r) throw new RwError('RW_ERR_NOT_FOUND', `no report ${id.slice(0, 64)}`);
    const next = this.scheduler.nextRun(r);
    return { id: r.id, ...r.definition, createdAt: Math.floor(r.createdAt / 1000), nextRun: next === null ? null : Math.floor(next / 1000), runs: this.repo.runs(r.id) };
  }

  create(input: unknown): Parsed<ReportView> {
    const def = this.checked(input);
    if (!def.ok) return def;
    if (this.repo.count() >= STATS_LIMITS.reports) throw new RwError('RW_ERR_CONFLICT', `at most ${STATS_LIMITS.reports} reports: remove one first`);
    const id = `r-${randomBytes(6).toString('hex')}`;
    this.repo.insert(id, def.value, this.deps.clock.now());
    this.scheduler.reschedule();
    return { ok: true, value: this.view(id) };
  }

  update(id: string, input: unknown): Parsed<ReportView> {
    if (!this.repo.get(id)) throw new RwError('RW_ERR_NOT_FOUND', `no report ${id.slice(0, 64)}`);
    const def = this.checked(input);
    if (!def.ok) return def;
    this.repo.update(id, def.value, this.deps.clock.now());
    this.scheduler.reschedule();
    return { ok: true, value: this.view(id) };
  }

  remove(id: string): void {
    if (!this.repo.delete(id)) throw new RwError('RW_ERR_NOT_FOUND', `no report ${id.slice(0, 64)}`);
    this.scheduler.reschedule();
  }

  runCsv(id: string, runId: number): { csv: string; fileName: string } {
    const run = this.repo.runCsv(id, runId);
    if (!run) throw new RwError('RW_ERR_NOT_FOUND', `no run ${runId} of report ${id.slice(0, 64)}`);
    if (run.csv === null) throw new RwError('RW_ERR_NOT_FOUND', `run ${runId} of report ${id.slice(0, 64)} failed and has no CSV`);
    const day = new Date(run.producedAt * 1000).toISOString().slice(0, 10).replace(/-/g, '');
    return { csv: run.csv, fileName: `rackwatch-report-${id}-${day}-${runId}.csv` };
  }

  /** The schema's problems are 400s; unknown servers too, naming them. */
  private checked(input: unknown): Parsed<ReportDefinition> {
    const parsed = reportDefinitionSchema.safeParse(input);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const unknown = parsed.data.agents.filter((a) => this.deps.hostnameOf(a) === null);
    if (unknown.length > 0) return { ok: false, problems: [`agents: no server ${unknown.slice(0, 5).join(', ')}`] };
    return { ok: true, value: parsed.data };
  }
}
