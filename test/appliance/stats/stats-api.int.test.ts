// Statistics (S10) against a real rrdcached: RRD files written with known values (a ramp with an
// hour's gap; a ten-day sawtooth read from the 5-minute archives), read back through
// GET /api/v1/stats as min / avg / max / p95 / p99 / availability that are checked exactly, for
// all hours, business hours (Wed 09:00–18:00 in Asia/Seoul) and the others; the CSV's numbers are
// the JSON's; bad queries are 400s naming the field; saved reports are produced by the scheduler
// in virtual time and their CSV is the one GET /stats.csv gives for the same period.
import t from 'tap';
import type { Test } from 'tap';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import { statsRoutes } from '../../../appliance/stats/routes.js';
import { StatsFeature } from '../../../appliance/stats/stats-feature.js';
import { STATS_CSV_HEADER } from '../../../appliance/stats/stats-csv.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { retentionSpanS } from '../../../appliance/store/rrd-layout.js';
import type { Sample } from '../../../contract/metrics.js';
import type { ReportView, StatsResponse } from '../../../contract/stats-api.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startStore } from '../store/store-fixture.js';

/** local midnight of Wednesday 28 May 2025 in Asia/Seoul (UTC+9) */
const D0 = Date.UTC(2025, 4, 27, 15, 0, 0) / 1000;
const DAY = 86_400;
const STEP = 60;
const GAP = { first: 601, last: 660 };

/** a1: user = m at minute m = 1…1440 of the day, none for the hour m = 601…660 */
function rampSamples(): Sample[] {
  const out: Sample[] = [];
  for (let m = 1; m <= 1440; m++) {
    if (m >= GAP.first && m <= GAP.last) continue;
    out.push({ t: D0 + m * STEP, f: 'cpu', v: { user: m, system: 1441 - m, iowait: 0, steal: 0, idle: 50 } });
  }
  return out;
}

/** a2: ten days of a sawtooth, user = k mod 720 at the k-th minute */
const SAW_FROM = D0 + DAY - 10 * DAY;
function sawSamples(): Sample[] {
  const out: Sample[] = [];
  for (let k = 1; k <= 10 * 1440; k++) out.push({ t: SAW_FROM + k * STEP, f: 'cpu', v: { user: k % 720, system: 1, iowait: 0, steal: 0, idle: 50 } });
  return out;
}

function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.ceil(p * sorted.length) - 1] ?? NaN;
}

