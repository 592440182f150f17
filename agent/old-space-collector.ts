// A full garbage collection when the agent's old generation has grown by a set amount since the
// last one (its RSS budget of 55 MB, S2, S5, S11: docs/benchmarks.md "The agent's footprint").
//
// Why: the systemd unit caps the young generation at 1 MB (--max-semi-space-size=1), so most of
// what a round of checks or a web log's poll allocates is promoted to the old generation before it
// dies, and V8 leaves that garbage there until the old generation reaches a limit sized for far
// larger programs (an ~8 MB growing step): with 100 checks every 10 s the old space grew from 6.6
// to 10.7 MB in 100 s while the live heap stayed at 7.5 MB, and RSS rose from 52 to 56 MB.
//
// Why on growth and not on a timer: a full collection every 15 s held that agent at 53.8 MB but
// cost ~12 ms each in every agent, tripling the CPU of one at its default schedules (0.57 → 0.97 of
// node_exporter, measured side by side and reverted). Growth is where garbage is made: an agent
// that promotes little collects rarely, one that promotes a lot collects at most once per
// `minGapMs`. Reading the old space's size is a few microseconds every `checkEveryMs`.
// The gap is short because a web log at 10,000 lines/s promotes ~1 MB a second: collected at most
// every 10 s its agent still peaked at 62.6 MB, every 2 s at 57.4 MB (side by side, for ~0.25 % of
// a core); 100 checks promote ~40 KB/s and are collected every ~25 s whatever the gap.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { repeatEvery, type Clock } from '../core/clock.js';

export interface OldSpacePolicy {
  /** collect once the old space's used bytes are this far above where the last collection left them */
  growthBytes: number;
  /** never two of ours closer than this (a bound on the CPU it may spend) */
  minGapMs: number;
  /** how often the old space's size is read */
  checkEveryMs: number;
}

export const OLD_SPACE_POLICY: OldSpacePolicy = { growthBytes: 1024 * 1024, minGapMs: 2_000, checkEveryMs: 2_000 };

/** The decision alone, fed with readings of the old space's used bytes: true when a collection is due. */
export class OldSpaceTrigger {
  /** the lowest reading since our last collection: where the last collection (ours or V8's) left it */
  private floorBytes = Number.POSITIVE_INFINITY;
  private lastCollectionAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly policy: OldSpacePolicy = OLD_SPACE_POLICY) {}

  due(usedBytes: number, nowMs: number): boolean {
    if (usedBytes < this.floorBytes) this.floorBytes = usedBytes;
    return usedBytes - this.floorBytes >= this.policy.growthBytes && nowMs - this.lastCollectionAtMs >= this.policy.minGapMs;
  }

  collected(usedBytesAfter: number, nowMs: number): void {
    this.floorBytes = usedBytesAfter;
    this.lastCollectionAtMs = nowMs;
  }
}

/**
 * V8's full collection. `--expose-gc` set while the process runs applies to contexts created after
 * it, so a fresh context hands the function over; null where the runtime refuses (the agent then
 * leaves its old generation to V8: more RSS, nothing else changes).
 */
export function exposedGc(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** The old space's used bytes (what promotion fills and only a full collection empties). */
export function oldSpaceUsedBytes(): number {
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name === 'old_space') return space.space_used_size;
  return 0;
}

/** Reads the old space every `checkEveryMs` and collects when the trigger says so, until `stop()`. */
export function startOldSpaceCollector(deps: {
  clock: Clock;
  gc: () => void;
  readUsedBytes?: () => number;
  policy?: OldSpacePolicy;
  onCollected?: (usedBytesBefore: number, usedBytesAfter: number) => void;
}): { stop(): void } {
  const policy = deps.policy ?? OLD_SPACE_POLICY;
  const read = deps.readUsedBytes ?? oldSpaceUsedBytes;
  const trigger = new OldSpaceTrigger(policy);
  return repeatEvery(deps.clock, policy.checkEveryMs, () => {
    const used = read();
    const now = deps.clock.now();
    if (!trigger.due(used, now)) return;
    deps.gc();
    const after = read();
    trigger.collected(after, now);
    deps.onCollected?.(used, after);
  });
}
