// A change of the retention profile rewrites existing RRD files (S4, S14; retention-change.ts),
// with a real rrdcached and real files: the preview says what is kept and dropped, the rewritten
// files hold the samples they held, samples written during the change are stored, and a restart
// in the middle of a change resumes it without losing a file.
import t from 'tap';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sample } from '../../../contract/metrics.js';
import { bytesForFile } from '../../../appliance/store/rrd-layout.js';
import { convertRrdFile, readRetentionState, RETENTION_STATE_FILE, RetentionChanger } from '../../../appliance/store/retention-change.js';
import type { RrdStore } from '../../../appliance/store/rrd-store.js';
import { startStore, testLogger } from './store-fixture.js';

const STEP = 60;
const MINUTES = 120;
const now = Math.floor(Date.now() / 1000 / STEP) * STEP;
const start = now - MINUTES * STEP;

function samples(from: number, n: number): Sample[] {
  return Array.from({ length: n }, (_, m): Sample[] => {
    const at = from + m * STEP;
    return [
      { t: at, f: 'cpu', v: { user: (at - start) / STEP, system: 1, iowait: 0, steal: 0, idle: 50 } },
      { t: at, f: 'fs', k: '/', v: { used: 1000 + (at - start) / STEP, avail: 5000, size: 6000, inodes_used: 1, inodes_free: 2 } },
    ];
  }).flat();
}

/** user CPU per row over the range, as the store reads it back */
async function userRows(store: RrdStore, from: number, to: number): Promise<[number, number | null][]> {
  const s = await store.series('a1', 'cpu', undefined, from, to, 10_000);
  const col = s.data[s.fields.indexOf('user') + 1] ?? [];
  // rrdtool carries a row over through a double's arithmetic (62 → 62.00000000000001): to 9 decimals
  return s.data[0].map((at, i) => [at, col[i] == null ? null : Math.round((col[i] ?? 0) * 1e9) / 1e9]);
}

function changer(store: RrdStore, profile: 'default' | 'bench'): RetentionChanger {
  return new RetentionChanger({ rrdDir: store.rrdDir, profile, logger: testLogger, now: () => Date.now(), freeBytes: () => 1e12, store });
}

void t.test('default → bench: preview, every file rewritten, history within the new archives kept, writes during the change stored', async (t) => {
  const { store } = await startStore(t);
  t.same((await store.write('a1', STEP, samples(start + STEP, MINUTES - 10))).rejected, 0);
  const before = await userRows(store, now - 3600, now - 10 * STEP);
  t.ok(before.filter(([, v]) => v !== null).length >= 50, `an hour of rows before the change (${before.length})`);

  const c = changer(store, 'default');
  const preview = await c.preview('bench');
  t.match(preview, { from: 'default', to: 'bench', files: 2, agents: 1, dropsOlderThanS: 6 * 3600, rawAfterS: 1800, fits: true });
  t.ok(preview.bytesAfter < preview.bytesBefore / 10, `the files shrink (${preview.bytesBefore} → ${preview.bytesAfter} bytes)`);

  await t.rejects(c.start('default', 'admin'), { code: 'RW_ERR_VALIDATION', message: /profile: the retention is default already/ });
  await c.start('bench', 'admin');
  await t.rejects(c.start('default', 'admin'), { code: 'RW_ERR_CONFLICT' }, 'one change at a time');
  // written while the files are rewritten: waits for the agent's files, then is stored
  const during = store.write('a1', STEP, samples(start + (MINUTES - 9) * STEP, 9));
  await c.settled();
  t.same((await during).rejected, 0, 'the samples sent during the change are stored');
  t.match(c.progress(), { from: 'default', to: 'bench', state: 'done', filesDone: 2, filesTotal: 2, failed: 0 });

  const files = (await readdir(path.join(store.rrdDir, 'a1'))).sort();
  t.same(files, ['cpu.60s.rrd', 'fs-_.60s.rrd'].sort(), 'the same files, no leftovers');
  t.equal((await stat(path.join(store.rrdDir, 'a1', 'cpu.60s.rrd'))).size, bytesForFile('cpu', STEP, 'bench'), 'cpu is in the bench layout');
  t.same(await userRows(store, now - 3600, now - 10 * STEP), before, 'the hour of rows is the same after the change');
  const after = await userRows(store, now - 10 * STEP, now);
  t.same(after.filter(([, v]) => v !== null).map(([, v]) => v), [111, 112, 113, 114, 115, 116, 117, 118, 119], 'and the samples sent during it follow them');
  t.same(await readRetentionState(store.rrdDir), { profile: 'bench', change: null }, 'the profile is recorded, the change over');
});

void t.test('a restart in the middle of a change resumes it: each file is whole in one layout or the other', async (t) => {
  const first = await startStore(t);
  t.same((await first.store.write('a1', STEP, samples(start + STEP, MINUTES - 10))).rejected, 0);
  const before = await userRows(first.store, now - 3600, now - 10 * STEP);
  const dataDir = first.dataDir;
  const rrdDir = first.store.rrdDir;
  await first.store.stop();
  // as a change leaves it when the power goes after the first file: cpu rewritten, fs not, a
  // half-written temporary file beside it, and the state file naming the change
  await convertRrdFile(rrdDir, 'a1/cpu.60s.rrd', 'bench');
  await writeFile(path.join(rrdDir, 'a1', 'fs-_.60s.rrd.retention-tmp'), 'RRD half');
  await writeFile(path.join(rrdDir, RETENTION_STATE_FILE), JSON.stringify({ profile: 'bench', change: { from: 'default', startedAtMs: Date.now(), by: 'admin' } }));

  const state = await readRetentionState(rrdDir);
  t.equal(state?.profile, 'bench', 'the next start takes the new profile');
  const { store } = await startStore(t, { dataDir, profile: 'bench' });
  const c = changer(store, 'bench');
  await c.resume();
  await c.settled();
  t.match(c.progress(), { state: 'done', filesTotal: 2, failed: 0 });
  t.same((await readdir(path.join(rrdDir, 'a1'))).sort(), ['cpu.60s.rrd', 'fs-_.60s.rrd'], 'the temporary file is gone');
  for (const [f, fam] of [['cpu.60s.rrd', 'cpu'], ['fs-_.60s.rrd', 'fs']] as const) {
    t.equal((await stat(path.join(rrdDir, 'a1', f))).size, bytesForFile(fam, STEP, 'bench'), `${f} in the bench layout`);
  }
  t.same(await userRows(store, now - 3600, now - 10 * STEP), before, 'no row lost');
  t.same(await readRetentionState(rrdDir), { profile: 'bench', change: null });
  // and new files get the new layout
  t.same((await store.write('a2', STEP, samples(now - 2 * STEP, 2))).rejected, 0);
  t.equal((await stat(path.join(rrdDir, 'a2', 'cpu.60s.rrd'))).size, bytesForFile('cpu', STEP, 'bench'), "a new server's file is made in the bench layout");
});
