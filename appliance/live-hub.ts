// Live hub: fans out stream events (samples, status changes, new agents) to SSE subscribers and
// keeps a short ring of recent events so that a client reconnecting with Last-Event-ID gets what
// it missed. Event ids grow across restarts (boot time in ms × 1000 + sequence), so an id from before a
// restart is simply older than everything in the ring.
import type { StreamEventName, StreamEvents } from '../contract/api.js';

export interface HubEvent<N extends StreamEventName = StreamEventName> {
  id: number;
  name: N;
  agentId: string;
  data: StreamEvents[N];
  /** `data` as JSON when the publisher has it already (a sample: the agent's own text) */
  json?: string;
  /** the event as an SSE frame, made by the first subscriber that sends it and reused by the others */
  frame?: string;
}

export type HubListener = (event: HubEvent) => void;

export interface LiveHubOptions {
  /** events kept for replay */
  ringSize: number;
  bootTimeMs: number;
}

export class LiveHub {
  private readonly ring: HubEvent[] = [];
  private seq = 0;
  private readonly base: number;
  private readonly listeners = new Set<HubListener>();

  constructor(private readonly opts: LiveHubOptions) {
    // ms × 1000 stays below 2^53 until the year 2255 and leaves room for 1000 events per ms of uptime
    this.base = opts.bootTimeMs * 1000;
  }

  /** `json`: `data` as JSON, one line, if the caller has it (saves a stringify per event) */
  publish<N extends StreamEventName>(name: N, agentId: string, data: StreamEvents[N], json?: string): void {
    const event: HubEvent = json === undefined ? { id: this.base + ++this.seq, name, agentId, data } : { id: this.base + ++this.seq, name, agentId, data, json };
    this.ring.push(event);
    if (this.ring.length > this.opts.ringSize) this.ring.shift();
    for (const l of this.listeners) l(event);
  }

  /** Events after `lastId` still in the ring, oldest first. */
  since(lastId: number): HubEvent[] {
    if (this.ring.length === 0 || (this.ring[this.ring.length - 1]?.id ?? 0) <= lastId) return [];
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ring[mid]?.id ?? 0) <= lastId) lo = mid + 1;
      else hi = mid;
    }
    return this.ring.slice(lo);
  }

  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
