// The web UI under a full dashboard (S9, S14): 8 servers, each with hours of 5 s samples of cpu,
// memory, a filesystem and a network interface stored in the real appliance (built dist/, SQLite,
// rrdcached, on loopback), shown as 8 open panels of 4 charts in Debian's headless Chromium
// (/usr/bin/chromium through playwright-core, test/helpers/chromium.ts), while every server sends
// a live sample a second. Measured in the page (its clock, ms):
// - first render: from navigation to every chart of the panels in the viewport drawn with its
//   data (the chart's `data-drawn`, set once uPlot drew, equal to its `data-points`, at least 1).
//   Then each panel is scrolled into view in turn, as an operator scrolling down would, and the
//   time from its scroll to its charts drawn is taken, and when the last of them was ("all").
// - 1d redraw: every panel's "1d" button clicked in the page at once (the view at the top); the
//   same two figures, each chart counting only once it shows a day-wide range.
// - the longest main-thread task: PerformanceObserver `longtask` entries (every task over 50 ms)
//   within each phase, and during the live phase (LIVE_S seconds of a sample a second a server).
// Also the appliance's side: the day's four series of one server, read as a panel reads them.
// The baseline, in the same run: the same page with one panel open. Targets: first render
// < 1.5 s, no task over 50 ms (docs/benchmarks.md).
//
//   npm run build && npx tsx scripts/bench/ui.ts [--live-seconds 30] [--servers 8] [--hours 6] [--cpu-profile FILE]
//
// `--hours` (default 6: 4,320 points a series) is how much history each server gets; the target's
// figure is `--hours 24` (17,280 points), whose backfill of 553,000 samples through MQTT alone
// outlasted the run at load 16–21. Each phase prints a line as it ends, so a run cut short on a
// loaded machine still says how far it got.
//
// Before/after on a loaded machine: `--baseline-ui <dir>` (a copy of another build's dist/webui)
// runs both UIs against the same appliance and data, alternating, `--rounds` times; the page's
// files come from the two directories through Playwright's request routing (API requests go to
// the appliance), so both variants pay the same routing cost. Compare the same run's figures.
// The appliance is this tree's in both: a change to the appliance (the series reads) is compared
// by running this script in each tree, alternating.
//
// `--cpu-profile FILE`: the page's CPU profile (CDP Profiler) of the 8 panels' first render, all
// panels scrolled to, and of their live phase (FILE with `.live.cpuprofile`), for DevTools or
// scripts/bench/cpu-profile-summary.ts.
//
// `--requests`: the API requests each first render made before its charts in view were drawn, by
// path (server ids as `:id`), how many and how long each took (Resource Timing).
// `--appliance-cpu-prof DIR`: the appliance runs with node's `--cpu-prof` into DIR (written when it
// stops), for scripts/bench/cpu-profile-summary.ts (`--by-caller` counts Node's work for the
// appliance's file that asked for it).
// `--trace FILE`: the Chromium trace (timeline categories and V8's samples) of the 8 panels' first
// render and 1d redraw, to split each long task into script (by function), style, layout and paint:
// scripts/bench/trace-long-tasks.ts.
//
// A benchmark, not a test: it prints figures and asserts nothing.
import { parseArgs } from 'node:util';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import type { Sample } from '../../contract/metrics.js';
import { startAppliance, waitFor, type RunningAppliance } from '../../test/helpers/appliance-harness.js';
import { launchChromium, signedInPage } from '../../test/helpers/chromium.js';
import { connectAgent, enroll, publishMetrics } from '../../test/helpers/mqtt-agent.js';

