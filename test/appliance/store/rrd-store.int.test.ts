// The RRD store against a real rrdcached: writes acknowledged by the daemon, reads through FETCH,
// and no acknowledged sample lost when the daemon is killed.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { METRICS_LIMITS, type Sample } from '../../../contract/metrics.js';
import { bytesPerServer } from '../../../appliance/store/rrd-layout.js';
import type { RrdStore } from '../../../appliance/store/rrd-store.js';
import { RECENT_LEAD_S } from '../../../appliance/store/rrd-templates.js';
import { eventually, startStore, stopProcess } from './store-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);
/** a 5 s-aligned time well in the past, so rrdtool's "now" never matters */
const T0 = 1_700_000_000;

function cpu(t: number, user: number): Sample {
  return { t, f: 'cpu', v: { user, system: user / 2, iowait: 0, steal: null, idle: 100 - user } };
}

function cpuSeries(from: number, n: number, step = 5): Sample[] {
  return Array.from({ length: n }, (_, i) => cpu(from + i * step, i));
}

async function killAndWaitForRestart(store: RrdStore): Promise<void> {
  const pid = store.health().pid;
  if (pid === null) throw new Error('rrdcached not running');
  process.kill(pid, 'SIGKILL');
  await eventually(() => store.health().ok && store.health().pid !== pid, 15_000, 'rrdcached restart');
}

/** user column of cpu rows whose time is in [from, to] */
async function userValues(store: RrdStore, agentId: string, from: number, to: number): Promise<Map<number, number | null>> {
  const s = await store.series(agentId, 'cpu', undefined, from - 5, to, 100_000);
  const times = s.data[0];
  const user = s.data[1 + s.fields.indexOf('user')] ?? [];
  const out = new Map<number, number | null>();
  times.forEach((tm, i) => {
    if (tm >= from && tm <= to) out.set(tm, user[i] ?? null);
  });
  return out;
}

void t.test('written samples are read back by series() through rrdcached', async (t) => {
  const { store } = await startStore(t);
  const res = await store.write('ag1', 5, [
    ...cpuSeries(T0, 10),
    { t: T0, f: 'fs', k: '/var/lib', v: { size: 1000, used: 400, avail: 600, inodes: 50, inodes_used: 5 } },
    { t: T0 + 5, f: 'fs', k: '/var/lib', v: { size: 1000, used: 410, avail: 590, inodes: 50, inodes_used: 6 } },
    { t: T0, f: 'net', k: 'eth0', v: { rx_bytes: 1e9, tx_bytes: 2.5 } },
  ]);
  t.same(res, { updated: 13, rejected: 0 });
  t.same(store.counters, { rrdUpdates: 13, rrdUpdateErrors: 0 });

  const s = await store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 45, 1000);
  t.equal(s.agentId, 'ag1');
  t.equal(s.family, 'cpu');
  t.notOk('key' in s, 'no key for an unkeyed family');
  t.equal(s.step, 5, 'answered from the raw archive');
  t.same(s.fields, ['user', 'system', 'iowait', 'steal', 'idle']);
  const [times, user, system, , steal] = s.data;
  const at = (tm: number): number => times.indexOf(tm);
  t.equal(user?.[at(T0)], 0);
  t.equal(user?.[at(T0 + 45)], 9);
  t.equal(system?.[at(T0 + 20)], 2);
  t.equal(steal?.[at(T0 + 20)], null, 'null is stored as unknown');

  const fs = await store.series('ag1', 'fs', '/var/lib', T0 - 5, T0 + 5, 100);
  t.equal(fs.key, '/var/lib');
  t.equal(fs.data[fs.fields.indexOf('used') + 1]?.[fs.data[0].indexOf(T0 + 5)], 410);
  const net = await store.series('ag1', 'net', 'eth0', T0 - 5, T0, 100);
  t.equal(net.data[net.fields.indexOf('rx_bytes') + 1]?.[net.data[0].indexOf(T0)], 1e9);
  t.equal(net.data[net.fields.indexOf('colls') + 1]?.[net.data[0].indexOf(T0)], null, 'a missing field is unknown');

  t.same(await store.filesOf('ag1'), ['ag1/cpu.5s.rrd', 'ag1/fs-_var_lib.5s.rrd', 'ag1/net-eth0.5s.rrd']);
  t.same(await store.filesOf('nobody'), []);
});

