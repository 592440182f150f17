// What each long main-thread task of a page was (S9, S14), from a Chromium trace written by
// `scripts/bench/ui.ts --trace FILE`: every task of the page's renderer main thread over
// `--min-ms` (50: the `longtask` threshold), when it began (ms since the page's navigation, the
// bench's clock), what it ran at its top level (a timer, an animation frame, a message, script
// evaluation, style, layout, paint, with their times), its own CPU time, and, when the trace holds V8's samples
// (the bench asks for them), the JavaScript functions that ran in it, by self time, mapped through
// the UI build's source maps to their source files. Not a test.
//
//   node scripts/bench/run.mjs scripts/bench/trace-long-tasks.ts <trace.json> [--min-ms 50] [--ui-dir dist/webui] [--top 8] [--by-caller] [--cpu]
//
// --cpu: tasks chosen by the thread's CPU time in them rather than their wall time: on a loaded
//   machine the wall time holds the waits for a core, and the CPU time is the task's own length
// --by-caller: each sample counted for the innermost of the UI's own functions (webui/src/) on its
// stack, so that Preact's, uPlot's and the browser's work counts for the component that asked for it
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: { name?: string; data?: Record<string, unknown> };
}
interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ChunkNode { id: number; callFrame: CallFrame; parent?: number }

