// Day, week, month and year graphs of the Statistics screen (S10): one field of the chosen
// metric, one line per chosen server, over the last day, week, month and year. Each graph is a
// series read (GET /agents/:id/series) of its period: the appliance answers from the AVERAGE
// archive that covers it (at the default 5 s interval: every sample over a day, 1-minute rows
// over a week, 5-minute over a month, hourly over a year) and bucket-averages those rows down to
// GRAPH_POINTS; the caption under each graph says which row width answered.
import { useState } from 'preact/hooks';
import { FAMILIES } from '../../../contract/families.js';
import type { StatsResponse } from '../../../contract/stats-api.js';
import { getSeries } from '../api-client.js';
import { BITS_PER_BYTE, displayKindOf, type DisplayKind } from '../metric-fields.js';
import { alignWindows, emptyWindow, scaleWindow, windowFromResponse, type Columns } from '../series-window.js';
import { PRESET_S, sourceText } from '../stats-model.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { TimeChart } from './time-chart.js';

/** points per line: about the graph's width on a desktop screen */
export const GRAPH_POINTS = 400;
const PERIODS = ['day', 'week', 'month', 'year'] as const;
const LINE_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];

function kindOf(unit: string): DisplayKind {
  return unit === '%' || unit === 'B' || unit === 'B/s' ? displayKindOf(unit) : 'plain';
}

interface Graph {
  data: Columns;
  /** the coarsest row width that answered, seconds (null: no server has the series) */
  stepS: number | null;
}

/** One period's lines: each server's series read, aligned on one time axis; a server without the series draws no line. */
async function loadGraph(stats: StatsResponse, field: string, fromS: number, toS: number, signal: AbortSignal): Promise<Graph> {
  const unit = (FAMILIES[stats.family].fields as Record<string, string>)[field] ?? '';
  let stepS: number | null = null;
  const windows = await Promise.all(stats.servers.map(async (s) => {
    try {
      const r = await getSeries(s.agentId, { family: stats.family, ...(stats.key ? { key: stats.key } : {}), from: fromS, to: toS, points: GRAPH_POINTS }, signal);
      stepS = Math.max(stepS ?? 0, r.step);
      const w = windowFromResponse([field], r);
      return unit === 'B/s' ? scaleWindow(w, BITS_PER_BYTE) : w;
    } catch (e) {
      if (signal.aborted) throw e;
      return emptyWindow([field]);
    }
  }));
  return { data: alignWindows(windows), stepS };
}

function PeriodGraph({ stats, field, period, nowS, labels }: { stats: StatsResponse; field: string; period: (typeof PERIODS)[number]; nowS: number; labels: readonly string[] }) {
  const { t } = useUi();
  const fromS = nowS - PRESET_S[period];
  const graph = useResource((signal) => loadGraph(stats, field, fromS, nowS, signal), [stats, field, period, nowS]);
  const unit = (FAMILIES[stats.family].fields as Record<string, string>)[field] ?? '';
  const lines = labels.map((label, i) => ({ label, color: LINE_COLORS[i % LINE_COLORS.length] ?? '#475569' }));
  const empty: Columns = [[], ...labels.map(() => [])];
  const stepS = graph.data?.stepS ?? null;
  return (
    <div class="stats-graph" data-testid={`stats-graph-${period}`} data-step={stepS ?? ''}>
      <TimeChart testId={`stats-chart-${period}`} title={t('stats.graphTitle', { period: t(`period.${period}` as const), field })}
        lines={lines} data={graph.data?.data ?? empty} yKind={kindOf(unit)} xRange={[fromS, nowS]} height={150} />
      <p class="hint" data-testid="stats-graph-step">{stepS !== null ? t('stats.graphStep', { step: sourceText({ cf: 'AVERAGE', stepS, raw: false }).replace(/^AVERAGE /, '') }) : '–'}</p>
    </div>
  );
}

export function PeriodGraphs({ stats, labelOf }: { stats: StatsResponse; labelOf: (s: StatsResponse['servers'][number]) => string }) {
  const { t } = useUi();
  const fields = stats.servers[0]?.fields.map((f) => f.field) ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const field = chosen !== null && fields.includes(chosen) ? chosen : fields[0];
  // the graphs end when the statistics were asked for, so they cover the same "now"
  const [nowS] = useState(() => Math.min(stats.to, Math.floor(Date.now() / 1000)));
  if (field === undefined) return null;
  const labels = stats.servers.map(labelOf);
  return (
    <section class="stats-graphs" data-testid="stats-graphs">
      <h3>{t('stats.graphs')}</h3>
      <label class="field field-label no-print">
        <span class="field-name">{t('stats.graphField')}</span>
        <select value={field} data-testid="stats-graph-field" onChange={(e) => setChosen(e.currentTarget.value)}>
          {fields.map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
      </label>
      <p class="hint">{t('stats.graphNote', { points: GRAPH_POINTS })}</p>
      <div class="stats-graph-grid">
        {PERIODS.map((p) => <PeriodGraph key={p} stats={stats} field={field} period={p} nowS={nowS} labels={labels} />)}
      </div>
    </section>
  );
}
