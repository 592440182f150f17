// RRD layout: archives per retention profile, file naming, and sizes checked against files the
// real `rrdtool create` writes.
import t from 'tap';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FAMILY_NAMES, familyFields } from '../../../contract/metrics.js';
import { tempDir } from '../../helpers/temp-dir.js';
import {
  archives, bytesForFile, bytesPerServer, decodeKey, describeRetention, dsDefs, encodeKey, parseRrdFileName,
  rraDefs, rrdFileName,
} from '../../../appliance/store/rrd-layout.js';

const run = promisify(execFile);
const DAY = 86_400;

/** `rrdtool info` as key → value. */
async function rrdInfo(file: string): Promise<Map<string, string>> {
  const { stdout } = await run('rrdtool', ['info', file]);
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) = "?([^"]*)"?$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

void t.test('the default profile keeps raw data a day and AVERAGE/MIN/MAX at 1 min, 5 min and 1 h', (t) => {
  const rras = archives(5, 'default');
  t.same(rras[0], { cf: 'AVERAGE', pdpPerRow: 1, rows: DAY / 5 });
  const tiers = [
    { pdp: 12, keep: 7 * DAY },
    { pdp: 60, keep: 31 * DAY },
    { pdp: 720, keep: 400 * DAY },
  ];
  for (const tier of tiers) {
    for (const cf of ['AVERAGE', 'MIN', 'MAX']) {
      t.ok(rras.some((r) => r.cf === cf && r.pdpPerRow === tier.pdp && r.rows * tier.pdp * 5 === tier.keep), `${cf} every ${tier.pdp} steps for ${tier.keep / DAY} d`);
    }
  }
  t.equal(rras.length, 10);
  t.end();
});

void t.test('a step that does not divide a minute rounds the consolidation to whole steps', (t) => {
  const rras = archives(7, 'default');
  const oneMin = rras.find((r) => r.pdpPerRow === 9);
  t.ok(oneMin, '60 s / 7 s ≈ 9 steps (63 s)');
  t.ok(oneMin && oneMin.rows * 63 >= 7 * DAY, 'still covers a week');
  t.ok(rras.some((r) => r.pdpPerRow === 43), '300 s / 7 s ≈ 43 steps');
  t.end();
});

void t.test('a step as long as a tier folds that tier into the raw archive', (t) => {
  const rras = archives(60, 'default');
  t.same(rras[0], { cf: 'AVERAGE', pdpPerRow: 1, rows: 7 * DAY / 60 }, 'raw archive now keeps the 1-min tier\'s week');
  t.notOk(rras.some((r) => r.pdpPerRow === 1 && r.cf !== 'AVERAGE'), 'no MIN/MAX at the raw resolution');
  const hourly = archives(3600, 'default');
  t.same(hourly.map((r) => r.pdpPerRow), [1], 'step 1 h: one raw archive');
  t.equal(hourly[0]?.rows, 400 * 24);
  t.end();
});

void t.test('the bench profile keeps half an hour raw and six hours of 1-min averages', (t) => {
  t.same(archives(5, 'bench'), [
    { cf: 'AVERAGE', pdpPerRow: 1, rows: 360 },
    { cf: 'AVERAGE', pdpPerRow: 12, rows: 360 },
  ]);
  t.ok(bytesPerServer(5, 'bench') < bytesPerServer(5, 'default') / 100);
  t.end();
});

void t.test('each family field is a GAUGE data source with a 3-step heartbeat', (t) => {
  t.same(dsDefs('load', 10), ['DS:load1:GAUGE:30:U:U', 'DS:load5:GAUGE:30:U:U', 'DS:load15:GAUGE:30:U:U']);
  t.match(describeRetention(5, 'default'), /AVERAGE 5 s for 1 d; AVERAGE\/MIN\/MAX 1 min for 7 d; AVERAGE\/MIN\/MAX 5 min for 31 d; AVERAGE\/MIN\/MAX 1 h for 400 d/);
  t.end();
});

