// The remote-write sender (S19, B8): takes the oldest queued batches, sends them as one
// WriteRequest, and moves on only when the endpoint accepted them, so the order is kept across an
// outage. As the remote-write 1.0 spec says: 429 and 5xx (and network errors) are retried with
// exponential backoff, any other 4xx is dropped and counted (the request can never succeed).
import type { Logger } from '../../core/logger.js';
import type { RemoteWriteSettings } from '../../contract/federation-api.js';
import { post } from './forward-http.js';
import { encodeWriteRequest, toTimeSeries } from './remote-write-encoding.js';
import type { RemoteWriteQueue } from './remote-write-queue.js';
import type { ForwardingStats } from './forwarding-stats.js';

/** bytes of queued JSON per request: about 2,000 samples, Prometheus's own max_samples_per_send */
const CHUNK_BYTES = 48 << 10;
const REQUEST_TIMEOUT_MS = 30_000;

export interface RemoteWriterOptions {
  settings: RemoteWriteSettings;
  queue: RemoteWriteQueue;
  stats: ForwardingStats;
  logger: Logger;
  onError: (message: string) => void;
  /** backoff bounds (the spec: start small, double, cap) */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** how often an idle sender looks at the queue */
  idleMs?: number;
}

export class RemoteWriter {
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: RemoteWriterOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New batches are queued: an idle sender starts at once. */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => { this.wake = null; });
  }

  private async run(): Promise<void> {
    const { queue, stats, settings, logger } = this.opts;
    const minBackoff = this.opts.minBackoffMs ?? 500;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (this.running) {
      let chunk;
      try {
        chunk = queue.peek(CHUNK_BYTES);
      } catch (e) {
        logger.error('cannot read the remote-write queue', { err: e });
        await this.sleep(maxBackoff);
        continue;
      }
      if (chunk === null) {
        await this.sleep(this.opts.idleMs ?? 1000);
        continue;
      }
      const { series, samples } = toTimeSeries(chunk.batches);
      if (series.length === 0) {
        queue.ack(chunk);
        continue;
      }
      const body = encodeWriteRequest(series);
      let retry = false;
      try {
        const answer = await post(settings.url, body, {
          'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0',
        }, { auth: settings.auth, ca: settings.caCertificates, timeoutMs: REQUEST_TIMEOUT_MS });
        if (answer.status >= 200 && answer.status < 300) {
          stats.samplesSent += samples;
          stats.bytesSent += body.byteLength;
        } else if (answer.status === 429 || answer.status >= 500) {
          retry = true;
          this.failed(`the endpoint answered ${answer.status}: ${answer.text.trim()}`);
        } else {
          // 4xx: the same request would be refused again; it is dropped so the queue moves on
          stats.samplesDropped += samples;
          this.failed(`the endpoint refused ${samples} samples with ${answer.status} (dropped, not retried): ${answer.text.trim()}`);
        }
      } catch (e) {
        retry = true;
        this.failed(`cannot reach the endpoint: ${(e as Error).message}`);
      }
      if (retry) {
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
        continue;
      }
      backoff = minBackoff;
      queue.ack(chunk);
    }
  }

  private failed(message: string): void {
    this.opts.stats.requestsFailed++;
    this.opts.onError(message);
  }
}
