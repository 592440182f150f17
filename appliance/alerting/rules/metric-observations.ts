// Turns validated samples (contract/metrics.ts) into the values a rule compares: a raw field or
// one of the derived metrics of rule-types.ts, one observation per series (per key for keyed
// families). Pure: no I/O.
import type { Sample } from '../../../contract/metrics.js';
import { metricFamily } from './rule-types.js';
import { EVERY_KEY, type DerivedMetricName, type RuleMetric } from '../../../contract/alerting.js';
import { filesystemUsedPct } from '../../../contract/filesystem-use.js';

/** Facts about the agent that some derived metrics need (from its inventory). */
export interface MetricContext {
  cpuCores?: number | null;
}

export interface Observation {
  /** Key of a keyed family (mount point, interface); absent for unkeyed families. */
  key?: string;
  /** Sample time, unix ms (the agent's clock). */
  tMs: number;
  value: number;
}

type Values = Sample['v'];

const num = (v: Values, field: string): number | null => {
  const x = v[field];
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
};

const pct = (part: number | null, whole: number | null): number | null =>
  part === null || whole === null || whole <= 0 ? null : Math.min(100, Math.max(0, (part / whole) * 100));

/** One derived value from the fields of one sample; null when the inputs are missing or meaningless. */
export function derivedValue(name: DerivedMetricName, v: Values, context: MetricContext): number | null {
  switch (name) {
    case 'cpu_busy_pct': {
      const idle = num(v, 'idle');
      return idle === null ? null : Math.min(100, Math.max(0, 100 - idle));
    }
    case 'memory_used_pct':
      return pct(num(v, 'used'), num(v, 'total'));
    case 'swap_used_pct':
      return pct(num(v, 'swap_used'), num(v, 'swap_total'));
    case 'fs_used_pct':
      return filesystemUsedPct({ used: num(v, 'used'), avail: num(v, 'avail') });
    case 'fs_inodes_used_pct':
      return pct(num(v, 'inodes_used'), num(v, 'inodes'));
    case 'load1_per_core': {
      const load1 = num(v, 'load1');
      const cores = context.cpuCores ?? null;
      return load1 === null || cores === null || cores <= 0 ? null : load1 / cores;
    }
  }
}

/**
 * The observations of `metric` in `samples` (one batch of one agent). Series whose value is
 * unknown are left out: missing data is handled by the evaluator's staleness sweep, never as 0.
 * Agent silence is not read from samples (see rule-evaluator.ts `silentCheck`).
 */
export function observeMetric(metric: RuleMetric, samples: readonly Sample[], context: MetricContext): Observation[] {
  const family = metricFamily(metric);
  // agent silence and checks are not read from samples
  if (family === null || (metric.kind !== 'field' && metric.kind !== 'derived')) return [];
  const wantedKey = metric.key === undefined || metric.key === EVERY_KEY ? null : metric.key;
  const out: Observation[] = [];
  for (const sample of samples) {
    if (sample.f !== family) continue;
    if (wantedKey !== null && sample.k !== wantedKey) continue;
    const value = metric.kind === 'field' ? num(sample.v, metric.field) : derivedValue(metric.name, sample.v, context);
    if (value === null) continue;
    out.push({ tMs: sample.t * 1000, value, ...(sample.k !== undefined ? { key: sample.k } : {}) });
  }
  return out;
}