const { values: args, positionals } = parseArgs({
  options: { 'min-ms': { type: 'string', default: '50' }, 'ui-dir': { type: 'string', default: 'dist/webui' }, top: { type: 'string', default: '8' }, 'by-caller': { type: 'boolean', default: false }, cpu: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: trace-long-tasks.ts <trace.json> [--min-ms 50] [--ui-dir dist/webui] [--top 8]\n');
  process.exit(2);
}
const MIN_US = Number(args['min-ms']) * 1000;
const TOP = Number(args.top);
const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : raw.traceEvents;

// the page's main thread: the renderer main thread that ran the most tasks
const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
const taskCount = new Map<string, number>();
for (const e of events) {
  const k = `${e.pid}:${e.tid}`;
  if (e.name === 'RunTask' && mains.has(k)) taskCount.set(k, (taskCount.get(k) ?? 0) + 1);
}
const main = [...taskCount].sort((a, b) => b[1] - a[1])[0]?.[0];
if (!main) throw new Error('no renderer main thread with RunTask events in the trace');
const onMain = events.filter((e) => `${e.pid}:${e.tid}` === main).sort((a, b) => a.ts - b.ts);
// the page's own navigations (a document's URL): an iframe's or an empty document's have none
const navigation = events
  .filter((e) => e.name === 'navigationStart' && `${e.pid}:${e.tid}` === main && typeof e.args?.data?.documentLoaderURL === 'string' && e.args.data.documentLoaderURL !== '')
  .map((e) => e.ts);
/** the bench's clock: ms since the page's last navigation before `ts` */
const pageMs = (ts: number): string => {
  const nav = navigation.filter((n) => n <= ts).pop();
  return nav === undefined ? `ts ${(ts / 1000).toFixed(0)}` : `${((ts - nav) / 1000).toFixed(0)} ms`;
};

// V8's samples (category disabled-by-default-v8.cpu_profiler), on any thread of the page's process
const samples: { ts: number; node: ChunkNode; profile: string }[] = [];
const nodes = new Map<string, ChunkNode>();
const clock = new Map<string, number>();
const pid = Number(main.split(':')[0]);
for (const e of events) {
  if (e.pid !== pid || e.ph !== 'P') continue;
  const data = e.args?.data as { startTime?: number; cpuProfile?: { nodes?: ChunkNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined;
  const key = String(e.id);
  if (e.name === 'Profile' && data?.startTime !== undefined) clock.set(key, data.startTime);
  if (e.name !== 'ProfileChunk' || !data) continue;
  for (const n of data.cpuProfile?.nodes ?? []) nodes.set(`${key}:${n.id}`, n);
  let at = clock.get(key) ?? e.ts;
  (data.cpuProfile?.samples ?? []).forEach((id, i) => {
    at += data.timeDeltas?.[i] ?? 0;
    const node = nodes.get(`${key}:${id}`);
    if (node) samples.push({ ts: at, node, profile: key });
  });
  clock.set(key, at);
}
samples.sort((a, b) => a.ts - b.ts);

const maps = new Map<string, SourceMap | null>();
function mapFor(url: string): SourceMap | null {
  if (!maps.has(url)) {
    let map: SourceMap | null = null;
    try {
      const js = path.join(args['ui-dir'], new URL(url).pathname);
      if (existsSync(`${js}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${js}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return maps.get(url) ?? null;
}
function where(f: CallFrame): string {
  if (!f.url) return f.functionName || '(program)';
  const found = mapFor(f.url)?.findEntry(f.lineNumber, f.columnNumber);
  // an empty object where the map has no entry for the place
  const entry = found && 'originalSource' in found ? found : undefined;
  if (!entry?.originalSource) return `${path.basename(f.url)} ${f.functionName || '(anonymous)'}`;
  const source = entry.originalSource.replace(/^.*node_modules\//, 'node_modules/').replace(/^.*\/webui\/src\//, 'webui/src/').replace(/^(\.\.\/)+/, '');
  return `${source}:${(entry.originalLine ?? 0) + 1} ${f.functionName || '(anonymous)'}`;
}

/** a sample's place: its own function, or with --by-caller the innermost of the UI's own on its stack */
function keyOf(node: ChunkNode, profile: string): string {
  const own = where(node.callFrame);
  if (!args['by-caller'] || own.startsWith('webui/src/')) return own;
  for (let id = node.parent; id !== undefined;) {
    const up = nodes.get(`${profile}:${id}`);
    if (!up) break;
    const at = where(up.callFrame);
    if (at.startsWith('webui/src/')) return at;
    id = up.parent;
  }
  return own;
}

/** A top-level event's label: what script or which rendering step it was. */
function label(e: TraceEvent): string {
  const d = e.args?.data ?? {};
  const fn = typeof d.functionName === 'string' && d.functionName ? ` ${d.functionName}` : '';
  const url = typeof d.url === 'string' && d.url ? ` ${path.basename(d.url)}` : '';
  return `${e.name}${fn}${url}`;
}

/** a task's length as chosen: its wall time, or with --cpu the thread's CPU time in it */
const lengthOf = (e: TraceEvent): number => (args.cpu ? ((e as TraceEvent & { tdur?: number }).tdur ?? 0) : (e.dur ?? 0));
const tasks = onMain.filter((e) => e.name === 'RunTask' && e.ph === 'X' && lengthOf(e) >= MIN_US);
const longestCpu = Math.max(0, ...onMain.filter((e) => e.name === 'RunTask').map((e) => (e as TraceEvent & { tdur?: number }).tdur ?? 0));
process.stdout.write(`${file}: ${tasks.length} task(s) of ${args['min-ms']} ms or more ${args.cpu ? 'on the CPU' : ''} on the page's main thread (the most CPU in one task: ${(longestCpu / 1000).toFixed(1)} ms); ${samples.length} V8 samples in the trace\n`);
for (const task of tasks) {
  const end = task.ts + (task.dur ?? 0);
  // the thread's own CPU time in it: on a loaded machine the wall time also holds the waits for a core
  const cpu = (task as TraceEvent & { tdur?: number }).tdur;
  process.stdout.write(`\ntask at ${pageMs(task.ts)}: ${((task.dur ?? 0) / 1000).toFixed(1)} ms${cpu === undefined ? '' : ` (${(cpu / 1000).toFixed(1)} ms on the CPU)`}\n`);
  // its children one level down: the events inside it that no other event inside it contains
  const inside = onMain.filter((e) => e !== task && e.ph === 'X' && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end);
  let coveredTo = -1;
  const top: TraceEvent[] = [];
  for (const e of inside) {
    if (e.ts < coveredTo) continue;
    top.push(e);
    coveredTo = e.ts + (e.dur ?? 0);
  }
  const byLabel = new Map<string, { us: number; n: number }>();
  for (const e of top) {
    const k = label(e);
    const x = byLabel.get(k) ?? { us: 0, n: 0 };
    x.us += e.dur ?? 0;
    x.n++;
    byLabel.set(k, x);
  }
  for (const [k, x] of [...byLabel].sort((a, b) => b[1].us - a[1].us).slice(0, TOP)) {
    process.stdout.write(`  ${(x.us / 1000).toFixed(1).padStart(6)} ms  ${x.n > 1 ? `${x.n} × ` : ''}${k}\n`);
  }
  // the JavaScript in it, self time by function (a sample stands for the time to the next one)
  const self = new Map<string, number>();
  const inTask = samples.filter((s) => s.ts >= task.ts && s.ts < end);
  inTask.forEach((s, i) => {
    const next = inTask[i + 1]?.ts ?? end;
    const k = keyOf(s.node, s.profile);
    self.set(k, (self.get(k) ?? 0) + (next - s.ts));
  });
  if (self.size > 0) {
    process.stdout.write('  JavaScript by self time:\n');
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) process.stdout.write(`  ${(us / 1000).toFixed(1).padStart(6)} ms  ${k}\n`);
  }
}
