// The Compare screen (S10, B5): one metric (family, field, and a key for a keyed family) of several
// servers drawn on one chart, one line per server, over a preset range or a range zoomed by a
// drag and panned; the time shift and the legend's min/avg/max/last are the chart's own
// (time-chart.tsx). The selection lives in the address by host name (compare-model.ts), so the
// view can be bookmarked and sent; the dashboard opens it with its open servers.
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { FAMILIES, type Family } from '../../../contract/families.js';
import { STATS_FAMILIES } from '../../../contract/stats-limits.js';
import type { AgentRow } from '../agents-store.js';
import { errorReason } from '../api-client.js';
import { loadWindow } from '../chart-sources.js';
import { COMPARE_RANGES, MAX_COMPARED, compareFromHash, compareRange, fieldsOf, hashWithCompare, type CompareSelection } from '../compare-model.js';
import { displayKindOf, type DisplayKind } from '../metric-fields.js';
import { emptyWindow, joinColumns, type Columns } from '../series-window.js';
import { useUi } from '../ui-context.js';
import { Card } from './alerting-parts.js';
import { ServerPicker } from './stats-view.js';
import { TimeChart, type ChartLine, type RangeLoader } from './time-chart.js';
import { ZoomTools } from './zoom-tools.js';

// twelve colours that stay apart on a projector and for the common colour-vision deficiencies
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#78716c'];

function kindOf(family: Family, field: string): DisplayKind {
  const unit = (FAMILIES[family].fields as Record<string, string>)[field] ?? '';
  return unit === '%' || unit === 'B' || unit === 'B/s' ? displayKindOf(unit) : 'plain';
}

