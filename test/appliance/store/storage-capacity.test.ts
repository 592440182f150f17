// The storage capacity (S19): what the RRD directory already holds counts toward the
// budget, and it is measured in the background, never on the request that asks for it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { StorageCapacity } from '../../../appliance/store/storage-capacity.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MB = 1024 * 1024;
const PER_SERVER = MB;

void t.test('files already stored count toward the budget; new ones are seen after a refresh', async (t) => {
  const rrdDir = tempDir(t);
  const capacity = new StorageCapacity({ rrdDir, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => 0 });
  await capacity.refresh();
  const before = capacity.report();

  // ten servers' worth of files: they take free space, and count as used instead
  for (let n = 0; n < 10; n++) {
    mkdirSync(path.join(rrdDir, `agent${n}`));
    writeFileSync(path.join(rrdDir, `agent${n}`, 'cpu.5s.rrd'), Buffer.alloc(PER_SERVER, 1));
  }
  const stale = capacity.report();
  t.ok(before.freeBytes - stale.freeBytes >= 9 * MB, 'the files took free space');
  t.ok(stale.serverCapacity <= before.serverCapacity - 8, `not yet walked: ${before.serverCapacity} → ${stale.serverCapacity}`);

  await capacity.refresh();
  const after = capacity.report();
  t.ok(Math.abs(after.serverCapacity - before.serverCapacity) <= 1, `walked: ${before.serverCapacity} → ${after.serverCapacity}, the stored servers included`);
});

void t.test('a stale total starts a walk in the background; report() answers at once with the last one', async (t) => {
  const rrdDir = tempDir(t);
  let nowMs = 0;
  const capacity = new StorageCapacity({ rrdDir, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => nowMs });
  await capacity.refresh();
  writeFileSync(path.join(rrdDir, 'cpu.5s.rrd'), Buffer.alloc(20 * MB, 1));
  const first = capacity.report().serverCapacity;
  nowMs += 16 * 60_000;
  const during = capacity.report().serverCapacity;
  t.ok(during <= first, 'the walk it started has not answered yet: the old total');
  let later = during;
  for (const until = Date.now() + 10_000; later < first + 17 && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    later = capacity.report().serverCapacity;
  }
  t.ok(later >= first + 17, `the background walk counted the file: ${first} → ${later}`);
});

void t.test('a file the store reports as created counts at once, without a walk', async (t) => {
  const rrdDir = tempDir(t);
  const capacity = new StorageCapacity({ rrdDir, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => 0 });
  await capacity.refresh();
  const before = capacity.report().serverCapacity;
  writeFileSync(path.join(rrdDir, 'cpu.5s.rrd'), Buffer.alloc(20 * MB, 1));
  capacity.fileCreated(20 * MB);
  const after = capacity.report().serverCapacity;
  t.ok(Math.abs(after - before) <= 1, `${before} → ${after}: the file moved bytes from free to used`);
});

void t.test('a configured budget needs no walk', (t) => {
  const capacity = new StorageCapacity({ rrdDir: tempDir(t), bytesPerServer: PER_SERVER, budgetBytes: 5 * MB, now: () => 0 });
  t.equal(capacity.report().serverCapacity, 5);
  t.end();
});
