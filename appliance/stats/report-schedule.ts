// When a saved report is due and what period each run covers (S10), pure: daily, weekly (a
// weekday) or monthly (a day 1…28) at a local HH:MM of the appliance's time zone, DST included.
// A run covers the period that ends at its scheduled instant and starts at the same local time
// one day, seven days or one calendar month earlier.
import type { ReportDefinition } from '../../contract/stats-api.js';
import { parseHhMm } from '../alerting/policy/local-time.js';
import { localToUtcMs, utcToLocal, type LocalDateTime } from './local-hours.js';

type Schedule = Pick<ReportDefinition, 'schedule' | 'at' | 'weekday' | 'monthDay'>;

/** the local date `days` after (or before) this one, normalised through Date.UTC */
function addDays(d: LocalDateTime, days: number): LocalDateTime {
  const x = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate(), minute: d.minute };
}

function addMonths(d: LocalDateTime, months: number): LocalDateTime {
  const x = new Date(Date.UTC(d.year, d.month - 1 + months, 1));
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: d.day, minute: d.minute };
}

/** The first scheduled instant strictly after `afterMs` (unix ms). */
export function nextDue(s: Schedule, afterMs: number, zone: string): number {
  const minute = parseHhMm(s.at) ?? 0;
  const today = { ...utcToLocal(afterMs, zone), minute };
  if (s.schedule === 'monthly') {
    for (let m = 0; m <= 2; m++) {
      const due = localToUtcMs({ ...addMonths(today, m), day: s.monthDay }, zone);
      if (due > afterMs) return due;
    }
  } else {
    // a week and a day: the weekday comes round, and a time earlier today moves on
    for (let d = 0; d <= 8; d++) {
      const day = addDays(today, d);
      if (s.schedule === 'weekly' && new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay() !== s.weekday) continue;
      const due = localToUtcMs(day, zone);
      if (due > afterMs) return due;
    }
  }
  throw new Error(`no ${s.schedule} instant after ${afterMs}`);
}

/** The period a run scheduled at `dueMs` covers, unix seconds. */
export function runPeriod(s: Pick<ReportDefinition, 'schedule'>, dueMs: number, zone: string): { from: number; to: number } {
  const at = utcToLocal(dueMs, zone);
  const start = s.schedule === 'daily' ? addDays(at, -1) : s.schedule === 'weekly' ? addDays(at, -7) : addMonths(at, -1);
  return { from: Math.floor(localToUtcMs(start, zone) / 1000), to: Math.floor(dueMs / 1000) };
}
