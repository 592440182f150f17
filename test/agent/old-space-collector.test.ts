// The agent's collection of its old generation on growth (agent/old-space-collector.ts, S2, S5,
// S11): it collects only once the old space has grown by the policy's amount since the last
// collection, never twice within the minimum gap, counts V8's own collections as a new floor, and
// the collector it calls is V8's own.
import t from 'tap';
import {
  exposedGc, OLD_SPACE_POLICY, OldSpaceTrigger, oldSpaceUsedBytes, startOldSpaceCollector, type OldSpacePolicy,
} from '../../agent/old-space-collector.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const MB = 1024 * 1024;
const policy: OldSpacePolicy = { growthBytes: 2 * MB, minGapMs: 30_000, checkEveryMs: 5_000 };

void t.test('the trigger: growth past the floor, the gap, and V8\'s own collections', (t) => {
  const trigger = new OldSpaceTrigger(policy);
  t.notOk(trigger.due(10 * MB, 0), 'the first reading sets the floor');
  t.notOk(trigger.due(11.9 * MB, 5_000), 'under the growth');
  t.ok(trigger.due(12 * MB, 10_000), 'grown by 2 MB');
  trigger.collected(8 * MB, 10_000);
  t.notOk(trigger.due(10.5 * MB, 35_000), 'back from the new floor: not grown enough');
  t.notOk(trigger.due(11 * MB, 39_999), 'grown enough, but within the gap');
  t.ok(trigger.due(11 * MB, 40_000), 'the gap has passed');
  trigger.collected(8 * MB, 40_000);
  // V8 collected on its own: the floor follows it down, so growth counts from there
  t.notOk(trigger.due(6 * MB, 80_000));
  t.notOk(trigger.due(7.9 * MB, 85_000), 'from 6 MB, 1.9 MB is not enough');
  t.ok(trigger.due(8 * MB, 90_000), 'from 6 MB, 2 MB is');
  t.end();
});

void t.test('the collector on a clock: one collection per growth, bounded by the gap, none after stop', async (t) => {
  const clock = new VirtualClock();
  let used = 10 * MB;
  let collections = 0;
  const seen: Array<[number, number]> = [];
  const collector = startOldSpaceCollector({
    clock, policy, readUsedBytes: () => used,
    gc: () => { collections++; used = 9 * MB; },
    onCollected: (before, after) => seen.push([before, after]),
  });
  // an agent that promotes nothing never collects
  await clock.advance(10 * policy.checkEveryMs);
  t.equal(collections, 0, 'no growth, no collection');
  // one that promotes 1 MB every 5 s: grown by 2 MB after two readings, then at most once per 30 s
  for (let i = 0; i < 24; i++) {
    used += MB;
    await clock.advance(policy.checkEveryMs);
  }
  t.equal(collections, 4, '2 minutes of 1 MB per 5 s: the first when grown, then one per 30 s gap');
  t.same(seen[0], [12 * MB, 9 * MB], 'reports the old space before and after');
  collector.stop();
  used += 50 * MB;
  await clock.advance(10 * policy.checkEveryMs);
  t.equal(collections, 4, 'stopped');
});

void t.test('the defaults keep collections at most one per 2 s and read V8\'s old space', (t) => {
  t.ok(OLD_SPACE_POLICY.minGapMs >= 2_000);
  t.ok(OLD_SPACE_POLICY.growthBytes >= 512 * 1024);
  t.ok(oldSpaceUsedBytes() > 0, 'the old space of this process is read');
  t.end();
});

void t.test('the collector is V8\'s: garbage promoted to the old generation is freed', (t) => {
  const gc = exposedGc();
  if (!gc) {
    t.fail('this Node refuses --expose-gc at run time');
    t.end();
    return;
  }
  gc();
  const before = oldSpaceUsedBytes();
  // survives young-generation collections long enough to be promoted, then dies
  let keep: string[][] = [];
  for (let i = 0; i < 50; i++) keep.push(Array.from({ length: 1000 }, (_, j) => `${i}-${j}-garbage`));
  keep = [];
  t.same(keep, []);
  gc();
  t.ok(oldSpaceUsedBytes() < before + 512 * 1024, 'the old space is back to where it was');
  t.end();
});
