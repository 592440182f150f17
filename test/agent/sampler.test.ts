// The sampler (one round over a group of collectors, failures isolated) and the batch assembler
// (rounds of one instant → contract batches, each sample labelled with its own interval).
import t from 'tap';
import { METRICS_LIMITS, metricsBatchSchema, type MetricsBatch, type Sample } from '../../contract/metrics.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { AnyCollector } from '../../agent/collectors/collector.js';
import { BatchAssembler, createSampler, toBatches } from '../../agent/sampler.js';

const loadSample = (t: number): Sample => ({ t, f: 'load', v: { load1: 1, load5: 1, load15: 1 } });
const fsSample = (t: number): Sample => ({ t, f: 'fs', k: '/', v: { size: 10, used: 5, avail: 5, inodes: 10, inodes_used: 1 } });

void t.test('a failing collector is logged under its name, once, and the others still run', async (t) => {
  const errors: Record<string, unknown>[] = [];
  const infos: Record<string, unknown>[] = [];
  const log: Logger = {
    ...silentLogger,
    error: (_msg, fields) => { errors.push(fields ?? {}); },
    info: (_msg, fields) => { infos.push(fields ?? {}); },
    child: () => log,
  };
  let broken = true;
  const collectors: AnyCollector[] = [
    { name: 'memory', collect: () => { if (broken) throw new Error('ENOENT /proc/meminfo'); return []; } },
    { name: 'load', collect: (stamp) => [loadSample(stamp)] },
    { name: 'fs', collect: () => Promise.reject(new Error('async failure')) },
    { name: 'routes', snapshot: () => { throw new Error('no /proc/net/route'); } },
  ];
  const sampler = createSampler({ collectors, log });
  t.same(await sampler.sample(10), { samples: [loadSample(10)], snapshot: null });
  t.same(await sampler.sample(15), { samples: [loadSample(15)], snapshot: null });
  t.match(errors, [
    { collector: 'memory', error: { message: 'ENOENT /proc/meminfo' } },
    { collector: 'fs', error: { message: 'async failure' } },
    { collector: 'routes', error: { message: 'no /proc/net/route' } },
  ], 'each failure logged once with the collector\'s name, not at every interval');
  broken = false;
  await sampler.sample(20);
  t.match(infos, [{ collector: 'memory' }], 'the recovery is logged');
});

void t.test('values go out at the precision the contract sends: 6 significant digits, whole numbers exact, unknowns kept', async (t) => {
  const sampler = createSampler({
    log: silentLogger,
    collectors: [{ name: 'net', collect: (stamp) => [{ t: stamp, f: 'net', k: 'eth0', v: { rx_bytes: 123456.789012, tx_bytes: 1 / 3, rx_packets: 8_000_000_123, rx_errs: null } }] }],
  });
  t.same(await sampler.sample(10), {
    samples: [{ t: 10, f: 'net', k: 'eth0', v: { rx_bytes: 123457, tx_bytes: 0.333333, rx_packets: 8_000_000_123, rx_errs: null } }],
    snapshot: null,
  });
});

