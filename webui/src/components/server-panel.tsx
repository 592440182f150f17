// One server on the dashboard (S9): header with status and inventory, a time-range switch, and
// two tabs: the CPU, memory, disk and network charts, and the server's service checks (S5,
// components/server-checks.tsx). Any number of panels can be open side by side; each
// loads its own history and listens to the page's one live stream.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AgentRow } from '../agents-store.js';
import { BITS_PER_BYTE, CPU_FIELDS, CPU_UNIT, FS_FIELDS, FS_UNIT, MEMORY_FIELDS, MEMORY_UNIT, NET_UNIT, displayKindOf } from '../metric-fields.js';
import { alignWindows, scaleWindow } from '../series-window.js';
import { RANGES, usePanelData } from '../use-panel-data.js';
import type { FsRow, RangeId } from '../use-panel-data.js';
import { useNow, useUi } from '../ui-context.js';
import { DataTable } from './data-table.js';
import { levelClass } from './server-list.js';
import { StatusBadge } from './status-badge.js';
import { TimeChart } from './time-chart.js';
import { ServerPanelTools } from './fleet-tools.js';
import { ServerChecks } from './server-checks.js';
import type { ChartLine, RangeLoader } from './time-chart.js';
import { ZoomTools } from './zoom-tools.js';
import { loadNetColumns, loadWindow } from '../chart-sources.js';
import type { Family } from '../../../contract/families.js';
import { FamilyCharts } from './family-charts.js';
import { DiskHealthTable } from './disk-health-table.js';
import { diskHealthRows } from '../disk-health.js';
import { serverLabel } from '../server-label.js';
import { useMaintenanceBands } from '../use-maintenance-bands.js';
import { useForecastBand } from '../use-forecast-band.js';
import { bandInBytes } from './chart-forecast.js';
import { awaitLoadTurn } from '../panel-load-order.js';

// Palettes chosen to stay apart for the common colour-vision deficiencies and on a projector.
const CPU_COLORS = ['#2563eb', '#f59e0b', '#dc2626', '#7c3aed'];
const MEMORY_COLORS = ['#2563eb', '#0891b2', '#16a34a', '#ea580c'];
const NET_COLORS = ['#2563eb', '#16a34a', '#ea580c', '#7c3aed'];

/** Narrowest chart column: four charts side by side on a wide panel, one on a phone. */
const CHART_MIN_PX = 300;

function RangeSwitch({ value, onChange }: { value: RangeId | null; onChange: (r: RangeId) => void }) {
  const { t } = useUi();
  return (
    <div class="range-switch" role="group" aria-label={t('range.label')}>
      {RANGES.map((r) => (
        <button key={r} type="button" aria-pressed={value === r} data-testid={`range-${r}`} onClick={() => onChange(r)}>
          {t(`range.${r}` as const)}
        </button>
      ))}
    </div>
  );
}

function FilesystemTable({ rows }: { rows: FsRow[] }) {
  const { t, fmt } = useUi();
  return (
    <DataTable
      class="fs-table"
      wrap={false}
      testId="fs-table"
      rows={rows}
      rowKey={(r) => r.mount}
      rowAttrs={(r) => ({ 'data-testid': 'fs-row', 'data-mount': r.mount })}
      empty={t('disk.none')}
      emptyClass="hint"
      columns={[
        { header: t('disk.mount'), class: 'mount', cellAttrs: (r) => ({ title: r.mount }), cell: (r) => r.mount },
        {
          header: t('disk.usage'),
          cell: (r) => (
            <span class={`meter meter-wide ${levelClass(r.pct)}`}>
              <span class="meter-track" aria-hidden="true">
                <span class="meter-fill" style={{ width: `${r.pct ?? 0}%` }} />
              </span>
              <span class="meter-value">{fmt.percent(r.pct)}</span>
            </span>
          ),
        },
        { header: t('disk.space'), num: true, cell: (r) => t('disk.usedOfSize', { used: fmt.bytes(r.used), size: fmt.bytes(r.size) }) },
      ]}
    />
  );
}

export interface ServerPanelProps {
  agentId: string;
  /** the list's row: status and last-seen stay live even while the detail loads */
  row: AgentRow | undefined;
  /** every server: a check created here may be placed on another one */
  agents: readonly AgentRow[];
  resync: number;
  onClose: (id: string) => void;
}

type PanelTab = 'charts' | 'families' | 'checks';
const PANEL_TABS: readonly PanelTab[] = ['charts', 'families', 'checks'];
const TAB_LABEL = { charts: 'pcheck.metrics', families: 'fam.tab', checks: 'pcheck.tab' } as const;

