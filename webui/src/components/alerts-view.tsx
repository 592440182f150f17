// The Alerts view (S7): open alerts worst first, each with its grade, server, metric and cause
// (fullest filesystem, top CPU and memory process), value against threshold and age, and an
// Acknowledge button; below, the history of resolved alerts, filtered by server and grade, paged.
// Open alerts come from the page (kept live by the stream's `alert` events).
import { useMemo, useState } from 'preact/hooks';
import type { Alert, AlertDetail, Severity } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import { ackAlert, getAlert, listAlerts } from '../alerting-api.js';
import { formatMetricValue, sortAlertsWorstFirst } from '../alerting-model.js';
import { causeParts, metricText, valueVsThreshold } from '../alerting-text.js';
import { errorReason } from '../api-client.js';
import type { Resource } from '../use-resource.js';
import { useResource } from '../use-resource.js';
import { useNow, useUi } from '../ui-context.js';
import { AlertStateBadge, Card, ErrorBox, Loading, ResourceState, SeverityBadge, SeverityOptions } from './alerting-parts.js';
import { DataTable } from './data-table.js';
import { ruleDisplayName } from '../builtin-rule-names.js';

const HISTORY_PAGE = 50;

function AlertWhat({ alert }: { alert: Alert }) {
  const { t, fmt, lang } = useUi();
  const cause = causeParts(alert.cause, fmt, t);
  return (
    <div class="alert-what">
      <div class="alert-rule">
        <strong data-testid="alert-rule-name">{ruleDisplayName(alert.ruleId, alert.ruleName, lang)}</strong> <span class="muted">{metricText(alert.metric, alert.key, t)}</span>
      </div>
      {cause.length > 0 && (
        <ul class="cause-list" data-testid="alert-cause" aria-label={t('alert.cause')}>
          {cause.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AlertDetails({ id }: { id: number }) {
  const { t, fmt, stream, can } = useUi();
  // phone numbers are for roles that may read the outbox (SEC): a viewer sees when and how it went
  const phones = can('sms:read');
  // the SMS about it change state while it is open: re-read on outbox and alert events
  const res = useResource<AlertDetail>((signal) => getAlert(id, signal), [id], { stream, events: ['sms', 'alert'] });
  if (res.phase === 'loading') return <Loading />;
  if (res.phase === 'error' || !res.data) return <ErrorBox message={res.error ?? ''} onRetry={res.reload} />;
  const { history, notifications } = res.data;
  return (
    <div class="alert-details" data-testid="alert-details">
      <div>
        <h4>{t('alert.history')}</h4>
        <ol class="event-list">
          {history.map((e) => (
            <li key={e.id}>
              <span class="num">{fmt.dateTime(e.at)}</span> {t(`aevent.${e.kind}` as const)} <SeverityBadge level={e.severity} />
              {e.by && <span class="muted"> · {t('alert.by', { by: e.by })}</span>}
            </li>
          ))}
        </ol>
      </div>
      <div>
        <h4>{t('alert.notifications')}</h4>
        {notifications.length === 0 ? (
          <p class="hint">{t('alert.noNotifications')}</p>
        ) : (
          <ul class="event-list">
            {notifications.map((n) => (
              <li key={n.id}>
                <span class="num">{fmt.dateTime(n.createdAt)}</span> {phones && <span data-testid="notification-to">{n.to}</span>} <span class={`obox obox-${n.state}`}>{t(`outbox.${n.state}` as const)}</span>
                <div class="sms-text small">{n.text}</div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** The open alert's buttons: acknowledge (while firing) and the details under the row. */
function OpenAlertActions({ alert, expanded, onToggle, onAcked }: { alert: Alert; expanded: boolean; onToggle: () => void; onAcked: (a: Alert) => void }) {
  const { t, can } = useUi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ack = (): void => {
    setBusy(true);
    setError(null);
    ackAlert(alert.id)
      .then((d) => onAcked(d.alert))
      .catch((e: unknown) => setError(errorReason(e)))
      .finally(() => setBusy(false));
  };
  return (
    <>
      {alert.state === 'firing' && can('alerts:ack') && (
        <button type="button" class="button button-primary" data-testid="ack-button" disabled={busy} onClick={ack}>
          {t('alert.ack')}
        </button>
      )}
      <button type="button" class="button button-quiet" aria-expanded={expanded} onClick={onToggle}>
        {expanded ? t('common.hide') : t('common.details')}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function OpenAlerts({ open, onAcked }: { open: Resource<Alert[]>; onAcked: (a: Alert) => void }) {
  const { t, fmt } = useUi();
  const now = useNow(5000);
  const rows = useMemo(() => sortAlertsWorstFirst(open.data ?? []), [open.data]);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const toggle = (id: number): void =>
    setExpanded((ids) => {
      const next = new Set(ids);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const since = (a: Alert): number => a.firedAt ?? a.startedAt;
  return (
    <Card
      title={
        <>
          {t('alerts.open')} {open.data && <span class="count">{fmt.number(open.data.length, 0)}</span>}
        </>
      }
      testId="open-alerts"
    >
      <ResourceState resource={open} />
      {open.data && (
        <DataTable
          rows={rows}
          rowKey={(a) => a.id}
          rowAttrs={(a) => ({
            class: `alert-row sevrow-${a.severity}`,
            'data-testid': 'open-alert',
            'data-alert-id': a.id,
            'data-state': a.state,
            'data-severity': a.severity,
            'data-agent-id': a.agentId,
            'data-rule-id': a.ruleId,
          })}
          detail={(a) => expanded.has(a.id) && <AlertDetails id={a.id} />}
          empty={t('alerts.noneOpen')}
          columns={[
            { header: t('col.severity'), cell: (a) => <SeverityBadge level={a.severity} /> },
            { header: t('col.server'), class: 'host-cell', cellAttrs: () => ({ 'data-testid': 'alert-server' }), cell: (a) => a.agentName },
            { header: t('col.alert'), cell: (a) => <AlertWhat alert={a} /> },
            // the figure right-aligned under a header that stays where the others are
            { header: t('col.value'), class: 'num', cellAttrs: () => ({ 'data-testid': 'alert-value' }), cell: (a) => valueVsThreshold(a, fmt, t) },
            {
              header: t('col.state'),
              cell: (a) => (
                <>
                  <AlertStateBadge state={a.state} />
                  {a.state === 'acknowledged' && a.ackedBy && <div class="muted small">{t('alert.by', { by: a.ackedBy })}</div>}
                  <QuietNote alert={a} />
                </>
              ),
            },
            { header: t('col.since'), class: 'nowrap', cellAttrs: (a) => ({ title: fmt.dateTime(since(a)) }), cell: (a) => fmt.relative(since(a), now) },
            {
              header: t('col.actions'),
              headerHidden: true,
              class: 'actions',
              cell: (a) => <OpenAlertActions alert={a} expanded={expanded.has(a.id)} onToggle={() => toggle(a.id)} onAcked={onAcked} />,
            },
          ]}
        />
      )}
    </Card>
  );
}

interface HistoryPage {
  alerts: Alert[];
  nextBefore: number | null;
}

function History({ agents }: { agents: readonly AgentRow[] }) {
  const { t, fmt, stream } = useUi();
  const [agent, setAgent] = useState('');
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [text, setText] = useState('');
  // alerts cancelled before firing (a value that crossed a threshold for less than the rule's
  // "for" time) sent nothing and needed nobody: hidden unless asked for, so the history is what happened
  const [withCancelled, setWithCancelled] = useState(false);
  const [more, setMore] = useState<HistoryPage[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  const first = useResource<HistoryPage>(
    (signal) => {
      setMore([]);
      return listAlerts({ states: ['resolved'], agent: agent || undefined, limit: HISTORY_PAGE, ...(withCancelled ? {} : { fired: true }) }, signal);
    },
    [agent, withCancelled],
    { stream, events: ['alert'], refreshMs: 60_000 },
  );
  const pages = first.data ? [first.data, ...more] : [];
  const next = pages.length > 0 ? (pages[pages.length - 1]?.nextBefore ?? null) : null;
  const needle = text.trim().toLowerCase();
  const rows = pages
    .flatMap((p) => p.alerts)
    .filter((a) => (severity === '' || a.severity === severity) && (needle === '' || `${a.ruleName} ${a.agentName} ${a.key ?? ''}`.toLowerCase().includes(needle)));
  const loadMore = (): void => {
    if (next === null) return;
    setMoreError(null);
    listAlerts({ states: ['resolved'], agent: agent || undefined, limit: HISTORY_PAGE, before: next, ...(withCancelled ? {} : { fired: true }) })
      .then((p) => setMore((m) => [...m, p]))
      .catch((e: unknown) => setMoreError(errorReason(e)));
  };
  return (
    <Card title={t('alerts.history')} testId="alert-history">
      <div class="toolbar">
        <label class="inline-field">
          <span>{t('col.server')}</span>
          <select value={agent} data-testid="history-agent" onChange={(e) => setAgent(e.currentTarget.value)}>
            <option value="">{t('filter.all')}</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.hostname}
              </option>
            ))}
          </select>
        </label>
        <label class="inline-field">
          <span>{t('col.severity')}</span>
          <select value={severity} data-testid="history-severity" onChange={(e) => setSeverity(e.currentTarget.value as Severity | '')}>
            <option value="">{t('filter.all')}</option>
            <SeverityOptions />
          </select>
        </label>
        <label class="inline-field">
          <input type="checkbox" checked={withCancelled} data-testid="history-cancelled" onChange={(e) => setWithCancelled(e.currentTarget.checked)} />
          <span>{t('alerts.showCancelled')}</span>
        </label>
        <input class="search inline-search" type="search" placeholder={t('alerts.searchHistory')} aria-label={t('alerts.searchHistory')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <ResourceState resource={first} />
      {first.data && (
        <DataTable
          rows={rows}
          rowKey={(a) => a.id}
          rowAttrs={(a) => ({ class: `alert-row sevrow-${a.severity}`, 'data-testid': 'history-alert', 'data-alert-id': a.id })}
          empty={t('alerts.noHistory')}
          columns={[
            { header: t('col.severity'), cell: (a) => <SeverityBadge level={a.severity} /> },
            { header: t('col.server'), class: 'host-cell', cell: (a) => a.agentName },
            { header: t('col.alert'), cell: (a) => <AlertWhat alert={a} /> },
            {
              header: t('col.value'),
              class: 'num',
              cell: (a) => (
                <>
                  {valueVsThreshold(a, fmt, t)}
                  {typeof a.resolvedValue === 'number' && a.metric.kind !== 'agent_silent' && (
                    <div class="muted small">{t('alert.resolvedValue', { v: formatMetricValue(a.resolvedValue, a.unit, fmt) })}</div>
                  )}
                </>
              ),
            },
            { header: t('col.started'), class: 'nowrap', cell: (a) => fmt.dateTime(a.startedAt) },
            { header: t('col.resolved'), class: 'nowrap', cell: (a) => (a.resolvedAt ? fmt.dateTime(a.resolvedAt) : '–') },
            {
              header: t('col.resolution'),
              cell: (a) => (
                <>
                  {a.firedAt === undefined ? t('resolution.neverFired') : a.resolution ? t(`resolution.${a.resolution}` as const) : '–'}
                  {a.ackedBy && <div class="muted small">{t('alert.ackedBy', { by: a.ackedBy })}</div>}
                  <QuietNote alert={a} />
                </>
              ),
            },
          ]}
        />
      )}
      {moreError && <ErrorBox message={moreError} onRetry={loadMore} />}
      {next !== null && (
        <button type="button" class="button" data-testid="history-more" onClick={loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </Card>
  );
}

export function AlertsView({ open, agents }: { open: Resource<Alert[]>; agents: readonly AgentRow[] }) {
  const { t } = useUi();
  const onAcked = (a: Alert): void => open.mutate((list) => list.map((x) => (x.id === a.id ? a : x)));
  return (
    <div class="view" data-testid="view-alerts">
      <div class="view-head">
        <h2>{t('nav.alerts')}</h2>
        <a href="#view=noise" class="button" data-testid="open-noise">{t('noise.open')}</a>
      </div>
      <OpenAlerts open={open} onAcked={onAcked} />
      <History agents={agents} />
    </div>
  );
}

/**
 * B10, B11: why an alert is not texted: in a maintenance window (its reason, author and end) or
 * behind a parent that is down (the parent named).
 */
function QuietNote({ alert }: { alert: Alert }) {
  const { t, fmt } = useUi();
  const q = alert.quiet;
  if (!q) return null;
  return (
    <div class="muted small" data-testid="alert-quiet" data-kind={q.kind}>
      {q.kind === 'maintenance'
        ? t('alert.inMaintenance', { reason: q.reason, author: q.author, until: q.untilMs !== null ? fmt.dateTime(q.untilMs) : '–' })
        : t('alert.suppressed', { parent: q.parentName })}
    </div>
  );
}
