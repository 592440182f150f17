// Wall-clock time in the appliance's time zone, for contact schedules and the times printed in
// SMS. Pure: the instant is passed in; the zone is an IANA name (through Intl, DST included)
// or a fixed offset from UTC.

/** An IANA zone ('Asia/Seoul') or a fixed offset in minutes east of UTC (540 for KST). */
export type TimeZoneSpec = { iana: string } | { utcOffsetMinutes: number };

export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hour: number;
  minute: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether Intl knows the zone name (for validating the configuration). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

export function localTime(ms: number, zone: TimeZoneSpec): LocalTime {
  if ('utcOffsetMinutes' in zone) {
    const d = new Date(ms + zone.utcOffsetMinutes * 60_000);
    return { weekday: d.getUTCDay(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(zone.iana).formatToParts(ms)) {
    if (part.type === 'weekday') weekday = WEEKDAYS.indexOf(part.value);
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, hour, minute };
}

/** "14:02" */
export function formatHhMm(ms: number, zone: TimeZoneSpec): string {
  const t = localTime(ms, zone);
  return `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

/** Minutes since local midnight from "HH:MM" ("24:00" = 1440), or null when malformed. */
export function parseHhMm(text: string): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes > 1440 ? null : minutes;
}
