// updateMany's BATCH against the real daemon: the outcome of each update is the daemon's, by its
// place in the batch, and what it took is in the file.
import t from 'tap';
import { systemClock } from '../../../core/clock.js';
import { isNoSuchFile, isStaleUpdate } from '../../../appliance/store/rrdcached-client.js';
import { RrdcachedSupervisor } from '../../../appliance/store/rrdcached-supervisor.js';
import { testLogger } from './store-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';

const T0 = 1_700_000_000;

void t.test('a BATCH of updates: each refused one is named by the daemon, the others are stored', async (t) => {
  const sup = new RrdcachedSupervisor({ dataDir: tempDir(t), clock: systemClock, logger: testLogger });
  t.teardown(() => sup.stop());
  await sup.start();
  const client = await sup.whenUp(5_000);
  await client.create('ag1/load.5s.rrd', 5, T0, ['DS:load1:GAUGE:15:U:U'], ['RRA:AVERAGE:0.5:1:100']);

  const outcomes = await client.updateMany([
    { file: 'ag1/load.5s.rrd', t: T0 + 5, values: [1] },
    { file: 'ag1/load.5s.rrd', t: T0 + 5, values: [99] },
    { file: 'ag1/missing.5s.rrd', t: T0 + 5, values: [1] },
    { file: 'ag1/load.5s.rrd', t: T0 + 10, values: [2] },
    { file: 'ag1/load.5s.rrd', t: T0 + 15, values: [null] },
    { file: 'ag1/load.5s.rrd', t: T0 + 20, values: [4] },
  ]);
  t.same(outcomes.map((o) => o.ok), [true, false, false, true, true, true]);
  const [, stale, missing] = outcomes;
  t.ok(stale?.ok === false && isStaleUpdate(stale.error), 'the repeated timestamp is a stale update');
  t.ok(missing?.ok === false && isNoSuchFile(missing.error), 'the update of a missing file says so');

  const f = await client.fetch('ag1/load.5s.rrd', 'AVERAGE', T0, T0 + 20);
  t.same(f.rows.filter((r) => r.t > T0 && r.t <= T0 + 20).map((r) => r.values[0]), [1, 2, null, 4], 'the stored values, the refused one not among them');

  // the connection is in step after a batch with refusals: a plain command gets its own reply
  await client.ping();
  t.same(await client.updateMany([{ file: 'ag1/load.5s.rrd', t: T0 + 25, values: [5] }]), [{ ok: true }]);
});
