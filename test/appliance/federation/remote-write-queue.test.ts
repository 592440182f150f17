// The remote-write queue on disk (S19): batches come out in the order they went in, across a
// restart of the process; the oldest waiting sample's time is known; the bound drops the oldest
// and says how many samples went.
import t from 'tap';
import { RemoteWriteQueue, type QueuedBatch } from '../../../appliance/federation/remote-write-queue.js';
import { tempDir } from '../../helpers/temp-dir.js';

const batch = (ts: number): QueuedBatch => ({ o: { appliance: 'a', host: 'h', group: '' }, s: [{ t: ts, f: 'cpu', v: { user: ts, idle: null } }] });

function drain(q: RemoteWriteQueue): number[] {
  const out: number[] = [];
  for (let c = q.peek(300); c !== null; c = q.peek(300)) {
    out.push(...c.batches.map((b) => b.s[0]?.t ?? -1));
    q.ack(c);
  }
  return out;
}

void t.test('in order, across a restart, from where the sender got', (t) => {
  const dir = tempDir(t);
  const q = new RemoteWriteQueue({ dir, maxBytes: 1 << 20, segmentBytes: 1000 });
  for (let i = 1; i <= 40; i++) q.append(batch(i));
  t.equal(q.samples, 40, 'one non-null value a batch');
  t.equal(q.oldestSampleTime(), 1, 'the oldest sample waiting');
  const first = q.peek(300);
  if (!first) throw new Error('nothing queued');
  q.ack(first);
  const sent = first.batches.map((b) => b.s[0]?.t);
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
  const q = new RemoteWriteQueue({ dir: tempDir(t), maxBytes: 3000, segmentBytes: 1000, onDropped: (n) => dropped.push(n) });
  for (let i = 1; i <= 100; i++) {
    q.append(batch(i));
    q.flush();
  }
  t.ok(q.bytes <= 3000 + 1000, `bounded: ${q.bytes} bytes`);
  const left = drain(q);
  t.equal(dropped.reduce((a, b) => a + b, 0) + left.length, 100, 'every sample is either sent or counted as dropped');
  t.same(left, Array.from({ length: left.length }, (_, i) => 101 - left.length + i), 'the newest are kept, in order');
  t.end();
});
