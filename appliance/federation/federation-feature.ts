// Forwarding beyond the box (S19, B8): the settings (SQLite `settings`, key 'federation'), the
// remote-write queue and sender, and the Alertmanager forwarder, rebuilt when an admin changes
// the settings. Stored batches come from the ingest once rrdcached has them; alert changes from
// the live hub, the same events the web UI sees.
import path from 'node:path';
import { hostname } from 'node:os';
import type { Db } from '../db/database.js';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import type { Sample } from '../../contract/metrics.js';
import type { Alert, Group } from '../../contract/alerting.js';
import type { LiveHub } from '../live/live-hub.js';
import { federationSettingsSchema, type FederationResponse, type FederationSettings, type FederationUpdate, type ForwardAuth, type ForwardAuthView } from '../../contract/federation-api.js';
import { withStoredSecrets } from './stored-secrets.js';
import { emptyForwardingStats, type ForwardingStats } from './forwarding-stats.js';
import { RemoteWriteQueue, type QueuedBatch } from './remote-write-queue.js';
import { RemoteWriter } from './remote-writer.js';
import { Downsampler } from './downsampler.js';
import { AlertmanagerForwarder } from './alertmanager-forwarder.js';
import { APPLIANCE_SERIES_DIR } from '../checks/check-perfdata.js';
import { endpointCa } from './ca-file.js';

const SETTINGS_KEY = 'federation';
const FLUSH_MS = 200;
/** a failure is logged at most this often (an outage of hours would fill the log otherwise) */
const ERROR_LOG_INTERVAL_MS = 60_000;

export interface FederationFeatureDeps {
  db: Db;
  dataDir: string;
  hub: LiveHub;
  clock: Clock;
  logger: Logger;
  hostnameOf: (agentId: string) => string;
  groups: () => readonly Group[];
  openAlerts: () => readonly Alert[];
  /** backoff and resend bounds, for tests */
  timing?: { minBackoffMs?: number; maxBackoffMs?: number; alertResendMs?: number };
}

function authView(auth: ForwardAuth): ForwardAuthView {
  if (auth === null) return null;
  return auth.kind === 'basic' ? { kind: 'basic', username: auth.username, passwordSet: auth.password !== '' } : { kind: 'bearer', tokenSet: true };
}

export class FederationFeature {
  private settings: FederationSettings;
  readonly stats: ForwardingStats = emptyForwardingStats();
  private lastError: { message: string; at: number } | null = null;
  /** drops at the queue's bound since start, for the self-watch's alert (B4, S19) */
  private boundDrops: { samples: number; lastAt: number; boundBytes: number } | null = null;
  private lastErrorLog = 0;
  private queue: RemoteWriteQueue | null = null;
  private writer: RemoteWriter | null = null;
  private downsampler: Downsampler | null = null;
  private families: ReadonlySet<string> | null = null;
  private alertmanager: AlertmanagerForwarder | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private groupNames: { list: readonly Group[]; byAgent: Map<string, string> } | null = null;
  /** the machine's host name, read when the settings are applied: os.hostname() is a system call, and stored() wants it per batch (B8) */
  private machineName = hostname();

  constructor(private readonly deps: FederationFeatureDeps) {
    this.settings = this.load();
  }

  start(): void {
    this.unsubscribe = this.deps.hub.subscribe((e) => {
      if (e.name !== 'alert' || !this.alertmanager) return;
      const { kind, alert } = e.data as { kind: Parameters<AlertmanagerForwarder['changed']>[0]; alert: Alert };
      this.alertmanager.changed(kind, alert);
    });
    this.apply();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.teardown();
  }

