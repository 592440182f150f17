// One uPlot time-series chart inside a Preact component. uPlot owns its canvas: the component
// creates it when the chart's shape (lines, unit, language) changes and otherwise only hands it
// new data, which is what keeps live updates cheap on the appliance's small clients.
// `data-points` on the wrapper reports how many time points carry a value (used by tests and by
// the "no data yet" hint), `data-from`/`data-to` the range shown.
// The analysis tools (S10, B5): a legend with each line's min/avg/max/last over the range shown;
// where the parent can fetch another range, the same range a day, a week or a month earlier as
// dashed lines (time shift) and a drag across the plot to zoom (the parent refetches the range);
// lines of a group (an interface) that is idle over the range are left out unless asked for.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Columns } from '../series-window.js';
import { pointsWithData } from '../series-window.js';
import type { LegendFigures } from '../chart-compare.js';
import { SHIFTS, SHIFT_SECONDS, columnTotal, dragPanRange, idleGroups, legendFigures, shiftForward, shiftedRange, zoomRange, type ShiftId } from '../chart-compare.js';
import { BYTE_AXIS_INCREMENTS } from '../locale-format.js';
import type { DisplayKind } from '../metric-fields.js';
import type { Formatters } from '../locale-format.js';
import { useUi } from '../ui-context.js';
import { forgetChart, scheduleChartWork } from '../chart-scheduler.js';
import { loadUplot, uplotNow, type UplotClass } from '../uplot-loader.js';
import type { MaintenanceSpan } from '../../../contract/maintenance-api.js';
import { drawBands } from './chart-bands.js';
import type { SeriesBand } from '../../../contract/api.js';
import { drawForecast } from './chart-forecast.js';

export interface ChartLine {
  label: string;
  color: string;
  /** dashed: a reference line (a filesystem's size) or the second direction of a pair (tx) */
  dash?: boolean;
  /** lines of one group (an interface's rx and tx) are hidden together while the group is idle */
  group?: string;
}

/** Another range of the same lines, for the time shift: columns in the order of `lines`. */
export type RangeLoader = (from: number, to: number, signal: AbortSignal) => Promise<Columns>;

export interface TimeChartProps {
  testId: string;
  title: string;
  lines: readonly ChartLine[];
  data: Columns;
  yKind: DisplayKind;
  /** unix seconds shown on the x axis, whatever the data covers */
  xRange: readonly [number, number];
  /** lines are cumulative, bottom first (CPU time adds up to the busy total) */
  stacked?: boolean;
  /** charts with the same key move their cursors together */
  syncKey?: string;
  height?: number;
  /** the parent fetches other ranges: the chart offers the time shift */
  loadRange?: RangeLoader;
  /** the parent shows another range: a drag across the plot asks for the selected one */
  onZoom?: (range: [number, number]) => void;
  /** B11: maintenance openings (unix ms), drawn as shaded bands behind the lines */
  bands?: readonly MaintenanceSpan[];
  /** B9: the baseline band (rrdtool's forecast ± deviations, on the chart's own scale), shaded behind the lines */
  forecast?: SeriesBand | null;
}

const NO_BANDS: readonly MaintenanceSpan[] = [];
const AXIS_COLOR = '#475569';
const GRID_COLOR = '#e2e8f0';
const FONT = '11px system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Malgun Gothic", sans-serif';

function yFormatter(kind: DisplayKind, fmt: Formatters): (v: number | null | undefined) => string {
  switch (kind) {
    case 'percent':
      return fmt.percent;
    case 'bytes':
      return fmt.bytes;
    case 'bitsPerSec':
      return fmt.bitsPerSec;
    case 'plain':
      return (v) => (v == null || !Number.isFinite(v) ? '–' : fmt.number(v, Math.abs(v) < 10 ? 2 : 1));
  }
}

/** Cumulative columns for a stacked chart; a missing value stays missing (a gap, not a zero). */
function stack(data: Columns): Columns {
  const times = data[0];
  const acc = new Array<number>(times.length).fill(0);
  const out: Columns = [times];
  for (let c = 1; c < data.length; c++) {
    const col = data[c] ?? [];
    out.push(
      times.map((_, i) => {
        const v = col[i];
        if (v === null || v === undefined) return null;
        acc[i] = (acc[i] ?? 0) + v;
        return acc[i] ?? null;
      }),
    );
  }
  return out;
}

let measure: CanvasRenderingContext2D | null = null;

function textWidth(text: string): number {
  measure ??= document.createElement('canvas').getContext('2d');
  if (!measure) return text.length * 7;
  measure.font = FONT;
  return Math.ceil(measure.measureText(text).width);
}