const { values: args } = parseArgs({ options: {
  'live-seconds': { type: 'string', default: '30' }, servers: { type: 'string', default: '8' }, hours: { type: 'string', default: '6' },
  'baseline-ui': { type: 'string' }, rounds: { type: 'string', default: '2' }, 'cpu-profile': { type: 'string' },
  requests: { type: 'boolean', default: false }, 'appliance-cpu-prof': { type: 'string' }, trace: { type: 'string' },
} });
const LIVE_S = Number(args['live-seconds']);
const SERVERS = Number(args.servers);
const STEP = 5;
const DAY = 86_400;
/** history a server gets, seconds (at most the day the "1d" range shows) */
const HISTORY_S = Math.min(DAY, Math.round(Number(args.hours) * 3600));
/** samples a message: 4 families of ~150 bytes each stay well inside the 256 KiB bound */
const PER_MESSAGE = 1_000;

const cleanups: (() => unknown)[] = [];
const began = performance.now();
/** progress on stderr, so that a run cut short still says how far it got */
function log(what: string): void {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0)} s] ${what}\n`);
}
const owner = { teardown: (fn: () => unknown): void => void cleanups.push(fn) };

function samplesAt(t: number, n: number): Sample[] {
  const wave = 30 + 25 * Math.sin((t / 600) + n);
  return [
    { t, f: 'cpu', v: { user: wave, system: 5, iowait: 1, steal: 0, idle: 100 - wave - 6 } },
    { t, f: 'memory', v: { total: 16e9, used: 6e9 + wave * 1e7, available: 9e9, cached: 2e9, swap_total: 2e9, swap_used: 1e8 } },
    { t, f: 'fs', k: '/', v: { size: 2e11, used: 8e10, avail: 1.1e11, inodes: 1e7, inodes_used: 2e6 } },
    { t, f: 'net', k: 'eth0', v: { rx_bytes: 1e6 * wave, tx_bytes: 4e5 * wave, rx_packets: 1e3, tx_packets: 8e2, rx_errs: 0, tx_errs: 0, rx_drop: 0, tx_drop: 0, colls: 0, up: 1 } },
  ];
}

async function backfill(client: MqttClient, agentId: string, n: number, endS: number): Promise<void> {
  let batch: Sample[] = [];
  for (let t = endS - HISTORY_S + STEP; t <= endS; t += STEP) {
    batch.push(...samplesAt(t, n));
    if (batch.length >= PER_MESSAGE) {
      await publishMetrics(client, agentId, { v: 1, i: STEP, s: batch });
      batch = [];
    }
  }
  if (batch.length) await publishMetrics(client, agentId, { v: 1, i: STEP, s: batch });
}

interface LongTask { start: number; duration: number }
interface Phase { ms: number; longest: number; over50: number }
/**
 * One phase as an operator sees it: `ms` until every chart of the panels in the viewport is drawn
 * with its data, then each further panel scrolled into view in turn (`scrolled`: ms from its
 * scroll to its charts drawn, one figure a panel), and `allMs` until the last of them.
 */
interface SeenPhase extends Phase { scrolled: number[]; allMs: number }

/** Every long task the page has seen, with page-clock times (ms since navigation). */
async function longTasks(page: Page): Promise<LongTask[]> {
  return page.evaluate(() => (window as unknown as { __rwLong: LongTask[] }).__rwLong.slice());
}

function phase(tasks: readonly LongTask[], from: number, to: number): Phase {
  const inside = tasks.filter((x) => x.start >= from && x.start < to);
  return { ms: to - from, longest: Math.max(0, ...inside.map((x) => x.duration)), over50: inside.length };
}

/**
 * Waits until every chart of the chosen panels shows its data, and answers the page clock then.
 * A chart counts as drawn with its data when its canvas holds what it was last given
 * (`data-drawn`, set by the chart scheduler's job once uPlot drew, equals `data-points`, set
 * when the data reached the chart), that is at least `minPoints`, over a range at least
 * `minSpanS` wide (the `1d` phase: a chart still showing the live range does not count).
 * `which`: 'visible' for the panels intersecting the viewport now, or a panel's index.
 */
async function drawnAt(page: Page, panels: number, which: 'visible' | number, minPoints: number, minSpanS: number): Promise<number> {
  const handle = await page.waitForFunction(([n, w, min, span]) => {
    const all = [...document.querySelectorAll('[data-testid=server-panel]')];
    if (all.length !== n) return false;
    // which panels are in the viewport, from an IntersectionObserver: getBoundingClientRect here
    // forced a style and layout of the page in every frame's poll, long tasks of the bench's own
    const page = window as unknown as { __rwInView?: Set<Element>; __rwSeen?: Set<Element>; __rwIo?: IntersectionObserver };
    if (!page.__rwIo) {
      const inView = new Set<Element>();
      const seenOnce = new Set<Element>();
      page.__rwInView = inView;
      page.__rwSeen = seenOnce;
      page.__rwIo = new IntersectionObserver((entries) => {
        for (const e of entries) {
          seenOnce.add(e.target);
          if (e.isIntersecting) inView.add(e.target);
          else inView.delete(e.target);
        }
      });
    }
    for (const p of all) if (!page.__rwSeen?.has(p)) page.__rwIo.observe(p);
    if (w === 'visible' && !all.every((p) => page.__rwSeen?.has(p))) return false;
    const chosen = w === 'visible' ? all.filter((p) => page.__rwInView?.has(p)) : [all[w] as Element];
    const charts = chosen.flatMap((p) => [...p.querySelectorAll('figure.chart')]);
    // a panel whose series read failed (its banner) draws nothing more: say so rather than wait
    const failed = chosen.map((p) => p.querySelector('[data-testid=series-error]')?.textContent).find((x) => x);
    if (failed) return `${performance.now().toFixed(0)} ms: ${failed}`;
    const ok = chosen.length > 0 && charts.length >= chosen.length * 4 && charts.every((c) => {
      const points = Number(c.getAttribute('data-points'));
      return points >= min && Number(c.getAttribute('data-drawn')) === points
        && Number(c.getAttribute('data-to')) - Number(c.getAttribute('data-from')) >= span;
    });
    return ok ? performance.now() : false;
  // generous: on a loaded machine the 1d phase's 32 day reads alone took over a minute
  }, [panels, which, minPoints, minSpanS] as const, { timeout: 300_000, polling: 'raf' });
  const at = (await handle.jsonValue()) as number | string;
  if (typeof at === 'string') throw new Error(`a panel's series read failed at ${at}`);
  return at;
}

