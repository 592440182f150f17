// The Statistics screen (S10, B5): choose servers (one by one or a group's members), a metric
// family (and its key), a period (the last day, week, month, year or a custom range) and the
// hours (all, business, other); one table per field with each server's min, avg, max, p95, p99
// and availability; where the figures come from (which RRD archive); CSV export; a print view
// (stats.css's @media print leaves out the page's header and the controls, so Chromium's PDF
// printer gives the tables alone); and the saved reports with the CSV files they produced.
import { useState } from 'preact/hooks';
import { FAMILIES, type Family } from '../../../contract/families.js';
import { HOURS, REPORT_SCHEDULES, STATS_FAMILIES, STATS_LIMITS, type ReportSchedule } from '../../../contract/stats-limits.js';
import type { ServerStats, StatsResponse } from '../../../contract/stats-api.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import { errorReason } from '../api-client.js';
import type { MessageKey } from '../i18n.js';
import { deleteReport, getStats, listReports, reportRunUrl, saveReport, statsCsvUrl } from '../stats-client.js';
import { formatFigure, fromLocalInput, periodRange, PERIODS, sourceText, toLocalInput, type StatsSelection } from '../stats-model.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ErrorBox, GroupOptions, ResourceState } from './alerting-parts.js';
import { serverLabel } from '../server-label.js';
import { PeriodGraphs } from './period-graphs.js';

const DAY_KEYS = ['day.sun', 'day.mon', 'day.tue', 'day.wed', 'day.thu', 'day.fri', 'day.sat'] as const;

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

/** A server's name in the tables: its display name where an admin gave one (S4). */
type LabelOf = (s: ServerStats) => string;

