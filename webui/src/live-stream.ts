// The page's one connection to /api/v1/stream (Server-Sent Events): every view subscribes here
// instead of opening its own EventSource, because browsers allow only ~6 HTTP/1.1 connections per
// host and each EventSource holds one for good. EventSource reconnects by itself with
// Last-Event-ID; when the appliance answers with an error it gives up, and then we open a new one
// after a back-off, passing the last id as `lastEventId` (the appliance reads either) so the
// replay still works. After any interruption views are told to resync (re-read the list, re-seed
// charts), since events older than the appliance's replay ring are gone.
//
// The ~6 connections are per browser, not per tab: a sixth tab on one appliance would wait forever
// for a connection. So tabs of one signed-in user share one stream (S9): one tab, the leader
// (tab-leadership.ts), holds the EventSource and rebroadcasts what it receives; the others only
// listen. When the leader's tab closes, the next tab takes over and reconnects from the last event
// id it saw, so the appliance replays what fell in between. The channel is named after the user and
// role the views were built for: events are filtered by the session's permissions (SMS events,
// SEC), and a tab signed in as someone else never hears a stream opened for the previous user.
import type { LatestSeries, StreamEventName, StreamEvents } from '../../contract/api.js';
import type { TabLink, TabSharing } from './tab-leadership.js';

export type StreamState = 'connecting' | 'open' | 'reconnecting';

/** 'alone': this tab's own EventSource (no sharing); 'leader': it and the other tabs'; 'follower': the leader's. */
export type StreamRole = 'alone' | 'leader' | 'follower';

/** What the tabs of one stream tell each other. */
type SharedMessage =
  | { t: 'event'; name: StreamEventName; data: string; id: string }
  | { t: 'state'; state: StreamState }
  | { t: 'resync' }
  /** a new follower asks for the state */
  | { t: 'hello' }
  /** a follower's user signed in again: connect now rather than after the back-off */
  | { t: 'restart' };

type Listener<N extends StreamEventName> = (data: StreamEvents[N]) => void;
type ListenerSets = { [N in StreamEventName]: Set<Listener<N>> };

const EVENT_NAMES: readonly StreamEventName[] = ['sample', 'status', 'agent', 'alert', 'sms', 'modem', 'check', 'weblog', 'file-job'];
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 30_000;

export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(name: string, listener: (ev: MessageEvent<string>) => void): void;
  close(): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Cheap shape checks: a malformed event is dropped rather than breaking every view. */
function isPayload<N extends StreamEventName>(name: N, v: unknown): v is StreamEvents[N] {
  if (!isObject(v)) return false;
  switch (name) {
    case 'sample':
      return typeof v.agentId === 'string' && isObject(v.batch) && Array.isArray(v.batch.s);
    case 'status':
      return typeof v.agentId === 'string' && typeof v.status === 'string';
    case 'agent':
      return typeof v.id === 'string' && typeof v.hostname === 'string';
    case 'alert':
      return typeof v.kind === 'string' && isObject(v.alert) && typeof v.alert.id === 'number';
    case 'sms':
      return typeof v.id === 'number' && typeof v.state === 'string';
    case 'modem':
      return typeof v.state === 'string' && isObject(v.signal);
    case 'check':
      return typeof v.checkId === 'string' && isObject(v.instance) && typeof v.instance.state === 'string';
    case 'weblog':
      return typeof v.agentId === 'string' && isObject(v.interval) && typeof v.interval.source === 'string' && typeof v.interval.requests === 'number';
    case 'file-job':
      return typeof v.jobId === 'string' && typeof v.agentId === 'string' && typeof v.state === 'string';
    default:
      return false;
  }
}

/** A sample event's samples as series with their latest values (the shape of the agent API's `latest`). */
export function streamSeries(ev: StreamEvents['sample']): LatestSeries[] {
  return ev.batch.s.map((s) => (s.k !== undefined ? { family: s.f, key: s.k, t: s.t, values: s.v } : { family: s.f, t: s.t, values: s.v }));
}

export class LiveStream {
  private source: EventSourceLike | null = null;
  private readonly listeners: ListenerSets = { sample: new Set(), status: new Set(), agent: new Set(), alert: new Set(), sms: new Set(), modem: new Set(), check: new Set(), weblog: new Set(), 'file-job': new Set() };
  private readonly stateListeners = new Set<(s: StreamState) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryMs = RETRY_MIN_MS;
  private interrupted = false;
  private _state: StreamState = 'connecting';
  private lastEventId = '';
  private scope: string | null = null;
  private link: TabLink<SharedMessage> | null = null;
  private _role: StreamRole = 'alone';
  private readonly roleListeners = new Set<(r: StreamRole) => void>();

  constructor(
    private readonly url: string,
    private readonly open: (url: string) => EventSourceLike = (u) => new EventSource(u),
    private readonly sharing: TabSharing | null = null,
  ) {}

  get state(): StreamState {
    return this._state;
  }

  get role(): StreamRole {
    return this._role;
  }

