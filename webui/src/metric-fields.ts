// Which contract fields each view shows, and the few derived values (busy CPU %, used memory %;
// used filesystem % is contract/filesystem-use.ts, shared with the alert rules). The field lists are checked against contract/families.ts at compile time
// through types only, so a contract change breaks the UI build instead of the UI.
import type { LatestSeries } from '../../contract/api.js';
import type { FAMILIES, Family, FieldOf } from '../../contract/families.js';

/** Unit of a contract field, so that a unit change in the contract breaks the build here. */
export type UnitOf<F extends Family, K extends FieldOf<F>> = (typeof FAMILIES)[F]['fields'][K];

/** Stacked in this order, bottom first: what the workload asked for, then what the box lost. */
export const CPU_FIELDS = ['user', 'system', 'iowait', 'steal'] as const satisfies readonly FieldOf<'cpu'>[];
export const CPU_UNIT = '%' satisfies UnitOf<'cpu', 'user'>;

export const MEMORY_FIELDS = ['used', 'cached', 'available', 'swap_used'] as const satisfies readonly FieldOf<'memory'>[];
export const MEMORY_UNIT = 'B' satisfies UnitOf<'memory', 'used'>;

export const FS_FIELDS = ['used', 'size'] as const satisfies readonly FieldOf<'fs'>[];
export const FS_UNIT = 'B' satisfies UnitOf<'fs', 'used'>;

export const NET_FIELDS = ['rx_bytes', 'tx_bytes'] as const satisfies readonly FieldOf<'net'>[];
/** The contract carries bytes per second; the UI shows bits per second, as links are rated. */
export const NET_UNIT = 'B/s' satisfies UnitOf<'net', 'rx_bytes'>;
export const BITS_PER_BYTE = 8;

/** How a chart's axis and legend print values ('plain': a number, its unit in the chart's title: a check's perfdata). */
export type DisplayKind = 'percent' | 'bytes' | 'bitsPerSec' | 'plain';

/** Byte rates are shown as bit rates: that is how links and switch ports are rated. */
export function displayKindOf(unit: '%' | 'B' | 'B/s'): DisplayKind {
  switch (unit) {
    case '%':
      return 'percent';
    case 'B':
      return 'bytes';
    case 'B/s':
      return 'bitsPerSec';
  }
}

type Values = LatestSeries['values'];

function num(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function clampPct(v: number): number {
  return Math.min(100, Math.max(0, v));
}

/** Busy CPU: everything but idle (nice, irq and softirq included), else the sum of what we chart. */
export function cpuBusyPct(v: Values): number | null {
  const idle = num(v.idle);
  if (idle !== null) return clampPct(100 - idle);
  let sum = 0;
  let any = false;
  for (const f of CPU_FIELDS) {
    const x = num(v[f]);
    if (x !== null) {
      sum += x;
      any = true;
    }
  }
  return any ? clampPct(sum) : null;
}

export function memoryUsedPct(v: Values): number | null {
  const used = num(v.used);
  const total = num(v.total);
  return used !== null && total !== null && total > 0 ? clampPct((used / total) * 100) : null;
}

/** Loopback carries no traffic worth a chart line. */
export function isChartedInterface(name: string): boolean {
  return name !== 'lo';
}