function useCompareSelection(): [CompareSelection, (s: CompareSelection) => void] {
  const [sel, setSel] = useState(() => compareFromHash(location.hash));
  useEffect(() => {
    const onHash = (): void => setSel(compareFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const update = useCallback((next: CompareSelection) => {
    setSel(next);
    // replace: zooming and panning should not fill the back button's history
    history.replaceState(null, '', `${location.pathname}${location.search}${hashWithCompare(location.hash, next)}`);
  }, []);
  return [sel, update];
}

export function CompareView({ agents }: { agents: readonly AgentRow[] }) {
  const { t, fmt } = useUi();
  const [sel, setSel] = useCompareSelection();
  const set = (change: Partial<CompareSelection>): void => setSel({ ...sel, ...change });
  const byHost = useMemo(() => new Map(agents.map((a) => [a.hostname, a])), [agents]);
  const chosen = sel.hosts.map((h) => byHost.get(h)).filter((a): a is AgentRow => a !== undefined);
  const unknown = agents.length > 0 ? sel.hosts.filter((h) => !byHost.has(h)) : [];
  const ids = chosen.map((a) => a.id);
  const idsKey = ids.join(',');
  const [data, setData] = useState<Columns>([[]]);
  const [error, setError] = useState<string | null>(null);
  const [nowS, setNowS] = useState(() => Math.floor(Date.now() / 1000));
  const [from, to] = compareRange(sel, nowS);
  const keyed = FAMILIES[sel.family].keyed;
  const key = keyed ? sel.key : undefined;
  const points = 800;

  const loadRange = useCallback<RangeLoader>(
    async (a, b, signal) => {
      const windows = await Promise.all(
        idsKey.split(',').filter((x) => x).map((id) =>
          loadWindow(id, { family: sel.family, fields: [sel.field], from: a, to: b, points, ...(key === undefined ? {} : { key }) }, signal).catch((e: unknown) => {
            // a server without this key (no such interface) is an empty line; anything else is an error
            if (signal.aborted) throw e;
            return emptyWindow([sel.field]);
          }),
        ),
      );
      return joinColumns(windows.map((w) => w.data));
    },
    [idsKey, sel.family, sel.field, key],
  );

  useEffect(() => {
    if (ids.length === 0 || (keyed && !sel.key)) {
      setData([[]]);
      return undefined;
    }
    const controller = new AbortController();
    setError(null);
    loadRange(from, to, controller.signal)
      .then((d) => { if (!controller.signal.aborted) setData(d); })
      .catch((e: unknown) => { if (!controller.signal.aborted) setError(errorReason(e)); });
    return () => controller.abort();
  }, [loadRange, from, to]);

  const lines = useMemo((): ChartLine[] => chosen.map((a, i) => ({ label: a.hostname, color: COLORS[i % COLORS.length] ?? '#64748b' })), [idsKey]);
  const fields = fieldsOf(sel.family);
  const tooMany = sel.hosts.length >= MAX_COMPARED;

  return (
    <main class="page compare-page" data-testid="compare-view">
      <h2 class="stats-title">{t('compare.title')}</h2>
      <Card title={t('compare.title')} testId="compare-controls">
        <form class="form-grid" onSubmit={(e) => e.preventDefault()}>
          <ServerPicker agents={agents} chosen={ids}
            onChange={(next) => set({ hosts: agents.filter((a) => next.includes(a.id)).map((a) => a.hostname).slice(0, MAX_COMPARED) })} />
          <label class="field field-label">
            <span class="field-name">{t('compare.metric')}</span>
            <select value={sel.family} data-testid="compare-family"
              onChange={(e) => { const family = (e.target as HTMLSelectElement).value as Family; set({ family, field: fieldsOf(family)[0] ?? '', key: '' }); }}>
              {STATS_FAMILIES.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
          </label>
          <label class="field field-label">
            <span class="field-name">{t('compare.field')}</span>
            <select value={sel.field} data-testid="compare-field" onChange={(e) => set({ field: (e.target as HTMLSelectElement).value })}>
              {fields.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
          </label>
          {keyed && (
            <label class="field field-label">
              <span class="field-name">{t('compare.key')}</span>
              <input type="text" value={sel.key} maxLength={200} data-testid="compare-key" onChange={(e) => set({ key: (e.target as HTMLInputElement).value })} />
            </label>
          )}
        </form>
        {tooMany && <p class="hint">{t('compare.tooMany', { n: MAX_COMPARED })}</p>}
        {unknown.length > 0 && <p class="alert alert-error" role="alert" data-testid="compare-unknown">{t('compare.unknownHosts', { hosts: unknown.join(', ') })}</p>}
      </Card>
      <div class="panel-tools compare-tools">
        <div class="range-switch" role="group" aria-label={t('range.label')}>
          {COMPARE_RANGES.map((r) => (
            <button key={r} type="button" aria-pressed={sel.custom === null && sel.range === r} data-testid={`range-${r}`}
              onClick={() => { setNowS(Math.floor(Date.now() / 1000)); set({ range: r, custom: null }); }}>
              {t(`range.${r}` as const)}
            </button>
          ))}
        </div>
        <ZoomTools shown={[from, to]} zoomed={sel.custom !== null} onChange={(custom) => { setNowS(Math.floor(Date.now() / 1000)); set({ custom }); }} />
      </div>
      {error && <p class="alert alert-error" role="alert" data-testid="compare-error">{t('error.series', { reason: error })}</p>}
      {chosen.length === 0 ? (
        <p class="hint" data-testid="compare-empty">{t('compare.pick')}</p>
      ) : (
        <TimeChart testId="compare-chart" title={t('compare.chart', { family: sel.family + (key ? ` ${key}` : ''), field: sel.field })}
          lines={lines} data={data} yKind={kindOf(sel.family, sel.field)} xRange={[from, to]} height={260}
          loadRange={loadRange} onZoom={(custom) => set({ custom })} />
      )}
      <p class="hint">{t('zoom.hint')} · {fmt.dateTime(from * 1000)} – {fmt.dateTime(to * 1000)}</p>
    </main>
  );
}