function FieldTable({ field, servers, stats, labelOf }: { field: string; servers: readonly ServerStats[]; stats: StatsResponse; labelOf: LabelOf }) {
  const { t, fmt } = useUi();
  const rows = servers.map((s) => ({ server: s, f: s.fields.find((x) => x.field === field) }));
  const cols = ['min', 'avg', 'max', 'p95', 'p99'] as const;
  return (
    <section class="stats-table" data-testid={`stats-table-${field}`}>
      <h3>{t('stats.field', { family: stats.family + (stats.key ? ` ${stats.key}` : ''), field })}</h3>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('stats.col.server')}</th>
            {cols.map((c) => <th key={c} scope="col" class="num">{t(`stats.col.${c}` as const)}</th>)}
            <th scope="col" class="num">{t('stats.col.availability')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ server, f }) => (
            <tr key={server.agentId} data-testid={`stats-row-${field}-${server.agentId}`}>
              <th scope="row">{labelOf(server)}</th>
              {cols.map((c) => <td key={c} class="num" data-col={c}>{formatFigure(f?.[c] ?? null, f?.unit ?? '', fmt)}</td>)}
              <td class="num" data-col="availability">{fmt.number((f?.availability ?? 0) * 100, 2)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Sources({ stats }: { stats: StatsResponse }) {
  const { t } = useUi();
  const raw = (s: { raw: boolean }): string => (s.raw ? ` ${t('stats.sourceRaw')}` : '');
  return (
    <section class="stats-sources" data-testid="stats-sources">
      <h3>{t('stats.sourceTitle')}</h3>
      <p class="hint">{t('stats.sourceNote')}</p>
      <ul>
        {stats.servers.map((s) => (
          <li key={s.agentId}>
            {s.sources
              ? t('stats.source', {
                server: s.hostname,
                avg: sourceText(s.sources.avg) + raw(s.sources.avg),
                min: sourceText(s.sources.min) + raw(s.sources.min),
                max: sourceText(s.sources.max) + raw(s.sources.max),
              })
              : t('stats.sourceNone', { server: s.hostname })}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Results({ stats, labelOf }: { stats: StatsResponse; labelOf: LabelOf }) {
  const { t, fmt } = useUi();
  const fields = stats.servers[0]?.fields.map((f) => f.field) ?? [];
  const bh = stats.businessHours;
  return (
    <div class="stats-results" data-testid="stats-results">
      <p class="stats-caption">
        {t('stats.range', { from: fmt.dateTime(stats.from * 1000), to: fmt.dateTime(stats.to * 1000) })} · {t(`hours.${stats.hours}` as const)}
        {stats.hours !== 'all' && (
          <> · {t('stats.businessHours', { days: bh.days.map((d) => t(DAY_KEYS[d] ?? 'day.mon')).join(' '), start: bh.start, end: bh.end, zone: stats.timeZone })}</>
        )}
      </p>
      {fields.map((f) => <FieldTable key={f} field={f} servers={stats.servers} stats={stats} labelOf={labelOf} />)}
      <PeriodGraphs key={`${stats.family}:${stats.key ?? ''}:${stats.to}`} stats={stats} labelOf={labelOf} />
      <Sources stats={stats} />
    </div>
  );
}

export function ServerPicker({ agents, chosen, onChange }: { agents: readonly AgentRow[]; chosen: string[]; onChange: (ids: string[]) => void }) {
  const { t } = useUi();
  const groups = useResource((signal) => listGroups(signal), []);
  return (
    <fieldset class="field-wide stats-servers" data-testid="stats-servers">
      <legend>{t('stats.servers')}</legend>
      <div class="stats-server-list">
        {agents.map((a) => (
          <label key={a.id} class="check-label">
            <input type="checkbox" checked={chosen.includes(a.id)} data-testid={`stats-server-${a.hostname}`}
              onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...chosen, a.id] : chosen.filter((x) => x !== a.id))} />
            {serverLabel(a)}
          </label>
        ))}
      </div>
      <div class="stats-server-tools">
        <select data-testid="stats-group" value="" aria-label={t('stats.group')}
          onChange={(e) => {
            const g = groups.data?.find((x) => x.id === (e.target as HTMLSelectElement).value);
            if (g) onChange([...new Set([...chosen, ...g.memberIds])]);
          }}>
          <option value="">{t('stats.groupNone')}</option>
          <GroupOptions groups={groups.data ?? []} />
        </select>
        <button type="button" class="button button-quiet" onClick={() => onChange([])}>{t('stats.clearServers')}</button>
      </div>
    </fieldset>
  );
}

function SavedReports({ sel }: { sel: StatsSelection }) {
  const { t, fmt, can } = useUi();
  const reports = useResource((signal) => listReports(signal), []);
  const [name, setName] = useState('');
  const [schedule, setSchedule] = useState<ReportSchedule>('daily');
  const [at, setAt] = useState('07:00');
  const [error, setError] = useState<string | null>(null);
  const writable = can('reports:write');
  const save = (): void => {
    setError(null);
    saveReport({ name, agents: sel.agents, family: sel.family, ...(sel.key ? { key: sel.key } : {}), hours: sel.hours, schedule, at })
      .then(() => { setName(''); reports.reload(); })
      .catch((e: unknown) => setError(errorReason(e)));
  };
  return (
    <Card title={t('stats.reports')} testId="stats-reports" class="no-print">
      <ResourceState resource={reports} />
      {reports.data && reports.data.reports.length === 0 && <p class="hint">{t('stats.noReports')}</p>}
      <ul class="stats-report-list">
        {reports.data?.reports.map((r) => (
          <li key={r.id} data-testid={`report-${r.name}`}>
            <strong>{r.name}</strong> · {r.family} · {t(`schedule.${r.schedule}` as const)} {r.at}
            {r.nextRun !== null && <> · {t('stats.nextRun', { at: fmt.dateTime(r.nextRun * 1000) })}</>}
            {writable && (
              <button type="button" class="button button-quiet" data-testid="report-delete"
                onClick={() => {
                  if (confirm(t('stats.confirmDelete', { name: r.name }))) deleteReport(r.id).then(reports.reload).catch((e: unknown) => setError(errorReason(e)));
                }}>
                {t('stats.deleteReport')}
              </button>
            )}
            <div class="hint">
              {r.runs.length === 0 ? t('stats.noRuns') : `${t('stats.runs')}: `}
              {r.runs.map((run) => (run.error === null
                ? <a key={run.id} class="report-run" href={reportRunUrl(r.id, run.id)} download data-testid="report-run">{fmt.dateTime(run.producedAt * 1000)}</a>
                : <span key={run.id} class="report-run">{t('stats.runFailed', { error: run.error })}</span>))}
            </div>
          </li>
        ))}
      </ul>
      {writable && sel.agents.length > 0 && (
        <form class="form-grid" onSubmit={(e) => { e.preventDefault(); save(); }}>
          <label class="field field-label">
            <span class="field-name">{t('stats.reportName')}</span>
            <input type="text" required maxLength={STATS_LIMITS.nameChars} value={name} data-testid="report-name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field field-label">
            <span class="field-name">{t('stats.schedule')}</span>
            <select value={schedule} data-testid="report-schedule" onChange={(e) => setSchedule((e.target as HTMLSelectElement).value as ReportSchedule)}>
              {REPORT_SCHEDULES.map((s) => <option key={s} value={s}>{t(`schedule.${s}` as const)}</option>)}
            </select>
          </label>
          <label class="field field-label">
            <span class="field-name">{t('stats.at')}{reports.data ? ` (${reports.data.timeZone})` : ''}</span>
            <input type="time" value={at} required onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
          </label>
          <div class="field">
            <button type="submit" class="button button-primary" data-testid="report-save">{t('stats.saveReport')}</button>
          </div>
          {error && <p class="alert alert-error field-wide" role="alert">{error}</p>}
        </form>
      )}
    </Card>
  );
}

export function StatsView({ agents }: { agents: readonly AgentRow[] }) {
  const { t } = useUi();
  const [sel, setSel] = useState<StatsSelection>({ agents: [], family: 'cpu', key: '', period: 'day', from: null, to: null, hours: 'all' });
  const [asked, setAsked] = useState<{ sel: StatsSelection; nowS: number } | null>(null);
  const [result, setResult] = useState<{ phase: 'loading' | 'ready' | 'error'; stats: StatsResponse | null; error: string | null }>({ phase: 'ready', stats: null, error: null });
  const set = (change: Partial<StatsSelection>): void => setSel({ ...sel, ...change });
  const problem = sel.agents.length === 0 ? t('stats.pickServers') : sel.agents.length > STATS_LIMITS.agents ? t('stats.tooMany', { n: STATS_LIMITS.agents }) : null;
  const show = (): void => {
    const at = nowS();
    setAsked({ sel, nowS: at });
    setResult({ phase: 'loading', stats: null, error: null });
    getStats(sel, at).then((stats) => setResult({ phase: 'ready', stats, error: null })).catch((e: unknown) => setResult({ phase: 'error', stats: null, error: errorReason(e) }));
  };
  const range = periodRange(sel, nowS());
  const keyed = FAMILIES[sel.family].keyed;
  return (
    <main class="page stats-page" data-testid="stats-view">
      <h2 class="stats-title">{t('stats.title')}</h2>
      <Card title={t('stats.title')} class="no-print" testId="stats-controls">
        <form class="form-grid" onSubmit={(e) => { e.preventDefault(); if (!problem) show(); }}>
          <ServerPicker agents={agents} chosen={sel.agents} onChange={(ids) => set({ agents: ids })} />
          <label class="field field-label">
            <span class="field-name">{t('stats.family')}</span>
            <select value={sel.family} data-testid="stats-family" onChange={(e) => set({ family: (e.target as HTMLSelectElement).value as Family })}>
              {STATS_FAMILIES.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
          </label>
          {keyed && (
            <label class="field field-label">
              <span class="field-name">{t('stats.key')}</span>
              <input type="text" value={sel.key} data-testid="stats-key" onInput={(e) => set({ key: (e.target as HTMLInputElement).value })} />
            </label>
          )}
          <label class="field field-label">
            <span class="field-name">{t('stats.period')}</span>
            <select value={sel.period} data-testid="stats-period" onChange={(e) => set({ period: (e.target as HTMLSelectElement).value as StatsSelection['period'] })}>
              {PERIODS.map((p) => <option key={p} value={p}>{t(`period.${p}` as MessageKey)}</option>)}
            </select>
          </label>
          {sel.period === 'custom' && (
            <>
              <label class="field field-label">
                <span class="field-name">{t('stats.from')}</span>
                <input type="datetime-local" data-testid="stats-from" value={toLocalInput(range.from)} onInput={(e) => set({ from: fromLocalInput((e.target as HTMLInputElement).value) })} />
              </label>
              <label class="field field-label">
                <span class="field-name">{t('stats.to')}</span>
                <input type="datetime-local" data-testid="stats-to" value={toLocalInput(range.to)} onInput={(e) => set({ to: fromLocalInput((e.target as HTMLInputElement).value) })} />
              </label>
            </>
          )}
          <label class="field field-label">
            <span class="field-name">{t('stats.hours')}</span>
            <select value={sel.hours} data-testid="stats-hours" onChange={(e) => set({ hours: (e.target as HTMLSelectElement).value as StatsSelection['hours'] })}>
              {HOURS.map((h) => <option key={h} value={h}>{t(`hours.${h}` as const)}</option>)}
            </select>
          </label>
          <div class="field stats-actions">
            <button type="submit" class="button button-primary" disabled={problem !== null} data-testid="stats-show">{t('stats.show')}</button>
            {asked && result.stats && (
              <>
                <a class="button" href={statsCsvUrl(asked.sel, asked.nowS)} download data-testid="stats-csv">{t('stats.exportCsv')}</a>
                <button type="button" class="button" data-testid="stats-print" onClick={() => window.print()}>{t('stats.print')}</button>
              </>
            )}
          </div>
          {problem && sel.agents.length > 0 && <p class="alert alert-error field-wide" role="alert">{problem}</p>}
        </form>
      </Card>
      {result.phase === 'loading' && <p class="hint" data-testid="stats-loading">…</p>}
      {result.phase === 'error' && <ErrorBox message={result.error ?? ''} onRetry={show} />}
      {result.stats && <Results stats={result.stats} labelOf={(s) => { const a = agents.find((x) => x.id === s.agentId); return a ? serverLabel(a) : s.hostname; }} />}
      <SavedReports sel={sel} />
    </main>
  );
}