export function ServerPanel({ agentId, row, agents, resync, onClose }: ServerPanelProps) {
  const { t, fmt, can } = useUi();
  const [tab, setTab] = useState<PanelTab>('charts');
  const now = useNow(5000);
  const [range, setRange] = useState<RangeId>('live');
  // S10: a range dragged on a chart or panned, shown instead of the preset until reset
  const [custom, setCustom] = useState<[number, number] | null>(null);
  const [reload, setReload] = useState(0);
  const body = useRef<HTMLDivElement>(null);
  const width = useRef(600);
  useEffect(() => {
    // the charts sit in a grid of columns at least CHART_MIN_PX wide (styles.css .panel-charts)
    const measure = (): void => {
      const w = body.current?.clientWidth ?? 600;
      width.current = w / Math.max(1, Math.floor(w / CHART_MIN_PX));
    };
    measure();
    const ro = new ResizeObserver(measure);
    if (body.current) ro.observe(body.current);
    return () => ro.disconnect();
  }, []);

  // S9, S14: the panels on screen load first, the others when scrolled to or once those answered
  const article = useRef<HTMLElement>(null);
  const [go, setGo] = useState(false);
  const firstLoadEnded = useRef<(() => void) | null>(null);
  useEffect(() => {
    const el = article.current;
    if (!el) return undefined;
    const ended = awaitLoadTurn(el, () => setGo(true));
    firstLoadEnded.current = ended;
    return ended;
  }, []);

  const data = usePanelData(agentId, range, reload, resync, () => width.current, custom, go);
  useEffect(() => {
    if (go && !data.loadingSeries) firstLoadEnded.current?.();
  }, [go, data.loadingSeries]);
  const { detail, charts } = data;
  const hostname = row ? serverLabel(row) : detail ? serverLabel(detail) : agentId;
  const status = row?.status ?? detail?.status ?? 'unknown';
  const lastSeen = row?.lastSeen ?? detail?.lastSeen ?? null;
  const inv = detail?.inventory ?? null;
  const healthRows = useMemo(() => diskHealthRows(detail), [detail]);
  const sync = `panel-${agentId}`;

  const cpuLines = useMemo(
    (): ChartLine[] => CPU_FIELDS.map((f, i) => ({ label: t(`cpu.${f}` as const), color: CPU_COLORS[i] ?? '#64748b' })),
    [t],
  );
  const memoryLines = useMemo(
    (): ChartLine[] =>
      MEMORY_FIELDS.map((f, i) => ({ label: t(`mem.${f}` as const), color: MEMORY_COLORS[i] ?? '#64748b', dash: f === 'swap_used' })),
    [t],
  );
  // FS_FIELDS order: used, then size as a dashed ceiling
  const fsLines = useMemo(
    (): ChartLine[] => [
      { label: t('disk.used'), color: '#2563eb' },
      { label: t('disk.size'), color: '#94a3b8', dash: true },
    ],
    [t],
  );
  const netKeysId = charts.net.map((n) => n.key).join('\n');
  const netLines = useMemo(
    (): ChartLine[] =>
      charts.net.flatMap((n, i) => [
        { label: t('net.rx', { iface: n.key }), color: NET_COLORS[i % NET_COLORS.length] ?? '#64748b', group: n.key },
        { label: t('net.tx', { iface: n.key }), color: NET_COLORS[i % NET_COLORS.length] ?? '#64748b', dash: true, group: n.key },
      ]),
    // the lines depend on the interface names only, not on each new sample
    [t, netKeysId],
  );
  const netData = useMemo(() => alignWindows(charts.net.map((n) => scaleWindow(n.window, BITS_PER_BYTE))), [charts.net]);

  const chooseRange = (r: RangeId): void => {
    setCustom(null);
    // choosing the range already shown reloads it: the operator's "refresh"
    if (r === range && custom === null) setReload((n) => n + 1);
    else setRange(r);
  };
  // the time shift's earlier ranges, at the same resolution as the charts
  const loader = useCallback(
    (family: Family, fields: readonly string[], key?: string): RangeLoader =>
      async (from, to, signal) => (await loadWindow(agentId, { family, fields, from, to, points: Math.round(width.current), ...(key === undefined ? {} : { key }) }, signal)).data,
    [agentId],
  );
  const loaders = useMemo(() => ({ cpu: loader('cpu', CPU_FIELDS), memory: loader('memory', MEMORY_FIELDS) }), [loader]);
  const fsKey = charts.fs?.key;
  const fsLoader = useMemo(() => (fsKey === undefined ? undefined : loader('fs', FS_FIELDS, fsKey)), [loader, fsKey]);
  const netLoader = useMemo(
    (): RangeLoader => (from, to, signal) => loadNetColumns(agentId, netKeysId ? netKeysId.split('\n') : [], { from, to, points: Math.round(width.current) }, signal),
    [agentId, netKeysId],
  );
  // B11: the server's maintenance windows as shaded bands behind every chart
  const bands = useMaintenanceBands(agentId, data.xRange);
  const zoom = { onZoom: setCustom, syncKey: sync, xRange: data.xRange, bands };
  // B9: the usual range when a baseline rule covers the CPU or the memory; the memory band comes in
  // used % and its chart is in bytes: converted with the server's memory total
  const cpuForecast = useForecastBand(agentId, 'cpu', data.xRange, data.bands.cpu);
  const memoryBandPct = useForecastBand(agentId, 'memory', data.xRange, data.bands.memory);
  const memoryBytes = inv?.memoryBytes;
  const memoryForecast = useMemo(() => bandInBytes(memoryBandPct, memoryBytes), [memoryBandPct, memoryBytes]);

  return (
    <article class="panel" ref={article} data-testid="server-panel" data-agent-id={agentId} aria-label={hostname}>
      <header class="panel-head">
        <div class="panel-title">
          <h3 data-testid="panel-host">{hostname}</h3>
          <StatusBadge status={status} />
        </div>
        <button type="button" class="icon-button" aria-label={t('panel.close')} title={t('panel.close')} data-testid="panel-close" onClick={() => onClose(agentId)}>
          ×
        </button>
        <p class="panel-meta">
          {inv && (
            <>
              <span>{`${inv.os.distro} ${inv.os.release}`.trim()}</span>
              <span>{t('panel.cores', { n: fmt.number(inv.cpu.cores, 0) })}</span>
              <span>{t('panel.ram', { size: fmt.bytes(inv.memoryBytes) })}</span>
            </>
          )}
          <span title={lastSeen === null ? undefined : fmt.dateTime(lastSeen)}>
            {t('time.lastSeen', { when: lastSeen === null ? t('time.never') : fmt.relative(lastSeen, now) })}
          </span>
          {/* S11: this server's access logs on their own screen */}
          <a href={`#view=weblogs&server=${encodeURIComponent(agentId)}`} data-testid="panel-weblogs">{t('weblog.openFromPanel')}</a>
        </p>
      </header>
      <div class="panel-tools">
        <div class="panel-tabs" role="tablist" aria-label={t('pcheck.tabs')}>
          {PANEL_TABS.filter((v) => v !== 'checks' || can('checks:read')).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={tab === v} data-testid={`panel-tab-${v}`} onClick={() => setTab(v)}>
              {t(TAB_LABEL[v])}
            </button>
          ))}
        </div>
        <RangeSwitch value={custom ? null : range} onChange={chooseRange} />
        <ZoomTools shown={data.xRange} zoomed={custom !== null} onChange={setCustom} />
        {data.loadingSeries && (
          <span class="hint" data-testid="panel-loading">
            {t('panel.loading')}
          </span>
        )}
        <ServerPanelTools agentId={agentId} hostname={hostname} awaitingAgent={row?.awaitingAgent ?? detail?.awaitingAgent ?? false} onRemoved={onClose} />
      </div>
      {data.detailError && (
        <p class="alert alert-error" role="alert">
          {t('error.detail', { reason: data.detailError })}
        </p>
      )}
      {data.awaitingFirstData && !data.seriesError && (
        <p class="hint panel-awaiting-data" role="status" data-testid="panel-awaiting-data">
          {t('panel.awaitingFirstData')}
        </p>
      )}
      {data.seriesError && (
        <p class="alert alert-error" role="alert" data-testid="series-error">
          {t('error.series', { reason: data.seriesError })}
        </p>
      )}
      {tab === 'checks' && <ServerChecks agentId={agentId} agents={agents} range={range} />}
      {tab === 'families' && <FamilyCharts agentId={agentId} detail={detail} range={range} syncKey={sync} />}
      <div class="panel-charts" ref={body} hidden={tab !== 'charts'}>
        <TimeChart testId="chart-cpu" title={t('chart.cpu')} lines={cpuLines} data={charts.cpu.data} yKind={displayKindOf(CPU_UNIT)} stacked loadRange={loaders.cpu} forecast={cpuForecast} {...zoom} />
        <TimeChart testId="chart-memory" title={t('chart.memory')} lines={memoryLines} data={charts.memory.data} yKind={displayKindOf(MEMORY_UNIT)} loadRange={loaders.memory} forecast={memoryForecast} {...zoom} />
        <section class="chart disk" data-testid="disk-section">
          <h4 class="chart-title">{t('chart.disk')}</h4>
          <FilesystemTable rows={data.fsRows} />
          {healthRows.length > 0 && (
            <>
              <h4 class="chart-title">{t('smart.title')}</h4>
              <DiskHealthTable rows={healthRows} />
            </>
          )}
          {charts.fs && (
            <TimeChart
              testId="chart-disk"
              title={t('disk.fullest', { mount: charts.fs.key })}
              lines={fsLines}
              data={charts.fs.window.data}
              yKind={displayKindOf(FS_UNIT)}
              height={90}
              {...(fsLoader ? { loadRange: fsLoader } : {})}
              {...zoom}
            />
          )}
        </section>
        {charts.net.length > 0 ? (
          <TimeChart testId="chart-network" title={t('chart.network')} lines={netLines} data={netData} yKind={displayKindOf(NET_UNIT)} loadRange={netLoader} {...zoom} />
        ) : (
          <section class="chart">
            <h4 class="chart-title">{t('chart.network')}</h4>
            <p class="hint">{t('net.none')}</p>
          </section>
        )}
      </div>
    </article>
  );
}
