// The statistics API's lists and bounds (S10), without zod: the web UI imports them as values
// (the schemas in stats-api.ts would bring zod into the browser bundle).
import { APPLIANCE_FAMILIES, FAMILY_NAMES, type Family } from './families.js';

export const STATS_LIMITS = {
  /** servers in one statistics request or report */
  agents: 50,
  /** characters of one agent id in `agents=` */
  agentIdChars: 128,
  /** saved report definitions */
  reports: 100,
  /** produced CSV files kept per report (the oldest go first) */
  runsPerReport: 30,
  nameChars: 100,
} as const;

/** Families an agent sends (the appliance's own `check` perfdata has its own series route). */
export const STATS_FAMILIES = FAMILY_NAMES.filter((f) => !APPLIANCE_FAMILIES.has(f)) as [Family, ...Family[]];
export const HOURS = ['all', 'business', 'other'] as const;
export type Hours = (typeof HOURS)[number];

export const REPORT_SCHEDULES = ['daily', 'weekly', 'monthly'] as const;
export type ReportSchedule = (typeof REPORT_SCHEDULES)[number];
