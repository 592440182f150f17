// The appliance's own metrics for a Prometheus scraper (S19; docs/api.md "Metrics"): ingest,
// rrdcached, SQLite, the live stream, the modem and SMS outbox, alerts, agents, remote write and
// the process itself. prom-client formats them (text 0.0.4 and OpenMetrics 1.0), so names, escaping
// and the exposition's grammar are a maintained library's, not ours; every value is read from the
// running parts when scraped (collect callbacks), so nothing here is updated on the hot path.
import client from 'prom-client';
import type { AgentSummary, HealthResponse } from '../../contract/api.js';
import type { Alert } from '../../contract/alerting.js';
import { SEVERITIES } from '../../contract/alerting.js';
import type { SampleJournalStats } from '../store/sample-journal.js';
import type { ForwardingStats } from './forwarding-stats.js';

const { Counter, Gauge, Registry, collectDefaultMetrics } = client;

export interface ApplianceMetricsSources {
  health: () => HealthResponse;
  agents: () => readonly AgentSummary[];
  openAlerts: () => readonly Alert[];
  sseClients: () => number;
  journal: () => SampleJournalStats | null;
  /** size of the SQLite database and its WAL, bytes */
  databaseBytes: () => number;
  /** remote write and Alertmanager counters (S19); null when federation is not running */
  forwarding: () => ForwardingStats | null;
}

const AGENT_STATUSES = ['online', 'offline', 'unknown'] as const;
const OPEN_STATES = ['pending', 'firing', 'acknowledged'] as const;
const MODEM_STATES = ['disabled', 'absent', 'initializing', 'ready', 'pin-required', 'pin-failed', 'no-network', 'resetting'] as const;

export type ExpositionFormat = 'text' | 'openmetrics';