void t.test('an update older than the last one is counted as rejected, not thrown', async (t) => {
  const { store } = await startStore(t);
  t.same(await store.write('ag1', 5, cpuSeries(T0, 3)), { updated: 3, rejected: 0 });
  const older = await store.write('ag1', 5, [cpu(T0 + 5, 50), cpu(T0 + 10, 50), cpu(T0 + 15, 7)]);
  t.same(older, { updated: 1, rejected: 2 }, 'same and older timestamps are refused, the newer one is stored');
  t.same(store.counters, { rrdUpdates: 4, rrdUpdateErrors: 2 });
  const values = await userValues(store, 'ag1', T0, T0 + 15);
  t.equal(values.get(T0 + 5), 1, 'the refused sample did not overwrite the stored one');
  t.equal(values.get(T0 + 15), 7);
});

void t.test('samples of a batch are stored oldest first whatever their order in the batch', async (t) => {
  const { store } = await startStore(t);
  t.same(await store.write('ag1', 5, cpuSeries(T0, 5).reverse()), { updated: 5, rejected: 0 });
});

void t.test('series() averages rows into at most `points` buckets', async (t) => {
  const { store } = await startStore(t);
  await store.write('ag1', 5, cpuSeries(T0 + 5, 100));
  const s = await store.series('ag1', 'cpu', undefined, T0, T0 + 500, 10);
  t.ok(s.data[0].length <= 10, `${s.data[0].length} rows`);
  t.equal(s.step, 50);
  const user = s.data[1] ?? [];
  t.equal(user[0], 4.5, 'first bucket: mean of 0…9');
  t.equal(user[9], 94.5, 'last bucket: mean of 90…99');
  t.equal(s.data[0][0], T0 + 50, 'a bucket is stamped with its last row');
  t.equal(s.data.length, 6, 'times + five cpu fields');
});

void t.test('an unknown agent or series is RW_ERR_NOT_FOUND', async (t) => {
  const { store } = await startStore(t);
  await store.write('ag1', 5, cpuSeries(T0, 2));
  await t.rejects(store.series('nobody', 'cpu', undefined, T0, T0 + 10, 10), { code: 'RW_ERR_NOT_FOUND' });
  await t.rejects(store.series('ag1', 'load', undefined, T0, T0 + 10, 10), { code: 'RW_ERR_NOT_FOUND' });
  await t.rejects(store.series('ag1', 'fs', '/', T0, T0 + 10, 10), { code: 'RW_ERR_NOT_FOUND' });
  await t.rejects(store.series('../etc', 'cpu', undefined, T0, T0 + 10, 10), { code: 'RW_ERR_NOT_FOUND' });
  await t.rejects(store.series('ag1', 'cpu', undefined, T0 + 10, T0, 10), { code: 'RW_ERR_BAD_REQUEST' });
});

void t.test('a changed collector interval gets its own file, and series() reads the current one', async (t) => {
  const { store } = await startStore(t);
  await store.write('ag1', 5, cpuSeries(T0, 4));
  await store.write('ag1', 10, [cpu(T0 + 100, 42)]);
  t.same(await store.filesOf('ag1'), ['ag1/cpu.10s.rrd', 'ag1/cpu.5s.rrd']);
  const s = await store.series('ag1', 'cpu', undefined, T0 + 90, T0 + 100, 10);
  t.equal(s.step, 10);
  t.equal(s.data[1]?.[s.data[0].indexOf(T0 + 100)], 42);
});

void t.test('a sample carrying its own collector interval is stored in the file of that step', async (t) => {
  const { store } = await startStore(t);
  const tLoad = T0 + 10; // on a 30 s boundary
  t.same(await store.write('ag1', 5, [cpu(T0, 1), { t: tLoad, f: 'load', i: 30, v: { load1: 0.5, load5: 0.25, load15: 0.125 } }]), { updated: 2, rejected: 0 });
  t.same(await store.filesOf('ag1'), ['ag1/cpu.5s.rrd', 'ag1/load.30s.rrd']);
  const s = await store.series('ag1', 'load', undefined, tLoad - 30, tLoad, 10);
  t.equal(s.step, 30);
  t.same(s.data.map((col) => col[s.data[0].indexOf(tLoad)]), [tLoad, 0.5, 0.25, 0.125]);
});

