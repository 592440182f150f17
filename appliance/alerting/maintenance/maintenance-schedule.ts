// When a maintenance window (B11) is open: its openings as spans of unix ms, in the appliance's
// time zone. Cron rules and the weekly windows' wall-clock times are resolved by croner (a
// maintained cron library that knows IANA zones and daylight saving: a time in the skipped hour
// does not exist that day, a time in the repeated hour happens once), so "Sunday 01:00–05:00" in
// Europe/Berlin opens at 01:00 and closes at 05:00 local on the change's Sunday too (3 hours in
// spring, 5 in autumn) instead of drifting by the offset.
import { Cron } from 'croner';
import { MAINTENANCE_LIMITS, type MaintenanceSchedule, type MaintenanceSpan } from '../../../contract/maintenance-api.js';
import { parseHhMm, type TimeZoneSpec } from '../policy/local-time.js';

const MINUTE = 60_000;
const crons = new Map<string, Cron>();

function zoneKey(zone: TimeZoneSpec): string {
  return 'iana' in zone ? zone.iana : `utc${zone.utcOffsetMinutes}`;
}

/** A cron rule in a zone, built once: croner parses the pattern at construction. */
function cronOf(pattern: string, zone: TimeZoneSpec): Cron {
  const key = `${pattern}\u0000${zoneKey(zone)}`;
  let c = crons.get(key);
  if (!c) {
    c = new Cron(pattern, 'iana' in zone ? { timezone: zone.iana } : { utcOffset: zone.utcOffsetMinutes });
    // bounded by what can be stored: windows × (start, end) patterns; a cleared cache is rebuilt
    if (crons.size >= MAINTENANCE_LIMITS.windows * 2) crons.clear();
    crons.set(key, c);
  }
  return c;
}

/** The first time after `afterMs` (exclusive) the pattern names, or null. */
function after(pattern: string, zone: TimeZoneSpec, afterMs: number): number | null {
  return cronOf(pattern, zone).nextRun(new Date(afterMs))?.getTime() ?? null;
}

/** "HH:MM" as a five-field cron's minute and hour ("24:00" is midnight). */
function minuteHour(hhmm: string): string {
  const m = parseHhMm(hhmm) ?? 0;
  return `${m % 60} ${Math.floor(m / 60) % 24}`;
}

/** The problem with a cron rule, or null when croner takes it (five fields: minute hour day month weekday). */
export function cronProblem(expr: string): string | null {
  if (expr.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week, like "0 2 * * 0"';
  try {
    new Cron(expr);
    return null;
  } catch (e) {
    return `is not a cron rule: ${e instanceof Error ? e.message : String(e)}`;
  }
}

interface Opener {
  /** the longest an opening can last: openings that started earlier cannot cover now */
  longestMs: number;
  /** the first opening starting after `afterMs` */
  nextStart(afterMs: number): number | null;
  endOf(startMs: number): number;
}

function opener(schedule: Exclude<MaintenanceSchedule, { kind: 'once' }>, zone: TimeZoneSpec): Opener {
  if (schedule.kind === 'cron') {
    const length = schedule.durationMinutes * MINUTE;
    return { longestMs: length, nextStart: (t) => after(schedule.cron, zone, t), endOf: (s) => s + length };
  }
  const startPattern = `${minuteHour(schedule.start)} * * ${[...schedule.days].sort().join(',')}`;
  const endPattern = `${minuteHour(schedule.end)} * * *`;
  return {
    // at most a day, plus the hour a daylight-saving change adds
    longestMs: 25 * 60 * MINUTE,
    nextStart: (t) => after(startPattern, zone, t),
    endOf: (s) => after(endPattern, zone, s) ?? s,
  };
}

/** The opening of the window in progress at `ms`, or null when it is closed then. */
export function spanAt(schedule: MaintenanceSchedule, ms: number, zone: TimeZoneSpec): MaintenanceSpan | null {
  if (schedule.kind === 'once') return schedule.startsAt <= ms && ms < schedule.endsAt ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const o = opener(schedule, zone);
  let found: MaintenanceSpan | null = null;
  // every opening that started in the last `longestMs` up to now; the one that ends last wins
  for (let s = o.nextStart(ms - o.longestMs - 1); s !== null && s <= ms; s = o.nextStart(s)) {
    const end = o.endOf(s);
    if (end > ms && (found === null || end > found.endsAt)) found = { startsAt: s, endsAt: end };
  }
  return found;
}

/** The first opening that starts after `afterMs`, or null when there is none. */
export function nextSpan(schedule: MaintenanceSchedule, afterMs: number, zone: TimeZoneSpec): MaintenanceSpan | null {
  if (schedule.kind === 'once') return schedule.startsAt > afterMs ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const o = opener(schedule, zone);
  const s = o.nextStart(afterMs);
  return s === null ? null : { startsAt: s, endsAt: o.endOf(s) };
}

/**
 * The openings that overlap [fromMs, toMs), oldest first, at most `max` (a chart's shaded bands,
 * B11): the same openings the alert engine keeps quiet, daylight saving included.
 */
export function spansBetween(schedule: MaintenanceSchedule, fromMs: number, toMs: number, zone: TimeZoneSpec, max: number): MaintenanceSpan[] {
  if (schedule.kind === 'once') return schedule.startsAt < toMs && schedule.endsAt > fromMs ? [{ startsAt: schedule.startsAt, endsAt: schedule.endsAt }] : [];
  const o = opener(schedule, zone);
  const spans: MaintenanceSpan[] = [];
  // an opening that started up to `longestMs` before the range may still cover its start
  for (let s = o.nextStart(fromMs - o.longestMs - 1); s !== null && s < toMs && spans.length < max; s = o.nextStart(s)) {
    const end = o.endOf(s);
    if (end > fromMs) spans.push({ startsAt: s, endsAt: end });
  }
  return spans;
}
