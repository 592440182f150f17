// B4: how long the event loop was held (a long synchronous job, a stalled disk read on the main
// thread, the process stopped). A real timer every SAMPLE_MS notes how late it fires; the
// self-watch takes the longest since its last look. Real time, not the appliance's Clock: the
// question is how long this process could not run, whatever the date says.
import { performance } from 'node:perf_hooks';

const SAMPLE_MS = 250;

export class EventLoopLag {
  private timer: NodeJS.Timeout | null = null;
  private expected = 0;
  private maxLagMs = 0;

  start(): void {
    this.expected = performance.now() + SAMPLE_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxLagMs = Math.max(this.maxLagMs, now - this.expected);
      this.expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The longest lag since the last call, ms; a timer not fired yet counts with its lateness so far. */
  takeMaxMs(): number {
    const pending = this.timer ? Math.max(0, performance.now() - this.expected) : 0;
    const max = Math.max(this.maxLagMs, pending);
    this.maxLagMs = 0;
    return max;
  }
}
