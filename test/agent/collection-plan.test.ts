// Collector schedules (S2) on virtual time: one scheduler per interval, aligned to multiples of
// it; rounds of one instant in one batch with each sample's own interval; a new configuration
// switches intervals and switches collectors on and off without a restart.
import t from 'tap';
import { COLLECTOR_NAMES, type CollectorName } from '../../contract/families.js';
import { metricsBatchSchema, type MetricsBatch } from '../../contract/metrics.js';
import { silentLogger } from '../../core/logger.js';
import { createCollectionPlan, groupByInterval, type CollectorSettings } from '../../agent/collection-plan.js';
import type { AnyCollector } from '../../agent/collectors/collector.js';
import { VirtualClock, settle } from '../helpers/virtual-clock.js';

const START_MS = 1_700_000_002_300; // 2.3 s past a multiple of 5 (and of 60: 1_699_999_980)

function settings(on: Partial<Record<CollectorName, number>>): CollectorSettings {
  const all = {} as CollectorSettings;
  for (const name of COLLECTOR_NAMES) all[name] = { enabled: on[name] !== undefined, intervalS: on[name] ?? 5 };
  return all;
}

/** Fake collectors that record their calls: series ones send one sample, snapshot ones a part. */
function fakes(): { create: (name: CollectorName) => AnyCollector; calls: Map<CollectorName, number[]>; created: CollectorName[]; released: CollectorName[] } {
  const calls = new Map<CollectorName, number[]>();
  const created: CollectorName[] = [];
  const released: CollectorName[] = [];
  const record = (name: CollectorName, t: number): void => { calls.set(name, [...(calls.get(name) ?? []), t]); };
  const create = (name: CollectorName): AnyCollector => {
    created.push(name);
    if (name === 'load') return { name, collect: (t) => { record(name, t); return [{ t, f: 'load', v: { load1: 1, load5: 1, load15: 1 } }]; } };
    if (name === 'fs') return { name, collect: (t) => { record(name, t); return [{ t, f: 'fs', k: '/', v: { size: 1, used: 1, avail: 0, inodes: 1, inodes_used: 1 } }]; } };
    if (name === 'routes') return { name, snapshot: (t) => { record(name, t); return { routes: [] }; } };
    return { name, collect: (t) => { record(name, t); return []; }, release: () => { released.push(name); } };
  };
  return { create, calls, created, released };
}

void t.test('collectors with the same interval form one group, shortest first', (t) => {
  t.same(groupByInterval(settings({ cpu: 5, load: 5, fs: 60, routes: 300, top: 15 })), [
    [5, ['cpu', 'load']], [15, ['top']], [60, ['fs']], [300, ['routes']],
  ]);
  t.same(groupByInterval(settings({})), [], 'everything off: nothing runs');
  t.end();
});

void t.test('each group ticks on multiples of its interval; one instant is one batch, samples carry their own interval', async (t) => {
  const clock = new VirtualClock(START_MS);
  const batches: MetricsBatch[] = [];
  const { create, calls } = fakes();
  const plan = createCollectionPlan({ clock, log: silentLogger, createCollector: create, onBatch: (b) => batches.push(b) });
  t.teardown(() => plan.stop());
  await plan.apply(settings({ load: 5, fs: 60, routes: 60 }));
  t.same(calls.get('load'), [0], 'a new collector is primed once (its rate baseline), unpublished');
  t.equal(plan.baseIntervalS, 5);
  await clock.advance(60_000);
  t.same(calls.get('load')?.slice(1), Array.from({ length: 12 }, (_, n) => 1_700_000_005 + 5 * n), 'every 5 s, on the multiples of 5');
  t.same(calls.get('fs')?.slice(1), [1_700_000_040], 'every 60 s, on the multiples of 60');
  t.equal(batches.length, 12, 'the fs round joined the load round of the same instant');
  const merged = batches.find((b) => b.x !== undefined);
  t.same(merged && { ...merged, s: [...merged.s].sort((a, b) => a.f.localeCompare(b.f)) }, {
    v: 1, i: 5,
    s: [
      { t: 1_700_000_040, f: 'fs', k: '/', v: { size: 1, used: 1, avail: 0, inodes: 1, inodes_used: 1 }, i: 60 },
      { t: 1_700_000_040, f: 'load', v: { load1: 1, load5: 1, load15: 1 } },
    ],
    x: { t: 1_700_000_040, routes: [] },
  }, 'the 60 s sample says so; the batch keeps the agent\'s base interval');
  for (const b of batches) t.ok(metricsBatchSchema.safeParse(b).success);
});

void t.test('a new configuration applies without a restart: new intervals, collectors switched on and off', async (t) => {
  const clock = new VirtualClock(START_MS);
  const batches: MetricsBatch[] = [];
  const { create, calls, created, released } = fakes();
  const plan = createCollectionPlan({ clock, log: silentLogger, createCollector: create, onBatch: (b) => batches.push(b) });
  t.teardown(() => plan.stop());
  await plan.apply(settings({ load: 5, fs: 5, top: 5 }));
  await clock.advance(10_000); // ticks at …05 and …10
  const appliedAt = clock.now();
  await plan.apply(settings({ load: 1, cpu: 1 })); // load every second, fs off, cpu on
  t.same(plan.groups(), [[1, ['cpu', 'load']]]);
  await clock.advance(3000);
  const loadAfter = (calls.get('load') ?? []).filter((t) => t * 1000 > appliedAt);
  t.same(loadAfter, [1_700_000_013, 1_700_000_014, 1_700_000_015], 'the new interval runs from the next second');
  t.same(calls.get('fs'), [0, 1_700_000_005, 1_700_000_010], 'the switched-off collector is not called again');
  t.same(created, ['load', 'fs', 'top', 'cpu'], 'load kept its instance (and its rate baseline); cpu is new');
  t.same(released, ['top'], 'the switched-off top collector closed what it held open');
  t.same(calls.get('cpu')?.[0], 0, 'and primed');
  t.ok(batches.slice(-3).every((b) => b.i === 1), 'the batches now say 1 s');
  await plan.apply(settings({ top: 5 }));
  await plan.stop();
  t.same(released, ['top', 'cpu', 'top'], 'cpu switched off, then top again at a stop');
  await clock.advance(10_000);
  t.equal(clock.pendingTimers, 0, 'stopped: no timer left');
});

void t.test('applying configurations in a row keeps their order; stop() waits and flushes', async (t) => {
  const clock = new VirtualClock(START_MS);
  const batches: MetricsBatch[] = [];
  const { create } = fakes();
  const plan = createCollectionPlan({ clock, log: silentLogger, createCollector: create, onBatch: (b) => batches.push(b) });
  void plan.apply(settings({ load: 5 }));
  void plan.apply(settings({ load: 10 }));
  await plan.apply(settings({ load: 2 }));
  t.same(plan.groups(), [[2, ['load']]], 'the last one wins');
  await clock.advance(2000);
  await settle();
  await plan.stop();
  t.equal(clock.pendingTimers, 0);
  t.ok(batches.length >= 1);
});
