// The storage capacity (S19): what the RRD directory already holds counts toward the
// budget, and it is measured in the background, never on the request that asks for it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { StorageCapacity } from '../../../appliance/store/storage-capacity.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MB = 1024 * 1024;
const PER_SERVER = MB;
const DISK = 100 * MB;

/**
 * A disk of DISK bytes of which the test's own files take their size: the machine's real free
 * space moves with every other test writing at the same time, so it cannot be compared exactly.
 */
function modelDisk(t: Parameters<typeof tempDir>[0]): { rrdDir: string; freeBytes: () => number; write: (file: string, bytes: number) => void } {
  const rrdDir = tempDir(t);
  let used = 0;
  return {
    rrdDir,
    freeBytes: () => DISK - used,
    write: (file, bytes) => {
      mkdirSync(path.dirname(path.join(rrdDir, file)), { recursive: true });
      writeFileSync(path.join(rrdDir, file), Buffer.alloc(bytes, 1));
      used += bytes;
    },
  };
}

void t.test('files already stored count toward the budget; new ones are seen after a refresh', async (t) => {
  const disk = modelDisk(t);
  const capacity = new StorageCapacity({ rrdDir: disk.rrdDir, freeBytes: disk.freeBytes, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => 0 });
  await capacity.refresh();
  const before = capacity.report();
  t.equal(before.serverCapacity, 90, 'the whole disk less the 10 % reserve');

  // ten servers' worth of files: they take free space, and count as used instead
  for (let n = 0; n < 10; n++) disk.write(`agent${n}/cpu.5s.rrd`, PER_SERVER);
  const stale = capacity.report();
  t.equal(before.freeBytes - stale.freeBytes, 10 * MB, 'the files took free space');
  t.equal(stale.serverCapacity, 81, `not yet walked: ${before.serverCapacity} → ${stale.serverCapacity}`);

  await capacity.refresh();
  const after = capacity.report();
  t.equal(after.serverCapacity, before.serverCapacity, `walked: ${before.serverCapacity} → ${after.serverCapacity}, the stored servers included`);
});

void t.test('a stale total starts a walk in the background; report() answers at once with the last one', async (t) => {
  const disk = modelDisk(t);
  let nowMs = 0;
  const capacity = new StorageCapacity({ rrdDir: disk.rrdDir, freeBytes: disk.freeBytes, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => nowMs });
  await capacity.refresh();
  disk.write('cpu.5s.rrd', 20 * MB);
  const first = capacity.report().serverCapacity;
  nowMs += 16 * 60_000;
  const during = capacity.report().serverCapacity;
  t.equal(during, first, 'the walk it started has not answered yet: the old total');
  let later = during;
  for (const until = Date.now() + 10_000; later < first + 18 && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    later = capacity.report().serverCapacity;
  }
  t.equal(later, first + 18, `the background walk counted the file: ${first} → ${later}`);
});

void t.test('a file the store reports as created counts at once, without a walk', async (t) => {
  const disk = modelDisk(t);
  const capacity = new StorageCapacity({ rrdDir: disk.rrdDir, freeBytes: disk.freeBytes, bytesPerServer: PER_SERVER, budgetBytes: undefined, now: () => 0 });
  await capacity.refresh();
  const before = capacity.report().serverCapacity;
  disk.write('cpu.5s.rrd', 20 * MB);
  capacity.fileCreated(20 * MB);
  const after = capacity.report().serverCapacity;
  t.equal(after, before, `${before} → ${after}: the file moved bytes from free to used`);
});

void t.test('a configured budget needs no walk', (t) => {
  const capacity = new StorageCapacity({ rrdDir: tempDir(t), bytesPerServer: PER_SERVER, budgetBytes: 5 * MB, now: () => 0 });
  t.equal(capacity.report().serverCapacity, 5);
  t.end();
});