/**
 * The phase that began at `from` (page clock): the viewport's panels drawn, then every panel
 * scrolled into view in turn (as an operator scrolling down the dashboard) until it is drawn.
 */
async function seen(page: Page, panels: number, from: number, minPoints: number, minSpanS: number, tasks: () => Promise<LongTask[]>): Promise<SeenPhase> {
  const visibleAt = await drawnAt(page, panels, 'visible', minPoints, minSpanS);
  const scrolled: number[] = [];
  let lastAt = visibleAt;
  if (panels > 1) {
    for (let i = 0; i < panels; i++) {
      const scrolledAt = await page.evaluate((k) => {
        document.querySelectorAll('[data-testid=server-panel]')[k]?.scrollIntoView({ block: 'start' });
        return performance.now();
      }, i);
      lastAt = await drawnAt(page, panels, i, minPoints, minSpanS);
      scrolled.push(lastAt - scrolledAt);
    }
    await page.evaluate(() => scrollTo(0, 0));
  }
  return { ...phase(await tasks(), from, lastAt), ms: visibleAt - from, scrolled, allMs: lastAt - from };
}

/** The 1d phase's least points a chart shows: the history's share of a chart's ~600 px (a fixed 100 outlasted a 6 h history) */
function dayMinPoints(): number {
  return Math.max(10, Math.floor((100 * HISTORY_S) / DAY));
}

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' };

