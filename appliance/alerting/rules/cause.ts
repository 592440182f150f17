// The cause an alert carries (S7), computed from an agent's latest values (the registry's
// `latest`, contract/api.ts LatestSeries) and its latest top-process snapshot (a batch's `x.top`,
// contract/metrics.ts) at the moment the alert fires. Pure: no I/O.
//
// The top processes come from the agent's `top` collector, which runs on its own interval and
// may be switched off (S2): without a snapshot the cause simply has no process in it.
import type { LatestSeries } from '../../../contract/api.js';
import type { Snapshot } from '../../../contract/metrics.js';
import type { AlertCause, ProcessRef } from '../../../contract/alerting.js';
import { derivedValue } from './metric-observations.js';
import type { SilenceVerdict } from './rule-evaluator.js';

export interface TopProcesses {
  byCpu?: ProcessRef;
  byMemory?: ProcessRef;
}

type SnapshotProcess = NonNullable<Snapshot['top']>['cpu'][number];

function highest(list: readonly SnapshotProcess[]): ProcessRef | undefined {
  let best: SnapshotProcess | undefined;
  for (const p of list) if (!best || p.value > best.value) best = p;
  return best ? { name: best.name, pid: best.pid, user: best.user, pct: Math.round(best.value * 10) / 10 } : undefined;
}

/**
 * The process using the most CPU (% of one CPU, so above 100 on a multi-threaded hog) and the
 * one using the most memory (% of RAM), from a batch's `x.top` snapshot.
 */
export function topProcessesFromSnapshot(top: Snapshot['top']): TopProcesses {
  if (!top) return {};
  const byCpu = highest(top.cpu);
  const byMemory = highest(top.memory);
  return { ...(byCpu ? { byCpu } : {}), ...(byMemory ? { byMemory } : {}) };
}

/** The filesystem with the highest used % (as df prints it), or undefined when none is known. */
export function fullestFilesystem(latest: readonly LatestSeries[]): { mount: string; usedPct: number } | undefined {
  let best: { mount: string; usedPct: number } | undefined;
  for (const series of latest) {
    if (series.family !== 'fs' || series.key === undefined) continue;
    const usedPct = derivedValue('fs_used_pct', series.values, {});
    if (usedPct === null) continue;
    if (!best || usedPct > best.usedPct) best = { mount: series.key, usedPct: Math.round(usedPct * 10) / 10 };
  }
  return best;
}

export function computeCause(latest: readonly LatestSeries[], processes: TopProcesses = {}, silence?: SilenceVerdict): AlertCause {
  const fullestFs = fullestFilesystem(latest);
  return {
    ...(fullestFs ? { fullestFs } : {}),
    ...(processes.byCpu ? { topCpuProcess: processes.byCpu } : {}),
    ...(processes.byMemory ? { topMemProcess: processes.byMemory } : {}),
    ...(silence?.silent && silence.reason ? { silence: { reason: silence.reason, lastSeenMs: silence.lastSeenMs } } : {}),
  };
}
