// The remote-write queue on disk (S19, B8): batches come out, as the requests the endpoint gets,
// in the order they went in, across a restart of the process; the oldest waiting sample's time is
// known; the bound drops the oldest and says how many samples went; a record torn by a crash and
// a queue left in the JSON-lines format of before are taken as they can be.
import t from 'tap';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';
import { RemoteWriteQueue, type QueuedBatch } from '../../../appliance/federation/remote-write-queue.js';
import { tempDir } from '../../helpers/temp-dir.js';

const batch = (ts: number): QueuedBatch => ({ o: { appliance: 'a', host: 'h', group: '' }, s: [{ t: ts, f: 'cpu', v: { user: ts, idle: null } }] });

function drain(q: RemoteWriteQueue): number[] {
  const out: number[] = [];
  for (let c = q.peek(300); c !== null; c = q.peek(300)) {
    for (const body of c.bodies) out.push(...decodeWriteRequest(body).flatMap((ts) => ts.samples.map((x) => x.timestamp / 1000)));
    q.ack(c);
  }
  return out;
}

void t.test('in order, across a restart, from where the sender got', (t) => {
  const dir = tempDir(t);
  const q = new RemoteWriteQueue({ dir, maxBytes: 1 << 20, segmentBytes: 1000 });
  // four flushes of ten (the federation feature's timer): four requests
  for (let i = 1; i <= 40; i++) {
    q.append(batch(i));
    if (i % 10 === 0) q.flush();
  }
  t.equal(q.samples, 40, 'one non-null value a batch');
  t.equal(q.oldestSampleTime(), 1, 'the oldest sample waiting');
  const first = q.peek(300);
  if (!first) throw new Error('nothing queued');
  q.ack(first);
  const sent = first.bodies.flatMap((body) => decodeWriteRequest(body).flatMap((ts) => ts.samples.map((x) => x.timestamp / 1000)));
  t.same(sent, Array.from({ length: 10 }, (_, i) => i + 1), 'one host: one request a round, the first flush\'s');
  t.equal(q.samples, 40 - sent.length);
  t.equal(q.oldestSampleTime(), sent.length + 1, 'then the first one not sent');
  q.flush();
  // a new process: the rest, in order, none twice
  const again = new RemoteWriteQueue({ dir, maxBytes: 1 << 20, segmentBytes: 1000 });
  t.equal(again.samples, 40 - sent.length, 'the count survives the restart');
  t.same([...sent, ...drain(again)], Array.from({ length: 40 }, (_, i) => i + 1));
  t.equal(again.samples, 0);
  t.equal(again.peek(300), null, 'empty');
  t.equal(again.oldestSampleTime(), null, 'nothing waiting');
  again.append(batch(41));
  t.same(drain(again), [41], 'and takes new batches after');
  t.end();
});

void t.test('the bound drops the oldest segments and counts their samples', (t) => {
  const dropped: number[] = [];
  const q = new RemoteWriteQueue({ dir: tempDir(t), maxBytes: 1500, segmentBytes: 500, onDropped: (n) => dropped.push(n) });
  for (let i = 1; i <= 100; i++) {
    q.append(batch(i));
    q.flush();
  }
  t.ok(dropped.length > 0, 'some dropped');
  t.ok(q.bytes <= 1500 + 500, `bounded: ${q.bytes} bytes`);
  const left = drain(q);
  t.equal(dropped.reduce((a, b) => a + b, 0) + left.length, 100, 'every sample is either sent or counted as dropped');
  t.same(left, Array.from({ length: left.length }, (_, i) => 101 - left.length + i), 'the newest are kept, in order');
  t.end();
});

void t.test('a record torn by a crash is cut off; what was whole is sent, and what comes after', (t) => {
  const dir = tempDir(t);
  const q = new RemoteWriteQueue({ dir, maxBytes: 1 << 20 });
  for (let i = 1; i <= 3; i++) {
    q.append(batch(i));
    q.flush();
  }
  const [segment] = readdirSync(dir).filter((f) => f.endsWith('.rwq'));
  if (segment === undefined) throw new Error('no segment');
  // the start of a fourth record, as a crash mid-write leaves it
  appendFileSync(path.join(dir, segment), Buffer.from([0x31, 0x51, 0x57, 0x52, 200, 0, 0, 0, 1]));
  const again = new RemoteWriteQueue({ dir, maxBytes: 1 << 20 });
  t.equal(again.samples, 3, 'the three whole ones');
  again.append(batch(4));
  t.same(drain(again), [1, 2, 3, 4], 'in order, the torn one left out');
  t.end();
});

void t.test('a queue of JSON lines (the format before records) is queued again as records', (t) => {
  const dir = tempDir(t);
  const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => JSON.stringify(batch(from + i)) + '\n').join('');
  writeFileSync(path.join(dir, '000000000007.jsonl'), lines(1, 5));
  writeFileSync(path.join(dir, '000000000008.jsonl'), lines(6, 8) + '{"o":{"appl');
  // the sender had got past the first two lines of segment 7
  writeFileSync(path.join(dir, 'cursor.json'), JSON.stringify({ segment: 7, offset: Buffer.byteLength(lines(1, 2)) }));
  const q = new RemoteWriteQueue({ dir, maxBytes: 1 << 20 });
  t.equal(q.samples, 6, 'what was not sent, the torn line left out');
  t.same(readdirSync(dir).filter((f) => f.endsWith('.jsonl')), [], 'the old files are gone');
  t.same(drain(q), [3, 4, 5, 6, 7, 8], 'in order');
  q.flush();
  t.same(drain(new RemoteWriteQueue({ dir, maxBytes: 1 << 20 })), [], 'and not again after a restart');
  t.end();
});