void t.test('snapshot collectors add their part of the batch\'s snapshot', async (t) => {
  const sampler = createSampler({
    log: silentLogger,
    collectors: [
      { name: 'load', collect: (stamp) => [loadSample(stamp)] },
      { name: 'routes', snapshot: () => ({ routes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.1', iface: 'eth0', metric: 0, family: 'inet' }] }) },
      { name: 'visitors', snapshot: () => ({ visitors: [] }) },
      { name: 'top', snapshot: () => ({}) }, // its first round only sets a baseline
    ],
  });
  const round = await sampler.sample(30);
  t.same(round.samples, [loadSample(30)]);
  t.same(Object.keys(round.snapshot ?? {}).sort(), ['routes', 'visitors']);
});

void t.test('samples are split into contract-sized batches; the snapshot rides on the first', (t) => {
  t.same(toBatches(5, [], null, 5), [], 'nothing to send: no batch');
  const samples = Array.from({ length: 2500 }, () => ({ sample: loadSample(1_700_000_000), intervalS: 5 }));
  const batches = toBatches(1_700_000_000, samples, { visitors: [] }, 5);
  t.same(batches.map((b) => b.s.length), [1000, 1000, 500]);
  t.same(batches.map((b) => b.x !== undefined), [true, false, false]);
  for (const batch of batches) {
    t.ok(metricsBatchSchema.safeParse(batch).success);
    t.ok(Buffer.byteLength(JSON.stringify(batch)) < METRICS_LIMITS.maxPayloadBytes);
  }
  t.same(toBatches(60, [], { routes: [] }, 5), [{ v: 1, i: 5, s: [], x: { t: 60, routes: [] } }], 'a snapshot alone is a batch');
  t.end();
});

void t.test('rounds of the same instant become one batch; a sample of another interval carries its own `i`', (t) => {
  const batches: MetricsBatch[] = [];
  const deferred: (() => void)[] = [];
  const assembler = new BatchAssembler(5, { onBatch: (b) => batches.push(b), defer: (fn) => deferred.push(fn) });
  // at t = 60 the 5 s group and the 60 s group are both due
  assembler.add(60, 5, { samples: [loadSample(60)], snapshot: null });
  assembler.add(60, 60, { samples: [fsSample(60)], snapshot: { routes: [] } });
  assembler.add(55, 5, { samples: [loadSample(55)], snapshot: null });
  t.equal(batches.length, 0, 'nothing until the instant\'s timers have all fired');
  t.equal(deferred.length, 1, 'one flush scheduled');
  deferred[0]?.();
  t.same(batches, [
    { v: 1, i: 5, s: [loadSample(55)] },
    { v: 1, i: 5, s: [loadSample(60), { ...fsSample(60), i: 60 }], x: { t: 60, routes: [] } },
  ], 'oldest instant first; the batch `i` is the base interval, the fs sample says 60');
  for (const batch of batches) t.ok(metricsBatchSchema.safeParse(batch).success);
  t.end();
});

void t.test('an instant waits for every group due then, a slow one at most half an interval, and goes out in order', (t) => {
  const batches: MetricsBatch[] = [];
  const deferred: (() => void)[] = [];
  const waits: { fn: () => void; ms: number }[] = [];
  const assembler = new BatchAssembler(5, {
    onBatch: (b) => batches.push(b),
    defer: (fn) => deferred.push(fn),
    wait: (fn, ms) => waits.push({ fn, ms }),
  });
  // t = 60: the 5 s group is done, the 60 s group (an async collector) is still collecting
  assembler.add(60, 5, { samples: [loadSample(60)], snapshot: null }, 2);
  t.equal(deferred.length, 0, 'not handed over while a group due at 60 has not reported');
  t.same(waits.map((w) => w.ms), [2000], 'waited for at most half an interval (2 s at most)');
  assembler.add(60, 60, { samples: [fsSample(60)], snapshot: { routes: [] } }, 2);
  deferred.shift()?.();
  t.same(batches, [{ v: 1, i: 5, s: [loadSample(60), { ...fsSample(60), i: 60 }], x: { t: 60, routes: [] } }], 'one batch once both are in');

  // t = 120: the 60 s group never reports (its tick was skipped); t = 125 completes first
  batches.length = 0;
  assembler.add(120, 5, { samples: [loadSample(120)], snapshot: null }, 2);
  assembler.add(125, 5, { samples: [loadSample(125)], snapshot: null }, 1);
  deferred.shift()?.();
  t.same(batches.map((b) => b.s[0]?.t), [120, 125], 'the older instant goes first, without waiting any longer');
  waits[1]?.fn();
  t.equal(batches.length, 2, 'its timer finds nothing left to send');

  // a group that never reports, with nothing newer: the timer sends what there is
  batches.length = 0;
  assembler.add(180, 5, { samples: [loadSample(180)], snapshot: null }, 2);
  waits[2]?.fn();
  t.same(batches, [{ v: 1, i: 5, s: [loadSample(180)] }]);
  t.end();
});
