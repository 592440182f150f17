// A reader of the appliance's live stream (GET /api/v1/stream, Server-Sent Events) for the
// benchmark: reports each `sample` event's agent and timestamp as it arrives. The appliance cuts
// off a reader that falls more than 1 MiB behind (appliance/http/event-stream.ts); this one then
// reconnects with Last-Event-ID, as the web UI's EventSource would, and counts the cut-offs.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { StreamEvents } from '../../contract/api.js';

export interface SseSubscriberOptions {
  httpPort: number;
  /** an API token: the stream needs a signed-in caller */
  apiToken: string;
  /** called for every `sample` event: the batch's agent, its first sample's t, and the arrival time */
  onSample(agentId: string, t: number, atMs: number): void;
  /** called for every `check` event (S5): a check ran or changed state */
  onCheck?(event: StreamEvents['check'], atMs: number): void;
}

const MAX_RECONNECTS = 20;
const RECONNECT_DELAY_MS = 200;

export class SseSubscriber {
  /** times the stream ended while it was wanted (cut off by the appliance, or broken) */
  cutoffs = 0;
  events = 0;
  parseErrors = 0;
  private req: http.ClientRequest | null = null;
  private lastEventId: string | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SseSubscriberOptions) {}

  /** Resolves once the stream's headers have arrived. */
  start(): Promise<void> {
    return this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.req?.destroy();
    this.req = null;
  }

  private open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.opts.apiToken}` };
      if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
      const req = http.get({ host: '127.0.0.1', port: this.opts.httpPort, path: '/api/v1/stream', headers, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`stream: HTTP ${res.statusCode}`));
          return;
        }
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            this.onBlock(block);
          }
        });
        res.on('close', () => this.onEnded());
      });
      req.on('error', (e) => {
        reject(e);
        this.onEnded();
      });
      this.req = req;
    });
  }

  private onEnded(): void {
    if (this.stopped || this.retryTimer) return;
    this.cutoffs++;
    if (this.cutoffs > MAX_RECONNECTS) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open().catch(() => this.onEnded());
    }, RECONNECT_DELAY_MS);
  }

  private onBlock(block: string): void {
    const at = performance.now();
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (event === 'check' && this.opts.onCheck) {
      try {
        this.opts.onCheck(JSON.parse(data) as StreamEvents['check'], at);
      } catch {
        this.parseErrors++;
      }
      return;
    }
    if (event !== 'sample') return;
    this.events++;
    try {
      const sample = JSON.parse(data) as StreamEvents['sample'];
      const t = sample.batch.s[0]?.t;
      if (t !== undefined) this.opts.onSample(sample.agentId, t, at);
    } catch {
      this.parseErrors++;
    }
  }
}
