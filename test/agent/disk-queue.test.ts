// The agent's disk queue (S2, S3, S15): batches come out in the order they went in, leave only when
// acknowledged, survive a restart and a crash in the middle of an append, and the bounds drop the
// oldest first, counted.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { MetricsBatch } from '../../contract/metrics.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { DiskQueue, type DiskQueueDeps } from '../../agent/disk-queue.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = 1_700_000_000;
const batch = (t: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t, f: 'load', v: { load1: 1, load5: 0, load15: 0 } }] });
const timeOf = (payload: string): number => (JSON.parse(payload) as MetricsBatch).s[0]?.t ?? -1;

function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (msg) => { warnings.push(msg); }, child: () => log };
  return { log, warnings };
}

function open(t: Test, dir: string, overrides: Partial<DiskQueueDeps> = {}): DiskQueue {
  const queue = new DiskQueue({
    dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: new VirtualClock(T0 * 1000), log: silentLogger, ...overrides,
  });
  t.teardown(() => queue.close());
  return queue;
}

/** Takes everything out, acknowledging each: the times in the order they came. */
function drain(queue: DiskQueue): number[] {
  const out: number[] = [];
  for (let next = queue.peek(); next; next = queue.peek()) {
    out.push(timeOf(next.payload));
    queue.ack(next.id);
  }
  return out;
}

void t.test('batches come out in the order they went in, and leave only when acknowledged', (t) => {
  const queue = open(t, tempDir(t));
  t.equal(queue.peek(), null, 'empty');
  for (let n = 0; n < 5; n++) queue.append(batch(T0 + 5 * n));
  t.equal(queue.waiting, 5);
  const first = queue.peek();
  t.equal(timeOf(first?.payload ?? ''), T0);
  t.equal(first?.t, T0, 'the batch time is kept beside it');
  t.same(queue.peek(), first, 'the same batch until it is acknowledged');
  queue.ack(first?.id ?? { seq: 0, index: 0 });
  t.equal(queue.waiting, 4);
  t.same(drain(queue), [T0 + 5, T0 + 10, T0 + 15, T0 + 20]);
  t.equal(queue.peek(), null);
  queue.append(batch(T0 + 25));
  t.same(drain(queue), [T0 + 25], 'live data after the backlog: simply the tail');
  t.end();
});

void t.test('a restart keeps what was not acknowledged, in order; what was is gone', (t) => {
  const dir = tempDir(t);
  const first = new DiskQueue({ dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: new VirtualClock(T0 * 1000), log: silentLogger, segmentBytes: 400 });
  for (let n = 0; n < 20; n++) first.append(batch(T0 + n));
  for (let n = 0; n < 7; n++) {
    const next = first.peek();
    if (next) first.ack(next.id);
  }
  first.close();
  const second = open(t, dir, { segmentBytes: 400 });
  t.equal(second.waiting, 13);
  t.same(drain(second), Array.from({ length: 13 }, (_, n) => T0 + 7 + n));
  t.end();
});

void t.test('a crash in the middle of an append: the torn line is cut off on reopening, the rest is kept', (t) => {
  const dir = tempDir(t);
  const { log, warnings } = recordingLog();
  const crashed = new DiskQueue({ dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: new VirtualClock(T0 * 1000), log: silentLogger });
  for (let n = 0; n < 3; n++) crashed.append(batch(T0 + n));
  // the process dies while writing the fourth line: half of it reached the file, no close()
  const segment = readdirSync(path.join(dir)).find((f) => f.endsWith('.jsonl')) ?? '';
  appendFileSync(path.join(dir, segment), `${T0 + 3}\t{"v":1,"i":5,"s":[{"t":${T0 + 3},"f":"lo`);
  const reopened = open(t, dir, { log });
  t.match(warnings, [/torn or damaged end/]);
  t.equal(reopened.waiting, 3);
  reopened.append(batch(T0 + 4));
  t.same(drain(reopened), [T0, T0 + 1, T0 + 2, T0 + 4], 'the complete batches, then the new one; nothing garbled is sent');
  t.end();
});

void t.test('a damaged cursor file sends the oldest batches again rather than losing any', (t) => {
  const dir = tempDir(t);
  const first = new DiskQueue({ dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: new VirtualClock(T0 * 1000), log: silentLogger });
  for (let n = 0; n < 3; n++) first.append(batch(T0 + n));
  const next = first.peek();
  if (next) first.ack(next.id);
  first.close();
  writeFileSync(path.join(dir, 'state'), '{"seq":1,"off');
  t.same(drain(open(t, dir)), [T0, T0 + 1, T0 + 2]);
  t.end();
});