  /**
   * Samples rrdcached stored in directory `agentId` (S19: an agent's, its checks' perfdata and web
   * logs, or the appliance's own probes' under APPLIANCE_SERIES_DIR, sent with the appliance's
   * label as their host): queued for the endpoint when one is set.
   */
  stored(agentId: string, samples: readonly Sample[]): void {
    const queue = this.queue;
    if (!queue) return;
    const wanted = this.families ? samples.filter((s) => this.families?.has(s.f)) : samples;
    if (wanted.length === 0) return;
    const host = agentId === APPLIANCE_SERIES_DIR ? this.applianceLabel() : this.deps.hostnameOf(agentId);
    // the stored samples themselves, not copies: the queue encodes them within FLUSH_MS and keeps
    // nothing of them after (they already shared their values with the store)
    const batch: QueuedBatch = { o: { appliance: this.applianceLabel(), host, group: this.groupOf(agentId) }, s: wanted };
    const out = this.downsampler ? this.downsampler.add(agentId, batch) : batch;
    if (out) queue.append(out);
  }

  view(): FederationResponse {
    const s = this.settings;
    this.refreshQueueStats();
    return {
      appliance: this.applianceLabel(),
      remoteWrite: s.remoteWrite ? { ...s.remoteWrite, auth: authView(s.remoteWrite.auth) } : null,
      alertmanager: s.alertmanager ? { ...s.alertmanager, auth: authView(s.alertmanager.auth) } : null,
      status: { ...this.stats, oldestQueuedAt: this.oldestQueuedAt(), lastError: this.lastError },
    };
  }

  /** A PUT body with the secrets it left out taken from the stored settings. */
  withStoredSecrets(update: FederationUpdate): ReturnType<typeof withStoredSecrets> {
    return withStoredSecrets(update, this.settings);
  }

