// A web log followed on the agent (S11) on real files: lines already there are not a backlog;
// rename-and-create, copytruncate and a log that appears later; a restart in between, including
// one across a rotation whose old file logrotate compressed (`.1.gz`); malformed and over-long
// lines counted and sampled, never fatal; a path that cannot be read is named as the problem.
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import type { LogPositions } from '../../../agent/checks/check-runners.js';
import type { LogPosition } from '../../../agent/checks/log-follower.js';
import { LogPositionStore } from '../../../agent/checks/log-positions.js';
import { WeblogTail, type WeblogSourceSpec } from '../../../agent/weblog/weblog-tail.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

const log = silentLogger;

/** a Combined line whose URL says which line it is */
const line = (n: number, status = 200): string => `203.0.113.${n % 250} - - [05/Dec/2026:10:00:00 +0900] "GET /page/${n} HTTP/1.1" ${status} ${100 + n} "-" "curl/8.5.0"\n`;
const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');

class MemoryPositions implements LogPositions {
  readonly map = new Map<string, LogPosition | null>();
  get(id: string, file: string): LogPosition | null {
    return this.map.get(`${id} ${file}`) ?? null;
  }
  set(id: string, file: string, position: LogPosition | null): void {
    this.map.set(`${id} ${file}`, position);
  }
}

async function tail(t: Test, file: string, positions: LogPositions, spec: Partial<WeblogSourceSpec> = {}): Promise<WeblogTail> {
  const w = new WeblogTail({ id: 'src1', path: file, format: 'combined', ...spec }, { positions, log });
  t.teardown(() => w.close());
  await w.start();
  return w;
}

/** polls until nothing is left, then the URLs counted in the interval (/page/N → N; the top 20 are sent) */
function drain(w: WeblogTail): { pages: number[]; requests: number; malformed: number; cut: number; samples: string[]; problem: string | null } {
  while (w.poll());
  const out = w.flush(0, 10);
  const pages = out.top.url.flatMap((e) => Array.from({ length: e.count }, () => Number(e.key.split('/')[2]))).sort((a, b) => a - b);
  return { pages, requests: out.requests, malformed: out.malformed, cut: out.cut, samples: out.samples, problem: out.problem };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

void t.test('lines already there are not counted; new ones once each', async (t) => {
  const file = path.join(tempDir(t), 'access.log');
  writeFileSync(file, lines(1, 50));
  const w = await tail(t, file, new MemoryPositions());
  t.same(drain(w).requests, 0, 'a log that is there is followed from its end');
  appendFileSync(file, lines(51, 60));
  t.same(drain(w).pages, range(51, 60));
  t.same(drain(w).requests, 0, 'nothing twice');
});

void t.test('rename-and-create and copytruncate while running: every line once', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'access.log');
  writeFileSync(file, '');
  const w = await tail(t, file, new MemoryPositions());
  appendFileSync(file, lines(1, 5));
  t.same(drain(w).pages, range(1, 5));
  // logrotate's default: rename, the server writes a last few lines to the old file, then a new one
  appendFileSync(file, lines(6, 8));
  renameSync(file, `${file}.1`);
  appendFileSync(`${file}.1`, lines(9, 10));
  writeFileSync(file, lines(11, 13));
  t.same(drain(w).pages, range(6, 13), 'the rest of the old file, then the new one from its start');
  // copytruncate: the same inode shrinks
  appendFileSync(file, lines(14, 15));
  t.same(drain(w).pages, [14, 15]);
  copyFileSync(file, `${file}.2`);
  truncateSync(file, 0);
  appendFileSync(file, lines(16, 18));
  t.same(drain(w).pages, [16, 17, 18], 'read again from 0 after the truncation');
});

/** An agent that follows `file` from empty, counts `written` lines, saves its positions and stops. */
async function followThenStop(t: Test, file: string, state: string, from: number, to: number, id = 'src1'): Promise<void> {
  writeFileSync(file, '');
  const store = new LogPositionStore(state, log, 'weblog-positions.json');
  const w = await tail(t, file, store, { id });
  appendFileSync(file, lines(from, to));
  t.same(drain(w).pages, range(from, to), 'counted while running');
  store.save();
  w.close();
}