void t.test('over the size bound the oldest segments are dropped, counted, logged, and the count survives a restart', (t) => {
  const dir = tempDir(t);
  const { log, warnings } = recordingLog();
  const clock = new VirtualClock(T0 * 1000);
  const lineBytes = `${T0}\t${JSON.stringify(batch(T0))}\n`.length;
  // 4 batches per segment, at most 3 segments' worth on disk: 20 appended, 12 kept
  const deps = { dir, clock, log, segmentBytes: 4 * lineBytes, bounds: { maxBytes: 12 * lineBytes, maxAgeS: 3600 } };
  const queue = new DiskQueue(deps);
  for (let n = 0; n < 20; n++) queue.append(batch(T0 + n));
  const stats = queue.stats();
  t.ok(stats.bytes <= 12 * lineBytes, `${stats.bytes} bytes on disk, within the bound`);
  t.equal(stats.dropped, 8, 'two whole segments of four batches dropped');
  t.equal(stats.lastDropAt, T0);
  t.match(warnings, [/dropped the 4 oldest unsent batches \(over the queue's/, /dropped the 4 oldest/]);
  queue.close();
  const again = open(t, dir, { ...deps, log: silentLogger });
  t.equal(again.stats().dropped, 8, 'the count is kept across restarts');
  t.same(drain(again), Array.from({ length: 12 }, (_, n) => T0 + 8 + n), 'the newest are kept, in order');
  t.end();
});

void t.test('acknowledged batches of a dropped segment are not counted as dropped', (t) => {
  const lineBytes = `${T0}\t${JSON.stringify(batch(T0))}\n`.length;
  const queue = open(t, tempDir(t), { segmentBytes: 4 * lineBytes, bounds: { maxBytes: 8 * lineBytes, maxAgeS: 3600 } });
  for (let n = 0; n < 8; n++) queue.append(batch(T0 + n));
  for (let n = 0; n < 3; n++) {
    const next = queue.peek();
    if (next) queue.ack(next.id);
  }
  queue.append(batch(T0 + 8)); // a third segment: the first (3 of 4 acknowledged) goes
  t.equal(queue.stats().dropped, 1);
  t.same(drain(queue), [T0 + 4, T0 + 5, T0 + 6, T0 + 7, T0 + 8]);
  t.end();
});

void t.test('the batch in flight may be dropped meanwhile: its late acknowledgement is ignored', (t) => {
  const lineBytes = `${T0}\t${JSON.stringify(batch(T0))}\n`.length;
  const queue = open(t, tempDir(t), { segmentBytes: 2 * lineBytes, bounds: { maxBytes: 4 * lineBytes, maxAgeS: 3600 } });
  queue.append(batch(T0));
  queue.append(batch(T0 + 1));
  const inFlight = queue.peek();
  for (let n = 2; n < 6; n++) queue.append(batch(T0 + n)); // pushes the first segment out
  queue.ack(inFlight?.id ?? { seq: 0, index: 0 });
  t.same(drain(queue), [T0 + 2, T0 + 3, T0 + 4, T0 + 5], 'nothing of the remaining batches is skipped');
  t.end();
});

void t.test('batches older than the age bound are dropped and counted when they come up', async (t) => {
  const clock = new VirtualClock(T0 * 1000);
  const { log, warnings } = recordingLog();
  const queue = open(t, tempDir(t), { clock, log, bounds: { maxBytes: 1024 * 1024, maxAgeS: 600 } });
  for (let n = 0; n < 4; n++) queue.append(batch(T0 + n * 300)); // 0, 300, 600, 900 s
  await clock.advance(1000 * 1000); // now T0 + 1000: the first two are older than 600 s
  t.same(drain(queue), [T0 + 600, T0 + 900]);
  t.equal(queue.stats().dropped, 2);
  t.match(warnings, [/dropped the 2 oldest unsent batches \(older than 600 s\)/]);
  t.end();
});

void t.test('a smaller bound from a new configuration applies at once', (t) => {
  const lineBytes = `${T0}\t${JSON.stringify(batch(T0))}\n`.length;
  const queue = open(t, tempDir(t), { segmentBytes: 2 * lineBytes });
  for (let n = 0; n < 10; n++) queue.append(batch(T0 + n));
  queue.setBounds({ maxBytes: 4 * lineBytes, maxAgeS: 3600 });
  t.equal(queue.waiting, 4);
  t.equal(queue.stats().dropped, 6);
  t.same(queue.bounds, { maxBytes: 4 * lineBytes, maxAgeS: 3600 });
  t.end();
});

void t.test('delivered segments are deleted; files stay private to the agent', (t) => {
  const dir = tempDir(t);
  const lineBytes = `${T0}\t${JSON.stringify(batch(T0))}\n`.length;
  const queue = open(t, dir, { segmentBytes: 3 * lineBytes });
  for (let n = 0; n < 10; n++) queue.append(batch(T0 + n));
  t.equal(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length, 4, 'three sealed segments and the open one');
  t.ok(readdirSync(dir).some((f) => /^\d{12}-3-\d+\.jsonl$/.test(f)), 'a sealed segment is named with its count and last time');
  drain(queue);
  t.same(readdirSync(dir).filter((f) => f.endsWith('.jsonl')), ['000000000004.jsonl'], 'only the open segment is left');
  const line = readFileSync(path.join(dir, '000000000004.jsonl'), 'utf8').split('\n')[0] ?? '';
  t.match(line, new RegExp(`^${T0 + 9}\\t\\{"v":1`), 'a line is the batch time, a tab, the batch as sent');
  t.end();
});

void t.test('a second fdatasync is not needed for batches already acknowledged', async (t) => {
  const clock = new VirtualClock(T0 * 1000);
  const queue = open(t, tempDir(t), { clock, syncDelayMs: 1000 });
  queue.append(batch(T0));
  t.equal(clock.pendingTimers, 1, 'one group sync planned a second after the append');
  queue.append(batch(T0 + 1));
  t.equal(clock.pendingTimers, 1, 'appends of that second share it');
  drain(queue);
  await clock.advance(1000);
  t.equal(clock.pendingTimers, 0);
});