interface Fixture {
  get(url: string, token?: string): Promise<LightMyRequestResponse>;
  send(method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  clock: VirtualClock;
  feature: StatsFeature;
}

async function fixture(t: Test, startMs: number): Promise<Fixture> {
  const { store } = await startStore(t);
  for (const [agent, samples] of [['a1', rampSamples()], ['a2', sawSamples()]] as const) {
    for (let i = 0; i < samples.length; i += 1000) {
      const r = await store.write(agent, STEP, samples.slice(i, i + 1000));
      if (r.rejected) throw new Error(`${agent}: ${r.rejected} samples refused`);
    }
  }
  const clock = new VirtualClock(startMs);
  const db = openDatabase(path.join(tempDir(t), 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  // a4 and a5 enrolled under the same host name: `agents=twin` cannot say which
  const hosts: Record<string, string> = { a1: 'web-1', a2: 'db-1', a3: 'quiet-1', a4: 'twin', a5: 'twin' };
  const feature = new StatsFeature({
    db, store, hostnameOf: (id) => hosts[id] ?? null, clock,
    idsNamed: (name) => Object.keys(hosts).filter((id) => hosts[id]?.toLowerCase() === name.toLowerCase()), timeZone: 'Asia/Seoul', retentionS: retentionSpanS('default'), logger: silentLogger,
  });
  t.teardown(() => feature.stop());
  const app = await createHttpApp({
    logger: silentLogger,
    auth: fixedAuthenticator({ rw_viewer: { username: 'val', role: 'viewer' }, rw_operator: { username: 'olga', role: 'operator' } }),
  });
  await app.register(statsRoutes, { stats: feature });
  t.teardown(() => app.close());
  return {
    clock, feature,
    get: (url, token = 'rw_viewer') => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }),
    send: (method, url, body, token = 'rw_operator') => app.inject({
      method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    }),
  };
}

void t.test('statistics of known RRD data, through the API', async (t) => {
  const f = await fixture(t, (D0 + DAY + 3600) * 1000);
  const q = `/api/v1/stats?agents=a1,a2,a3&family=cpu&from=${D0}&to=${D0 + DAY}`;

  await t.test('all hours: the ramp with its gap, exactly', async (t) => {
    const res = await f.get(q);
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    const body = res.json<StatsResponse>();
    t.equal(body.timeZone, 'Asia/Seoul');
    t.same(body.servers.map((s) => s.hostname), ['web-1', 'db-1', 'quiet-1']);
    const a1 = body.servers[0];
    const user = a1?.fields.find((x) => x.field === 'user');
    // 1380 values: 1…600 and 661…1440
    t.equal(user?.min, 1);
    t.equal(user?.max, 1440);
    t.equal(user?.avg, 999_690 / 1380, 'the average of the stored values');
    t.equal(user?.p95, 1371, 'nearest rank 1311 of 1380');
    t.equal(user?.p99, 1427, 'nearest rank 1367 of 1380');
    t.equal(user?.availability, 1380 / 1440, 'the hour without data is missing from the day');
    const system = a1?.fields.find((x) => x.field === 'system');
    t.equal(system?.min, 1);
    t.equal(system?.max, 1440);
    t.same(a1?.sources?.avg, { cf: 'AVERAGE', stepS: 60, raw: true }, 'a day of a 60 s series: the raw archive');
    t.same(a1?.sources?.min, { cf: 'AVERAGE', stepS: 60, raw: true }, 'raw rows are samples: their min is the samples\' min');
    const quiet = body.servers[2];
    t.equal(quiet?.sources, null, 'a server without the family');
    t.same(quiet?.fields[0], { field: 'user', unit: '%', min: null, avg: null, max: null, p95: null, p99: null, availability: 0 });
  });

  await t.test('servers named by host name (any case) answer as by id; an ambiguous or unknown name is a 400 naming it', async (t) => {
    const byId = (await f.get(q)).json<StatsResponse>();
    const res = await f.get(`/api/v1/stats?agents=web-1,DB-1,a3,a1&family=cpu&from=${D0}&to=${D0 + DAY}`);
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    t.same(res.json<StatsResponse>().servers, byId.servers, 'the same servers, in order, a repeat left out');
    const twin = await f.get(`/api/v1/stats?agents=twin&family=cpu&from=${D0}&to=${D0 + DAY}`);
    t.equal(twin.statusCode, 400);
    t.match(twin.json<{ error: { code: string; message: string } }>().error, { code: 'RW_ERR_BAD_REQUEST', message: /^agents: host name twin names 2 servers \(a4, a5\)/ });
    const none = await f.get(`/api/v1/stats?agents=web-1,nobody&family=cpu&from=${D0}&to=${D0 + DAY}`);
    t.equal(none.statusCode, 400);
    t.match(none.json<{ error: { message: string } }>().error.message, /^agents: no server nobody/);
  });

  await t.test('business hours and the others (Wed 09:00–18:00 in Asia/Seoul)', async (t) => {
    const bh = (await f.get(`${q}&hours=business`)).json<StatsResponse>();
    t.same(bh.businessHours, { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }, 'the default business hours');
    const user = bh.servers[0]?.fields.find((x) => x.field === 'user');
    // rows starting 09:00…17:59: minutes 541…1080, without 601…660: 480 values
    t.equal(user?.min, 541);
    t.equal(user?.max, 1080);
    t.equal(user?.avg, 833);
    t.equal(user?.p95, 1056);
    t.equal(user?.p99, 1076);
    t.equal(user?.availability, 480 / 540);
    const other = (await f.get(`${q}&hours=other`)).json<StatsResponse>();
    const ou = other.servers[0]?.fields.find((x) => x.field === 'user');
    const values = [...Array.from({ length: 540 }, (_, i) => i + 1), ...Array.from({ length: 360 }, (_, i) => 1081 + i)];
    t.equal(ou?.min, 1);
    t.equal(ou?.max, 1440);
    t.equal(ou?.avg, values.reduce((a, b) => a + b, 0) / values.length);
    t.equal(ou?.p95, nearestRank(values, 0.95));
    t.equal(ou?.availability, 1, 'no gap outside business hours');

    // Saturday and Sunday are not business days: a weekend has no business hours at all
    const put = await f.send('PUT', '/api/v1/stats/business-hours', { days: [4], start: '09:00', end: '18:00' });
    t.equal(put.statusCode, 200, put.body);
    const thursdayOnly = (await f.get(`${q}&hours=business`)).json<StatsResponse>();
    t.equal(thursdayOnly.servers[0]?.fields[0]?.availability, 0, 'a Wednesday with business hours on Thursdays only: no rows');
    t.equal(thursdayOnly.servers[0]?.fields[0]?.min, null);
    t.equal((await f.send('PUT', '/api/v1/stats/business-hours', { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' })).statusCode, 200);
    const badHours = await f.send('PUT', '/api/v1/stats/business-hours', { days: [1], start: '18:00', end: '09:00' });
    t.equal(badHours.statusCode, 400);
    t.match(badHours.json(), { error: { code: 'RW_ERR_VALIDATION', problems: ['end: start must be before end'] } });
    t.equal((await f.send('PUT', '/api/v1/stats/business-hours', { days: [1], start: '09:00', end: '18:00' }, 'rw_viewer')).statusCode, 403, 'a viewer does not set them');
  });

  await t.test('ten days: 5-minute AVERAGE, MIN and MAX archives, and which each figure came from', async (t) => {
    const res = await f.get(`/api/v1/stats?agents=a2&family=cpu&from=${SAW_FROM}&to=${D0 + DAY}`);
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    const s = res.json<StatsResponse>().servers[0];
    t.same(s?.sources, {
      min: { cf: 'MIN', stepS: 300, raw: false }, avg: { cf: 'AVERAGE', stepS: 300, raw: false }, max: { cf: 'MAX', stepS: 300, raw: false },
      p95: { cf: 'AVERAGE', stepS: 300, raw: false }, p99: { cf: 'AVERAGE', stepS: 300, raw: false }, availability: { cf: 'AVERAGE', stepS: 300, raw: false },
    });
    // what the 5-minute rows hold: the average, least and greatest of five samples each
    const rows: number[] = [];
    for (let k = 5; k <= 10 * 1440; k += 5) rows.push([k - 4, k - 3, k - 2, k - 1, k].reduce((a, b) => a + (b % 720), 0) / 5);
    const sorted = [...rows].sort((a, b) => a - b);
    const user = s?.fields.find((x) => x.field === 'user');
    t.equal(user?.min, 0, 'the least sample, from MIN (the least 5-minute average is 2)');
    t.equal(user?.max, 719, 'the greatest sample, from MAX (the greatest 5-minute average is 717)');
    t.ok(Math.abs((user?.avg ?? 0) - rows.reduce((a, b) => a + b, 0) / rows.length) < 1e-9, 'the average of the 5-minute averages');
    t.equal(user?.p95, nearestRank(sorted, 0.95), 'p95 of the 5-minute averages');
    t.equal(user?.p99, nearestRank(sorted, 0.99));
    t.equal(user?.availability, 1);
  });

  await t.test('the CSV holds the same numbers, one row per server and field', async (t) => {
    const json = (await f.get(q)).json<StatsResponse>();
    for (const url of [q.replace('/stats?', '/stats.csv?'), `${q}&format=csv`]) {
      const res = await f.get(url);
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], /^text\/csv/);
      t.match(res.headers['content-disposition'], /^attachment; filename="rackwatch-stats-cpu-\d{8}\.csv"$/);
      const lines = res.body.trimEnd().split('\r\n');
      t.equal(lines[0], STATS_CSV_HEADER.join(','));
      t.equal(lines.length - 1, 3 * 5, 'three servers × five fields');
      const col = (name: string): number => STATS_CSV_HEADER.indexOf(name as typeof STATS_CSV_HEADER[number]);
      for (const line of lines.slice(1)) {
        const cells = line.split(',');
        const server = json.servers.find((s) => s.agentId === cells[col('agent_id')]);
        const field = server?.fields.find((x) => x.field === cells[col('field')]);
        t.ok(field, `${cells[0]} ${cells[col('field')]}`);
        for (const name of ['min', 'avg', 'max', 'p95', 'p99'] as const) {
          const want = field?.[name];
          t.equal(cells[col(name)], want === null || want === undefined ? '' : want.toFixed(3), `${cells[0]} ${field?.field} ${name}`);
        }
        t.equal(cells[col('availability')], field?.availability.toFixed(4));
      }
      t.match(lines.find((l) => l.startsWith('a1,web-1,cpu,,all,') && l.includes(',user,')), /,1\.000,724\.413,1440\.000,1371\.000,1427\.000,0\.9583,AVERAGE,60,/);
    }
  });

  await t.test('bad queries are 400s naming the field; reading needs series:read', async (t) => {
    const cases: [string, RegExp][] = [
      [`/api/v1/stats?family=cpu`, /agents/],
      [`/api/v1/stats?agents=&family=cpu`, /agents/],
      [`/api/v1/stats?agents=${Array.from({ length: 51 }, (_, i) => `x${i}`).join(',')}&family=cpu`, /agents: .*at most 50/],
      [`/api/v1/stats?agents=a1,nope&family=cpu`, /agents: no server nope/],
      [`/api/v1/stats?agents=a1&family=gpu`, /family/],
      [`/api/v1/stats?agents=a1&family=check`, /family/],
      [`/api/v1/stats?agents=a1&family=fs`, /key: family fs needs key/],
      [`/api/v1/stats?agents=a1&family=cpu&from=yesterday`, /from/],
      [`/api/v1/stats?agents=a1&family=cpu&from=${D0 + 10}&to=${D0}`, /from must be before to/],
      [`/api/v1/stats?agents=a1&family=cpu&from=0&to=${D0}`, /from must be within the retention/],
      [`/api/v1/stats?agents=a1&family=cpu&to=${D0 + 400 * DAY}`, /to must be at most a day ahead/],
      [`/api/v1/stats?agents=a1&family=cpu&hours=lunch`, /hours/],
    ];
    for (const [url, message] of cases) {
      const res = await f.get(url);
      t.equal(res.statusCode, 400, url);
      t.match(res.json<{ error: { message: string } }>().error.message, message, url);
    }
    const anonymous = await f.get(q, 'rw_nobody');
    t.equal(anonymous.statusCode, 401);
  });
});

void t.test('saved reports: produced at their schedule in virtual time, kept within their bound, downloadable', async (t) => {
  // 23:00 on the Wednesday, Asia/Seoul: the daily report at 00:00 covers that Wednesday
  const f = await fixture(t, (D0 + DAY - 3600) * 1000);
  f.feature.start();
  const def = { name: 'Daily CPU', agents: ['a1', 'a2'], family: 'cpu', schedule: 'daily', at: '00:00' };
  t.equal((await f.send('POST', '/api/v1/reports', def, 'rw_viewer')).statusCode, 403, 'a viewer cannot save reports');
  const bad = await f.send('POST', '/api/v1/reports', { ...def, at: '25:00', agents: ['a1', 'ghost'] });
  t.equal(bad.statusCode, 400);
  t.match(bad.json<{ error: { problems: string[] } }>().error.problems, ['at: must be HH:MM']);
  const unknown = await f.send('POST', '/api/v1/reports', { ...def, agents: ['ghost'] });
  t.match(unknown.json(), { error: { code: 'RW_ERR_VALIDATION', problems: ['agents: no server ghost'] } });
  const created = await f.send('POST', '/api/v1/reports', def);
  t.equal(created.statusCode, 201, created.body);
  const report = created.json<ReportView>();
  t.equal(report.nextRun, D0 + DAY, 'next run: midnight');
  t.same(report.runs, []);

  await f.clock.advance(3_599_000);
  await f.feature.scheduler.idle();
  t.same((await f.get(`/api/v1/reports/${report.id}`)).json<ReportView>().runs, [], 'nothing before its time');
  await f.clock.advance(1_000);
  await f.feature.scheduler.idle();
  const after = (await f.get(`/api/v1/reports/${report.id}`)).json<ReportView>();
  t.equal(after.runs.length, 1, 'made at midnight');
  t.match(after.runs[0], { from: D0, to: D0 + DAY, error: null });
  t.equal(after.nextRun, D0 + 2 * DAY);
  const run = await f.get(`/api/v1/reports/${report.id}/runs/${after.runs[0]?.id}`);
  t.equal(run.statusCode, 200);
  t.match(run.headers['content-disposition'], /^attachment; filename="rackwatch-report-r-[0-9a-f]+-\d{8}-\d+\.csv"$/);
  const direct = await f.get(`/api/v1/stats.csv?agents=a1,a2&family=cpu&from=${D0}&to=${D0 + DAY}`);
  t.equal(run.body, direct.body, 'the run\'s CSV is what /stats.csv gives for its period');

  // a month of days: one run each midnight, the newest 30 kept
  for (let d = 0; d < 32; d++) {
    await f.clock.advance(DAY * 1000);
    await f.feature.scheduler.idle();
  }
  const later = (await f.get(`/api/v1/reports/${report.id}`)).json<ReportView>();
  t.equal(later.runs.length, 30, 'bounded');
  t.equal(later.runs[0]?.to, D0 + 33 * DAY, 'the newest first');
  t.equal(later.runs.at(-1)?.to, D0 + 4 * DAY, 'the oldest kept');
  t.equal((await f.get(`/api/v1/reports/${report.id}/runs/${after.runs[0]?.id}`)).statusCode, 404, 'the first run is gone');

  // the appliance off for three days: one run when it is back, for the latest period
  f.feature.stop();
  await f.clock.advance(3 * DAY * 1000 + 7_200_000);
  f.feature.start();
  await f.clock.advance(0);
  await f.feature.scheduler.idle();
  const caught = (await f.get(`/api/v1/reports/${report.id}`)).json<ReportView>();
  t.equal(caught.runs[0]?.to, D0 + 36 * DAY, 'the latest missed period');
  t.equal(caught.runs[1]?.to, D0 + 33 * DAY, 'only that one');

  const weekly = await f.send('PUT', `/api/v1/reports/${report.id}`, { ...def, schedule: 'weekly', weekday: 1, at: '07:30' });
  t.equal(weekly.statusCode, 200, weekly.body);
  const nextRun = weekly.json<ReportView>().nextRun ?? 0;
  t.equal(new Date((nextRun + 9 * 3600) * 1000).getUTCDay(), 1, 'a Monday in Seoul');
  t.equal(new Date((nextRun + 9 * 3600) * 1000).toISOString().slice(11, 16), '07:30');
  t.equal((await f.send('DELETE', `/api/v1/reports/${report.id}`)).statusCode, 204);
  t.equal((await f.get(`/api/v1/reports/${report.id}`)).statusCode, 404);
  t.same((await f.get('/api/v1/reports')).json<{ reports: unknown[] }>().reports, []);
});
