// The Pools screen (B6): the load-balancer pools; one pool (`#view=pools&pool=<id>`) as its
// members' requests/s, 5xx rate or p95 latency on one chart over the last hour, and a table of
// each member's figures over the last 5 minutes with its share of the traffic against the share
// its weight expects and, when out of line, why. Operators and admins create and delete pools
// (checks:write); a source joins a pool in its own settings (S11).
import { useState } from 'preact/hooks';
import type { WeblogPool, WeblogPoolMember, WeblogPoolView } from '../../../contract/weblog-api.js';
import { errorReason } from '../api-client.js';
import { loadWindow } from '../chart-sources.js';
import { useUi } from '../ui-context.js';
import { useHashParam } from '../use-hash-param.js';
import { useResource } from '../use-resource.js';
import { deletePool, getPoolView, listPools, savePool } from '../weblog-client.js';
import { POOL_CHART_FIELDS, POOL_METRICS, poolMetricColumns, type PoolMetric } from '../weblog-model.js';
import { Card, Empty, ResourceState } from './alerting-parts.js';
import { TimeChart } from './time-chart.js';

const VIEW_REFRESH_MS = 30_000;
const CHART_SPAN_S = 3600;
export const MEMBER_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

function NewPool({ onSaved }: { onSaved: (p: WeblogPool) => void }) {
  const { t } = useUi();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event): void => {
    e.preventDefault();
    savePool(null, { name }).then((p) => {
      setName('');
      setError(null);
      onSaved(p);
    }, (err: unknown) => setError(errorReason(err)));
  };
  return (
    <form class="pool-new" onSubmit={submit} data-testid="pool-new">
      <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder={t('pool.name')} aria-label={t('pool.name')} maxLength={100} required data-testid="pool-new-name" />
      <button type="submit" class="button" data-testid="pool-new-save">{t('pool.new')}</button>
      {error && <span class="field-error" role="alert">{error}</span>}
    </form>
  );
}

function MemberRow({ m, color }: { m: WeblogPoolMember; color: string }) {
  const { t, fmt } = useUi();
  const pct = (v: number | null): string => (v === null ? '–' : fmt.percent(v * 100));
  return (
    <tr data-testid={`pool-member-${m.sourceId}`} data-skewed={m.skew !== null ? 'true' : 'false'} class={m.skew ? 'pool-skewed' : undefined}>
      <th scope="row"><span class="pool-swatch" style={{ background: color }} />{m.host}</th>
      <td>{m.requestsPerS === null ? '–' : fmt.number(m.requestsPerS, 1)}</td>
      <td>{pct(m.errorRate)}</td>
      <td>{m.p95Ms === null ? '–' : `${fmt.number(m.p95Ms, 0)} ms`}</td>
      <td>
        <span class="pool-share-bar" aria-hidden="true">
          <span style={{ width: `${Math.round((m.share ?? 0) * 100)}%`, background: color }} />
          <i style={{ left: `${Math.round(m.expectedShare * 100)}%` }} />
        </span>
        <span data-testid="pool-share">{pct(m.share)}</span> <span class="hint">({t('pool.expected', { pct: pct(m.expectedShare) })})</span>
      </td>
      <td data-testid="pool-skew">{m.skew ? <span class="pill pool-flag" title={m.skew}>{t('pool.skewed')}: {m.skew}</span> : t('pool.ok')}</td>
    </tr>
  );
}

function PoolChart({ view }: { view: WeblogPoolView }) {
  const { t } = useUi();
  const [metric, setMetric] = useState<PoolMetric>('requests');
  const [range] = useState(() => {
    const now = Math.floor(Date.now() / 1000);
    return [now - CHART_SPAN_S, now] as const;
  });
  const members = view.members;
  const windows = useResource((signal) => Promise.all(members.map((m) => loadWindow(m.agentId, { family: 'weblog', fields: POOL_CHART_FIELDS, key: m.sourceId, from: range[0], to: range[1], points: 360 }, signal))),
    [members.map((m) => m.sourceId).join(',')], { refreshMs: VIEW_REFRESH_MS });
  return (
    <div data-testid="pool-chart-box">
      <div class="pool-metrics" role="group">
        {POOL_METRICS.map((m) => (
          <button key={m} type="button" class="button button-quiet" aria-pressed={metric === m} data-testid={`pool-metric-${m}`} onClick={() => setMetric(m)}>{t(`pool.metric.${m}` as const)}</button>
        ))}
      </div>
      {windows.data && (
        <TimeChart testId="pool-chart" title={`${t('pool.chart')} · ${t(`pool.metric.${metric}` as const)}`} yKind="plain" xRange={range}
          lines={members.map((m, i) => ({ label: m.host, color: MEMBER_COLORS[i % MEMBER_COLORS.length] ?? '#000' }))}
          data={poolMetricColumns(windows.data, metric)} />
      )}
    </div>
  );
}

function PoolDetail({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const { t, fmt, can } = useUi();
  const view = useResource((signal) => getPoolView(id, signal), [id], { refreshMs: VIEW_REFRESH_MS });
  const v = view.data;
  if (!v) return <ResourceState resource={view} />;
  const remove = (): void => {
    if (window.confirm(t('pool.confirmDelete', { name: v.name }))) void deletePool(id).then(onDeleted);
  };
  return (
    <Card title={v.name} testId="pool-detail" actions={can('checks:write') && <button type="button" class="button button-quiet button-danger" data-testid="pool-delete" onClick={remove}>{t('pool.delete')}</button>}>
      <p class="hint">{t('pool.rule', { tol: fmt.number(v.shareTolerancePct, 0), minutes: fmt.number(v.skewMinutes, 0), factor: fmt.number(v.errorRatioFactor, 1) })}</p>
      {v.members.length === 0 ? <Empty>{t('pool.noMembers')}</Empty> : (
        <>
          <PoolChart view={v} />
          <div class="pool-table-wrap">
          <table class="table pool-members" data-testid="pool-members">
            <thead>
              <tr><th>{t('pool.host')}</th><th>{t('pool.rps')}</th><th>{t('pool.errorRate')}</th><th>{t('pool.p95')}</th><th>{t('pool.share')}</th><th /></tr>
            </thead>
            <tbody>
              {v.members.map((m, i) => <MemberRow key={m.sourceId} m={m} color={MEMBER_COLORS[i % MEMBER_COLORS.length] ?? '#000'} />)}
            </tbody>
          </table>
          </div>
        </>
      )}
    </Card>
  );
}

export function PoolsView() {
  const { t, can } = useUi();
  const [selected, select] = useHashParam('pool');
  const pools = useResource((signal) => listPools(signal), []);
  const list = pools.data ?? [];
  const current = selected ?? list[0]?.id ?? null;
  return (
    <main class="page pools-page" data-testid="pools-view">
      <h2>{t('pool.title')}</h2>
      <p class="hint">{t('pool.intro')}</p>
      <div class="pool-bar">
        {list.map((p) => (
          <button key={p.id} type="button" class="button button-quiet" aria-pressed={p.id === current} data-testid={`pool-${p.name}`} onClick={() => select(p.id)}>{p.name}</button>
        ))}
        {can('checks:write') && <NewPool onSaved={(p) => { pools.reload(); select(p.id); }} />}
      </div>
      <ResourceState resource={pools} />
      {pools.phase === 'ready' && list.length === 0 && <Empty>{t('pool.none')}</Empty>}
      {current !== null && <PoolDetail key={current} id={current} onDeleted={() => { pools.reload(); select(null); }} />}
    </main>
  );
}
