// Statistics and saved reports (S10, B5; docs/api.md "Statistics"): per server and field the min,
// average, max, 95th and 99th percentiles and availability of one metric family over a period,
// computed on the appliance from the RRD archives, for business hours, the other hours or all.
// The query and report-definition schemas are the routes' input schemas; the web UI imports the
// types only.
import { z } from 'zod';
import { METRICS_LIMITS, type Family } from './families.js';
import { HOURS, REPORT_SCHEDULES, STATS_FAMILIES, STATS_LIMITS, type Hours } from './stats-limits.js';

export * from './stats-limits.js';

const agentList = z.string().max(STATS_LIMITS.agents * (STATS_LIMITS.agentIdChars + 1))
  .transform((s) => [...new Set(s.split(',').map((a) => a.trim()).filter((a) => a !== ''))])
  .pipe(z.array(z.string().max(STATS_LIMITS.agentIdChars, `an agent id is at most ${STATS_LIMITS.agentIdChars} characters`))
    .min(1, 'name at least one agent (agents=<id>,<id>)')
    .max(STATS_LIMITS.agents, `at most ${STATS_LIMITS.agents} agents`));
const unixSeconds = z.string().regex(/^-?\d{1,15}$/, 'must be whole unix seconds').transform(Number);

/** `GET /stats?agents=&family=&key=&from=&to=&hours=&format=` */
export const statsQuerySchema = z.object({
  agents: agentList,
  family: z.enum(STATS_FAMILIES, { error: `must be one of ${STATS_FAMILIES.join(', ')}` }),
  /** the mount point, interface, core or disk of a keyed family */
  key: z.string().min(1).max(METRICS_LIMITS.maxKeyLength).optional(),
  /** unix seconds; default: a day before `to` */
  from: unixSeconds.optional(),
  /** unix seconds; default: now */
  to: unixSeconds.optional(),
  hours: z.enum(HOURS).default('all'),
  format: z.enum(['json', 'csv']).default('json'),
});
export type StatsQuery = z.infer<typeof statsQuerySchema>;

/** Where a figure came from: the archive's consolidation function and its row width. */
export interface StatsSource {
  cf: 'AVERAGE' | 'MIN' | 'MAX';
  stepS: number;
  /** one stored sample per row (the raw archive) rather than a consolidation of several */
  raw: boolean;
}

export interface FieldStats {
  field: string;
  unit: string;
  /** null: no data in the period (availability 0) */
  min: number | null;
  avg: number | null;
  max: number | null;
  p95: number | null;
  p99: number | null;
  /** share of the period's rows (of the chosen hours) that hold a value, 0…1 */
  availability: number;
}

export interface ServerStats {
  agentId: string;
  hostname: string;
  /** which archive each figure was computed from; null when the server has no such series */
  sources: null | { min: StatsSource; avg: StatsSource; max: StatsSource; p95: StatsSource; p99: StatsSource; availability: StatsSource };
  fields: FieldStats[];
}

export interface BusinessHours {
  /** 0 = Sunday … 6 = Saturday */
  days: number[];
  /** "HH:MM", local time of the appliance's time zone */
  start: string;
  end: string;
}

export const businessHoursSchema = z.object({
  days: z.array(z.number().int().min(0).max(6)).max(7).transform((d) => [...new Set(d)].sort((a, b) => a - b)),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00…23:59)'),
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:01…24:00)'),
}).strict().refine((b) => b.start < b.end, { message: 'start must be before end', path: ['end'] });

export interface StatsResponse {
  family: Family;
  key?: string;
  from: number;
  to: number;
  hours: Hours;
  /** the appliance's IANA time zone the hours are read in */
  timeZone: string;
  businessHours: BusinessHours;
  servers: ServerStats[];
}

/** A saved report: produced at its schedule, each run covering the period that ends then. */
export const reportDefinitionSchema = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(STATS_LIMITS.nameChars),
  agents: z.array(z.string().min(1).max(STATS_LIMITS.agentIdChars)).min(1, 'name at least one agent').max(STATS_LIMITS.agents),
  family: z.enum(STATS_FAMILIES),
  key: z.string().min(1).max(METRICS_LIMITS.maxKeyLength).optional(),
  hours: z.enum(HOURS).default('all'),
  /** daily: the last day; weekly: the last 7 days; monthly: the last calendar month's length (28…31 days) */
  schedule: z.enum(REPORT_SCHEDULES),
  /** "HH:MM" in the appliance's time zone */
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  /** weekly: 0 = Sunday … 6 = Saturday (default Monday) */
  weekday: z.number().int().min(0).max(6).default(1),
  /** monthly: 1…28 (default 1) */
  monthDay: z.number().int().min(1).max(28).default(1),
  enabled: z.boolean().default(true),
}).strict();
export type ReportDefinitionInput = z.input<typeof reportDefinitionSchema>;
export type ReportDefinition = z.infer<typeof reportDefinitionSchema>;

export interface ReportRunInfo {
  id: number;
  /** unix s when it was produced */
  producedAt: number;
  from: number;
  to: number;
  bytes: number;
  /** null: produced; otherwise why it could not be */
  error: string | null;
}

export interface ReportView extends ReportDefinition {
  id: string;
  createdAt: number;
  /** unix s of the next scheduled run (null when disabled) */
  nextRun: number | null;
  runs: ReportRunInfo[];
}
