// The agent's periodic full collection (agent/old-generation-sweep.ts): it runs at start and at
// its interval on the agent's clock until stopped, and the collector it calls is V8's own.
import t from 'tap';
import { exposedGc, startOldGenerationSweep, SWEEP_EVERY_MS } from '../../agent/old-generation-sweep.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

void t.test('a collection at start and one each interval, none after the stop', async (t) => {
  const clock = new VirtualClock();
  let runs = 0;
  const sweep = startOldGenerationSweep({ clock, gc: () => { runs++; } });
  t.equal(runs, 1, 'at start');
  await clock.advance(SWEEP_EVERY_MS - 1);
  t.equal(runs, 1, 'not before the interval');
  await clock.advance(1);
  t.equal(runs, 2);
  await clock.advance(5 * SWEEP_EVERY_MS);
  t.equal(runs, 7);
  sweep.stop();
  await clock.advance(5 * SWEEP_EVERY_MS);
  t.equal(runs, 7, 'stopped');
});

void t.test('the collector is V8\'s: garbage in the old generation is freed', (t) => {
  const gc = exposedGc();
  if (!gc) {
    t.fail('this Node refuses --expose-gc at run time');
    t.end();
    return;
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  // survives young-generation collections long enough to be promoted, then dies
  let keep: string[][] = [];
  for (let i = 0; i < 50; i++) keep.push(Array.from({ length: 1000 }, (_, j) => `${i}-${j}-garbage`));
  keep = [];
  t.same(keep, []);
  gc();
  t.ok(process.memoryUsage().heapUsed < before + 512 * 1024, 'the heap is back to where it was');
  t.end();
});
