// A wall's panels on a grid that fills the space it is given (S9): the columns and rows that make
// the panels largest at a readable aspect (walls-model.ts gridFor), each panel one family of one
// server with its live figure in the header, coloured by the server's worst state. Used by the
// Walls screen and by the kiosk (no chrome: the grid then fills the whole screen).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Wall, WallFamily, WallPanel } from '../../../contract/walls-api.js';
import type { OverviewRow } from '../fleet-overview.js';
import { tileTone } from '../fleet-overview.js';
import { displayKindOf, type DisplayKind } from '../metric-fields.js';
import { useUi } from '../ui-context.js';
import { useWallPanel } from '../use-wall-panel.js';
import { gridFor, panelKey, rowOfHost } from '../walls-model.js';
import { TimeChart, type ChartLine } from './time-chart.js';

/** the panel's header row; the chart takes the rest of the cell */
const PANEL_HEAD_PX = 30;
const MIN_CHART_PX = 60;

const PALETTE = ['#2563eb', '#f59e0b', '#dc2626', '#7c3aed'];

const Y_KIND: Record<WallFamily, DisplayKind> = {
  cpu: displayKindOf('%'), memory: displayKindOf('B'), disk: displayKindOf('B'), network: displayKindOf('B/s'), load: 'plain',
};

function useLines(family: WallFamily, key: string | null): ChartLine[] {
  const { t } = useUi();
  return useMemo((): ChartLine[] => {
    const colour = (i: number): string => PALETTE[i % PALETTE.length] ?? '#64748b';
    switch (family) {
      case 'cpu':
        return (['user', 'system', 'iowait', 'steal'] as const).map((f, i) => ({ label: t(`cpu.${f}`), color: colour(i) }));
      case 'memory':
        return (['used', 'cached', 'available', 'swap_used'] as const).map((f, i) => ({ label: t(`mem.${f}`), color: colour(i), dash: f === 'swap_used' }));
      case 'disk':
        return [{ label: t('disk.used'), color: colour(0) }, { label: t('disk.size'), color: '#94a3b8', dash: true }];
      case 'network':
        return [{ label: t('net.rx', { iface: key ?? '' }), color: colour(0) }, { label: t('net.tx', { iface: key ?? '' }), color: colour(0), dash: true }];
      case 'load':
        return ['1', '5', '15'].map((m, i) => ({ label: `${m}m`, color: colour(i) }));
    }
  }, [family, key, t]);
}

/** The figure an operator reads first: the server's latest value of the family, from the list's live row. */
function headline(family: WallFamily, row: OverviewRow | undefined, fmt: ReturnType<typeof useUi>['fmt']): string {
  switch (family) {
    case 'cpu':
      return fmt.percent(row?.cpuPct ?? null);
    case 'memory':
      return fmt.percent(row?.memPct ?? null);
    case 'disk':
      return `${row?.diskMount ?? ''} ${fmt.percent(row?.diskPct ?? null)}`.trim();
    case 'network':
      return `↓${fmt.bitsPerSec(row?.netInBps == null ? null : row.netInBps * 8)} ↑${fmt.bitsPerSec(row?.netOutBps == null ? null : row.netOutBps * 8)}`;
    case 'load':
      return row?.load1 == null ? '–' : fmt.number(row.load1, 2);
  }
}

function WallPanelView({ panel, row, range, size, resync, onOpen }: { panel: WallPanel; row: OverviewRow | undefined; range: Wall['range']; size: { w: number; h: number }; resync: number; onOpen?: ((agentId: string) => void) | undefined }) {
  const { t, fmt } = useUi();
  // a keyed panel keeps the first key it learns: a disk filling up elsewhere does not swap the chart under the operator
  const [key, setKey] = useState<string | null>(null);
  const seen = panelKey(panel.family, row);
  useEffect(() => {
    if (key === null && seen !== null) setKey(seen);
  }, [key, seen]);
  const data = useWallPanel(row?.id ?? null, panel.family, key, range, size.w, resync);
  const lines = useLines(panel.family, key);
  const chartH = Math.max(MIN_CHART_PX, Math.floor((size.h - PANEL_HEAD_PX) / 10) * 10);
  const tone = row ? tileTone(row) : 'unknown';
  const title = `${panel.host} · ${t(`wfam.${panel.family}` as const)}`;
  return (
    <article class={`tile wall-panel tone-${tone}`} data-testid="wall-panel" data-host={panel.host} data-family={panel.family} data-status={row?.status ?? 'none'} data-level={row?.level ?? 'ok'} aria-label={title}>
      <header class="wall-panel-head">
        {row && onOpen ? (
          <button type="button" class="wall-panel-host link-button" onClick={() => onOpen(row.id)}>{panel.host}</button>
        ) : (
          <span class="wall-panel-host">{panel.host}</span>
        )}
        <span class="wall-panel-family">{t(`wfam.${panel.family}` as const)}</span>
        <span class="wall-panel-value" data-testid="wall-panel-value">{headline(panel.family, row, fmt)}</span>
      </header>
      {!row ? (
        <p class="hint wall-panel-note" data-testid="wall-panel-missing">{t('wall.noServer', { host: panel.host })}</p>
      ) : data.error ? (
        <p class="alert alert-error wall-panel-note" role="alert">{t('error.series', { reason: data.error })}</p>
      ) : (
        <TimeChart testId="wall-chart" title={title} lines={lines} data={data.window.data} yKind={Y_KIND[panel.family]} xRange={data.xRange} stacked={panel.family === 'cpu'} height={chartH} />
      )}
    </article>
  );
}

export interface WallGridProps {
  wall: Pick<Wall, 'panels' | 'range' | 'columns'>;
  rows: readonly OverviewRow[];
  resync: number;
  /** a click on a panel's host name (the dashboard with its panel); none in the kiosk */
  onOpen?: (agentId: string) => void;
}

export function WallGrid({ wall, rows, resync, onOpen }: WallGridProps) {
  const box = useRef<HTMLDivElement>(null);
  const [area, setArea] = useState<{ w: number; h: number } | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const measure = (): void => setArea((cur) => (cur && cur.w === el.clientWidth && cur.h === el.clientHeight ? cur : { w: el.clientWidth, h: el.clientHeight }));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const grid = area ? gridFor(wall.panels.length, area.w, area.h, wall.columns) : null;
  const GAP = 6;
  const size = area && grid ? { w: (area.w - GAP * (grid.columns - 1)) / grid.columns, h: (area.h - GAP * (grid.rows - 1)) / grid.rows } : null;
  return (
    <div class="wall-grid" ref={box} data-testid="wall-grid" data-columns={grid?.columns ?? 0} data-rows={grid?.rows ?? 0}
      style={grid ? { gridTemplateColumns: `repeat(${grid.columns}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${grid.rows}, minmax(0, 1fr))`, gap: `${GAP}px` } : undefined}>
      {size && wall.panels.map((p, i) => (
        <WallPanelView key={`${i}:${p.host}:${p.family}`} panel={p} row={rowOfHost(rows, p.host)} range={wall.range} size={size} resync={resync} onOpen={onOpen} />
      ))}
    </div>
  );
}
