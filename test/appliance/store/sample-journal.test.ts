// The store's write-ahead journal (RES): what it acknowledged is read back after a restart, a
// record torn by a power cut is ignored, batches share their fdatasync, and a segment goes only
// once its updates must be in the RRD files on disk (kept long enough, then a sync). Real files
// in a temporary directory; time in virtual milliseconds.
import t from 'tap';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DURABLE_MARK_FILE, SampleJournal, SEGMENT_SUFFIX, type SampleJournalDeps } from '../../../appliance/store/sample-journal.js';
import { silentLogger } from '../../../core/logger.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface Rig {
  journal: SampleJournal;
  clock: VirtualClock;
  dir: string;
  syncs: number[];
}

function rig(t: { teardown(fn: () => unknown): void }, opts: Partial<SampleJournalDeps> & { dir?: string; clock?: VirtualClock } = {}): Rig {
  const dir = opts.dir ?? tempDir(t, 'rw-wal-');
  const clock = opts.clock ?? new VirtualClock();
  const syncs: number[] = [];
  const journal = new SampleJournal({
    dir, clock, logger: silentLogger, keepMs: 600_000, commitDelayMs: 5, segmentMs: 60_000,
    syncData: () => {
      syncs.push(clock.now());
      return Promise.resolve();
    },
    ...opts,
  });
  t.teardown(() => journal.close({ rrdFilesComplete: false }));
  return { journal, clock, dir, syncs };
}

/** Appends and waits for the commit: the delay timer is virtual, the write and fdatasync real. */
async function appendDurably(r: Rig, ...payloads: string[]): Promise<void> {
  const done = Promise.all(payloads.map((p) => r.journal.append(p)));
  await r.clock.advance(5);
  await done;
}

async function replayed(journal: SampleJournal): Promise<string[]> {
  const out: string[] = [];
  for await (const record of journal.replay()) out.push(record);
  return out;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(SEGMENT_SUFFIX)).sort();
}

void t.test('acknowledged records are read back, in order, by the next run', async (t) => {
  const first = rig(t);
  await first.journal.open();
  await appendDurably(first, 'UPDATE a/cpu.5s.rrd 100:1:2', 'UPDATE a/cpu.5s.rrd 105:U:3\nUPDATE a/load.5s.rrd 105:0.5');
  await appendDurably(first, 'UPDATE a/cpu.5s.rrd 110:4:5');
  // the process dies: nothing closed
  const next = rig(t, { dir: first.dir });
  await next.journal.open();
  t.same(await replayed(next.journal), [
    'UPDATE a/cpu.5s.rrd 100:1:2', 'UPDATE a/cpu.5s.rrd 105:U:3\nUPDATE a/load.5s.rrd 105:0.5', 'UPDATE a/cpu.5s.rrd 110:4:5',
  ]);
});

void t.test('batches appended while a commit gathers share one fdatasync', async (t) => {
  const r = rig(t);
  await r.journal.open();
  await appendDurably(r, ...Array.from({ length: 50 }, (_, i) => `UPDATE a/cpu.5s.rrd ${100 + i}:1`));
  t.equal(r.journal.stats().commits, 1, '50 batches, one commit');
  t.equal(r.journal.stats().records, 50);
});

void t.test('an append resolves only once its record is durable: the durable mark covers it', async (t) => {
  const r = rig(t);
  await r.journal.open();
  let resolved = false;
  const p = r.journal.append('UPDATE a/cpu.5s.rrd 100:1').then(() => { resolved = true; });
  await new Promise((res) => setTimeout(res, 20));
  t.notOk(resolved, 'not before its commit (the gathering delay has not passed)');
  await r.clock.advance(5);
  await p;
  const [segment, length] = readFileSync(path.join(r.dir, DURABLE_MARK_FILE), 'utf8').trim().split(' ');
  t.equal(segment, segmentFiles(r.dir)[0]);
  t.equal(Number(length), statSync(path.join(r.dir, segment ?? '')).size, 'the mark names the whole segment as durable');
});

