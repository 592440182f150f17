// Alerts upstream (S19, B8): every alert change is posted to an Alertmanager's /api/v2/alerts, so
// that a central NOC sees every appliance's alerts and routes them its own way. Independent of the
// SMS path: it reads the same alert events from the live hub, and a failing Alertmanager never
// holds an SMS back. Open alerts are posted again every RESEND_MS, as Prometheus does: Alertmanager
// resolves an alert it has not heard of within its resolve_timeout, and a restarted one learns them.
import type { Alert, AlertEventKind } from '../../contract/alerting.js';
import type { AlertmanagerSettings } from '../../contract/federation-api.js';
import type { Logger } from '../../core/logger.js';
import { post } from './forward-http.js';
import type { ForwardingStats } from './forwarding-stats.js';
import { KEY_LABEL } from './sample-series.js';

const RESEND_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** posts waiting while the Alertmanager cannot be reached: the newest state of each alert */
const MAX_WAITING = 10_000;

/** One alert as Alertmanager's API v2 takes it (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

export interface AlertmanagerForwarderOptions {
  settings: AlertmanagerSettings;
  appliance: string;
  groupOf: (agentId: string) => string;
  openAlerts: () => readonly Alert[];
  stats: ForwardingStats;
  logger: Logger;
  onError: (message: string) => void;
  resendMs?: number;
}

function causeText(a: Alert): Record<string, string> {
  const c = a.cause;
  const out: Record<string, string> = {};
  if (c.fullestFs) out.fullest_fs = `${c.fullestFs.mount} ${c.fullestFs.usedPct.toFixed(1)} % used`;
  if (c.topCpuProcess) out.top_cpu_process = `${c.topCpuProcess.name} (pid ${c.topCpuProcess.pid}) ${c.topCpuProcess.pct.toFixed(1)} %`;
  if (c.topMemProcess) out.top_memory_process = `${c.topMemProcess.name} (pid ${c.topMemProcess.pid}) ${c.topMemProcess.pct.toFixed(1)} %`;
  if (c.silence) out.silence = c.silence.reason;
  if (c.fault) out.fault = `${c.fault.cause}: ${c.fault.detail}`;
  if (c.check) out.check = `${c.check.name}: ${c.check.state} ${c.check.output}`;
  return out;
}

/** The alert as Alertmanager sees it: identity in labels, the cause in annotations. */
export function postableAlert(a: Alert, appliance: string, group: string): PostableAlert {
  const labels: Record<string, string> = {
    alertname: a.ruleName, rule_id: a.ruleId, severity: a.severity, appliance, host: a.agentName, alert_id: String(a.id),
  };
  if (group !== '') labels.group = group;
  if (a.key !== undefined) labels[a.metric.kind === 'field' ? KEY_LABEL[a.metric.family] : 'key'] = a.key;
  const summary = `${a.ruleName} on ${a.agentName}${a.key !== undefined ? ` (${a.key})` : ''}: ${a.value ?? 'no data'}${a.unit} (threshold ${a.comparison} ${a.threshold}${a.unit})`;
  const annotations: Record<string, string> = { summary, state: a.state, value: String(a.value ?? ''), threshold: String(a.threshold), ...causeText(a) };
  if (a.ackedBy !== undefined) annotations.acknowledged_by = a.ackedBy;
  const out: PostableAlert = { labels, annotations, startsAt: new Date(a.firedAt ?? a.startedAt).toISOString() };
  if (a.resolvedAt !== undefined) out.endsAt = new Date(a.resolvedAt).toISOString();
  return out;
}

export class AlertmanagerForwarder {
  /** by alert id: the newest state not yet accepted */
  private readonly waiting = new Map<number, PostableAlert>();
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: AlertmanagerForwarderOptions) {}

  start(): void {
    for (const a of this.opts.openAlerts()) if (a.state !== 'pending') this.queue(a);
    this.flush();
    this.timer = setInterval(() => {
      for (const a of this.opts.openAlerts()) if (a.state !== 'pending') this.queue(a);
      this.flush();
    }, this.opts.resendMs ?? RESEND_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sending;
  }

  /** An alert changed (the hub's `alert` event). Pending alerts are not sent: nothing fired yet. */
  changed(kind: AlertEventKind, alert: Alert): void {
    if (kind === 'pending' || kind === 'cancelled') return;
    this.queue(alert);
    this.flush();
  }

  private queue(a: Alert): void {
    if (this.waiting.size >= MAX_WAITING && !this.waiting.has(a.id)) {
      const oldest = this.waiting.keys().next().value;
      if (oldest !== undefined) this.waiting.delete(oldest);
      this.opts.stats.alertPostsFailed++;
    }
    this.waiting.delete(a.id);
    this.waiting.set(a.id, postableAlert(a, this.opts.appliance, this.opts.groupOf(a.agentId)));
  }

  private flush(): void {
    if (this.sending || this.waiting.size === 0 || this.stopped) return;
    this.sending = this.send().finally(() => {
      this.sending = null;
      // changes that came while this post was under way
      if (this.waiting.size > 0 && !this.stopped && this.lastOk) this.flush();
    });
  }

  private lastOk = true;

  private async send(): Promise<void> {
    const batch = [...this.waiting];
    const { settings } = this.opts;
    try {
      const answer = await post(new URL('api/v2/alerts', settings.url.endsWith('/') ? settings.url : `${settings.url}/`).href, JSON.stringify(batch.map(([, a]) => a)),
        { 'content-type': 'application/json' }, { auth: settings.auth, ca: settings.caCertificates, timeoutMs: REQUEST_TIMEOUT_MS });
      if (answer.status >= 200 && answer.status < 300) {
        // only those not changed again meanwhile
        for (const [id, a] of batch) if (this.waiting.get(id) === a) this.waiting.delete(id);
        this.opts.stats.alertsPosted += batch.length;
        this.lastOk = true;
        return;
      }
      this.lastOk = false;
      this.opts.stats.alertPostsFailed++;
      // a 4xx would be refused again: dropped (the next resend posts the open alerts afresh)
      if (answer.status >= 400 && answer.status < 500) for (const [id, a] of batch) if (this.waiting.get(id) === a) this.waiting.delete(id);
      this.opts.onError(`Alertmanager answered ${answer.status}: ${answer.text.trim()}`);
    } catch (e) {
      this.lastOk = false;
      this.opts.stats.alertPostsFailed++;
      this.opts.onError(`cannot reach Alertmanager: ${(e as Error).message}`);
    }
  }
}
