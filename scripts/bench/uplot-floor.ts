// The floor under the UI benchmark's "no main-thread task over 50 ms" (S9; docs/benchmarks.md "The
// web UI under a full dashboard"): what uPlot alone costs in this machine's Chromium, without the
// appliance, Preact or the dashboard around it. In a blank page, one chart the size of a panel's
// (600 × 200 px) with 4 series of N points is created (`new uPlot`: its DOM, a layout, the first
// draw) and then given new data of the same size (`setData`: a redraw), each timed as one task
// of its own (the draw happens in a microtask of the call, so the timing brackets it). The
// medians of `--runs` charts, for N = 120 (the live ten minutes at 5 s), 600 (a chart's width,
// what the appliance answers for any range) and 17,280 (a day at 5 s, undownsampled).
//
//   npx tsx scripts/bench/uplot-floor.ts [--runs 20]
//
// A benchmark, not a test: it prints figures and asserts nothing.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../test/helpers/chromium.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(args.runs);
const cleanups: (() => unknown)[] = [];

async function main(): Promise<void> {
  const browser = await launchChromium({ teardown: (fn) => void cleanups.push(fn) });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // tsx keeps functions' names with a helper the page does not have: give it one
  await page.setContent('<!doctype html><html><body><script>window.__name = (f) => f;</script></body></html>');
  await page.addScriptTag({ path: path.join(import.meta.dirname, '../../node_modules/uplot/dist/uPlot.iife.min.js') });
  await page.addStyleTag({ path: path.join(import.meta.dirname, '../../node_modules/uplot/dist/uPlot.min.css') });
  for (const n of [120, 600, 17_280]) {
    const r = await page.evaluate(async ([points, runs]) => {
      type Plot = { setData(d: unknown): void; destroy(): void };
      const U = (window as unknown as { uPlot: new (o: unknown, d: unknown, el: HTMLElement) => Plot }).uPlot;
      const data = (shift: number): number[][] => {
        const t = Array.from({ length: points }, (_, i) => 1_700_000_000 + i * 5);
        return [t, ...[0, 1, 2, 3].map((s) => t.map((_, i) => 50 + 40 * Math.sin(i / 50 + s + shift)))];
      };
      const opts = { width: 600, height: 200, legend: { show: false }, series: [{}, ...[0, 1, 2, 3].map(() => ({ stroke: '#2563eb', width: 1.5 }))] };
      const created: number[] = [];
      const redrawn: number[] = [];
      for (let i = 0; i < runs; i++) {
        const el = document.createElement('div');
        document.body.append(el);
        const d = data(i);
        let t0 = performance.now();
        const u = new U(opts, d, el);
        await Promise.resolve();
        void el.clientWidth;
        created.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 0));
        const d2 = data(i + 1);
        t0 = performance.now();
        u.setData(d2);
        await Promise.resolve();
        redrawn.push(performance.now() - t0);
        u.destroy();
        el.remove();
        await new Promise((r) => setTimeout(r, 0));
      }
      const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      return { create: med(created), redraw: med(redrawn), createMax: Math.max(...created), redrawMax: Math.max(...redrawn) };
    }, [n, RUNS] as const);
    console.log(`4 series × ${String(n).padStart(5)} points: new uPlot ${r.create.toFixed(1)} ms median (${r.createMax.toFixed(1)} max), setData ${r.redraw.toFixed(1)} ms median (${r.redrawMax.toFixed(1)} max), ${RUNS} charts`);
  }
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