function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** The shifted lines' data: one dashed line per line, or the total of a stacked chart. */
interface Shifted {
  id: ShiftId;
  data: Columns;
}

/** uPlot's data: the chart's columns then the shifted ones; an alignment artifact is undefined (spanned, not a gap). */
function overlay(main: Columns, extra: Columns | null): uPlot.AlignedData {
  if (!extra || extra[0].length === 0) return main;
  const times = [...new Set([...main[0], ...extra[0]])].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const place = (set: Columns): (number | null | undefined)[][] =>
    set.slice(1).map((col) => {
      const out = new Array<number | null | undefined>(times.length).fill(undefined);
      set[0].forEach((t, i) => {
        const k = at.get(t);
        if (k !== undefined) out[k] = col[i] ?? null;
      });
      return out;
    });
  return [times, ...place(main), ...place(extra)] as uPlot.AlignedData;
}

/**
 * Dots where a line has a point with no neighbour (a gap on both sides, or a range edge): a lone
 * point draws no segment, so a young server's year would look empty. Undefined values are
 * alignment artifacts of the time shift, spanned like uPlot does.
 */
function isolated(u: uPlot, si: number): boolean {
  const col = u.data[si] ?? [];
  let prev: number | null | undefined = null;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === undefined) continue;
    if (v !== null && prev === null) {
      let j = i + 1;
      while (j < col.length && col[j] === undefined) j++;
      if (j >= col.length || col[j] === null) return true;
    }
    prev = v;
  }
  return false;
}

/** Lines of an idle group are hidden (time-chart's "show idle" box), the others shown. */
function showGroups(u: uPlot, lines: readonly ChartLine[], hidden: ReadonlySet<string>): void {
  lines.forEach((l, i) => {
    const show = l.group === undefined || !hidden.has(l.group);
    if (u.series[i + 1]?.show !== show) u.setSeries(i + 1, { show });
  });
}

/**
 * Shift+drag pans (S10): the pointer grabs the plot, and on release the parent is asked for the
 * range moved by the drag. uPlot's own drag (the zoom selection) never sees a shifted press; while
 * dragging, the plot slides under the pointer so the operator sees where it will land.
 */
function panOnShiftDrag(u: uPlot, shown: () => readonly [number, number], onPan: (r: [number, number]) => void): void {
  u.over.addEventListener('mousedown', (down) => {
    if (!down.shiftKey || down.button !== 0) return;
    down.stopPropagation();
    down.preventDefault();
    const startX = down.clientX;
    u.root.classList.add('chart-panning');
    const move = (e: MouseEvent): void => { u.root.style.setProperty('--pan-dx', `${e.clientX - startX}px`); };
    const up = (e: MouseEvent): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      u.root.classList.remove('chart-panning');
      u.root.style.removeProperty('--pan-dx');
      const r = dragPanRange(shown(), e.clientX - startX, u.over.clientWidth, Date.now() / 1000);
      if (r) onPan(r);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }, { capture: true });
}

function ShiftSwitch({ value, onChange }: { value: ShiftId | null; onChange: (s: ShiftId | null) => void }) {
  const { t } = useUi();
  return (
    <div class="chart-shift" role="group" aria-label={t('chart.shift')}>
      {SHIFTS.map((s) => (
        <button key={s} type="button" aria-pressed={value === s} data-testid={`shift-${s}`} title={t(`chart.shiftTitle.${s}` as const)}
          onClick={() => onChange(value === s ? null : s)}>
          {t(`chart.shift.${s}` as const)}
        </button>
      ))}
    </div>
  );
}

interface LegendRow {
  label: string;
  color: string;
  dash: boolean;
  col: readonly (number | null | undefined)[];
  times: readonly number[];
  figures: LegendFigures;
}

/** A row's value at the cursor's time (the time shift's points sit at other times than the chart's). */
function valueAt(r: LegendRow, at: number): number | null {
  const i = r.times.indexOf(at);
  return i < 0 ? null : (r.col[i] ?? null);
}

