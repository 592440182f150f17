// The Web logs screen (S11): one server's access logs (`#view=weblogs&server=<agentId>`, reached
// from the header and from a server's panel), each with its live requests/s by status class over
// the last hour (the `weblog` series), its totals since it was added and their status mix, why the
// agent cannot read it, the lines that did not match its format, and its top tables (URLs,
// referrers, visitors, user agents, 404s, status codes) over the last hour. An appliance without
// the web-log routes says so instead of failing.
import { useState } from 'preact/hooks';
import type { AgentSummary } from '../../../contract/api.js';
import type { WeblogSource, WeblogTopDimension } from '../../../contract/weblog-api.js';
// the dimensions from the zod-free module: the UI bundle carries no zod
import { WEBLOG_DIMENSIONS } from '../../../contract/weblog.js';
import { loadWindow } from '../chart-sources.js';
import { useUi } from '../ui-context.js';
import { useHashParam } from '../use-hash-param.js';
import { useResource } from '../use-resource.js';
import { getWeblogTop, listWeblogSources } from '../weblog-client.js';
import { STATUS_CLASSES, statusMix } from '../weblog-model.js';
import { AgentOptions, Card, Empty, ResourceState } from './alerting-parts.js';
import { TimeChart } from './time-chart.js';

const REFRESH_MS = 10_000;
const SPAN_S = 3600;
const STATUS_FIELDS = ['s2xx', 's3xx', 's4xx', 's5xx'] as const;
const STATUS_COLORS = ['#16a34a', '#2563eb', '#ca8a04', '#dc2626'];
const TOP_K = 10;
const TOP_DIMENSIONS: readonly WeblogTopDimension[] = [...WEBLOG_DIMENSIONS, 'status'];

function RequestsChart({ source }: { source: WeblogSource }) {
  const { t } = useUi();
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  const w = useResource((signal) => {
    const to = Math.floor(Date.now() / 1000);
    setNow(to);
    return loadWindow(source.agentId, { family: 'weblog', fields: STATUS_FIELDS, key: source.id, from: to - SPAN_S, to, points: 360 }, signal);
  }, [source.id], { refreshMs: REFRESH_MS });
  if (!w.data) return <ResourceState resource={w} />;
  return (
    <TimeChart testId={`weblog-chart-${source.id}`} title={t('weblog.chartRequests')} yKind="plain" stacked xRange={[now - SPAN_S, now]} height={160}
      lines={STATUS_FIELDS.map((f, i) => ({ label: STATUS_CLASSES[i] ?? f, color: STATUS_COLORS[i] ?? '#000' }))} data={w.data.data} />
  );
}

function TopTable({ source }: { source: WeblogSource }) {
  const { t, fmt } = useUi();
  const [dimension, setDimension] = useState<WeblogTopDimension>('url');
  const top = useResource((signal) => getWeblogTop(source.id, dimension, TOP_K, signal), [source.id, dimension], { refreshMs: 60_000 });
  return (
    <div class="weblog-top" data-testid={`weblog-top-${source.id}`}>
      <label>
        {t('weblog.top')}{' '}
        <select value={dimension} onChange={(e) => setDimension(e.currentTarget.value as WeblogTopDimension)} data-testid="weblog-top-dimension">
          {TOP_DIMENSIONS.map((d) => <option key={d} value={d}>{t(`weblog.dim.${d}` as const)}</option>)}
        </select>
      </label>
      <ResourceState resource={top} />
      {top.phase === 'ready' && (top.data === null ? <Empty>{t('weblog.unavailable')}</Empty> : top.data.entries.length === 0 ? <Empty>{t('weblog.topNone')}</Empty> : (
        <table class="table">
          <thead><tr><th>{t('weblog.key')}</th><th>{t('weblog.count')}</th></tr></thead>
          <tbody>
            {top.data.entries.map((e) => (
              <tr key={e.key}><td class="weblog-key">{e.key}</td><td>{fmt.number(e.count, 0)}{e.error > 0 ? ` (±${fmt.number(e.error, 0)})` : ''}</td></tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

function SourceCard({ source }: { source: WeblogSource }) {
  const { t, fmt } = useUi();
  const { totals } = source;
  const mix = statusMix(totals);
  const all = STATUS_CLASSES.reduce((s, c) => s + mix[c], 0);
  return (
    <Card title={<span class="weblog-path">{source.path}</span>} testId={`weblog-source-${source.id}`} class="weblog-card">
      <p class="hint">{source.format}{totals.lastIntervalAt !== null ? ` · ${t('weblog.lastInterval', { when: fmt.dateTime(totals.lastIntervalAt * 1000) })}` : ''}</p>
      {totals.problem && <p class="alert alert-error" role="alert" data-testid="weblog-problem">{t('weblog.problem', { reason: totals.problem })}</p>}
      <dl class="weblog-totals">
        <dt>{t('weblog.requests')}</dt><dd data-testid="weblog-requests">{fmt.number(totals.requests, 0)}</dd>
        <dt>{t('weblog.bytes')}</dt><dd>{fmt.bytes(totals.bytes)}</dd>
        <dt>{t('weblog.malformed')}</dt><dd>{fmt.number(totals.malformed, 0)}</dd>
        <dt>{t('weblog.cut')}</dt><dd>{fmt.number(totals.cut, 0)}</dd>
      </dl>
      <div class="weblog-mix" title={t('weblog.statusMix')} aria-label={t('weblog.statusMix')}>
        {STATUS_CLASSES.map((c, i) => (all > 0 && mix[c] > 0 ? (
          <span key={c} style={{ flexGrow: mix[c], background: STATUS_COLORS[i] }} data-testid={`weblog-mix-${c}`}>{c} {fmt.percent((mix[c] / all) * 100)}</span>
        ) : null))}
      </div>
      <RequestsChart source={source} />
      {totals.samples.length > 0 && (
        <details class="weblog-samples">
          <summary>{t('weblog.samples')} ({totals.samples.length})</summary>
          {totals.samples.map((s, i) => <pre key={i}>{s}</pre>)}
        </details>
      )}
      <TopTable source={source} />
    </Card>
  );
}

export function WeblogsView({ agents }: { agents: readonly AgentSummary[] }) {
  const { t } = useUi();
  const [server, setServer] = useHashParam('server');
  const sources = useResource((signal) => listWeblogSources(signal), [], { refreshMs: REFRESH_MS });
  const mine = (sources.data ?? []).filter((s) => s.agentId === server);
  return (
    <main class="page weblogs-page" data-testid="weblogs-view">
      <h2>{t('weblog.title')}</h2>
      <label>
        {t('weblog.server')}{' '}
        <select value={server ?? ''} onChange={(e) => setServer(e.currentTarget.value || null)} data-testid="weblog-server">
          <option value="">{t('weblog.chooseServer')}</option>
          <AgentOptions agents={agents} />
        </select>
      </label>
      <ResourceState resource={sources} />
      {sources.phase === 'ready' && sources.data === null && <Empty>{t('weblog.unavailable')}</Empty>}
      {server !== null && sources.data && mine.length === 0 && <Empty>{t('weblog.none')}</Empty>}
      <div class="weblog-sources">
        {mine.map((s) => <SourceCard key={s.id} source={s} />)}
      </div>
    </main>
  );
}