  /** What is wrong with settings the schema took: a CA file that cannot be read ("path: message"). */
  problems(next: FederationSettings): string[] {
    const out: string[] = [];
    for (const [field, s] of [['remoteWrite', next.remoteWrite], ['alertmanager', next.alertmanager]] as const) {
      if (!s) continue;
      try {
        endpointCa(s);
      } catch (e) {
        out.push(`${field}.caFile: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Saves new settings and applies them: a changed endpoint starts from an empty queue. */
  async update(next: FederationSettings): Promise<FederationResponse> {
    const before = this.settings;
    this.deps.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(SETTINGS_KEY, JSON.stringify(next));
    this.settings = next;
    const endpointChanged = before.remoteWrite?.url !== next.remoteWrite?.url;
    await this.teardown();
    if (endpointChanged) {
      // what was queued for the old endpoint is not the new one's
      new RemoteWriteQueue({ dir: this.queueDir(), maxBytes: Number.MAX_SAFE_INTEGER }).clear();
    }
    this.apply();
    return this.view();
  }

  /** Samples dropped at the queue's bound since start, the last drop's time and the bound; null: none (self-watch, B4). */
  queueDrops(): { samples: number; lastAt: number; boundBytes: number } | null {
    return this.boundDrops;
  }

  /** The counters and queue size for /metrics. */
  forwardingStats(): ForwardingStats {
    this.refreshQueueStats();
    return this.stats;
  }

  private oldestQueuedAt(): number | null {
    try {
      const t = this.queue?.oldestSampleTime() ?? null;
      return t === null ? null : t * 1000;
    } catch (e) {
      this.deps.logger.error('cannot read the remote-write queue', { err: e });
      return null;
    }
  }

  private refreshQueueStats(): void {
    this.stats.queuedSamples = this.queue?.samples ?? 0;
    this.stats.queuedBytes = this.queue?.bytes ?? 0;
  }

  private applianceLabel(): string {
    return this.settings.appliance ?? this.machineName;
  }

  private groupOf(agentId: string): string {
    const list = this.deps.groups();
    if (this.groupNames?.list !== list) {
      const byAgent = new Map<string, string[]>();
      for (const g of list) for (const id of g.memberIds) byAgent.set(id, [...(byAgent.get(id) ?? []), g.name]);
      this.groupNames = { list, byAgent: new Map([...byAgent].map(([id, names]) => [id, names.sort().join(',')])) };
    }
    return this.groupNames.byAgent.get(agentId) ?? '';
  }

  private queueDir(): string {
    return path.join(this.deps.dataDir, 'federation', 'remote-write');
  }

  private load(): FederationSettings {
    const row = this.deps.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY);
    if (!row) return federationSettingsSchema.parse({});
    const parsed = federationSettingsSchema.safeParse(JSON.parse(row.value));
    if (parsed.success) return parsed.data;
    this.deps.logger.error('the saved federation settings are not valid; forwarding is off until they are saved again', { problems: parsed.error.issues.length });
    return federationSettingsSchema.parse({});
  }

  /** The settings with their CA file read into caCertificates; unreadable (since saved): said, and the system's CAs used. */
  private withCa<T extends { caCertificates: string | null; caFile: string | null }>(s: T): T {
    try {
      return { ...s, caCertificates: endpointCa(s) };
    } catch (e) {
      this.failed(`the CA file: ${(e as Error).message}`);
      return { ...s, caCertificates: null };
    }
  }

  private apply(): void {
    this.machineName = hostname();
    const remoteWrite = this.settings.remoteWrite ? this.withCa(this.settings.remoteWrite) : null;
    const alertmanager = this.settings.alertmanager ? this.withCa(this.settings.alertmanager) : null;
    const onError = (message: string): void => this.failed(message);
    if (remoteWrite) {
      const queue = new RemoteWriteQueue({
        dir: this.queueDir(), maxBytes: remoteWrite.queueMaxBytes, segmentBytes: Math.min(4 << 20, Math.floor(remoteWrite.queueMaxBytes / 4)),
        requestsPerRound: remoteWrite.parallelRequests,
        onDropped: (n) => {
          this.stats.samplesDropped += n;
          this.boundDrops = { samples: (this.boundDrops?.samples ?? 0) + n, lastAt: this.deps.clock.now(), boundBytes: remoteWrite.queueMaxBytes };
          this.failed(`the remote-write queue reached its bound of ${remoteWrite.queueMaxBytes} bytes: the oldest ${n} samples were dropped`);
        },
      });
      this.queue = queue;
      this.families = remoteWrite.families ? new Set(remoteWrite.families) : null;
      this.downsampler = remoteWrite.downsampleS > 0 ? new Downsampler(remoteWrite.downsampleS) : null;
      this.writer = new RemoteWriter({
        settings: remoteWrite, queue, stats: this.stats, logger: this.deps.logger, clock: this.deps.clock, onError,
        ...(this.deps.timing?.minBackoffMs !== undefined ? { minBackoffMs: this.deps.timing.minBackoffMs } : {}),
        ...(this.deps.timing?.maxBackoffMs !== undefined ? { maxBackoffMs: this.deps.timing.maxBackoffMs } : {}),
      });
      this.writer.start();
      this.flushTimer = setInterval(() => {
        try {
          queue.flush();
          // wakes an idle sender only: one backing off from a failing endpoint keeps its backoff (remote-writer.ts)
          this.writer?.poke();
        } catch (e) {
          this.failed(`cannot write the remote-write queue: ${(e as Error).message}`);
        }
      }, FLUSH_MS);
    }
    if (alertmanager) {
      this.alertmanager = new AlertmanagerForwarder({
        settings: alertmanager, appliance: this.applianceLabel(), groupOf: (id) => this.groupOf(id), openAlerts: this.deps.openAlerts,
        stats: this.stats, logger: this.deps.logger, onError,
        ...(this.deps.timing?.alertResendMs !== undefined ? { resendMs: this.deps.timing.alertResendMs } : {}),
      });
      this.alertmanager.start();
    }
  }

  private async teardown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.writer?.stop();
    this.writer = null;
    try {
      this.queue?.flush();
    } catch (e) {
      this.deps.logger.error('cannot write the remote-write queue', { err: e });
    }
    this.queue = null;
    this.downsampler = null;
    this.families = null;
    await this.alertmanager?.stop();
    this.alertmanager = null;
  }

  private failed(message: string): void {
    const now = this.deps.clock.now();
    this.lastError = { message, at: now };
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog = now;
    this.deps.logger.warn(`federation: ${message} (further failures are counted, not logged, for a minute)`);
  }
}