void t.test('files already on disk from a previous run are reused, not overwritten', async (t) => {
  const { store, dataDir } = await startStore(t);
  await store.write('ag1', 5, cpuSeries(T0, 3));
  await store.stop();
  const { store: again } = await startStore(t, { dataDir });
  t.same(await again.write('ag1', 5, [cpu(T0 + 10, 9), cpu(T0 + 15, 9)]), { updated: 1, rejected: 1 }, 'the old last update still counts');
  const values = await userValues(again, 'ag1', T0, T0 + 15);
  t.equal(values.get(T0), 0, 'history kept');
  t.equal(values.get(T0 + 15), 9);
});

void t.test('stop() writes every pending update into the RRD files', async (t) => {
  const { store, dataDir } = await startStore(t);
  await store.write('ag1', 5, cpuSeries(T0, 6));
  await store.stop();
  // plain rrdtool, no daemon: what is in the file itself
  const { stdout } = await run('rrdtool', ['fetch', path.join(dataDir, 'rrd', 'ag1', 'cpu.5s.rrd'), 'AVERAGE', '-s', String(T0 - 5), '-e', String(T0 + 25)]);
  t.match(stdout, new RegExp(`${T0 + 25}: 5\\.0+e\\+00`), 'last sample on disk');
});

void t.test('one nominal server written through the store takes bytesPerServer on disk; 500 fit on a 32 GB card', async (t) => {
  const { store, dataDir } = await startStore(t);
  const fsSample = (k: string): Sample => ({ t: T0, f: 'fs', k, v: { size: 1, used: 1, avail: 1, inodes: 1, inodes_used: 1 } });
  const netSample = (k: string): Sample => ({ t: T0, f: 'net', k, v: { rx_bytes: 1 } });
  await store.write('srv', 5, [
    cpu(T0, 1), { t: T0, f: 'load', v: { load1: 1, load5: 1, load15: 1 } },
    { t: T0, f: 'memory', v: { total: 1, used: 1 } },
    fsSample('/'), fsSample('/var'), fsSample('/home'), netSample('eth0'), netSample('eth1'),
    { t: T0, f: 'cpucore', k: 'cpu0', v: { user: 1 } }, { t: T0, f: 'cpucore', k: 'cpu1', v: { user: 1 } },
    { t: T0, f: 'tcp', v: { established: 1 } }, { t: T0, f: 'disk', k: 'sda', v: { reads: 1 } },
  ]);
  let onDisk = 0;
  for (const f of await store.filesOf('srv')) onDisk += (await stat(path.join(dataDir, 'rrd', f))).size;
  t.equal(onDisk, bytesPerServer(5, 'default'));
  t.equal(store.bytesPerServer(5), onDisk);
  t.ok(onDisk * 500 <= 32e9 * 0.8, `${(onDisk / 1e6).toFixed(1)} MB per server: 500 servers take ${((onDisk * 500) / 1e9).toFixed(1)} GB of a 32 GB card`);
});

void t.test('rrdcached killed with SIGKILL is restarted and samples acknowledged before the kill are still readable afterwards (journal replay)', async (t) => {
  const { store } = await startStore(t);
  // 400 updates: most reach rrdcached's journal file, the last ones sit in its stdio buffer
  const n = 400;
  t.same(await store.write('ag1', 5, cpuSeries(T0, n)), { updated: n, rejected: 0 });
  await killAndWaitForRestart(store);
  t.equal(store.health().restarts, 1);
  const values = await userValues(store, 'ag1', T0, T0 + (n - 1) * 5);
  const missing = [...values.entries()].filter(([tm, v]) => v !== (tm - T0) / 5);
  t.equal(values.size, n);
  t.same(missing, [], 'every acknowledged sample is there');
  t.same(await store.write('ag1', 5, [cpu(T0 + n * 5, 1)]), { updated: 1, rejected: 0 }, 'and the store keeps writing');
});

void t.test('rrdcached 1.7.2 alone loses the last acknowledged updates on SIGKILL: why the store keeps a journal of its own', async (t) => {
  const { store } = await startStore(t, { sampleJournal: 'off' });
  const n = 400;
  await store.write('ag1', 5, cpuSeries(T0, n));
  await killAndWaitForRestart(store);
  const values = await userValues(store, 'ag1', T0, T0 + (n - 1) * 5);
  const kept = [...values.values()].filter((v) => v !== null).length;
  t.ok(kept > n / 2, `the journal replayed ${kept} of ${n}`);
  t.ok(kept < n, `the last ${n - kept} were still in rrdcached's unwritten journal buffer`);
});

