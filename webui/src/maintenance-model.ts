// Maintenance windows (B11) in the UI, without a browser: the form's draft and its API body, a
// window read back into a draft for editing, times shown in the appliance's time zone (where the
// windows' hours are meant, whatever the browser's zone) and the chart's shaded bands placed from
// the openings in its range.
import type { MaintenanceInput, MaintenanceSchedule, MaintenanceScope, MaintenanceSpan, MaintenanceWindow } from '../../contract/maintenance-api.js';

export type ScheduleKind = MaintenanceSchedule['kind'];
export type ScopeKind = MaintenanceScope['kind'];

/** The form's fields as typed: strings until they become the API's body. */
export interface MaintenanceDraft {
  scopeKind: ScopeKind;
  agentId: string;
  groupId: string;
  scheduleKind: ScheduleKind;
  /** weekly: 0 = Sunday … 6 = Saturday */
  days: number[];
  start: string;
  end: string;
  /** once: "YYYY-MM-DDTHH:MM" wall-clock in the appliance's zone (a datetime-local field) */
  startsAt: string;
  endsAt: string;
  cron: string;
  durationMinutes: string;
  reason: string;
}

export const EMPTY_DRAFT: MaintenanceDraft = {
  scopeKind: 'agent', agentId: '', groupId: '', scheduleKind: 'weekly', days: [0], start: '01:00', end: '05:00',
  startsAt: '', endsAt: '', cron: '0 2 * * 0', durationMinutes: '120', reason: '',
};

/** Form field names, as the API's problem paths name them (alerting-model.ts problemsByField). */
export const MAINTENANCE_FIELDS = [
  'scope.agentId', 'scope.groupId', 'scope', 'schedule.days', 'schedule.start', 'schedule.end', 'schedule.startsAt', 'schedule.endsAt',
  'schedule.cron', 'schedule.durationMinutes', 'schedule', 'reason',
] as const;

// --- the appliance's wall clock ---------------------------------------------------------------------

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday */
  weekday: number;
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

function wallFormat(zone: string): Intl.DateTimeFormat {
  let f = wallFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short', hourCycle: 'h23' });
    wallFormats.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** What the appliance's wall clock reads at `ms`. */
export function wallClockAt(ms: number, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of wallFormat(zone).formatToParts(ms)) parts[p.type] = p.value;
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour) % 24, minute: Number(parts.minute), weekday: WEEKDAYS.indexOf(parts.weekday ?? 'Sun'),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "YYYY-MM-DDTHH:MM" (a datetime-local field's value) as the appliance's wall clock shows `ms`. */
export function localInputValue(ms: number, zone: string): string {
  const w = wallClockAt(ms, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * A wall-clock "YYYY-MM-DDTHH:MM" in the appliance's zone as unix ms, or null when it is not a
 * time. The zone's offsets a day before and after are tried (a daylight-saving change lies
 * between them at most once): a time in the repeated autumn hour is its first occurrence, one in
 * the skipped spring hour is read with the offset before the change (the clock shows it an hour
 * later), as the appliance's own schedule does.
 */
export function msOfLocalInput(value: string, zone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  if (!Number.isFinite(asUtc)) return null;
  const offsetAt = (ms: number): number => {
    const w = wallClockAt(ms, zone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(ms / 60_000) * 60_000;
  };
  const before = asUtc - offsetAt(asUtc - 86_400_000);
  const after = asUtc - offsetAt(asUtc + 86_400_000);
  const fitting = [before, after].filter((c) => localInputValue(c, zone) === value);
  return fitting.length > 0 ? Math.min(...fitting) : before;
}

/**
 * `ms` as the appliance's wall clock shows it, weekday included, in the UI's language:
 * "Sun, 03/29/2026, 01:00" / "2026. 3. 29. (일) 01:00". The browser's own zone plays no part.
 */
export function formatInZone(ms: number, zone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

// --- drafts and bodies ------------------------------------------------------------------------------

/** The API's body from the form; fields the schedule kind does not use are left out. */
export function inputFromDraft(d: MaintenanceDraft, zone: string): MaintenanceInput {
  const scope: MaintenanceScope = d.scopeKind === 'all' ? { kind: 'all' } : d.scopeKind === 'group' ? { kind: 'group', groupId: d.groupId } : { kind: 'agent', agentId: d.agentId };
  let schedule: MaintenanceSchedule;
  if (d.scheduleKind === 'weekly') schedule = { kind: 'weekly', days: [...d.days].sort((a, b) => a - b), start: d.start, end: d.end };
  else if (d.scheduleKind === 'cron') schedule = { kind: 'cron', cron: d.cron.trim(), durationMinutes: Number(d.durationMinutes) };
  // an unreadable time goes as NaN → null in JSON: the appliance names the field
  else schedule = { kind: 'once', startsAt: msOfLocalInput(d.startsAt, zone) ?? Number.NaN, endsAt: msOfLocalInput(d.endsAt, zone) ?? Number.NaN };
  return { scope, schedule, reason: d.reason.trim() };
}

/** A stored window back in the form, for editing. */
export function draftFromWindow(w: MaintenanceWindow, zone: string): MaintenanceDraft {
  const d: MaintenanceDraft = { ...EMPTY_DRAFT, scopeKind: w.scope.kind, scheduleKind: w.schedule.kind, reason: w.reason };
  if (w.scope.kind === 'agent') d.agentId = w.scope.agentId;
  if (w.scope.kind === 'group') d.groupId = w.scope.groupId;
  const s = w.schedule;
  if (s.kind === 'weekly') Object.assign(d, { days: [...s.days], start: s.start, end: s.end });
  else if (s.kind === 'cron') Object.assign(d, { cron: s.cron, durationMinutes: String(s.durationMinutes) });
  else Object.assign(d, { startsAt: localInputValue(s.startsAt, zone), endsAt: localInputValue(s.endsAt, zone) });
  return d;
}

// --- the chart's bands ------------------------------------------------------------------------------

/** A shaded band over a chart: where it starts and how wide it is, in per cent of the plot's width. */
export interface BandPlacement {
  leftPct: number;
  widthPct: number;
  /** the opening's own times (unix ms), for its tooltip */
  startsAt: number;
  endsAt: number;
}

/**
 * The bands of the openings over a chart showing [fromS, toS] (unix seconds): each clipped to
 * the range, overlapping ones (a server's own window and its group's) merged into one, those
 * outside the range left out. Oldest first.
 */
export function bandPlacements(spans: readonly MaintenanceSpan[], fromS: number, toS: number): BandPlacement[] {
  const from = fromS * 1000;
  const to = toS * 1000;
  if (!(to > from)) return [];
  const clipped = spans
    .filter((s) => s.endsAt > from && s.startsAt < to && s.endsAt > s.startsAt)
    .map((s) => ({ startsAt: s.startsAt, endsAt: s.endsAt }))
    .sort((a, b) => a.startsAt - b.startsAt);
  const merged: { startsAt: number; endsAt: number }[] = [];
  for (const s of clipped) {
    const last = merged.at(-1);
    if (last && s.startsAt <= last.endsAt) last.endsAt = Math.max(last.endsAt, s.endsAt);
    else merged.push({ ...s });
  }
  const pct = (ms: number): number => ((Math.min(to, Math.max(from, ms)) - from) / (to - from)) * 100;
  return merged.map((s) => ({ leftPct: pct(s.startsAt), widthPct: pct(s.endsAt) - pct(s.startsAt), startsAt: s.startsAt, endsAt: s.endsAt }));
}
