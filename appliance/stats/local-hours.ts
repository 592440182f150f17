// Business hours in the appliance's time zone (S10), pure: whether an instant falls in the
// configured days and HH:MM window, and the local wall-clock date of an instant and back (for
// the report schedule). Intl answers the zone's offset (DST included), at ~15 µs a call: it is
// asked twice per UTC day of the instants classified, and where the offset differs at the two
// ends of a day (a DST change) once per quarter hour of that day, since every zone's offset is
// a whole number of quarter hours and changes only on such a boundary (a year of hourly rows
// asked per row took 150 ms: docs/benchmarks.md).
import type { BusinessHours } from '../../contract/stats-api.js';
import { parseHhMm } from '../alerting/policy/local-time.js';

const QUARTER_HOUR_MS = 900_000;
const DAY_MS = 86_400_000;
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at `ms`, in ms (Asia/Seoul: +9 h). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** zoneOffsetMs, remembered per day (per quarter hour on a day the offset changes): for classifying many instants of one zone. */
export function offsetCache(zone: string): (ms: number) => number {
  /** per UTC day: its one offset, or null when it changes within the day */
  const days = new Map<number, number | null>();
  const quarters = new Map<number, number>();
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let off = days.get(day);
    if (off === undefined) {
      const first = zoneOffsetMs(day * DAY_MS, zone);
      off = zoneOffsetMs((day + 1) * DAY_MS - QUARTER_HOUR_MS, zone) === first ? first : null;
      days.set(day, off);
    }
    if (off !== null) return off;
    const slot = Math.floor(ms / QUARTER_HOUR_MS);
    let q = quarters.get(slot);
    if (q === undefined) {
      q = zoneOffsetMs(slot * QUARTER_HOUR_MS, zone);
      quarters.set(slot, q);
    }
    return q;
  };
}

/** A predicate: is this instant (unix ms) within business hours, in `zone`? */
export function businessHoursTest(hours: BusinessHours, zone: string): (ms: number) => boolean {
  const start = parseHhMm(hours.start) ?? 0;
  const end = parseHhMm(hours.end) ?? 1440;
  const days = new Set(hours.days);
  const offset = offsetCache(zone);
  return (ms) => {
    const local = new Date(ms + offset(ms));
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    return days.has(local.getUTCDay()) && minute >= start && minute < end;
  };
}

export interface LocalDateTime {
  year: number;
  /** 1…12 */
  month: number;
  day: number;
  /** minutes since local midnight */
  minute: number;
}

/** The unix ms at which the zone's clocks show this local date and time (a time a DST change skips: as far after the change as it was after the skipped hour's start). */
export function localToUtcMs(t: LocalDateTime, zone: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, 0, t.minute);
  // the offset at the guess, then at the corrected guess: right on both sides of a DST change
  const first = wall - zoneOffsetMs(wall, zone);
  return wall - zoneOffsetMs(first, zone);
}

/** The local calendar date (and minute of the day) of an instant. */
export function utcToLocal(ms: number, zone: string): LocalDateTime & { weekday: number } {
  const local = new Date(ms + zoneOffsetMs(ms, zone));
  return {
    year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(),
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(), weekday: local.getUTCDay(),
  };
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
