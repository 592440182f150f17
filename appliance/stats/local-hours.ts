// Business hours in the appliance's time zone (S10), pure: whether an instant falls in the
// configured days and HH:MM window, and the local wall-clock date of an instant and back (for
// the report schedule). Intl answers the zone's offset (DST included); it is asked once per
// quarter hour of the instants classified, since every zone's offset is a whole number of
// quarter hours and changes only on such a boundary, and a year of 5 s rows is 6 million
// instants.
import type { BusinessHours } from '../../contract/stats-api.js';
import { parseHhMm } from '../alerting/policy/local-time.js';

const QUARTER_HOUR_MS = 900_000;
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

/** zoneOffsetMs, remembered per quarter hour: for classifying many instants of one zone. */
export function offsetCache(zone: string): (ms: number) => number {
  const cache = new Map<number, number>();
  return (ms) => {
    const slot = Math.floor(ms / QUARTER_HOUR_MS);
    let off = cache.get(slot);
    if (off === undefined) {
      off = zoneOffsetMs(slot * QUARTER_HOUR_MS, zone);
      cache.set(slot, off);
    }
    return off;
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

/** The unix ms at which the zone's clocks show this local date and time (a time skipped by DST: the instant after the jump). */
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
