// B9: the baseline band behind a chart's lines: rrdtool's forecast ± its deviations
// (GET …/series?band=1, appliance/alerting/baseline-band.ts), filled between its low and high
// edges on the plot's canvas, under the lines, with the expected value as a thin dashed line.
// A gap in the forecast (no row, or a step not judged yet) is a gap in the band.
import type uPlot from 'uplot';
import type { SeriesBand } from '../../../contract/api.js';

export const FORECAST_FILL = 'rgba(14,165,233,0.16)';
const FORECAST_LINE = 'rgba(2,132,199,0.7)';
/** a step gap wider than this many rows of the band splits it */
const GAP_ROWS = 2.5;

/** Runs of consecutive band rows (indices), split where rows are missing. */
export function forecastRuns(times: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  if (times.length === 0) return runs;
  const steps = times.slice(1).map((t, i) => t - (times[i] ?? t)).filter((d) => d > 0).sort((a, b) => a - b);
  const step = steps[Math.floor(steps.length / 2)] ?? Infinity;
  let start = 0;
  for (let i = 1; i < times.length; i++) {
    if ((times[i] ?? 0) - (times[i - 1] ?? 0) > GAP_ROWS * step) {
      runs.push([start, i - 1]);
      start = i;
    }
  }
  runs.push([start, times.length - 1]);
  return runs;
}

/**
 * A band in used % (memory_used_pct) on a chart in bytes: each edge × the memory total / 100. The
 * band was computed per step with that step's total (baseline-observations.ts); the server's
 * total from its inventory is the same figure unless its RAM changed within the range. Null
 * without a band or a known total.
 */
export function bandInBytes(band: SeriesBand | null, totalBytes: number | null | undefined): SeriesBand | null {
  if (!band || totalBytes === null || totalBytes === undefined || !(totalBytes > 0)) return null;
  const k = totalBytes / 100;
  const [times, expected, low, high] = band.data;
  return { ...band, data: [times, expected.map((v) => v * k), low.map((v) => v * k), high.map((v) => v * k)] };
}

export function drawForecast(u: uPlot, band: SeriesBand | null): void {
  if (!band || band.data[0].length === 0) return;
  const [times, expected, low, high] = band.data;
  const ctx = u.ctx;
  const x = (t: number): number => u.valToPos(t, 'x', true);
  const y = (v: number): number => u.valToPos(Math.max(0, v), 'y', true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  for (const [a, b] of forecastRuns(times)) {
    ctx.beginPath();
    for (let i = a; i <= b; i++) ctx.lineTo(x(times[i] ?? 0), y(high[i] ?? 0));
    for (let i = b; i >= a; i--) ctx.lineTo(x(times[i] ?? 0), y(low[i] ?? 0));
    ctx.closePath();
    ctx.fillStyle = FORECAST_FILL;
    ctx.fill();
    ctx.beginPath();
    for (let i = a; i <= b; i++) ctx.lineTo(x(times[i] ?? 0), y(expected[i] ?? 0));
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = FORECAST_LINE;
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.restore();
}
