// The remote-write sender (S19, B8): takes the oldest queued batches, sends them, and moves on only
// when the endpoint accepted them, so nothing is lost across an outage. As the remote-write 1.0
// spec says: 429 and 5xx (and network errors) are retried with exponential backoff (minBackoffMs
// doubling to maxBackoffMs), any other 4xx is dropped and counted (the request can never succeed).
//
// Parallel requests, and the order rule. One request at a time drains an outage's backlog at
// about 1.4× the arrival rate (docs/benchmarks.md "Remote write end to end"), so the sender works
// in rounds: the queue holds its requests already encoded, split by host over up to
// `parallelRequests` when they were queued (every series carries its host label, so each series is
// in one of them: RemoteWriteEncoder.encode, RemoteWriteQueue), and a round is the next of them
// that may go side by side (RemoteWriteQueue.peek); the next round starts only when every request
// of this one was accepted (or dropped with a 4xx), and only then does the queue's cursor move.
// So two requests in flight never carry the same series, and each series' samples reach the
// receiver in time order, which Prometheus requires (it takes out-of-order samples only within a
// configured window, off by default); the order across series does not matter to it. With no
// backlog a round is the little that arrived since the last one: one request.
//
// A new sample never cuts a backoff short: poke() wakes only an idle sender (one that found the
// queue empty); during an outage it keeps its backoff, as the spec asks.
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { RemoteWriteSettings } from '../../contract/federation-api.js';
import { post } from './forward-http.js';
import type { RemoteWriteQueue } from './remote-write-queue.js';
import type { ForwardingStats } from './forwarding-stats.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface RemoteWriterOptions {
  settings: RemoteWriteSettings;
  queue: RemoteWriteQueue;
  stats: ForwardingStats;
  logger: Logger;
  clock: Clock;
  onError: (message: string) => void;
  /** backoff bounds (the spec: start small, double, cap) */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** how often an idle sender looks at the queue */
  idleMs?: number;
}

export class RemoteWriter {
  private running = false;
  /** set while the sender waits for new batches (not while it backs off) */
  private wakeIdle: (() => void) | null = null;
  /** end the waits under way at once (stop); one per request backing off, and the idle one */
  private readonly waits = new Set<() => void>();
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: RemoteWriterOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New batches are queued: an idle sender starts at once; one backing off keeps its backoff. */
  poke(): void {
    this.wakeIdle?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const done of [...this.waits]) done();
    await this.loop;
  }

  private wait(ms: number, idle: boolean): Promise<void> {
    const { clock } = this.opts;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clock.clearTimeout(timer);
        if (this.wakeIdle === done) this.wakeIdle = null;
        this.waits.delete(done);
        resolve();
      };
      const timer = clock.setTimeout(done, ms);
      this.waits.add(done);
      if (idle) this.wakeIdle = done;
    });
  }

  private async run(): Promise<void> {
    const { queue, logger } = this.opts;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    while (this.running) {
      let chunk;
      try {
        chunk = queue.peek();
      } catch (e) {
        logger.error('cannot read the remote-write queue', { err: e });
        await this.wait(maxBackoff, false);
        continue;
      }
      if (chunk === null) {
        await this.wait(this.opts.idleMs ?? 1000, true);
        continue;
      }
      const { bodies, samplesPerBody } = chunk;
      const sent = await Promise.all(bodies.map((body, i) => this.send(body, samplesPerBody[i] ?? 0)));
      // stopped during a backoff: the round is not acknowledged, and is sent again at the next start
      if (sent.every(Boolean)) queue.ack(chunk);
    }
  }

  /** Sends one request until it is accepted (true) or dropped with a 4xx (true); false: stopped first. */
  private async send(body: Uint8Array, samples: number): Promise<boolean> {
    const { stats, settings } = this.opts;
    const minBackoff = this.opts.minBackoffMs ?? 500;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (this.running) {
      try {
        const answer = await post(settings.url, body, {
          'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0',
        }, { auth: settings.auth, ca: settings.caCertificates, timeoutMs: REQUEST_TIMEOUT_MS });
        if (answer.status >= 200 && answer.status < 300) {
          stats.samplesSent += samples;
          stats.bytesSent += body.byteLength;
          return true;
        }
        if (answer.status !== 429 && answer.status < 500) {
          // 4xx: the same request would be refused again; it is dropped so the queue moves on
          stats.samplesDropped += samples;
          this.failed(`the endpoint refused ${samples} samples with ${answer.status} (dropped, not retried): ${answer.text.trim()}`);
          return true;
        }
        this.failed(`the endpoint answered ${answer.status}: ${answer.text.trim()}`);
      } catch (e) {
        this.failed(`cannot reach the endpoint: ${(e as Error).message}`);
      }
      if (!this.running) break;
      await this.wait(backoff, false);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
    return false;
  }

  private failed(message: string): void {
    this.opts.stats.requestsFailed++;
    this.opts.onError(message);
  }
}
