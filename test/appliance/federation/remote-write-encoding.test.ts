// The remote-write encoder (S19, B8): the label sets it frames from cached label bytes are the
// documented ones (sample-series.ts seriesLabels: names, keys under their own label, sorted by
// name) for every family, with and without a group; samples come out in time order per series,
// and a round split over several requests never puts one series in two of them.
import t from 'tap';
import { FAMILIES, FAMILY_NAMES } from '../../../contract/families.js';
import { RemoteWriteEncoder, decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';
import { seriesLabels } from '../../../appliance/federation/sample-series.js';
import type { QueuedBatch } from '../../../appliance/federation/remote-write-queue.js';

void t.test('labels as documented, for every family', (t) => {
  const encoder = new RemoteWriteEncoder();
  for (const group of ['', 'db,web']) {
    const origin = { appliance: 'site-a', host: 'web-1', group };
    const batch: QueuedBatch = { o: origin, s: FAMILY_NAMES.map((f, i) => ({ t: 1_750_000_000 + i, f, k: i % 2 === 0 ? `key-${f}` : undefined, v: Object.fromEntries(Object.keys(FAMILIES[f].fields).map((field, j) => [field, j])) })) };
    // twice: the second time from the cache
    for (const round of [1, 2]) {
      const { bodies } = encoder.encode([batch], 1);
      const got = new Map(decodeWriteRequest(bodies[0] as Uint8Array).map((s) => [JSON.stringify(s.labels.map((l) => [l.name, l.value])), s.samples]));
      const want = batch.s.flatMap((s) => Object.keys(s.v).map((field) => JSON.stringify(seriesLabels(origin, s.f, field, s.k))));
      t.same([...got.keys()].sort(), want.sort(), `group '${group}', round ${round}: every series with its labels`);
    }
  }
  t.end();
});

void t.test('each series whole in one request, its samples in time order', (t) => {
  const encoder = new RemoteWriteEncoder();
  const batches: QueuedBatch[] = [];
  // a backfill interleaved: host h's second batch older than its first
  for (const ts of [20, 10, 30]) for (let h = 0; h < 10; h++) batches.push({ o: { appliance: 'a', host: `h${h}`, group: '' }, s: [{ t: ts, f: 'load', v: { load1: ts, load5: null, load15: 1 } }] });
  const { bodies, samples } = encoder.encode(batches, 4);
  t.equal(bodies.length, 4);
  t.equal(samples.reduce((a, b) => a + b, 0), 60, 'load1 and load15 of 30 batches (null left out)');
  const where = new Map<string, number>();
  bodies.forEach((body, i) => {
    for (const s of decodeWriteRequest(body)) {
      const id = JSON.stringify(s.labels);
      t.notOk(where.has(id), `${id} in one request only`);
      where.set(id, i);
      t.same(s.samples.map((x) => x.timestamp), [10_000, 20_000, 30_000], 'in time order');
    }
  });
  t.equal(where.size, 20);
  t.end();
});
