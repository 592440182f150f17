// The Alerts view (S7): open alerts worst first, each with its grade, server, metric and cause
// (fullest filesystem, top CPU and memory process), value against threshold and age, and an
// Acknowledge button; below, the history of resolved alerts, filtered by server and grade, paged.
// Open alerts come from the page (kept live by the stream's `alert` events).
import { useMemo, useState } from 'preact/hooks';
import type { Alert, AlertDetail, Severity } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import { ackAlert, getAlert, listAlerts } from '../alerting-api.js';
import { SEVERITIES, formatMetricValue, sortAlertsWorstFirst } from '../alerting-model.js';
import { causeParts, metricText, valueVsThreshold } from '../alerting-text.js';
import { errorReason } from '../api-client.js';
import type { Resource } from '../use-resource.js';
import { useResource } from '../use-resource.js';
import { useNow, useUi } from '../ui-context.js';
import { AlertStateBadge, Card, ErrorBox, Loading, ResourceState, SeverityBadge } from './alerting-parts.js';

const HISTORY_PAGE = 50;

function AlertWhat({ alert }: { alert: Alert }) {
  const { t, fmt } = useUi();
  const cause = causeParts(alert.cause, fmt, t);
  return (
    <div class="alert-what">
      <div class="alert-rule">
        <strong>{alert.ruleName}</strong> <span class="muted">{metricText(alert.metric, alert.key, t)}</span>
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
  const { t, fmt, stream } = useUi();
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
                <span class="num">{fmt.dateTime(n.createdAt)}</span> {n.to} <span class={`obox obox-${n.state}`}>{t(`outbox.${n.state}` as const)}</span>
                <div class="sms-text small">{n.text}</div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function OpenAlertRow({ alert, now, onAcked }: { alert: Alert; now: number; onAcked: (a: Alert) => void }) {
  const { t, fmt } = useUi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState(false);
  const since = alert.firedAt ?? alert.startedAt;
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
      <tr class={`alert-row sevrow-${alert.severity}`} data-testid="open-alert" data-alert-id={alert.id} data-state={alert.state} data-severity={alert.severity} data-agent-id={alert.agentId} data-rule-id={alert.ruleId}>
        <td>
          <SeverityBadge level={alert.severity} />
        </td>
        <td class="host-cell" data-testid="alert-server">
          {alert.agentName}
        </td>
        <td>
          <AlertWhat alert={alert} />
        </td>
        <td class="num" data-testid="alert-value">
          {valueVsThreshold(alert, fmt, t)}
        </td>
        <td>
          <AlertStateBadge state={alert.state} />
          {alert.state === 'acknowledged' && alert.ackedBy && <div class="muted small">{t('alert.by', { by: alert.ackedBy })}</div>}
        </td>
        <td class="nowrap" title={fmt.dateTime(since)}>
          {fmt.relative(since, now)}
        </td>
        <td class="actions">
          {alert.state === 'firing' && (
            <button type="button" class="button button-primary" data-testid="ack-button" disabled={busy} onClick={ack}>
              {t('alert.ack')}
            </button>
          )}
          <button type="button" class="button button-quiet" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
            {expanded ? t('common.hide') : t('common.details')}
          </button>
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
        </td>
      </tr>
      {expanded && (
        <tr class="detail-row">
          <td colSpan={7}>
            <AlertDetails id={alert.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function OpenAlerts({ open, onAcked }: { open: Resource<Alert[]>; onAcked: (a: Alert) => void }) {
  const { t, fmt } = useUi();
  const now = useNow(5000);
  const rows = useMemo(() => sortAlertsWorstFirst(open.data ?? []), [open.data]);
  return (
    <Card
      title={
        <>
          {t('alerts.open')} {open.data && <span class="count">{fmt.number(open.data.length, 0)}</span>}
        </>
      }
      testId="open-alerts"
    >
      <ResourceState resource={open} isEmpty={rows.length === 0} empty={t('alerts.noneOpen')} />
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('col.severity')}</th>
                <th scope="col">{t('col.server')}</th>
                <th scope="col">{t('col.alert')}</th>
                <th scope="col">{t('col.value')}</th>
                <th scope="col">{t('col.state')}</th>
                <th scope="col">{t('col.since')}</th>
                <th scope="col">
                  <span class="sr-only">{t('col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <OpenAlertRow key={a.id} alert={a} now={now} onAcked={onAcked} />
              ))}
            </tbody>
          </table>
        </div>
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
  const [more, setMore] = useState<HistoryPage[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  const first = useResource<HistoryPage>(
    (signal) => {
      setMore([]);
      return listAlerts({ states: ['resolved'], agent: agent || undefined, limit: HISTORY_PAGE }, signal);
    },
    [agent],
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
    listAlerts({ states: ['resolved'], agent: agent || undefined, limit: HISTORY_PAGE, before: next })
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
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`sev.${s}` as const)}
              </option>
            ))}
          </select>
        </label>
        <input class="search inline-search" type="search" placeholder={t('alerts.searchHistory')} aria-label={t('alerts.searchHistory')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <ResourceState resource={first} isEmpty={rows.length === 0} empty={t('alerts.noHistory')} />
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t('col.severity')}</th>
                <th scope="col">{t('col.server')}</th>
                <th scope="col">{t('col.alert')}</th>
                <th scope="col">{t('col.value')}</th>
                <th scope="col">{t('col.started')}</th>
                <th scope="col">{t('col.resolved')}</th>
                <th scope="col">{t('col.resolution')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} class={`alert-row sevrow-${a.severity}`} data-testid="history-alert" data-alert-id={a.id}>
                  <td>
                    <SeverityBadge level={a.severity} />
                  </td>
                  <td class="host-cell">{a.agentName}</td>
                  <td>
                    <AlertWhat alert={a} />
                  </td>
                  <td class="num">
                    {valueVsThreshold(a, fmt, t)}
                    {typeof a.resolvedValue === 'number' && a.metric.kind !== 'agent_silent' && (
                      <div class="muted small">{t('alert.resolvedValue', { v: formatMetricValue(a.resolvedValue, a.unit, fmt) })}</div>
                    )}
                  </td>
                  <td class="nowrap">{fmt.dateTime(a.startedAt)}</td>
                  <td class="nowrap">{a.resolvedAt ? fmt.dateTime(a.resolvedAt) : '–'}</td>
                  <td>
                    {a.firedAt === undefined ? t('resolution.neverFired') : a.resolution ? t(`resolution.${a.resolution}` as const) : '–'}
                    {a.ackedBy && <div class="muted small">{t('alert.ackedBy', { by: a.ackedBy })}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
      </div>
      <OpenAlerts open={open} onAcked={onAcked} />
      <History agents={agents} />
    </div>
  );
}
