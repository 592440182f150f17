// What the panel's "All metrics" tab charts (S1): which keys of the keyed families get a line
// (bounded, so a 64-core server or a router with 40 interfaces stays readable), and the chart
// columns made from the series API's answers. Pure functions.
import type { AgentDetail, SeriesResponse } from '../../contract/api.js';
import { FAMILIES, type Family } from '../../contract/families.js';
import { isChartedInterface } from './metric-fields.js';
import { alignWindows, emptyWindow, scaleWindow, windowFromResponse, type Columns, type SeriesWindow } from './series-window.js';

export const MAX_CORES = 16;
export const MAX_DISKS = 4;
export const MAX_INTERFACES = 4;

export const LOAD_FIELDS = ['load1', 'load5', 'load15'] as const;
export const TCP_FIELDS = Object.keys(FAMILIES.tcp.fields);
export const DISK_OPS_FIELDS = ['reads', 'writes'] as const;
export const DISK_BYTES_FIELDS = ['read_bytes', 'write_bytes'] as const;
export const NET_ERROR_FIELDS = ['rx_errs', 'tx_errs', 'rx_drop', 'tx_drop'] as const;

export interface FamilyKeys {
  cores: string[];
  /** cores the server has (the chart shows the first MAX_CORES) */
  coreCount: number;
  disks: string[];
  interfaces: string[];
}

/** "cpu10" after "cpu9": numbers in keys compared as numbers. */
const natural = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

function keysOf(detail: AgentDetail | null, family: Family): string[] {
  const keys = new Set<string>();
  for (const s of detail?.latest ?? []) if (s.family === family && s.key !== undefined) keys.add(s.key);
  return [...keys].sort(natural);
}

export function familyKeys(detail: AgentDetail | null): FamilyKeys {
  const cores = keysOf(detail, 'cpucore');
  return {
    cores: cores.slice(0, MAX_CORES),
    coreCount: cores.length,
    disks: keysOf(detail, 'disk').slice(0, MAX_DISKS),
    interfaces: keysOf(detail, 'net').filter(isChartedInterface).slice(0, MAX_INTERFACES),
  };
}

function windowOf(fields: readonly string[], r: SeriesResponse | null): SeriesWindow {
  return r ? windowFromResponse(fields, r) : emptyWindow(fields);
}

/** One column per field of one series. */
export function columnsOf(fields: readonly string[], r: SeriesResponse | null): Columns {
  return windowOf(fields, r).data;
}

/** The same fields of several series (disks, interfaces), series by series, on one time axis. */
export function keyedColumns(fields: readonly string[], answers: readonly (SeriesResponse | null)[], factor = 1): Columns {
  return alignWindows(answers.map((r) => (factor === 1 ? windowOf(fields, r) : scaleWindow(windowOf(fields, r), factor))));
}

/** Busy % of each core: 100 − idle (nice, irq and softirq count as busy, as on the CPU chart). */
export function coreBusyColumns(answers: readonly (SeriesResponse | null)[]): Columns {
  return alignWindows(answers.map((r) => {
    const w = windowOf(['idle'], r);
    const busy = (w.data[1] ?? []).map((v) => (v === null ? null : Math.min(100, Math.max(0, 100 - v))));
    return { fields: ['busy'], data: [w.data[0], busy] };
  }));
}
