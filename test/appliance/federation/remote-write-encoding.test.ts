// The remote-write encoder (S19, B8): the label sets it frames from cached label bytes are the
// documented ones (sample-series.ts seriesLabels: names, keys under their own label, sorted by
// name) for every family, with and without a group, each with its value and time; a round split
// over several requests never puts one series in two of them, and each series' samples keep their
// (time) order. The requests are decoded by another snappy (snappyjs) than the one that compressed
// them (hysnappy), and a request far larger than snappy's 64 KiB blocks comes back whole.
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
      const wrong = batch.s.flatMap((s) => Object.entries(s.v).flatMap(([field, value]) => {
        const id = JSON.stringify(seriesLabels(origin, s.f, field, s.k));
        return JSON.stringify(got.get(id)) === JSON.stringify([{ value, timestamp: s.t * 1000 }]) ? [] : [`${id}: ${JSON.stringify(got.get(id))}`];
      }));
      t.same(wrong, [], `group '${group}', round ${round}: every series with its value at its time (ms)`);
    }
  }
  t.end();
});

void t.test('each series in one request only, its samples in queue order (time order)', (t) => {
  const encoder = new RemoteWriteEncoder();
  const batches: QueuedBatch[] = [];
  for (const ts of [10, 20, 30]) for (let h = 0; h < 10; h++) batches.push({ o: { appliance: 'a', host: `h${h}`, group: '' }, s: [{ t: ts, f: 'load', v: { load1: ts, load5: null, load15: 1 } }] });
  const { bodies, samples } = encoder.encode(batches, 4);
  t.ok(bodies.length > 1 && bodies.length <= 4, `split over ${bodies.length} requests`);
  t.equal(samples.reduce((a, b) => a + b, 0), 60, 'load1 and load15 of 30 batches (null left out)');
  const where = new Map<string, number>();
  const times = new Map<string, number[]>();
  bodies.forEach((body, i) => {
    for (const s of decodeWriteRequest(body)) {
      const id = JSON.stringify(s.labels);
      if (where.has(id) && where.get(id) !== i) t.fail(`${id} in two requests`);
      where.set(id, i);
      times.set(id, [...(times.get(id) ?? []), ...s.samples.map((x) => x.timestamp)]);
    }
  });
  t.equal(where.size, 20, '10 hosts, 2 fields');
  t.same([...times.values()].filter((ts) => JSON.stringify(ts) !== '[10000,20000,30000]'), [], 'each series\' samples in time order');
  t.end();
});

void t.test('a request of several hundred kB (many snappy blocks) comes back sample for sample', (t) => {
  const encoder = new RemoteWriteEncoder();
  const batches: QueuedBatch[] = [];
  // 3,000 servers × 5 cpu fields: ~400 kB of protobuf in one request; values that compress badly
  for (let h = 0; h < 3000; h++) {
    batches.push({ o: { appliance: 'site-a', host: `server-${h}.example.net`, group: h % 3 === 0 ? 'web' : '' }, s: [{ t: 1_750_000_000 + (h % 7), f: 'cpu', v: { user: h / 7, system: Math.sqrt(h), iowait: -h, steal: 0, idle: 1e300 / (h + 1) } }] });
  }
  const { bodies, samples } = encoder.encode(batches, 1);
  t.equal(bodies.length, 1);
  t.equal(samples[0], 15_000);
  const series = decodeWriteRequest(bodies[0] as Uint8Array);
  t.equal(series.length, 15_000, 'every sample, one series each');
  const wrong = series.filter((s, i) => {
    const b = batches[Math.floor(i / 5)] as QueuedBatch;
    const sample = b.s[0];
    const field = ['user', 'system', 'iowait', 'steal', 'idle'][i % 5] as string;
    const host = s.labels.find((l) => l.name === 'host')?.value;
    return host !== b.o.host || JSON.stringify(s.samples) !== JSON.stringify([{ value: sample?.v[field], timestamp: (sample?.t ?? 0) * 1000 }]);
  });
  t.same(wrong.slice(0, 3), [], 'each with its host, value and time, in queue order');
  t.end();
});