export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * The registries behind GET /metrics, one per format (prom-client fixes a registry's format),
 * with the same metrics registered in both.
 */
export class ApplianceMetrics {
  private readonly text = new Registry();
  private readonly open = new Registry<client.OpenMetricsContentType>();

  constructor(src: ApplianceMetricsSources) {
    this.open.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers: client.Registry<client.RegistryContentType>[] = [this.text, this.open];
    // process CPU, RSS, file descriptors, event-loop lag, heap, GC: prom-client's own collectors
    // (one set per registry: each keeps its event-loop delay histogram)
    collectDefaultMetrics({ register: this.text });
    collectDefaultMetrics({ register: this.open });
    // these three are gauges named like counters, which promtool's lint refuses; the same counts
    // remain, by handle type, in nodejs_active_handles and nodejs_active_resources
    for (const r of registers) for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) r.removeSingleMetric(name);
    // one health report per scrape, shared by the collectors of that scrape
    let cached: { at: number; value: HealthResponse } | null = null;
    const health = (): HealthResponse => {
      const now = Date.now();
      if (!cached || now - cached.at > 500) cached = { at: now, value: src.health() };
      return cached.value;
    };
    const counter = (name: string, help: string, read: (h: HealthResponse) => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read(health())); } });
    };
    const gauge = (name: string, help: string, read: (h: HealthResponse) => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read(health())); } });
    };
    counter('rackwatch_ingest_messages_total', 'MQTT publishes received from agents', (h) => h.counters.messagesIn);
    counter('rackwatch_ingest_bad_payloads_total', 'agent payloads dropped as malformed', (h) => h.counters.badPayloads);
    counter('rackwatch_ingest_refused_total', 'metrics publishes refused unacknowledged because nothing could be stored', (h) => h.counters.ingestRefused);
    gauge('rackwatch_ingest_backlog', 'publishes whose acknowledgement is withheld by backpressure', (h) => h.counters.ingestBacklog);
    counter('rackwatch_rrd_updates_total', 'RRD updates acknowledged by rrdcached', (h) => h.counters.rrdUpdates);
    counter('rackwatch_rrd_update_errors_total', 'RRD updates rrdcached refused', (h) => h.counters.rrdUpdateErrors);
    gauge('rackwatch_rrdcached_up', '1 when rrdcached runs and answers PING', (h) => (h.rrdcached.ok && h.rrdcached.answering !== false ? 1 : 0));
    counter('rackwatch_rrdcached_restarts_total', 'times the supervisor restarted rrdcached', (h) => h.rrdcached.restarts);
    counter('rackwatch_write_failures_total', 'writes that failed on a storage fault', (h) => h.counters.writeFailures);
    gauge('rackwatch_sqlite_up', '1 when SQLite answers a trivial query', (h) => (h.database.ok ? 1 : 0));
    gauge('rackwatch_mqtt_clients', 'MQTT clients connected to the broker', (h) => h.broker.clients);
    gauge('rackwatch_storage_free_bytes', 'free bytes on the data partition', (h) => h.storage.freeBytes);
    gauge('rackwatch_servers_enrolled', 'servers enrolled', (h) => h.storage.serversEnrolled);
    gauge('rackwatch_servers_capacity', 'servers the RRD store can hold in total', (h) => h.storage.serverCapacity);
    gauge('rackwatch_faults', 'appliance faults raised now', (h) => h.faults.length);
    new Gauge({ name: 'rackwatch_sample_journal_bytes', help: 'bytes in the sample journal waiting for rrdcached', registers, collect() { this.set(src.journal()?.bytes ?? 0); } });
    new Gauge({ name: 'rackwatch_sqlite_size_bytes', help: 'size of the SQLite database and its WAL', registers, collect() { this.set(src.databaseBytes()); } });
    new Gauge({ name: 'rackwatch_sse_clients', help: 'live stream (SSE) subscribers', registers, collect() { this.set(src.sseClients()); } });
    new Gauge({
      name: 'rackwatch_modem_state', help: '1 for the modem\'s current state', labelNames: ['state'], registers,
      collect() {
        const now = health().modem.state;
        for (const s of MODEM_STATES) this.set({ state: s }, s === now ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rackwatch_modem_signal_dbm', help: 'modem signal strength (NaN when unknown)', registers,
      collect() { this.set(health().modem.signal?.dbm ?? NaN); },
    });
    new Gauge({
      name: 'rackwatch_sms_outbox', help: 'SMS outbox entries by state', labelNames: ['state'], registers,
      collect() {
        const { sms } = health();
        this.set({ state: 'queued' }, sms.queued);
        this.set({ state: 'sent' }, sms.sent);
        this.set({ state: 'failed' }, sms.failed);
      },
    });
    new Gauge({
      name: 'rackwatch_alerts', help: 'open alerts by severity and state', labelNames: ['severity', 'state'], registers,
      collect() {
        const counts = new Map<string, number>();
        for (const a of src.openAlerts()) counts.set(`${a.severity} ${a.state}`, (counts.get(`${a.severity} ${a.state}`) ?? 0) + 1);
        for (const severity of SEVERITIES) for (const state of OPEN_STATES) this.set({ severity, state }, counts.get(`${severity} ${state}`) ?? 0);
      },
    });
    new Gauge({
      name: 'rackwatch_agents', help: 'agents by status', labelNames: ['status'], registers,
      collect() {
        const counts = new Map<string, number>();
        for (const a of src.agents()) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
        for (const status of AGENT_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    const forwarding = (read: (f: ForwardingStats) => number) => function collect(this: client.Counter | client.Gauge): void {
      const f = src.forwarding();
      if (this instanceof Counter) {
        this.reset();
        this.inc(f ? read(f) : 0);
      } else {
        this.set(f ? read(f) : 0);
      }
    };
    new Counter({ name: 'rackwatch_remote_write_samples_sent_total', help: 'samples the remote-write endpoint accepted', registers, collect: forwarding((f) => f.samplesSent) });
    new Counter({ name: 'rackwatch_remote_write_samples_dropped_total', help: 'samples dropped: queue bound reached or refused with a 4xx', labelNames: [], registers, collect: forwarding((f) => f.samplesDropped) });
    new Counter({ name: 'rackwatch_remote_write_requests_failed_total', help: 'remote-write requests that failed (retried or dropped)', registers, collect: forwarding((f) => f.requestsFailed) });
    new Counter({ name: 'rackwatch_remote_write_bytes_total', help: 'bytes of remote-write request bodies sent (snappy compressed)', registers, collect: forwarding((f) => f.bytesSent) });
    new Gauge({ name: 'rackwatch_remote_write_queue_samples', help: 'samples waiting in the remote-write queue', registers, collect: forwarding((f) => f.queuedSamples) });
    new Gauge({ name: 'rackwatch_remote_write_queue_bytes', help: 'bytes of the remote-write queue on disk', registers, collect: forwarding((f) => f.queuedBytes) });
    new Counter({ name: 'rackwatch_alertmanager_posts_total', help: 'alert changes posted to Alertmanager', registers, collect: forwarding((f) => f.alertsPosted) });
    new Counter({ name: 'rackwatch_alertmanager_posts_failed_total', help: 'alert posts to Alertmanager that failed', registers, collect: forwarding((f) => f.alertPostsFailed) });
  }

  /** The exposition in the format the scraper asked for (OpenMetrics when `Accept` names it). */
  async expose(accept: string | undefined): Promise<Exposition> {
    const registry = wantsOpenMetrics(accept) ? this.open : this.text;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

/** Prometheus asks `application/openmetrics-text;version=1.0.0,…;q=0.5,text/plain;version=0.0.4;q=0.4`. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}
