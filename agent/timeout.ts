// Bounds the wait for a promise that may never settle (statfs on a dead network filesystem)
// without cancelling it: the caller gets TIMED_OUT and carries on.
import type { Clock } from '../core/clock.js';

export const TIMED_OUT = Symbol('timed out');

export async function withTimeout<T>(work: Promise<T>, ms: number, clock: Clock): Promise<T | typeof TIMED_OUT> {
  let handle: unknown = null;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    const timer = clock.setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref?.(); // a pending statfs must not keep a stopping agent alive
    handle = timer;
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clock.clearTimeout(handle);
  }
}