/** The page's own files from `uiDir` (a built dist/webui), everything under /api/ from the appliance. */
async function serveUiFrom(page: Page, uiDir: string): Promise<void> {
  await page.route((url) => !url.pathname.startsWith('/api/'), async (route) => {
    const rel = new URL(route.request().url()).pathname;
    const file = path.join(uiDir, path.extname(rel) ? path.normalize(rel) : 'index.html');
    await route.fulfill({ status: 200, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  });
}

interface Viewed { first: SeenPhase; day: SeenPhase; live: Phase }

async function view(app: RunningAppliance, ids: readonly string[], clients: readonly MqttClient[], browser: Awaited<ReturnType<typeof launchChromium>>, uiDir?: string, cpuProfile?: string): Promise<Viewed> {
  const { page } = await signedInPage(browser, app.url);
  if (uiDir !== undefined) await serveUiFrom(page, uiDir);
  await page.addInitScript(() => {
    const w = window as unknown as { __rwLong: LongTask[] };
    w.__rwLong = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__rwLong.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  // where the first render's time goes: the page's CPU profile through CDP, from navigation to
  // every panel drawn (a .cpuprofile for scripts/bench/cpu-profile-summary.ts or DevTools)
  const cdp = cpuProfile === undefined ? null : await page.context().newCDPSession(page);
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const tasks = (): Promise<LongTask[]> => longTasks(page);
  // the first render's and the 1d redraw's Chromium trace (--trace FILE): what each long task was
  // (script, style, layout, paint), with V8's samples, which name the functions that ran in it
  // (scripts/bench/trace-long-tasks.ts)
  const tracing = args.trace !== undefined && ids.length > 1;
  if (tracing) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'v8.execute', 'disabled-by-default-v8.cpu_profiler'] });
  await page.goto(`${app.url}/#open=${ids.join(',')}`);
  const first = await seen(page, ids.length, 0, 1, 0, tasks);
  if (cdp && cpuProfile !== undefined) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(cpuProfile, JSON.stringify(profile));
    log(`CPU profile of the first render written to ${cpuProfile}`);
  }
  log(`${ids.length} panel(s): first render ${first.ms.toFixed(0)} ms (all ${first.allMs.toFixed(0)} ms); ${await requestTimes(page, first.ms)}`);
  if (args.requests) console.log(`${ids.length} panel(s): the first render's API requests, in view\n${await requestList(page, first.ms)}`);
  // every panel to the last day at once (clicked in the page, so the view stays at the top as an
  // operator's would after the first click): the appliance reads each series' day at the width
  const dayFrom = await page.evaluate(() => {
    for (const b of document.querySelectorAll<HTMLElement>('[data-testid=range-1d]')) b.click();
    return performance.now();
  });
  const day = await seen(page, ids.length, dayFrom, dayMinPoints(), DAY - 600, tasks);
  if (tracing && args.trace !== undefined) {
    writeFileSync(args.trace, await browser.stopTracing());
    log(`trace of the first render and the 1d redraw written to ${args.trace}`);
  }
  log(`${ids.length} panel(s): 1d redraw ${day.ms.toFixed(0)} ms (all ${day.allMs.toFixed(0)} ms)`);
  // live: a sample a second from every server for LIVE_S seconds, the view at the top
  if (cdp) await cdp.send('Profiler.start');
  const liveFrom = await page.evaluate(() => performance.now());
  for (let s = 0; s < LIVE_S; s++) {
    const t = Math.floor(Date.now() / 1000);
    // at the history's 5 s interval though sent every second: with `i: 1` the first view's live
    // samples made each series a second file (1 s step, S2), and the next view's 1d phase then
    // never saw its points drawn (a series across an interval change over a day: not explained yet)
    await Promise.all(ids.map((id, i) => publishMetrics(clients[i] as MqttClient, id, { v: 1, i: STEP, s: samplesAt(t, i) })));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const liveTo = await page.evaluate(() => performance.now());
  if (cdp && cpuProfile !== undefined) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(cpuProfile.replace(/(\.cpuprofile)?$/, '.live.cpuprofile'), JSON.stringify(profile));
    log(`CPU profile of the live phase written beside it (.live.cpuprofile)`);
  }
  log(`${ids.length} panel(s): ${LIVE_S} s of live samples`);
  const live = phase(await tasks(), liveFrom, liveTo);
  await page.context().close();
  return { first, day, live };
}

