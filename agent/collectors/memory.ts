// Memory collector (S1, family `memory`): RAM and swap from /proc/meminfo, in bytes.
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { makeSample, readRootFile, type Collector, type ProcCollectorOptions } from './collector.js';

/** Parses "Key:   value kB" lines into key → bytes (lines without a unit, e.g. HugePages_*, stay counts). */
export function parseMeminfo(text: string): Map<string, number> {
  const entries = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:\s]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const value = Number(match[2]);
    entries.set(match[1], line.trimEnd().endsWith('kB') ? value * 1024 : value);
  }
  return entries;
}

/**
 * used = total − available: MemAvailable is the kernel's own estimate of what can be given to
 * programs without swapping, so "used" is what cannot. Kernels before 3.14 lack MemAvailable;
 * free + buffers + page cache is the usual approximation there.
 */
export function memoryValues(meminfo: Map<string, number>): Record<FieldOf<'memory'>, number> {
  const total = meminfo.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
  const cached = meminfo.get('Cached') ?? 0;
  const available = meminfo.get('MemAvailable')
    ?? (meminfo.get('MemFree') ?? 0) + (meminfo.get('Buffers') ?? 0) + cached;
  const swapTotal = meminfo.get('SwapTotal') ?? 0;
  const swapFree = meminfo.get('SwapFree') ?? 0;
  return {
    total,
    used: Math.max(0, total - available),
    available,
    cached,
    swap_total: swapTotal,
    swap_used: Math.max(0, swapTotal - swapFree),
  };
}

export function createMemoryCollector(options: Pick<ProcCollectorOptions, 'root'> = {}): Collector {
  const root = options.root ?? '/';
  return {
    name: 'memory',
    collect(t: number): Sample[] {
      return [makeSample(t, 'memory', memoryValues(parseMeminfo(readRootFile(root, 'proc/meminfo'))))];
    },
  };
}