void t.test('writes during the restart window are not lost', async (t) => {
  const { store } = await startStore(t);
  const agents = ['a1', 'a2', 'a3', 'a4'];
  const rounds = 60;
  let killed = false;
  const writers = agents.map(async (agentId) => {
    let updated = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await store.write(agentId, 5, [cpu(T0 + i * 5, i)]);
      updated += r.updated;
      t.equal(r.rejected, 0);
      await new Promise((res) => setTimeout(res, 5));
    }
    return updated;
  });
  const killer = (async () => {
    await new Promise((res) => setTimeout(res, 60));
    await killAndWaitForRestart(store);
    killed = true;
  })();
  const updated = await Promise.all(writers);
  await killer;
  t.ok(killed);
  t.same(updated, agents.map(() => rounds), 'every write() resolved with all its samples stored');
  for (const agentId of agents) {
    const values = await userValues(store, agentId, T0, T0 + (rounds - 1) * 5);
    t.same([...values.entries()].filter(([tm, v]) => v !== (tm - T0) / 5), [], `${agentId}: all ${rounds} samples readable`);
  }
});

void t.test('a hung rrdcached (SIGSTOP) is killed and replaced, and the writes waiting on it complete', async (t) => {
  const { store } = await startStore(t, { hangTimeoutMs: 500, watchdogIntervalMs: 100 });
  await store.write('ag1', 5, cpuSeries(T0, 3));
  const pid = store.health().pid;
  if (pid === null) throw new Error('no pid');
  // stopped for sure before the write: a daemon still running for a moment after SIGSTOP took it
  await stopProcess(pid);
  const waiting = store.write('ag1', 5, [cpu(T0 + 15, 3), cpu(T0 + 20, 4)]);
  t.same(await waiting, { updated: 2, rejected: 0 });
  t.not(store.health().pid, pid, 'a new daemon answered');
  t.equal(store.health().restarts, 1);
  const values = await userValues(store, 'ag1', T0, T0 + 20);
  t.same([...values.values()], [0, 1, 2, 3, 4]);
});

void t.test('write() rejects with RW_ERR_RRDCACHED_DOWN when rrdcached stays down longer than the bounded wait', async (t) => {
  // a long first restart delay keeps the daemon down for the whole wait
  const { store } = await startStore(t, { downWaitMs: 300, backoff: { initialMs: 3000, maxMs: 3000 } });
  await store.write('ag1', 5, cpuSeries(T0, 1));
  const pid = store.health().pid;
  if (pid === null) throw new Error('no pid');
  process.kill(pid, 'SIGKILL');
  await eventually(() => !store.health().ok, 5000, 'rrdcached down');
  await t.rejects(store.write('ag1', 5, [cpu(T0 + 5, 1)]), { code: 'RW_ERR_RRDCACHED_DOWN' });
  // judged by what happened, not by a stopwatch on a loaded machine: the 300 ms wait ran out
  // before the restart 3 s after the crash, so the write gave up with rrdcached still down
  t.notOk(store.health().ok, 'gave up after the bounded wait, while rrdcached was still down (not at its restart)');
  await eventually(() => store.health().ok, 10_000, 'restart');
  t.same(await store.write('ag1', 5, [cpu(T0 + 5, 1)]), { updated: 1, rejected: 0 }, 'the retried sample is stored once rrdcached is back');
});

void t.test('pipelined updates: rate through the store (bench profile)', async (t) => {
  const { store } = await startStore(t, { profile: 'bench' });
  const agents = 200;
  const perAgent = 50;
  const started = process.hrtime.bigint();
  // files first, so the measurement is updates, not CREATEs
  await Promise.all(Array.from({ length: agents }, (_, a) => store.write(`b${a}`, 5, [cpu(T0, 0)])));
  const createdAt = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: agents }, (_, a) => store.write(`b${a}`, 5, cpuSeries(T0 + 5, perAgent))));
  const done = process.hrtime.bigint();
  const updates = results.reduce((n, r) => n + r.updated, 0);
  t.equal(updates, agents * perAgent);
  const rate = updates / (Number(done - createdAt) / 1e9);
  t.comment(`${agents} files created in ${(Number(createdAt - started) / 1e6).toFixed(0)} ms; ${updates} updates at ${Math.round(rate)}/s`);
});

