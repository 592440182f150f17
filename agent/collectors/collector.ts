// What every metric collector (S1) looks like to the sampler, and the small helpers they share:
// reading a file below the collector's root and building a contract Sample with field names
// checked against contract/families.ts at compile time.
//
// Two kinds: series collectors return samples (one RRD series per family and key), snapshot
// collectors (routes, top processes, visitors) return a part of a batch's `x` snapshot.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CollectorName } from '../../contract/families.js';
import type { Family, FieldOf, Sample, Snapshot } from '../../contract/metrics.js';

export interface Collector {
  /** The contract's collector name (S2 switches and intervals); shown in logs when it fails. */
  readonly name: CollectorName;
  /**
   * Samples stamped with `t` (unix seconds), new objects at every call (the sampler rounds their
   * values in place). Throws when its source cannot be read; the sampler logs that under `name`
   * and still runs the other collectors.
   */
  collect(t: number): Sample[] | Promise<Sample[]>;
  /** Closes what it keeps open between rounds; called when it is switched off or the agent stops. */
  release?(): void;
}

/** The parts of a batch's snapshot, without its time `t` (the sampler stamps it). */
export type SnapshotParts = Omit<Snapshot, 't'>;

export interface SnapshotCollector {
  readonly name: CollectorName;
  /** Its part of the snapshot taken at `t`; throws like `collect` does. */
  snapshot(t: number): SnapshotParts | Promise<SnapshotParts>;
  release?(): void;
}

export type AnyCollector = Collector | SnapshotCollector;

/** Collectors that read only /proc and /sys answer synchronously (callers may use the result as is). */
export interface SyncCollector extends Collector {
  collect(t: number): Sample[];
}
export interface SyncSnapshotCollector extends SnapshotCollector {
  snapshot(t: number): SnapshotParts;
}

export function isSnapshotCollector(collector: AnyCollector): collector is SnapshotCollector {
  return 'snapshot' in collector;
}

/** Options every /proc-reading collector takes. */
export interface ProcCollectorOptions {
  /**
   * Directory that stands for `/`: tests point it at recorded fixtures, a containerised agent at
   * the host's root mounted somewhere.
   */
  root?: string;
  /** Monotonic milliseconds for rate computation; a wall-clock jump must not fake a rate. */
  nowMs?: () => number;
}

export const monotonicMs = (): number => performance.now();

/**
 * Sync read on purpose: /proc files are generated in memory and a sync read costs a fraction of
 * a promise round-trip through the thread pool (notes/performance.md, "Agent sampling cost").
 */
export function readRootFile(root: string, relativePath: string): string {
  return readFileSync(rootPath(root, relativePath), UTF8);
}

/** root + relative path → joined path: path.join runs in V8's interpreter at every call (agent/main.ts) */
const joinedPaths = new Map<string, Map<string, string>>();

/** path.join(root, relativePath), joined once per pair (collectors read the same few files every interval). */
function rootPath(root: string, relativePath: string): string {
  let byRoot = joinedPaths.get(root);
  if (!byRoot) {
    if (joinedPaths.size >= 16) joinedPaths.clear();
    byRoot = new Map();
    joinedPaths.set(root, byRoot);
  }
  let joined = byRoot.get(relativePath);
  if (joined === undefined) {
    joined = path.join(root, relativePath);
    // bounded: the collectors' fixed files; a caller with varying paths (tests' fixture roots) starts over
    if (byRoot.size >= 256) byRoot.clear();
    byRoot.set(relativePath, joined);
  }
  return joined;
}

/**
 * An options object rather than the string 'utf8', which fs copies into a new options object on
 * every call; and UTF-8, for which readFileSync opens, reads and closes in one call into C++.
 */
export const UTF8 = { encoding: 'utf8' } as const;

export function makeSample<F extends Family>(
  t: number,
  f: F,
  v: Record<FieldOf<F>, number | null>,
  k?: string,
): Sample {
  return k === undefined ? { t, f, v } : { t, f, k, v };
}
