// The floor under the agent's web-log CPU (S11, B6; docs/benchmarks.md, "The agent following two
// web logs"): in one process with V8's optimizing compiler off as in the agent (agent/main.ts), the
// CPU a line costs at each step of the agent's path over one generated Combined log, read in the
// agent's 512 KiB slices, as % of one core at 10,000 lines/s:
//   1. the bytes read and their lines counted (Buffer.indexOf), no string;
//   2. the log follower decoding the lines into strings, a run of lines at a time, as the agent's
//      web logs do (agent/checks/log-follower.ts, onText), and each line's end found;
//   3. and each line parsed, along each run (core/weblog/log-format.ts, LogParser.parseText);
//   4. the whole WeblogTail: parsed and aggregated, settled a slice, flushed every 100,000 lines.
// Each step runs --runs times, the least CPU kept (the machine is shared). Not a test.
//
//   node scripts/bench/run.mjs scripts/bench/weblog-floor.ts [--lines 300000] [--runs 3]
import { appendFileSync, closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { LogFollower } from '../../agent/checks/log-follower.js';
import { WEBLOG_BYTES_PER_SLICE } from '../../agent/weblog/weblog-sources.js';
import { WeblogTail } from '../../agent/weblog/weblog-tail.js';
import { WEBLOG_LIMITS } from '../../contract/weblog.js';
import { silentLogger } from '../../core/logger.js';
import { compileLogFormat, emptyRecord, LogParser } from '../../core/weblog/log-format.js';
import { emptyTruth, generateCombinedLog } from '../weblog-generator.js';

v8.setFlagsFromString('--no-opt'); // as the agent, before anything runs hot

const { values: args } = parseArgs({ options: { lines: { type: 'string', default: '300000' }, runs: { type: 'string', default: '3' } } });
const lines = Number(args.lines);
const runs = Number(args.runs);
if (!Number.isInteger(lines) || lines < 1000 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('weblog-floor: --lines ≥ 1000, --runs ≥ 1\n');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-weblog-floor-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'access.log');
writeFileSync(file, '');
let batch: string[] = [];
for (const line of generateCombinedLog({ lines, linesPerSecond: 10_000 }, emptyTruth())) {
  batch.push(line);
  if (batch.length === 10_000) {
    appendFileSync(file, batch.join('\n') + '\n');
    batch = [];
  }
}
if (batch.length > 0) appendFileSync(file, batch.join('\n') + '\n');
batch = [];

/** CPU µs a line of `step` (it returns the lines it saw), the least of `runs` */
function measure(step: () => number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    const seen = step();
    const cpu = process.cpuUsage(before);
    if (seen !== lines) throw new Error(`a step saw ${seen} lines of ${lines}`);
    best = Math.min(best, (cpu.user + cpu.system) / seen);
  }
  return best;
}

function bytesOnly(): number {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let offset = 0;
  let n = 0;
  for (;;) {
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    if (read === 0) break;
    offset += read;
    const chunk = buffer.subarray(0, read);
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  closeSync(fd);
  return n;
}

function follow(onText: (text: string) => void): void {
  const follower = new LogFollower({ path: file, fromStart: true, maxBytesPerPoll: WEBLOG_BYTES_PER_SLICE, maxLineBytes: WEBLOG_LIMITS.maxLineBytes, onText });
  while (follower.poll().more);
  follower.close();
}

function decoded(): number {
  let n = 0;
  follow((text) => {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  });
  return n;
}

function parsed(): number {
  const parser = new LogParser(compileLogFormat('combined'));
  const record = emptyRecord();
  let n = 0;
  const sink = { add: (): void => void n++, addMalformed: (): void => undefined };
  follow((text) => parser.parseText(text, record, sink));
  return n;
}

function aggregated(): number {
  const tail = new WeblogTail({ id: 'floor', path: file, format: 'combined', fromStart: true }, {
    positions: { get: () => null, set: () => undefined }, log: silentLogger, maxBytesPerPoll: WEBLOG_BYTES_PER_SLICE,
  });
  let n = 0;
  let polls = 0;
  void tail.start();
  // start() polled once already; 100,000 lines are ~40 slices of 512 KiB
  for (let more = true; more; polls++) {
    more = tail.poll();
    if (polls % 40 === 39) n += tail.flush(0, 10).requests;
  }
  n += tail.flush(0, 10).requests;
  tail.close();
  return n;
}

const steps: [string, () => number][] = [
  ['1. bytes read, lines counted', bytesOnly],
  ['2. + lines decoded (runs)', decoded],
  ['3. + each line parsed', parsed],
  ['4. + aggregated (WeblogTail)', aggregated],
];
process.stdout.write(`web-log floor — ${new Date().toISOString()}, Node ${process.version}, --no-opt, ${lines.toLocaleString('en')} Combined lines, least of ${runs} runs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
for (const [name, step] of steps) {
  const us = measure(step); // 1 µs a line at 10,000 lines/s is 10 ms a second, 1 % of a core
  process.stdout.write(`${name.padEnd(32)} ${us.toFixed(2).padStart(6)} µs a line = ${us.toFixed(2).padStart(5)} % of one core at 10,000 lines/s\n`);
}
process.stdout.write(`load after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