/**
 * Where the first render's time went on the wire (Resource Timing, page clock): when the page's
 * own scripts had arrived, and the API requests made until `untilMs`: how many, when the last
 * answer ended, each one's time from asking to its answer's end (median, max) and the longest
 * wait for a connection (the browser opens six a host over HTTP/1.1).
 */
async function requestTimes(page: Page, untilMs: number): Promise<string> {
  const r = await page.evaluate((until) => {
    const all = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const api = all.filter((e) => e.name.includes('/api/') && e.startTime < until);
    const scripts = all.filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
    return {
      scriptsAt: Math.max(0, ...scripts.map((e) => e.responseEnd)),
      n: api.length,
      lastAt: Math.max(0, ...api.map((e) => e.responseEnd)),
      took: api.map((e) => e.responseEnd - e.startTime),
      queued: Math.max(0, ...api.map((e) => e.requestStart - e.startTime)),
    };
  }, untilMs);
  return `scripts in by ${r.scriptsAt.toFixed(0)} ms, ${r.n} API requests (last answer ${r.lastAt.toFixed(0)} ms, each ${median(r.took).toFixed(0)} ms median, ${Math.max(0, ...r.took).toFixed(0)} ms max, waited ${r.queued.toFixed(0)} ms at most for a connection)`;
}

/**
 * The API requests made until `untilMs`, by path with server ids and numbers stood for by `:id`:
 * how many, and each one's time from asking to its answer's end (median, max): what a first
 * render asks the appliance for (`--requests`).
 */
