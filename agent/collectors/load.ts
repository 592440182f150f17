// Load-average collector (S1, family `load`): the three averages of /proc/loadavg.
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { makeSample, readRootFile, type Collector, type ProcCollectorOptions } from './collector.js';

/** Parses "0.52 0.58 0.59 1/467 12345" (proc(5)); the run-queue and last-pid columns are ignored. */
export function parseLoadavg(text: string): Record<FieldOf<'load'>, number> {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (load1 === undefined || load5 === undefined || load15 === undefined
    || !Number.isFinite(load1) || !Number.isFinite(load5) || !Number.isFinite(load15)) {
    throw new Error(`/proc/loadavg: unexpected content ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { load1, load5, load15 };
}

export function createLoadCollector(options: Pick<ProcCollectorOptions, 'root'> = {}): Collector {
  const root = options.root ?? '/';
  return {
    name: 'load',
    collect(t: number): Sample[] {
      return [makeSample(t, 'load', parseLoadavg(readRootFile(root, 'proc/loadavg')))];
    },
  };
}
