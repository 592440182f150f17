// The Statistics screen's selection (S10), pure: which servers, family, key, period and hours;
// the period's presets (the day, week, month or year up to now) or a custom range; and the
// query the API takes for it. How a figure is shown by its unit.
import type { Family } from '../../contract/metrics.js';
import type { Hours, StatsSource } from '../../contract/stats-api.js';
import type { Formatters } from './locale-format.js';

export const PERIODS = ['day', 'week', 'month', 'year', 'custom'] as const;
export type Period = (typeof PERIODS)[number];

export const PRESET_S: Record<Exclude<Period, 'custom'>, number> = { day: 86_400, week: 7 * 86_400, month: 31 * 86_400, year: 365 * 86_400 };

export interface StatsSelection {
  agents: string[];
  family: Family;
  key: string;
  period: Period;
  /** custom period, unix s */
  from: number | null;
  to: number | null;
  hours: Hours;
}

/** The period as unix seconds: a preset ends now. */
export function periodRange(sel: Pick<StatsSelection, 'period' | 'from' | 'to'>, nowS: number): { from: number; to: number } {
  if (sel.period === 'custom') return { from: sel.from ?? nowS - 86_400, to: sel.to ?? nowS };
  return { from: nowS - PRESET_S[sel.period], to: nowS };
}

export function statsParams(sel: StatsSelection, nowS: number): URLSearchParams {
  const { from, to } = periodRange(sel, nowS);
  const p = new URLSearchParams({ agents: sel.agents.join(','), family: sel.family, from: String(from), to: String(to), hours: sel.hours });
  if (sel.key) p.set('key', sel.key);
  return p;
}

/** A figure in its unit: "42.51%", "1.5 GiB", "12.30". */
export function formatFigure(v: number | null, unit: string, fmt: Formatters): string {
  if (v === null) return '–';
  if (unit === 'B') return fmt.bytes(v);
  if (unit === 'B/s') return `${fmt.bytes(v)}/s`;
  if (unit === '%') return `${fmt.number(v, 2)}%`;
  return fmt.number(v, 2) + (unit ? ` ${unit}` : '');
}

/** `datetime-local` input value ⇄ unix s, in the browser's time zone. */
export function toLocalInput(s: number): string {
  const d = new Date(s * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(text: string): number | null {
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** "AVERAGE 1 min", "MIN 5 min", "AVERAGE 1 h": which rows a figure came from. */
export function sourceText(s: StatsSource): string {
  const step = s.stepS % 3600 === 0 ? `${s.stepS / 3600} h` : s.stepS % 60 === 0 ? `${s.stepS / 60} min` : `${s.stepS} s`;
  return `${s.cf} ${step}`;
}