void t.test('the first sample after a silence longer than the heartbeat is kept, not stored as unknown', async (t) => {
  const { store } = await startStore(t);
  t.same(await store.write('gap1', 5, [cpu(T0, 10), cpu(T0 + 5, 11)]), { updated: 2, rejected: 0 }, 'bridges are not counted as samples');
  // 60 s of silence (an agent restarting), then one sample
  t.same(await store.write('gap1', 5, [cpu(T0 + 65, 42)]), { updated: 1, rejected: 0 });
  const values = await userValues(store, 'gap1', T0 + 5, T0 + 65);
  t.equal(values.get(T0 + 65), 42, 'the sample after the gap holds its value');
  t.equal(values.get(T0 + 30), null, 'the gap itself stays unknown');
});

void t.test('B2: after a restart, the first sample after a gap of 2, 3, 4, 10 or 1000 steps is kept, every acknowledged value read back exactly', async (t) => {
  const gaps = [2, 3, 4, 10, 1000];
  const dataDir = tempDir(t);
  const sent = new Map<string, Map<number, number>>();
  const write = async (store: RrdStore, agentId: string, tm: number, v: number): Promise<void> => {
    t.same(await store.write(agentId, 5, [cpu(tm, v)]), { updated: 1, rejected: 0 }, `${agentId} ${tm}: stored, no rejection (a refused bridge is none)`);
    sent.set(agentId, (sent.get(agentId) ?? new Map<number, number>()).set(tm, v));
  };
  const before = await startStore(t, { dataDir });
  for (const g of gaps) for (let i = 0; i < 3; i++) await write(before.store, `gap${g}`, T0 + i * 5, 10 + i);
  await before.store.stop();
  // a new process: the store does not know where each file ends
  const after = await startStore(t, { dataDir });
  for (const g of gaps) {
    const tm = T0 + (2 + g) * 5;
    await write(after.store, `gap${g}`, tm, 50 + g);
    // and a gap within this process too
    await write(after.store, `gap${g}`, tm + g * 5, 60 + g);
  }
  for (const [agentId, values] of sent) {
    const times = [...values.keys()];
    const read = await userValues(after.store, agentId, Math.min(...times), Math.max(...times));
    t.same(times.map((tm) => [tm, read.get(tm)]), times.map((tm) => [tm, values.get(tm)]), `${agentId}: every acknowledged value`);
  }
});

