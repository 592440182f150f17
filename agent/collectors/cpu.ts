// CPU collector (S1, families `cpu` for the whole machine and `cpucore` per core): the `cpu` and
// `cpuN` lines of /proc/stat, turned into the share of time spent in each state since the
// previous reading.
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { RateTracker } from '../rate-tracker.js';
import { makeSample, monotonicMs, readRootFile, type Collector, type ProcCollectorOptions } from './collector.js';

/** Cumulative jiffies, as /proc/stat reports them (proc(5)). */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

const CPU_COLUMNS: (keyof CpuTimes)[] = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];

export interface ProcStatCpu {
  /** the aggregate `cpu` line */
  total: CpuTimes;
  /** `cpu0`, `cpu1`, … in the kernel's order (offline cores are absent) */
  cores: Map<string, CpuTimes>;
}

/**
 * Parses the cpu lines of /proc/stat. Columns a kernel does not report (iowait before 2.5.41,
 * steal before 2.6.11) read as 0. guest and guest_nice are left out: the kernel already counts
 * them inside user and nice.
 */
export function parseProcStatCpu(procStat: string): ProcStatCpu {
  let total: CpuTimes | null = null;
  const cores = new Map<string, CpuTimes>();
  for (const line of procStat.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...columns] = line.trim().split(/\s+/);
    if (name === undefined) continue;
    const times = {} as CpuTimes;
    CPU_COLUMNS.forEach((column, index) => {
      const value = Number(columns[index] ?? 0);
      if (!Number.isFinite(value)) throw new Error(`/proc/stat: ${name} column ${column} is not a number`);
      times[column] = value;
    });
    if (name === 'cpu') total = times;
    else cores.set(name, times);
  }
  if (!total) throw new Error('/proc/stat has no aggregate "cpu" line');
  return { total, cores };
}

/**
 * Percentages of the elapsed jiffies. The contract's five fields sum to 100: niced user time
 * counts as user, and interrupt time (irq, softirq) as system, which is where top and vmstat
 * would put it too. Null when no jiffies elapsed (two readings in the same tick).
 */
export function cpuPercentages(delta: CpuTimes): Record<FieldOf<'cpu'>, number> | null {
  const total = CPU_COLUMNS.reduce((sum, column) => sum + delta[column], 0);
  if (total <= 0) return null;
  const pct = (jiffies: number): number => (jiffies / total) * 100;
  return {
    user: pct(delta.user + delta.nice),
    system: pct(delta.system + delta.irq + delta.softirq),
    iowait: pct(delta.iowait),
    steal: pct(delta.steal),
    idle: pct(delta.idle),
  };
}

export function createCpuCollector(options: ProcCollectorOptions = {}): Collector {
  const root = options.root ?? '/';
  const nowMs = options.nowMs ?? monotonicMs;
  const tracker = new RateTracker<keyof CpuTimes>();
  return {
    name: 'cpu',
    collect(t: number): Sample[] {
      const { total, cores } = parseProcStatCpu(readRootFile(root, 'proc/stat'));
      const atMs = nowMs();
      const samples: Sample[] = [];
      const totalDelta = tracker.update('cpu', atMs, total);
      const totalValues = totalDelta && cpuPercentages(totalDelta.deltas);
      if (totalValues) samples.push(makeSample(t, 'cpu', totalValues));
      for (const [core, times] of cores) {
        const delta = tracker.update(core, atMs, times);
        const values = delta && cpuPercentages(delta.deltas);
        if (values) samples.push(makeSample(t, 'cpucore', values, core));
      }
      // a core taken offline and back starts from a fresh baseline
      tracker.retainOnly(new Set(['cpu', ...cores.keys()]));
      return samples;
    },
  };
}