async function requestList(page: Page, untilMs: number): Promise<string> {
  const all = await page.evaluate((until) => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .filter((e) => e.name.includes('/api/') && e.startTime < until)
    .map((e) => ({ name: e.name, took: e.responseEnd - e.startTime })), untilMs);
  const byPath = new Map<string, number[]>();
  for (const r of all) {
    const u = new URL(r.name);
    const family = u.searchParams.get('family');
    const what = u.pathname.replace(/\/[0-9a-f-]{12,}|\/\d+(?=\/|$)/g, '/:id') + (family ? ` family=${family}${u.searchParams.has('band') ? ' band' : ''}` : '');
    byPath.set(what, [...(byPath.get(what) ?? []), r.took]);
  }
  return [...byPath.entries()].sort((a, b) => b[1].length - a[1].length)
    .map(([what, took]) => `  ${String(took.length).padStart(3)} × ${what} (${median(took).toFixed(0)} ms median, ${Math.max(...took).toFixed(0)} ms max)`).join('\n');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function seenText(p: SeenPhase): string {
  const scroll = p.scrolled.length === 0 ? '' : `, all ${p.allMs.toFixed(0)} ms with each panel scrolled to (drawn ${median(p.scrolled).toFixed(0)} ms median, ${Math.max(...p.scrolled).toFixed(0)} ms max after its scroll)`;
  return `${p.ms.toFixed(0).padStart(5)} ms in view${scroll} (longest task ${p.longest.toFixed(0)} ms, ${p.over50} over 50 ms)`;
}

function line(name: string, p: Viewed): string {
  return `${name.padEnd(10)} first render ${seenText(p.first)}\n${' '.repeat(11)}1d redraw    ${seenText(p.day)}\n`
    + `${' '.repeat(11)}live ${LIVE_S} s: longest task ${p.live.longest.toFixed(0)} ms, ${p.live.over50} over 50 ms`;
}

function targets(all: Viewed): string {
  const over = all.first.over50 + all.day.over50 + all.live.over50;
  return `targets: first render < 1500 ms (charts in view): ${all.first.ms < 1500 ? 'met' : 'MISSED'}; no task over 50 ms (all phases): ${over === 0 ? 'met' : `MISSED (${over})`}; `
    + `no task over 50 ms while live: ${all.live.over50 === 0 ? 'met' : 'MISSED'}`;
}

async function main(): Promise<void> {
  const profDir = args['appliance-cpu-prof'];
  const app = await startAppliance(owner, profDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', path.resolve(profDir)] });
  const ids: string[] = [];
  const clients: MqttClient[] = [];
  const endS = Math.floor(Date.now() / 1000 / STEP) * STEP - STEP;
  const t0 = performance.now();
  for (let n = 0; n < SERVERS; n++) {
    const id = await enroll(app, `bench-${String(n + 1).padStart(2, '0')}`);
    ids.push(id.agentId);
    const client = await connectAgent(owner, app, id);
    clients.push(client);
    await backfill(client, id.agentId, n, endS);
    log(`server ${n + 1} of ${SERVERS} sent its ${HISTORY_S / STEP} points a series`);
  }
  console.log(`stored ${SERVERS} servers × 4 series × ${HISTORY_S / STEP} points (5 s, ${HISTORY_S / 3600} h) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rows = HISTORY_S / STEP;
  await waitFor('the last server\'s history readable', async () => {
    const r = await app.api<{ data: [number[], ...(number | null)[][]] }>(`/api/v1/agents/${ids[ids.length - 1]}/series?family=cpu&from=${endS - HISTORY_S}&to=${endS}&points=2000`);
    // downsampled to at most 2,000 points: three quarters of them with data
    return (r.data[1]?.filter((v) => v !== null).length ?? 0) > 0.75 * (rows / Math.ceil(rows / 2000)) || undefined;
  }, { timeoutMs: 300_000 });
  log('the history is readable');

  // the appliance's side of the 1d redraw: the day's four series of the first server, read as a
  // panel reads them (the last day, points ≈ a chart's width), the first time (rrdcached writes the
  // file's cached updates before FETCH) and again
  for (const round of ['first read', 'again']) {
    const r0 = performance.now();
    const answers = await Promise.all([['cpu'], ['memory'], ['fs', '/'], ['net', 'eth0']].map(([family, key]) => app.api<{ step: number; data: number[][] }>(
      `/api/v1/agents/${ids[0]}/series?family=${family}${key ? `&key=${encodeURIComponent(key)}` : ''}&from=${endS - DAY}&to=${endS}&points=600`)));
    const shape = answers.map((a) => `${a.data[0]?.length ?? 0} points of ${a.step} s`).join(', ');
    console.log(`the 4 series of one server over the last day (${round}): ${(performance.now() - r0).toFixed(0)} ms (${shape})`);
  }

  const browser = await launchChromium(owner);
  log('Chromium started');
  const baseline = args['baseline-ui'];
  if (baseline !== undefined) {
    // this build's UI as it is now: a later `npm run build` during the run does not change it
    const current = mkdtempSync(path.join(tmpdir(), 'rw-ui-bench-'));
    cpSync(path.join(import.meta.dirname, '../../dist/webui'), current, { recursive: true });
    await view(app, ids.slice(0, 1), clients.slice(0, 1), browser, current);
    for (let r = 1; r <= Number(args.rounds); r++) {
      for (const [name, dir] of [['baseline', baseline], ['current', current]] as const) {
        const one = await view(app, ids.slice(0, 1), clients.slice(0, 1), browser, dir);
        const all = await view(app, ids, clients, browser, dir);
        console.log(`round ${r} ${name}`);
        console.log(line('1 panel', one));
        console.log(line(`${SERVERS} panels`, all));
        console.log(targets(all));
      }
    }
    return;
  }
  // warm: the bundle in the HTTP cache of nothing (a fresh context each run), the appliance's code compiled
  await view(app, ids.slice(0, 1), clients.slice(0, 1), browser);
  const one = await view(app, ids.slice(0, 1), clients.slice(0, 1), browser);
  console.log(line('1 panel', one));
  const all = await view(app, ids, clients, browser, undefined, args['cpu-profile']).catch((e: unknown) => {
    console.log(`${SERVERS} panels   ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return null;
  });
  if (all === null) return;
  console.log(line(`${SERVERS} panels`, all));
  console.log(`ratio ${SERVERS} panels / 1 panel: first render in view ×${(all.first.ms / one.first.ms).toFixed(2)}, 1d redraw in view ×${(all.day.ms / one.day.ms).toFixed(2)}`);
  console.log(targets(all));
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
