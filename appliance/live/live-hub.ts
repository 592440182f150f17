// Live hub: fans out stream events (samples, status changes, new agents) to SSE subscribers and
// keeps a short ring of recent events so that a client reconnecting with Last-Event-ID gets what
// it missed. Event ids grow across restarts (boot time in ms × 1000 + sequence), so an id from before a
// restart is simply older than everything in the ring.
import type { StreamEventName, StreamEvents } from '../../contract/api.js';

/** An event as the ring keeps it: its SSE frame, and what a subscriber's filter reads. */
export interface ReplayEvent<N extends StreamEventName = StreamEventName> {
  id: number;
  name: N;
  agentId: string;
  /** the event as an SSE frame (id, event and data lines) */
  frame: string;
}

/** An event as in-process listeners get it: with its data as objects. */
export interface HubEvent<N extends StreamEventName = StreamEventName> extends ReplayEvent<N> {
  data: StreamEvents[N];
}

export type HubListener = (event: HubEvent) => void;

export interface LiveHubOptions {
  /** events kept for replay */
  ringSize: number;
  bootTimeMs: number;
}

export class LiveHub {
  // Frames only: an event's data holds the batch's parsed samples (~3 KB at 12 series), and a
  // ring of 4,096 events that kept them held 18 MB, all of it promoted to the old generation
  // as garbage-to-be (at 10,000 agents the ring turns over every two seconds).
  private readonly ring: ReplayEvent[] = [];
  private seq = 0;
  private readonly base: number;
  private readonly listeners = new Set<HubListener>();

  constructor(private readonly opts: LiveHubOptions) {
    // ms × 1000 stays below 2^53 until the year 2255 and leaves room for 1000 events per ms of uptime
    this.base = opts.bootTimeMs * 1000;
  }

  /** `json`: `data` as JSON, one line, if the caller has it (saves a stringify per event) */
  publish<N extends StreamEventName>(name: N, agentId: string, data: StreamEvents[N], json?: string): void {
    const id = this.base + ++this.seq;
    const frame = `id: ${id}\nevent: ${name}\ndata: ${json ?? JSON.stringify(data)}\n\n`;
    this.ring.push({ id, name, agentId, frame });
    if (this.ring.length > this.opts.ringSize) this.ring.shift();
    if (this.listeners.size === 0) return;
    const event: HubEvent = { id, name, agentId, frame, data };
    for (const l of this.listeners) l(event);
  }

  /** Events after `lastId` still in the ring, oldest first. */
  since(lastId: number): ReplayEvent[] {
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

  private streamClients = new Set<HubListener>();

  /** `client`: an SSE connection (counted for /metrics, S19), not a part of the appliance */
  subscribe(listener: HubListener, opts: { client?: boolean } = {}): () => void {
    this.listeners.add(listener);
    if (opts.client) this.streamClients.add(listener);
    return () => {
      this.listeners.delete(listener);
      this.streamClients.delete(listener);
    };
  }

  /** SSE connections subscribed now */
  get clientCount(): number {
    return this.streamClients.size;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
