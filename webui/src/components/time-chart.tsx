// One uPlot time-series chart inside a Preact component. uPlot owns its canvas: the component
// creates it when the chart's shape (lines, unit, language) changes and otherwise only hands it
// new data, which is what keeps live updates cheap on the appliance's small clients.
// `data-points` on the wrapper reports how many time points carry a value (used by tests and by
// the "no data yet" hint).
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Columns } from '../series-window.js';
import { pointsWithData } from '../series-window.js';
import { BYTE_AXIS_INCREMENTS } from '../locale-format.js';
import type { DisplayKind } from '../metric-fields.js';
import type { Formatters } from '../locale-format.js';
import { useUi } from '../ui-context.js';

export interface ChartLine {
  label: string;
  color: string;
  /** dashed: a reference line (a filesystem's size) or the second direction of a pair (tx) */
  dash?: boolean;
}

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
}

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

/** Points the legend at the newest values, unless the cursor is over the plot (left < 0 = outside). */
function showNewest(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (last >= 0 && (u.cursor.left ?? -1) < 0) u.setLegend({ idx: last });
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

export function TimeChart(props: TimeChartProps) {
  const { fmt, t } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // read by uPlot callbacks, which live longer than one render
  const raw = useRef<Columns>(props.data);
  const range = useRef(props.xRange);
  raw.current = props.data;
  range.current = props.xRange;

  const height = props.height ?? 170;
  const stacked = props.stacked ?? false;
  const shape = JSON.stringify([props.lines, props.yKind, stacked, fmt.locale, height, props.syncKey ?? '', t('chart.time')]);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const yFmt = yFormatter(props.yKind, fmt);
    const lines = props.lines;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { live: true },
      cursor: props.syncKey ? { sync: { key: props.syncKey } } : {},
      scales: {
        x: { time: true, range: () => [range.current[0], range.current[1]] },
        y: {
          range:
            props.yKind === 'percent'
              ? [0, 100]
              : (_u, _min, max) => (Number.isFinite(max) && max > 0 ? uPlot.rangeNum(0, max, 0.1, true) : [0, 1]),
        },
      },
      axes: [
        {
          stroke: AXIS_COLOR,
          font: FONT,
          grid: { stroke: GRID_COLOR, width: 1 },
          ticks: { stroke: GRID_COLOR, width: 1 },
          values: (_u, splits, _axis, _space, incr) => fmt.axisTime(splits, incr),
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
        { label: t('chart.time'), value: (_u, v) => (v == null ? '–' : fmt.dateTime(v * 1000)) },
        ...lines.map((l, i): uPlot.Series => ({
          label: l.label,
          stroke: l.color,
          width: 1.5,
          ...(l.dash ? { dash: [5, 4] } : {}),
          ...(stacked ? { fill: alpha(l.color, 0.35) } : {}),
          // a stacked chart draws sums; the legend must still say what each line is on its own
          value: (_u, v, _si, idx) => yFmt(stacked && idx !== null ? raw.current[i + 1]?.[idx] : v),
        })),
      ],
      hooks: {
        // the legend shows the newest values until the cursor points at another time: an operator
        // glancing at the panel wants "now", not a row of dashes
        setData: [showNewest],
        setCursor: [showNewest],
      },
      ...(stacked ? { bands: lines.slice(1).map((_, i): uPlot.Band => ({ series: [i + 2, i + 1] })) } : {}),
    };
    const u = new uPlot(opts, stacked ? stack(raw.current) : raw.current, el);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // `shape` stands for every option above; data and range reach uPlot through refs
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(stacked ? stack(props.data) : props.data, true);
  }, [props.data, props.xRange[0], props.xRange[1], stacked]);

  const points = useMemo(() => pointsWithData(props.data), [props.data]);

  return (
    <figure class="chart" data-testid={props.testId} data-points={points}>
      <figcaption class="chart-title">{props.title}</figcaption>
      <div class="chart-body">
        {/* uPlot owns this element's children; Preact must not render into it */}
        <div class="chart-plot" ref={box} />
        {points === 0 && <div class="chart-empty">{t('chart.noData')}</div>}
      </div>
    </figure>
  );
}
