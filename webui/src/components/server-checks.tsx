// A server panel's Checks tab (S5, S6, S16, S18): the checks that watch this server (its own, its
// groups', and the appliance's probes about it), each with its state on this server, output and
// since when, live from the stream. A chosen check shows its full output, its perfdata as a table
// (a quota check's accounts, S16) and as charts over the panel's time range (a process check's
// CPU and memory: S18's per-process history), and its state history.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { CheckView } from '../../../contract/checks-api.js';
import type { Perfdatum } from '../../../contract/checks.js';
import type { AgentRow } from '../agents-store.js';
import { listGroups } from '../alerting-api.js';
import { errorReason } from '../api-client.js';
import { getCheckHistory, getCheckSeries } from '../checks-client.js';
import { chartLabels, countByState, instanceFor, isProbeType, perfdataDisplay, perfdataWindow, sortChecks, stateClasses } from '../checks-model.js';
import { useCheckList } from '../checks-state.js';
import { appendSample, emptyWindow, mergeSeed, type SeriesWindow } from '../series-window.js';
import { useResource } from '../use-resource.js';
import { useNow, useUi } from '../ui-context.js';
import type { RangeId } from '../use-panel-data.js';
import { ErrorBox, ResourceState } from './alerting-parts.js';
import { CheckForm } from './check-form.js';
import { CheckStateBadge, PerfdataTable } from './check-parts.js';
import { DataTable } from './data-table.js';
import { TimeChart, type ChartLine } from './time-chart.js';

const RANGE_S: Record<RangeId, number> = { live: 3600, '1h': 3600, '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400, '1y': 365 * 86_400 };
/** Live: the last hour (a check runs every few seconds to minutes), grown by the stream's runs. */
const LIVE_BOUNDS = { maxAgeS: RANGE_S.live, maxPoints: 4000 };
const HISTORY_SHOWN = 50;
const CHART_COLORS = ['#2563eb', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#db2777'];

/** One perfdata label's chart: the stored series for the range, then (live) each run's value. */
function PerfdataChart({ checkId, agentId, datum, range, color, sync }: { checkId: string; agentId: string | null; datum: Pick<Perfdatum, 'label' | 'unit'>; range: RangeId; color: string; sync: string }) {
  const { t, stream } = useUi();
  const display = perfdataDisplay(datum.unit);
  const [win, setWin] = useState<SeriesWindow>(() => emptyWindow(['v']));
  const [error, setError] = useState<string | null>(null);
  const [xRange, setXRange] = useState<readonly [number, number]>(() => {
    const now = Date.now() / 1000;
    return [now - RANGE_S[range], now];
  });
  const label = datum.label;

  useEffect(() => {
    const controller = new AbortController();
    const to = Date.now() / 1000;
    const from = to - RANGE_S[range];
    setXRange([from, to]);
    setWin(emptyWindow(['v']));
    setError(null);
    getCheckSeries(checkId, { agentId, label, from, to, points: 600 }, controller.signal)
      .then((r) => setWin((cur) => (range === 'live' ? mergeSeed(perfdataWindow(r, display.scale), cur, LIVE_BOUNDS) : perfdataWindow(r, display.scale))))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(errorReason(e));
      });
    return () => controller.abort();
  }, [checkId, agentId, label, range, display.scale]);

  useEffect(() => {
    if (range !== 'live') return undefined;
    return stream.on('check', (ev) => {
      if (ev.checkId !== checkId || (ev.instance.agentId !== agentId && agentId !== null) || ev.instance.lastRun === null) return;
      const p = ev.instance.perfdata.find((x) => x.label === label);
      if (!p || p.value === null) return;
      const at = ev.instance.lastRun;
      setWin((w) => appendSample(w, at, { v: p.value === null ? null : p.value * display.scale }, LIVE_BOUNDS));
      setXRange([at - RANGE_S.live, at]);
    });
  }, [stream, checkId, agentId, label, range, display.scale]);

  const lines = useMemo((): ChartLine[] => [{ label, color }], [label, color]);
  const title = display.unit && display.kind === 'plain' ? t('pcheck.chartUnit', { label, unit: display.unit }) : t('pcheck.chartOf', { label });
  return (
    <>
      <TimeChart testId="check-chart" title={title} lines={lines} data={win.data} yKind={display.kind} xRange={xRange} syncKey={sync} height={130} />
      {error && (
        <p class="alert alert-error" role="alert" data-testid="check-series-error">
          {t('error.series', { reason: error })}
        </p>
      )}
    </>
  );
}