/** `rrdtool info` without what depends on when the file was made or last written */
async function layoutOf(file: string): Promise<string[]> {
  const { stdout } = await run('rrdtool', ['info', file]);
  return stdout.split('\n').filter((l) => /^(step|ds\[|rra\[\d+\]\.(cf|rows|pdp_per_row|xff))/.test(l) && !/\.(last_ds|value|unknown_sec)/.test(l));
}

void t.test('a file for a current sample is a copy of its family template: the same layout, its first sample kept', async (t) => {
  const created: number[] = [];
  const { store, dataDir } = await startStore(t, { onFileCreated: (bytes) => created.push(bytes) });
  const now = Math.floor(Date.now() / 1000);
  const tNow = now - (now % 5);
  const fresh = Array.from({ length: 6 }, (_, i) => cpu(tNow - 25 + i * 5, 10 + i));
  t.same(await store.write('fresh1', 5, fresh), { updated: 6, rejected: 0 });
  t.same(await store.write('fresh2', 5, [cpu(tNow, 77)]), { updated: 1, rejected: 0 }, 'a second agent gets its own copy');
  // an old sample (older than any the template takes) gets a file created for it by rrdcached
  t.same(await store.write('old1', 5, cpuSeries(T0, 3)), { updated: 3, rejected: 0 });

  const rrd = path.join(dataDir, 'rrd');
  const copied = await layoutOf(path.join(rrd, 'fresh1', 'cpu.5s.rrd'));
  t.ok(copied.length > 10, 'rrdtool reads the copy');
  t.same(copied, await layoutOf(path.join(rrd, 'old1', 'cpu.5s.rrd')), 'step, data sources and archives as a file created for the sample');

  const values = await userValues(store, 'fresh1', tNow - 25, tNow);
  t.same([...values.values()], [10, 11, 12, 13, 14, 15], 'every sample, the first one included');
  t.same([...(await userValues(store, 'fresh2', tNow, tNow)).values()], [77], 'the single first sample of another copy');
  t.same(await store.filesOf('fresh1'), ['fresh1/cpu.5s.rrd']);
  const sizes = await Promise.all(['fresh1', 'fresh2'].map(async (a) => (await stat(path.join(rrd, a, 'cpu.5s.rrd'))).size));
  t.same(created, sizes, 'each copy is reported with its size (the storage capacity counts it)');
  t.same(await store.filesOf('.templates'), [], 'the templates are no agent');
});

void t.test('a new file starts minutes before a current sample and a week before a backlogged one: the gap rrdtool fills at its first write stays short', async (t) => {
  const { store, dataDir } = await startStore(t);
  const now = Math.floor(Date.now() / 1000);
  const tNow = now - (now % 5);
  const queued = tNow - 3600; // an hour in the agent's queue after an outage
  t.same(await store.write('live1', 5, [cpu(tNow, 1)]), { updated: 1, rejected: 0 });
  t.same(await store.write('late1', 5, [cpu(queued, 2)]), { updated: 1, rejected: 0 });
  // rrdcached has written nothing yet (-w 300): the files are as copied
  const startOf = async (agentId: string): Promise<number> => {
    const { stdout } = await run('rrdtool', ['info', path.join(dataDir, 'rrd', agentId, 'cpu.5s.rrd')]);
    return Number(/^last_update = (\d+)$/m.exec(stdout)?.[1]);
  };
  const live = await startOf('live1');
  t.ok(tNow - live > 5 && tNow - live <= 2 * RECENT_LEAD_S + 5, `the current sample's file starts ${tNow - live} s before it`);
  const late = await startOf('late1');
  t.ok(late <= now - METRICS_LIMITS.maxAgeS, `the backlogged sample's file starts ${Math.round((queued - late) / 86400)} days before it`);
  t.same([...(await userValues(store, 'live1', tNow, tNow)).values()], [1], 'both first samples are kept');
  t.same([...(await userValues(store, 'late1', queued, queued)).values()], [2]);
});

void t.test('the templates of an earlier run are removed at start', async (t) => {
  const dataDir = tempDir(t);
  const first = await startStore(t, { dataDir });
  const now = Math.floor(Date.now() / 1000);
  await first.store.write('a1', 5, [cpu(now - (now % 5), 1)]);
  await first.store.stop();
  t.equal((await readdir(path.join(dataDir, 'rrd', '.templates'))).length, 1, 'one template while it ran');
  const second = await startStore(t, { dataDir });
  t.same(await readdir(path.join(dataDir, 'rrd', '.templates')).catch(() => []), [], 'none left after a restart');
  t.same([...(await userValues(second.store, 'a1', now - (now % 5), now)).values()], [1], 'the agent files are kept');
});

/** the newest update in the file itself (plain rrdtool, no daemon), or 0 before the first */
async function lastUpdateOnDisk(file: string): Promise<number> {
  const { stdout } = await run('rrdtool', ['lastupdate', file]);
  const m = /^(\d+):/m.exec(stdout);
  return m ? Number(m[1]) : 0;
}

void t.test('--rrd-write-interval: rrdcached writes updates to the files that soon; the default keeps them in memory for minutes', async (t) => {
  /** writes one sample every 0.5 s for up to `ms`; resolves with the newest time seen in the file on disk */
  const feed = async (store: RrdStore, file: string, ms: number, until: (onDisk: number) => boolean): Promise<number> => {
    const start = Date.now();
    let n = 0;
    let onDisk = 0;
    while (Date.now() - start < ms) {
      await store.write('ag1', 5, [cpu(T0 + 5 * n, n)]);
      n++;
      onDisk = await lastUpdateOnDisk(file);
      if (until(onDisk)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return onDisk;
  };
  const short = await startStore(t, { writeIntervalS: 1 });
  const shortFile = path.join(short.dataDir, 'rrd', 'ag1', 'cpu.5s.rrd');
  t.ok(await feed(short.store, shortFile, 15_000, (d) => d > T0) > T0, 'with 1 s, samples reach the file while rrdcached runs');

  const usual = await startStore(t);
  const usualFile = path.join(usual.dataDir, 'rrd', 'ag1', 'cpu.5s.rrd');
  t.equal(await feed(usual.store, usualFile, 4_000, () => false), T0 - 5, 'with the default, the file on disk still shows only its start: the samples are in rrdcached (and its journal)');
});