function stateDir(dir: string): string {
  const state = path.join(dir, 'state');
  mkdirSync(state, { recursive: true });
  return state;
}

void t.test('a restart reads on from the saved position: no line twice, none skipped', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'access.log');
  const state = stateDir(dir);
  await followThenStop(t, file, state, 1, 20);
  appendFileSync(file, lines(21, 25));
  const w2 = await tail(t, file, new LogPositionStore(state, log, 'weblog-positions.json'));
  t.same(drain(w2).pages, range(21, 25), 'lines written while stopped are read, the old ones are not');
  t.match(JSON.parse(readFileSync(path.join(state, 'weblog-positions.json'), 'utf8')), { src1: { position: { head: /^[0-9a-f]{64}$/ } } }, 'the file\'s fingerprint is kept with its position');
});

void t.test('stopped across a rotation whose old file was compressed: the rest is read from .1.gz', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'access.log');
  const state = stateDir(dir);
  await followThenStop(t, file, state, 1, 12);
  // while the agent is stopped: 4 more lines, then logrotate with `compress` (no delaycompress)
  appendFileSync(file, lines(13, 16));
  writeFileSync(`${file}.1.gz`, gzipSync(readFileSync(file)));
  rmSync(file);
  writeFileSync(file, lines(17, 18));
  const w2 = await tail(t, file, new LogPositionStore(state, log, 'weblog-positions.json'));
  t.same(drain(w2).pages, range(13, 18), 'the 4 lines after the saved position from the .gz, then the new file from its start');

  // a .1.gz that is another file (not the one followed) is not read
  const other = path.join(dir, 'other.log');
  await followThenStop(t, other, state, 100, 110, 'src2');
  writeFileSync(`${other}.1.gz`, gzipSync(Buffer.from(lines(500, 520))));
  rmSync(other);
  writeFileSync(other, lines(111, 112));
  const w4 = await tail(t, other, new LogPositionStore(state, log, 'weblog-positions.json'), { id: 'src2' });
  t.same(drain(w4).pages, [111, 112], 'a compressed file with another start is left alone');
});

void t.test('a log that appears later is read from its start; one that cannot be read says why', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'later.log');
  const w = await tail(t, file, new MemoryPositions());
  t.match(drain(w).problem, /does not exist/);
  writeFileSync(file, lines(1, 3));
  const after = drain(w);
  t.same(after.pages, [1, 2, 3]);
  t.equal(after.problem, null);
  const asDir = path.join(dir, 'a-directory');
  mkdirSync(asDir);
  const bad = await tail(t, asDir, new MemoryPositions(), { id: 'src3', fromStart: true });
  t.match(drain(bad).problem, /^cannot read .*a-directory: EISDIR/, 'the reason, not a crash');
});

void t.test('malformed and over-long lines are counted and sampled, never fatal', async (t) => {
  const file = path.join(tempDir(t), 'access.log');
  writeFileSync(file, '');
  const w = await tail(t, file, new MemoryPositions());
  const huge = `203.0.113.1 - - [05/Dec/2026:10:00:00 +0900] "GET /page/7?${'x'.repeat(70 * 1024)} HTTP/1.1" 200 1 "-" "curl/8.5.0"\n`;
  appendFileSync(file, `${line(1)}garbage one\n${huge}\u0000\u0001binary\n${line(2)}garbage two\ngarbage three\ngarbage four\n`);
  const out = drain(w);
  t.same(out.pages, [1, 2], 'good lines around the bad ones count');
  t.equal(out.cut, 1, 'the 70 KiB line is cut at 64 KiB and counted');
  t.equal(out.malformed, 6, 'the cut line no longer matches the format: malformed too');
  t.equal(out.samples.length, 3, 'the first three are kept for the UI');
  t.equal(out.samples[0], 'garbage one');
  t.ok(out.samples.every((s) => s.length <= 300), 'samples are cut');
});
