// Service checks (S5, S6, S16): the states and measurements a check reports, shared by the agent
// (which runs port, process, log, script and quota checks), the appliance (which runs probes and
// stores results) and the web UI. A check's result follows the monitoring-plugins convention
// (https://www.monitoring-plugins.org/doc/guidelines.html): a state, one line of output, a
// bounded long output, and performance data.

import type { CheckState } from '../core/check-result.js';

export { CHECK_STATES, type CheckState, type Perfdatum } from '../core/check-result.js';

/** A plugin's exit code → its state; any other code (or a signal) is UNKNOWN. */
export function stateOfExitCode(code: number | null): CheckState {
  if (code === null) return 'unknown';
  switch (code) {
    case 0: return 'ok';
    case 1: return 'warning';
    case 2: return 'critical';
    default: return 'unknown';
  }
}

/** Units of measure the plugin guidelines define; anything else is kept as written ('' = a plain number). */
export const PERFDATA_UNITS = ['', 's', 'ms', 'us', '%', 'B', 'KB', 'MB', 'GB', 'TB', 'c'] as const;

export const CHECK_LIMITS = {
  /** the first line of output, characters */
  outputChars: 1024,
  /** the long output (every line after the first), bytes (UTF-8) */
  longOutputBytes: 4096,
  /** performance data items per result */
  perfdata: 64,
  /** a perfdata label, characters */
  labelChars: 128,
} as const;

/**
 * A threshold range (the guidelines' `[@]start:end`): an alert is raised when the value is
 * outside start..end (both included), or inside it with a leading `@`. `10` means 0:10, `10:`
 * means 10 to infinity, `~:10` means minus infinity to 10.
 */
export interface ThresholdRange {
  start: number;
  end: number;
  /** true (`@`): alert when the value is inside the range */
  inside: boolean;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function parseBound(text: string, empty: number): number | null {
  if (text === '') return empty;
  if (text === '~') return Number.NEGATIVE_INFINITY;
  return NUMBER.test(text) ? Number(text) : null;
}

/** Parses a threshold range; null when it is not one (a start above its end included). */
export function parseThresholdRange(text: string): ThresholdRange | null {
  let t = text.trim();
  const inside = t.startsWith('@');
  if (inside) t = t.slice(1);
  if (t === '') return null;
  const colon = t.indexOf(':');
  let start: number | null;
  let end: number | null;
  if (colon < 0) {
    start = 0;
    end = NUMBER.test(t) ? Number(t) : null;
  } else {
    start = parseBound(t.slice(0, colon), 0);
    const endText = t.slice(colon + 1);
    end = endText === '' ? Number.POSITIVE_INFINITY : NUMBER.test(endText) ? Number(endText) : null;
  }
  if (start === null || end === null || start > end) return null;
  return { start, end, inside };
}

/** True when `value` raises an alert under `range`. */
export function breaches(range: ThresholdRange, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}

/** The state of a value against warning and critical ranges (critical first); unparsable ranges are ignored. */
export function stateOfValue(value: number, warn: string | null, crit: string | null): CheckState {
  const c = crit !== null ? parseThresholdRange(crit) : null;
  if (c && breaches(c, value)) return 'critical';
  const w = warn !== null ? parseThresholdRange(warn) : null;
  if (w && breaches(w, value)) return 'warning';
  return 'ok';
}
