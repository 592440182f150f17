// The web-log benchmark (S11; docs/benchmarks.md, "Web-log analysis"): on one generated
// 1,000,000-line Combined log, Debian's GoAccess and rackwatch's parser + aggregate, in the same
// run. Prints lines/s of each and their ratio (target ≥ 8× GoAccess's), the totals of both side by
// side (they must agree), and the aggregate's size per interval (what travels on the wire).
//
//   node scripts/bench/run.mjs scripts/bench/weblog.ts [--lines 1000000]
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { LogFollower } from '../../agent/checks/log-follower.js';
import { WeblogAggregator } from '../../agent/weblog/weblog-aggregator.js';
import { WEBLOG_LIMITS, type WeblogInterval } from '../../contract/weblog.js';
import { compileLogFormat, emptyRecord, LogParser } from '../../core/weblog/log-format.js';
import { emptyTruth, generateCombinedLog } from '../weblog-generator.js';

const argLines = process.argv.indexOf('--lines');
const LINES = argLines > 0 ? Number(process.argv[argLines + 1]) : 1_000_000;
/** an interval's lines at 10,000 lines/s and the default 10 s interval */
const LINES_PER_INTERVAL = 100_000;

async function writeLog(file: string): Promise<ReturnType<typeof emptyTruth>> {
  const truth = emptyTruth();
  const out = createWriteStream(file);
  let chunk: string[] = [];
  for (const line of generateCombinedLog({ lines: LINES }, truth)) {
    chunk.push(line);
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return truth;
}

interface GoaccessRun {
  wallS: number;
  cpuS: number;
  requests: number;
  bandwidth: number;
  statusCounts: Record<string, number>;
}

function runGoaccess(file: string, dir: string): GoaccessRun | string {
  const report = path.join(dir, 'goaccess.json');
  const started = process.hrtime.bigint();
  // `times` prints the shell's and then its children's user and system time
  const r = spawnSync('bash', ['-c', 'goaccess "$1" --log-format=COMBINED --no-global-config --no-progress -o "$2" >/dev/null 2>&1; echo "exit $?"; times', '_', file, report], { encoding: 'utf8' });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const out = r.stdout.trim().split('\n');
  if (out[0] !== 'exit 0') return `goaccess failed (${out[0] ?? r.error?.message ?? 'no output'}); install it with scripts/setup.sh --bench`;
  const seconds = (text: string): number => {
    const m = /(\d+)m([\d.]+)s/.exec(text);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  const [user, sys] = (out[2] ?? '').split(/\s+/);
  const json = JSON.parse(readFileSync(report, 'utf8')) as {
    general: { total_requests: number; bandwidth: number };
    status_codes: { data: { items?: { data: string; hits: { count: number } }[] }[] };
  };
  const statusCounts: Record<string, number> = {};
  for (const group of json.status_codes.data) for (const item of group.items ?? []) statusCounts[item.data.slice(0, 3)] = item.hits.count;
  return { wallS, cpuS: seconds(user ?? '') + seconds(sys ?? ''), requests: json.general.total_requests, bandwidth: json.general.bandwidth, statusCounts };
}

interface OwnRun {
  wallS: number;
  cpuS: number;
  requests: number;
  bytes: number;
  statusCounts: Record<string, number>;
  intervals: WeblogInterval[];
}

function runOwn(file: string): OwnRun {
  const parser = new LogParser(compileLogFormat('combined'));
  const aggregator = new WeblogAggregator({ source: 'bench' });
  const follower = new LogFollower({ path: file, fromStart: true, maxBytesPerPoll: 8 * 1024 * 1024, maxLineBytes: WEBLOG_LIMITS.maxLineBytes });
  const record = emptyRecord();
  const intervals: WeblogInterval[] = [];
  let inInterval = 0;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (;;) {
    const poll = follower.poll();
    for (const line of poll.lines) {
      if (parser.parse(line, record) === 'ok') aggregator.add(record);
      else aggregator.addMalformed(line);
      if (++inInterval === LINES_PER_INTERVAL) {
        intervals.push(aggregator.flush(intervals.length * 10, 10));
        inInterval = 0;
      }
    }
    if (!poll.more) break;
  }
  if (inInterval > 0) intervals.push(aggregator.flush(intervals.length * 10, 10));
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  follower.close();
  const statusCounts: Record<string, number> = {};
  for (const i of intervals) for (const [code, n] of Object.entries(i.codes)) statusCounts[code] = (statusCounts[code] ?? 0) + n;
  return {
    wallS, cpuS: (cpu.user + cpu.system) / 1e6, intervals, statusCounts,
    requests: intervals.reduce((s, i) => s + i.requests, 0), bytes: intervals.reduce((s, i) => s + i.bytes, 0),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-weblog-bench-'));
  try {
    const file = path.join(dir, 'access.log');
    const truth = await writeLog(file);
    process.stdout.write(`web-log benchmark — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`log: ${LINES.toLocaleString('en')} generated Combined lines, ${(readFileSync(file).length / 1e6).toFixed(0)} MB\n\n`);
    const goaccess = runGoaccess(file, dir);
    // twice, the first warms the JIT and the page cache like GoAccess's run warmed the cache
    runOwn(file);
    const own = runOwn(file);
    const rows: string[][] = [['', 'wall s', 'CPU s', 'lines/s (CPU)', 'requests', 'bytes']];
    if (typeof goaccess !== 'string') rows.push(['goaccess 1.7 (--log-format=COMBINED)', goaccess.wallS.toFixed(2), goaccess.cpuS.toFixed(2), Math.round(LINES / goaccess.cpuS).toLocaleString('en'), String(goaccess.requests), String(goaccess.bandwidth)]);
    rows.push(['rackwatch parser + aggregate', own.wallS.toFixed(2), own.cpuS.toFixed(2), Math.round(LINES / own.cpuS).toLocaleString('en'), String(own.requests), String(own.bytes)]);
    rows.push(['generator (truth)', '', '', '', String(truth.lines), String(truth.bytes)]);
    for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
    process.stdout.write('\n');
    if (typeof goaccess === 'string') {
      process.stdout.write(`${goaccess}\n`);
    } else {
      const ratio = goaccess.cpuS / own.cpuS;
      process.stdout.write(`lines/s ratio (CPU time): ${ratio.toFixed(2)}× goaccess (target ≥ 8×: ${ratio >= 8 ? 'met' : 'NOT MET'})\n`);
      const agree = goaccess.requests === own.requests && goaccess.bandwidth === own.bytes && JSON.stringify(sorted(goaccess.statusCounts)) === JSON.stringify(sorted(own.statusCounts));
      process.stdout.write(`totals agree with goaccess (requests, bytes, every status code): ${agree ? 'yes' : `NO: goaccess ${JSON.stringify(sorted(goaccess.statusCounts))}, rackwatch ${JSON.stringify(sorted(own.statusCounts))}`}\n`);
    }
    const sizes = own.intervals.map((i) => Buffer.byteLength(JSON.stringify(i)));
    process.stdout.write(`aggregate per 10 s interval of ${LINES_PER_INTERVAL.toLocaleString('en')} lines: ${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)} bytes of JSON on average (max ${Math.max(...sizes)}), against ${Math.round(readFileSync(file).length / own.intervals.length)} bytes of raw log\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sorted(o: Record<string, number>): [string, number][] {
  return Object.entries(o).sort((a, b) => a[0].localeCompare(b[0]));
}

await main();