void t.test('a record torn by a power cut is ignored, the ones before it kept, and the start does not fail', async (t) => {
  for (const [what, tear] of [
    ['cut in its payload', (file: string): void => truncateSync(file, statSync(file).size - 3)],
    ['cut in its header', (file: string): void => appendFileSync(file, Buffer.from([7, 0, 0]))],
    ['checksum wrong', (file: string): void => {
      const b = readFileSync(file);
      b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0xff;
      writeFileSync(file, b);
    }],
    ['a length of garbage', (file: string): void => appendFileSync(file, Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]))],
  ] as const) {
    await t.test(what, async (t) => {
      const first = rig(t);
      await first.journal.open();
      await appendDurably(first, 'UPDATE a/cpu.5s.rrd 100:1');
      const keep = statSync(path.join(first.dir, segmentFiles(first.dir)[0] ?? '')).size;
      await appendDurably(first, 'UPDATE a/cpu.5s.rrd 105:2');
      const file = path.join(first.dir, segmentFiles(first.dir)[0] ?? '');
      if (what === 'cut in its header' || what === 'a length of garbage') truncateSync(file, keep);
      tear(file);
      const next = rig(t, { dir: first.dir });
      await next.journal.open();
      t.same(await replayed(next.journal), ['UPDATE a/cpu.5s.rrd 100:1'], 'the whole record before the torn one, nothing of it');
      await appendDurably(next, 'UPDATE a/cpu.5s.rrd 110:3');
      t.equal(next.journal.stats().commits, 1, 'and the journal keeps taking records (in a new segment)');
    });
  }
});

void t.test('segments rotate, and one is deleted only after keepMs and a sync of the data filesystem', async (t) => {
  const r = rig(t, { keepMs: 600_000, segmentMs: 60_000 });
  await r.journal.open();
  await appendDurably(r, 'UPDATE a/cpu.5s.rrd 100:1');
  await r.clock.advance(60_000);
  await appendDurably(r, 'UPDATE a/cpu.5s.rrd 160:1');
  t.equal(segmentFiles(r.dir).length, 2, 'a new segment after a minute');
  // the commit that rotated ran as the gathering delay ended: now
  const closedAt = r.clock.now();
  await r.clock.advance(600_000 - 10);
  t.equal(await r.journal.prune(), 0, 'nothing is old enough');
  t.same(r.syncs, [], 'and nothing was synced for it');
  await r.clock.advance(10);
  t.equal(await r.journal.prune(), 1, 'the first segment goes keepMs after it was closed');
  t.ok((r.syncs[0] ?? 0) >= closedAt + 600_000, 'after a sync started that late');
  t.equal(segmentFiles(r.dir).length, 1);
  t.same(await replayed(r.journal), ['UPDATE a/cpu.5s.rrd 160:1'], 'the newer records stay');
});

void t.test('at its bound the journal makes writers wait until old segments are deleted', async (t) => {
  const r = rig(t, { maxBytes: 100, keepMs: 1_000, segmentMs: 1_000 });
  await r.journal.open();
  await appendDurably(r, 'x'.repeat(120));
  let room = false;
  const waiting = r.journal.room().then(() => { room = true; });
  await new Promise((res) => setTimeout(res, 10));
  t.ok(r.journal.stats().full, 'full');
  t.notOk(room, 'no room: the writer waits (no acknowledgement), nothing is dropped');
  await r.clock.advance(1_000);
  await appendDurably(r, 'y'); // rotates: the full segment is closed
  await r.clock.advance(1_000);
  await r.journal.prune();
  await waiting;
  t.ok(room, 'room again once the old segment is deleted');
});

void t.test('a clean close after rrdcached wrote everything syncs and leaves nothing to replay', async (t) => {
  const r = rig(t);
  await r.journal.open();
  await appendDurably(r, 'UPDATE a/cpu.5s.rrd 100:1');
  await r.journal.close({ rrdFilesComplete: true });
  t.equal(r.syncs.length, 1, 'synced');
  t.same(segmentFiles(r.dir), [], 'no segment left');
});