function CheckHistory({ checkId, agentId }: { checkId: string; agentId: string | null }) {
  const { t, fmt, stream } = useUi();
  const history = useResource((signal) => getCheckHistory(checkId, { agentId, limit: HISTORY_SHOWN }, signal), [checkId, agentId]);
  const { reload } = history;
  // a state change adds an entry: re-read on this check's changes only (every run is an event)
  useEffect(() => stream.on('check', (ev) => {
    if (ev.checkId === checkId && ev.changed && (agentId === null || ev.instance.agentId === agentId)) reload();
  }), [stream, checkId, agentId, reload]);
  return (
    <section class="check-history" data-testid="check-history">
      <h4 class="chart-title">{t('pcheck.history')}</h4>
      <ResourceState resource={history} />
      {history.data &&
        (history.data.entries.length === 0 ? (
          <p class="hint">{t('pcheck.noHistory')}</p>
        ) : (
          <ol class="event-list">
            {history.data.entries.map((e, i) => (
              <li key={`${e.t}-${i}`} data-testid="check-history-entry" data-state={e.state}>
                <span class="num">{fmt.dateTime(e.t * 1000)}</span> <CheckStateBadge state={e.state} /> <span class="muted small">{t('pcheck.from', { state: t(`cstate.${e.previous}` as const) })}</span>
                <div class="small">{e.output}</div>
              </li>
            ))}
          </ol>
        ))}
    </section>
  );
}

function CheckDetail({ check, agentId, range }: { check: CheckView; agentId: string; range: RangeId }) {
  const { t } = useUi();
  const shown = instanceFor(check, agentId);
  // a probe's series and history are the appliance's (agentId null)
  const runsOn = isProbeType(check.type) ? null : agentId;
  const labels = chartLabels(check, shown.perfdata);
  return (
    <div class="check-detail" data-testid="check-detail" data-check-id={check.id}>
      {shown.longOutput && (
        <details class="check-long">
          <summary>{t('pcheck.longOutput')}</summary>
          <pre class="mono small">{shown.longOutput}</pre>
        </details>
      )}
      <h4 class="chart-title">{t('pcheck.perfdata')}</h4>
      <PerfdataTable perfdata={shown.perfdata} />
      <div class="check-charts">
        {labels.map((p, i) => (
          <PerfdataChart key={p.label} checkId={check.id} agentId={runsOn} datum={p} range={range} color={CHART_COLORS[i % CHART_COLORS.length] ?? '#2563eb'} sync={`check-${check.id}`} />
        ))}
      </div>
      <CheckHistory checkId={check.id} agentId={runsOn} />
    </div>
  );
}

export function ServerChecks({ agentId, agents, range }: { agentId: string; agents: readonly AgentRow[]; range: RangeId }) {
  const { t, fmt, stream, can } = useUi();
  const now = useNow(5000);
  const params = useMemo(() => new URLSearchParams({ agentId }), [agentId]);
  const list = useCheckList(stream, params);
  const [chosen, setChosen] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const groups = useResource(listGroups, [], {});
  const rows = useMemo(() => sortChecks((list.data?.checks ?? []).map((c) => ({ ...c, ...instanceFor(c, agentId) }))), [list.data, agentId]);
  const selected = list.data?.checks.find((c) => c.id === chosen) ?? null;

  return (
    <div class="server-checks" data-testid="server-checks">
      {can('checks:write') && (
        <div class="server-checks-tools">
          <button type="button" class="button button-quiet" data-testid="panel-check-new" onClick={() => setCreating(true)}>
            {t('checks.new')}
          </button>
        </div>
      )}
      {creating && (
        <CheckForm
          check={null}
          agents={agents}
          groups={groups.data ?? []}
          agentId={agentId}
          onSaved={(c) => {
            setCreating(false);
            list.mutate((r) => {
              const checks = [...r.checks.filter((x) => x.id !== c.id), c];
              return { checks, byState: countByState(checks) };
            });
            list.reload();
            setChosen(c.id);
          }}
          onClose={() => setCreating(false)}
        />
      )}
      <ResourceState resource={list} />
      {list.error && list.data && <ErrorBox message={list.error} onRetry={list.reload} />}
      {list.data && (
        <DataTable
          class="table check-table"
          testId="panel-check-table"
          rows={rows}
          rowKey={(c) => c.id}
          rowAttrs={(c) => ({ class: `check-row ${stateClasses(c.state).row}${c.id === chosen ? ' is-chosen' : ''}`, 'data-testid': 'panel-check-row', 'data-check-id': c.id, 'data-state': c.state })}
          detail={(c) => c.id === chosen && selected && <CheckDetail check={selected} agentId={agentId} range={range} />}
          empty={t('pcheck.none')}
          emptyClass="hint"
          columns={[
            { header: t('ccol.state'), cell: (c) => <CheckStateBadge state={c.state} /> },
            {
              header: t('ccol.name'),
              cell: (c) => (
                <button type="button" class="link-button" aria-expanded={c.id === chosen} data-testid="panel-check-open" onClick={() => setChosen(c.id === chosen ? null : c.id)}>
                  {c.definition.name}
                </button>
              ),
            },
            { header: t('ccol.type'), class: 'nowrap', cell: (c) => t(`ctype.${c.type}` as const) },
            { header: t('ccol.output'), class: 'check-output', cellAttrs: () => ({ 'data-testid': 'check-output' }), cell: (c) => c.output },
            { header: t('ccol.since'), class: 'nowrap', cell: (c) => (c.since === null ? '–' : fmt.relative(c.since * 1000, now)) },
          ]}
        />
      )}
      {list.data && list.data.checks.length > 0 && chosen === null && <p class="hint">{t('pcheck.pick')}</p>}
    </div>
  );
}
