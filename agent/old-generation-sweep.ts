// A full garbage collection of the agent's heap every 15 s (its RSS budget, docs/benchmarks.md
// "The agent's footprint"). With its young generation capped at 1 MB (the systemd unit's
// --max-semi-space-size=1), most of what a round of checks allocates is promoted to the old
// generation before it dies, and V8 leaves garbage there until the heap reaches a limit sized for
// far larger programs: with 100 checks every 10 s the old space grew from 6.6 to 10.7 MB in 100 s
// while the live heap stayed at 7.5 MB, and RSS rose from 52 to 56 MB. Collected every 15 s it
// stayed at ~53 MB (once a minute: ~55 MB, V8 keeping the pages it had grown into), for a few
// milliseconds of CPU each time.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { repeatEvery, type Clock } from '../core/clock.js';

export const SWEEP_EVERY_MS = 15_000;

/**
 * V8's full collection. `--expose-gc` set while the process runs applies to contexts created after
 * it, so a fresh context hands the function over; null where the runtime refuses (the agent then
 * runs as before).
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

/** Collects now and every `everyMs` until `stop()`. */
export function startOldGenerationSweep(deps: { clock: Clock; gc: () => void; everyMs?: number }): { stop(): void } {
  return repeatEvery(deps.clock, deps.everyMs ?? SWEEP_EVERY_MS, deps.gc);
}