  /**
   * Shares the stream with the other tabs of `scope` (the signed-in user and role) from the next
   * start(); null: this tab alone. A change takes effect at the next start.
   */
  shareAs(scope: string | null): void {
    this.scope = scope;
  }

  start(): void {
    if (this.source || this.link) return;
    if (this.sharing && this.scope !== null) {
      this.setRole('follower');
      this.link = this.sharing<SharedMessage>(`rackwatch-stream ${this.url} ${this.scope}`, {
        onLeader: () => {
          this.setRole('leader');
          // the stream resumes from the last event a previous leader passed on (the appliance
          // replays from there): a hand-over is no interruption the views must resync after
          this.connect();
        },
        onMessage: (m) => this.onShared(m),
      });
      this.link.post({ t: 'hello' });
      return;
    }
    this.setRole('alone');
    this.connect();
  }

  private connect(): void {
    if (this.source) return;
    const sep = this.url.includes('?') ? '&' : '?';
    const es = this.open(this.lastEventId ? `${this.url}${sep}lastEventId=${encodeURIComponent(this.lastEventId)}` : this.url);
    this.source = es;
    es.onopen = () => {
      this.retryMs = RETRY_MIN_MS;
      this.setState('open');
      if (this.interrupted) {
        this.interrupted = false;
        this.notify(this.resyncListeners, (l) => l());
        this.link?.post({ t: 'resync' });
      }
    };
    es.onerror = () => {
      this.interrupted = true;
      this.setState('reconnecting');
      // CLOSED (2) means the browser gave up (HTTP error, wrong content type); CONNECTING means it
      // is already retrying on its own with Last-Event-ID, which we must not disturb
      if (es.readyState === 2) {
        es.close();
        this.source = null;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.connect();
        }, this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
    };
    for (const name of EVENT_NAMES) {
      es.addEventListener(name, (ev) => {
        if (ev.lastEventId) this.lastEventId = ev.lastEventId;
        this.link?.post({ t: 'event', name, data: ev.data, id: ev.lastEventId });
        this.dispatch(name, ev.data);
      });
    }
  }

  /**
   * Connects again now, as after an interruption (views resync when it opens): after a sign-in
   * the appliance answers the stream it refused while nobody was signed in (SEC), and the back-off
   * may have grown to half a minute meanwhile.
   */
  restart(): void {
    if (this._role === 'follower' && this.link) {
      this.link.post({ t: 'restart' });
      return;
    }
    const started = this.link !== null || this.source !== null || this.retryTimer !== null;
    this.closeSource();
    this.interrupted = true;
    this.retryMs = RETRY_MIN_MS;
    if (this._role === 'leader' && this.link) {
      this.connect();
      return;
    }
    if (started) this.stop();
    this.start();
    // the leader may be waiting out a back-off since the session ended
    if (this._role === 'follower') this.link?.post({ t: 'restart' });
  }

  stop(): void {
    this.closeSource();
    this.link?.leave();
    this.link = null;
    this.setRole('alone');
  }

  private closeSource(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
  }

  private onShared(m: SharedMessage): void {
    if (this._role === 'leader') {
      if (m.t === 'hello') this.link?.post({ t: 'state', state: this._state });
      else if (m.t === 'restart' && this._state !== 'open') this.restart();
      return;
    }
    switch (m.t) {
      case 'event':
        if (m.id) this.lastEventId = m.id;
        this.dispatch(m.name, m.data);
        break;
      case 'state':
        this.setState(m.state);
        break;
      case 'resync':
        this.notify(this.resyncListeners, (l) => l());
        break;
      case 'hello':
      case 'restart':
        break;
    }
  }

  onRole(listener: (r: StreamRole) => void): () => void {
    this.roleListeners.add(listener);
    return () => this.roleListeners.delete(listener);
  }

  private setRole(r: StreamRole): void {
    if (r === this._role) return;
    this._role = r;
    this.notify(this.roleListeners, (l) => l(r));
  }

  on<N extends StreamEventName>(name: N, listener: Listener<N>): () => void {
    const set = this.listeners[name] as Set<Listener<N>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  onState(listener: (s: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called when the stream is back after an interruption: events may have been lost. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private setState(s: StreamState): void {
    if (s === this._state) return;
    this._state = s;
    if (this._role === 'leader') this.link?.post({ t: 'state', state: s });
    this.notify(this.stateListeners, (l) => l(s));
  }

  private dispatch<N extends StreamEventName>(name: N, raw: string): void {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      console.warn(`rackwatch: dropped a ${name} event that is not JSON`);
      return;
    }
    if (!isPayload(name, data)) {
      console.warn(`rackwatch: dropped a malformed ${name} event`);
      return;
    }
    this.notify(this.listeners[name], (l) => l(data));
  }

  /** One view's failing listener must not starve the others of events. */
  private notify<L>(set: Set<L>, call: (l: L) => void): void {
    for (const l of set) {
      try {
        call(l);
      } catch (e) {
        console.error('rackwatch: a live-stream listener failed', e);
      }
    }
  }
}