function Legend({ rows, cursorT, yFmt, idle, showIdle, onShowIdle }: {
  rows: LegendRow[]; cursorT: number | null; yFmt: (v: number | null) => string; idle: number; showIdle: boolean; onShowIdle: (v: boolean) => void;
}) {
  const { t, fmt } = useUi();
  const cols = ['min', 'avg', 'max', 'last'] as const;
  return (
    <div class="chart-legend-box">
      <table class="chart-legend" data-testid="chart-legend">
        <thead>
          <tr>
            <th scope="col" />
            {cols.map((c) => <th key={c} scope="col" class="num">{t(`chart.${c}` as const)}</th>)}
            {/* the value under the cursor, in a column of its own so that the figures stay put */}
            <th scope="col" class="num legend-cursor">{cursorT === null ? '' : fmt.axisTime([cursorT], 1)[0]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const f = r.figures;
            return (
              <tr key={r.label} data-testid="legend-row" data-series={r.label} data-dashed={r.dash ? 'true' : undefined}>
                <th scope="row">
                  <span class={`legend-mark${r.dash ? ' legend-dash' : ''}`} style={{ borderColor: r.color }} aria-hidden="true" />
                  {r.label}
                </th>
                {cols.map((c) => <td key={c} class="num" data-col={c} data-value={f[c] ?? ''}>{yFmt(f[c])}</td>)}
                <td class="num legend-cursor">{cursorT === null ? '' : yFmt(valueAt(r, cursorT))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {idle > 0 && (
        <label class="check-label chart-idle">
          <input type="checkbox" checked={showIdle} data-testid="show-idle" onChange={(e) => onShowIdle((e.target as HTMLInputElement).checked)} />
          {t('chart.showIdle', { n: idle })}
        </label>
      )}
    </div>
  );
}

export function TimeChart(props: TimeChartProps) {
  const { fmt, t } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [shiftId, setShiftId] = useState<ShiftId | null>(null);
  const [shifted, setShifted] = useState<Shifted | null>(null);
  const [showIdle, setShowIdle] = useState(false);
  // the time under the cursor (synchronised across a panel's charts), null when it is elsewhere
  const [cursorT, setCursorT] = useState<number | null>(null);
  // read by uPlot callbacks, which live longer than one render
  const raw = useRef<Columns>(props.data);
  const range = useRef(props.xRange);
  const onZoom = useRef(props.onZoom);
  raw.current = props.data;
  range.current = props.xRange;
  onZoom.current = props.onZoom;

  const height = props.height ?? 110;
  const stacked = props.stacked ?? false;
  const [from, to] = props.xRange;
  const yFmt = useMemo(() => yFormatter(props.yKind, fmt), [props.yKind, fmt]);

  // a live range slides every few seconds: the earlier range is fetched again once a minute
  const shiftKey = `${Math.floor(from / 60)}:${Math.floor(to / 60)}`;
  const loadRange = props.loadRange;
  useEffect(() => {
    if (shiftId === null || !loadRange) {
      setShifted(null);
      return undefined;
    }
    const controller = new AbortController();
    const offset = SHIFT_SECONDS[shiftId];
    const [a, b] = shiftedRange(range.current, offset);
    loadRange(Math.floor(a), Math.ceil(b), controller.signal)
      .then((cols) => {
        if (controller.signal.aborted) return;
        const moved = shiftForward(cols, offset);
        // a stacked chart compares its total: dashed copies of each band would be unreadable
        setShifted({ id: shiftId, data: stacked ? [moved[0], columnTotal(moved)] : moved });
      })
      .catch(() => {
        if (!controller.signal.aborted) setShifted({ id: shiftId, data: [[]] });
      });
    return () => controller.abort();
  }, [shiftId, shiftKey, loadRange, stacked]);

  const groupOf = useMemo(() => props.lines.map((l) => l.group), [props.lines]);
  const idle = useMemo(() => idleGroups(props.data, groupOf, from, to), [props.data, groupOf, from, to]);
  const hidden = showIdle ? new Set<string>() : idle;
  const shownIdx = props.lines.map((l, i) => (l.group !== undefined && hidden.has(l.group) ? -1 : i)).filter((i) => i >= 0);

  const shiftLines = useMemo((): ChartLine[] => {
    if (!shifted) return [];
    const suffix = t(`chart.shiftLabel.${shifted.id}` as const);
    if (stacked) return [{ label: `${t('chart.total')} ${suffix}`, color: '#0f172a', dash: true }];
    return props.lines.map((l) => ({ label: `${l.label} ${suffix}`, color: l.color, dash: true, ...(l.group === undefined ? {} : { group: l.group }) }));
  }, [shifted?.id, stacked, props.lines, t]);
  const shiftCount = shiftLines.length;
  const allLines = useMemo(() => [...props.lines, ...shiftLines], [props.lines, shiftLines]);
  const shape = JSON.stringify([allLines, props.yKind, stacked, fmt.locale, height, props.syncKey ?? '', t('chart.time'), props.onZoom !== undefined]);
  const plotData = useMemo(() => overlay(stacked ? stack(props.data) : props.data, shifted?.data ?? null), [props.data, stacked, shifted]);
  const plotDataRef = useRef(plotData);
  plotDataRef.current = plotData;

  // uPlot work runs through the chart scheduler (chart-scheduler.ts): a job draws the newest data,
  // creating the plot first when its shape changed; the old plot stays up until then
  const makeOptions = useRef<((el: HTMLElement, U: UplotClass) => uPlot.Options) | null>(null);
  const recreate = useRef(true);
  const resizer = useRef<ResizeObserver | null>(null);
  const drawnPoints = useRef(0);
  const hiddenRef = useRef<ReadonlySet<string>>(new Set());
  const linesRef = useRef(allLines);
  linesRef.current = allLines;
  const bandsRef = useRef<readonly MaintenanceSpan[]>(NO_BANDS);
  bandsRef.current = props.bands ?? NO_BANDS;
  const forecastRef = useRef<SeriesBand | null>(null);
  forecastRef.current = props.forecast ?? null;
  const bandTitle = useRef<(b: { startsAt: number; endsAt: number }) => string>(() => '');
  bandTitle.current = (b) => t('maint.band', { start: fmt.dateTime(b.startsAt), end: fmt.dateTime(b.endsAt) });
  const draw = useRef((): void => {
    const el = box.current;
    const options = makeOptions.current;
    if (!el || !options) return;
    let u = plot.current;
    if (!u || recreate.current) {
      // uPlot loads beside the page's first requests (uplot-loader.ts); a chart whose data came
      // first is drawn once it is there, a failed fetch is tried again with the chart's next data
      const U = uplotNow();
      if (!U) {
        loadUplot().then(() => scheduleChartWork(el, draw.current), () => undefined);
        return;
      }
      resizer.current?.disconnect();
      u?.destroy();
      const created = new U(options(el, U), plotDataRef.current, el);
      u = created;
      plot.current = created;
      recreate.current = false;
      resizer.current = new ResizeObserver(() => {
        const w = Math.max(200, el.clientWidth);
        if (w !== created.width) created.setSize({ width: w, height: created.height });
      });
      resizer.current.observe(el);
      if (onZoom.current) panOnShiftDrag(created, () => range.current, (r) => onZoom.current?.(r));
    } else {
      u.setData(plotDataRef.current, true);
    }
    showGroups(u, linesRef.current, hiddenRef.current);
    drawBands(u, bandsRef.current, range.current[0], range.current[1], (b) => bandTitle.current(b));
    // what the canvas shows now (data-points is what the chart was given, perhaps not drawn yet)
    el.closest('figure')?.setAttribute('data-drawn', String(drawnPoints.current));
  });
  useEffect(() => () => {
    const el = box.current;
    if (el) forgetChart(el);
    resizer.current?.disconnect();
    plot.current?.destroy();
    plot.current = null;
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const lines = allLines;
    const mainCount = lines.length - shiftCount;
    makeOptions.current = (target, U) => ({
      width: Math.max(200, target.clientWidth),
      height,
      // the legend below (min/avg/max/last) replaces uPlot's
      legend: { show: false },
      cursor: {
        ...(props.syncKey ? { sync: { key: props.syncKey } } : {}),
        drag: { x: props.onZoom !== undefined, y: false, setScale: false },
      },
      scales: {
        x: { time: true, range: () => [range.current[0], range.current[1]] },
        y: {
          range:
            props.yKind === 'percent'
              ? [0, 100]
              : (_u, _min, max) => (Number.isFinite(max) && max > 0 ? U.rangeNum(0, max, 0.1, true) : [0, 1]),
        },
      },
      axes: [
        {
          stroke: AXIS_COLOR,
          font: FONT,
          grid: { stroke: GRID_COLOR, width: 1 },
          ticks: { stroke: GRID_COLOR, width: 1 },
          values: (_u, splits, _axis, _space, incr) => {
            const labels = fmt.axisTime(splits, incr);
            // the axis is drawn on the canvas: its labels are also written out for tests and screen readers' inspection tools
            el.setAttribute('data-x-ticks', labels.join('|'));
            return labels;
          },
        },
        {
          stroke: AXIS_COLOR,
          font: FONT,
          grid: { stroke: GRID_COLOR, width: 1 },
          ticks: { stroke: GRID_COLOR, width: 1 },
          values: (_u, splits) => splits.map((v) => yFmt(v)),
          // wide enough for the longest label: uPlot's default fits short numbers, not "512 MiB"
          size: (_u, values) => 16 + Math.max(24, ...(values ?? []).map(textWidth)),
          ...(props.yKind === 'bytes' ? { incrs: BYTE_AXIS_INCREMENTS } : {}),
        },
      ],
      series: [
        { label: t('chart.time') },
        ...lines.map((l, i): uPlot.Series => ({
          label: l.label,
          stroke: l.color,
          width: i < mainCount ? 1.5 : 1.25,
          ...(l.dash ? { dash: i < mainCount ? [5, 4] : [3, 3] } : {}),
          ...(stacked && i < mainCount ? { fill: alpha(l.color, 0.35) } : {}),
          points: { show: isolated, size: 5 },
        })),
      ],
      hooks: {
        // B9: after the grid, before the lines
        drawAxes: [(u) => drawForecast(u, forecastRef.current)],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            const over = (u.cursor.left ?? -1) >= 0 && i !== null && i !== undefined;
            setCursorT(over ? (u.data[0][i] ?? null) : null);
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width <= 0) return;
            const z = zoomRange(u.posToVal(u.select.left, 'x'), u.posToVal(u.select.left + u.select.width, 'x'));
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (z) onZoom.current?.(z);
          },
        ],
      },
      ...(stacked ? { bands: lines.slice(1, mainCount).map((_, i): uPlot.Band => ({ series: [i + 2, i + 1] })) } : {}),
    });
    recreate.current = true;
    scheduleChartWork(el, draw.current);
    // `shape` stands for every option above; data and range reach uPlot through refs
  }, [shape]);

  const points = useMemo(() => pointsWithData(props.data), [props.data]);
  drawnPoints.current = points;
  useEffect(() => {
    if (box.current && !recreate.current) scheduleChartWork(box.current, draw.current);
  }, [plotData, from, to]);

  // B9: a new forecast band repaints the plot (the band is drawn on its canvas)
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [props.forecast]);

  // B11: new openings or a moved range place the bands again, without redrawing the lines
  useEffect(() => {
    if (plot.current) drawBands(plot.current, bandsRef.current, from, to, (b) => bandTitle.current(b));
  }, [props.bands, from, to]);

  const hiddenKey = [...hidden].join('\n');
  hiddenRef.current = hidden;
  useEffect(() => {
    // cheap, and answers a click on "show idle" at once; a plot not made yet applies it when made
    if (plot.current) showGroups(plot.current, allLines, hidden);
  }, [hiddenKey, shape]);

  const shiftPoints = useMemo(() => (shifted ? pointsWithData(shifted.data) : 0), [shifted]);
  const legendRows = useMemo((): LegendRow[] => {
    const rows: LegendRow[] = shownIdx.map((i) => {
      const l = props.lines[i];
      const col = props.data[i + 1] ?? [];
      return { label: l?.label ?? '', color: l?.color ?? '#64748b', dash: l?.dash ?? false, col, times: props.data[0], figures: legendFigures(props.data[0], col, from, to) };
    });
    if (shifted) {
      shiftLines.forEach((l, j) => {
        if (l.group !== undefined && hidden.has(l.group)) return;
        const col = shifted.data[j + 1] ?? [];
        rows.push({ label: l.label, color: l.color, dash: true, col, times: shifted.data[0], figures: legendFigures(shifted.data[0], col, from, to) });
      });
    }
    return rows;
  }, [props.data, props.lines, shownIdx.join(','), shifted, shiftLines, from, to]);

  return (
    <figure class="chart" data-testid={props.testId} data-points={points} data-from={Math.round(from)} data-to={Math.round(to)}
      data-shift={shifted?.id} data-shift-points={shifted ? shiftPoints : undefined} data-forecast-points={props.forecast ? props.forecast.data[0].length : undefined}>
      <figcaption class="chart-head">
        <span class="chart-title">{props.title}</span>
        {props.loadRange && <ShiftSwitch value={shiftId} onChange={setShiftId} />}
      </figcaption>
      <div class={`chart-body${props.onZoom ? ' chart-zoomable' : ''}`}>
        {/* uPlot owns this element's children; Preact must not render into it */}
        <div class="chart-plot" ref={box} />
        {points === 0 && <div class="chart-empty" style={{ height: `${height}px` }}>{t('chart.noData')}</div>}
      </div>
      <Legend rows={legendRows} cursorT={cursorT} yFmt={yFmt} idle={idle.size} showIdle={showIdle} onShowIdle={setShowIdle} />
      {props.forecast && props.forecast.data[0].length > 0 && (
        <p class="hint chart-forecast-note" data-testid="forecast-note">
          <span class="forecast-swatch" aria-hidden="true" /> {t('chart.forecastBand', { n: String(props.forecast.deviations) })}
        </p>
      )}
    </figure>
  );
}