void t.test('bytesForFile is the exact size of the file rrdtool creates, and rrdtool reads the archives as documented', async (t) => {
  const dir = tempDir(t, 'rw-layout-');
  const cases = [
    ...FAMILY_NAMES.map((f) => ({ family: f, step: 5, profile: 'default' as const })),
    { family: 'net' as const, step: 7, profile: 'default' as const },
    { family: 'cpu' as const, step: 60, profile: 'default' as const },
    { family: 'memory' as const, step: 1, profile: 'bench' as const },
    { family: 'fs' as const, step: 30, profile: 'bench' as const },
  ];
  for (const c of cases) {
    const file = path.join(dir, `${c.family}-${c.step}-${c.profile}.rrd`);
    await run('rrdtool', ['create', file, '--step', String(c.step), '--start', '1700000000', ...dsDefs(c.family, c.step), ...rraDefs(c.step, c.profile, c.family)]);
    const size = (await stat(file)).size;
    t.equal(size, bytesForFile(c.family, c.step, c.profile), `${c.family} at ${c.step} s (${c.profile}): ${size} bytes`);

    const info = await rrdInfo(file);
    t.equal(info.get('step'), String(c.step));
    const fields = familyFields(c.family);
    for (const f of fields) {
      t.equal(info.get(`ds[${f}].type`), 'GAUGE');
      t.equal(info.get(`ds[${f}].minimal_heartbeat`), String(3 * c.step));
    }
    const rras = archives(c.step, c.profile, c.family);
    rras.forEach((r, i) => {
      t.equal(info.get(`rra[${i}].cf`), r.cf);
      t.equal(info.get(`rra[${i}].pdp_per_row`), String(r.pdpPerRow));
      t.equal(info.get(`rra[${i}].rows`), String(r.rows));
    });
    t.notOk(info.has(`rra[${rras.length}].cf`), 'no other archive');
  }
});

void t.test('at a 5 s step, 500 nominal servers fit on a 32 GB card under the default profile', (t) => {
  const perServer = bytesPerServer(5, 'default');
  const card = 32e9; // card makers' gigabytes
  // keep a fifth of the card for the system, SQLite, logs and the rrdcached journal
  const budget = card * 0.8;
  t.ok(perServer * 500 <= budget, `${(perServer / 1e6).toFixed(1)} MB per server × 500 = ${((perServer * 500) / 1e9).toFixed(1)} GB ≤ ${budget / 1e9} GB`);
  t.comment(`bytes per server at 5 s: ${perServer}; servers on a 32 GB card (80 %): ${Math.floor(budget / perServer)}`);
  t.end();
});

void t.test('series keys become safe, reversible file names without collisions', (t) => {
  const keys = ['/', '/var/lib', '/var_lib', '/var%lib', '/mnt/My Disk', '/mnt/데이터', 'eth0', 'eth0.100', 'ETH0', 'br-1a2b', '_', '%', '%2f', '.', '..', 'a:b'];
  const encoded = new Set<string>();
  for (const k of keys) {
    const e = encodeKey(k);
    t.match(e, /^[a-z0-9._%-]*$/, `${JSON.stringify(k)} → ${e}`);
    t.equal(decodeKey(e), k, `${JSON.stringify(k)} round-trips`);
    encoded.add(e);
  }
  t.equal(encoded.size, keys.length, 'no two keys share a file name');
  t.equal(encodeKey('/'), '_');
  t.equal(encodeKey('/var/lib'), '_var_lib');
  t.equal(encodeKey('eth0'), 'eth0');
  t.equal(decodeKey('%2F'), null, 'only the canonical encoding decodes');
  t.equal(decodeKey('%61'), null, 'an escaped plain character is not canonical');
  t.equal(decodeKey('A'), null);
  t.end();
});

void t.test('file names carry agent, family, key and step, and parse back', (t) => {
  t.equal(rrdFileName('ag1', 'cpu', undefined, 5), 'ag1/cpu.5s.rrd');
  t.equal(rrdFileName('ag1', 'fs', '/var/lib', 5), 'ag1/fs-_var_lib.5s.rrd');
  t.equal(rrdFileName('ag1', 'net', 'eth0.100', 10), 'ag1/net-eth0.100.10s.rrd');
  t.same(parseRrdFileName('net-eth0.100.10s.rrd'), { family: 'net', key: 'eth0.100', step: 10 });
  t.same(parseRrdFileName('fs-_.5s.rrd'), { family: 'fs', key: '/', step: 5 });
  t.same(parseRrdFileName('cpu.5s.rrd'), { family: 'cpu', key: undefined, step: 5 });
  t.equal(parseRrdFileName('cpu-x.5s.rrd'), null, 'cpu takes no key');
  t.equal(parseRrdFileName('disk.5s.rrd'), null, 'unknown family');
  t.throws(() => rrdFileName('../etc', 'cpu', undefined, 5), { code: 'RW_ERR_BAD_REQUEST' });
  t.throws(() => rrdFileName('ag1', 'fs', undefined, 5), { code: 'RW_ERR_BAD_REQUEST' });
  t.throws(() => rrdFileName('ag1', 'fs', '/' + '데'.repeat(100), 5), { code: 'RW_ERR_BAD_REQUEST' }, 'a key too long for a file name');
  t.end();
});
