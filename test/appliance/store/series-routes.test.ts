// GET /api/v1/agents/:id/series (S9, S10): the range is bounded by the retention before anything
// is read (a range of centuries once made rrdcached allocate gigabytes and the appliance die of a
// heap out of memory): `from` beyond one further retention back or a `to` more than a day ahead is
// 400; a `from` a little past the retention is clamped to it. In-process, with a series source
// that records what it was asked.
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import { seriesRoutes } from '../../../appliance/store/series-routes.js';
import { retentionSpanS } from '../../../appliance/store/rrd-layout.js';
import type { SeriesResponse } from '../../../contract/api.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

void t.test('the series range is bounded by the retention', async (t) => {
  const clock = new VirtualClock();
  const now = Math.floor(clock.now() / 1000);
  const retentionS = retentionSpanS('default');
  t.equal(retentionS, 400 * 86_400, 'the default profile keeps 400 days');
  const asked: { from: number; to: number }[] = [];
  const app = await createHttpApp({ logger: silentLogger, auth: fixedAuthenticator({ rw_viewer: { username: 'val', role: 'viewer' } }) });
  await app.register(seriesRoutes, {
    agentExists: () => true, clock, retentionS,
    series: { series: (_a, _f, _k, from, to) => { asked.push({ from, to }); return Promise.resolve({ step: 5, fields: [], data: [[]] } as unknown as SeriesResponse); } },
  });
  t.teardown(() => app.close());
  const get = (q: string): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url: `/api/v1/agents/a1/series?family=cpu&${q}`, headers: { authorization: 'Bearer rw_viewer' } });

  for (const q of [`from=-99999999999&to=${now}&points=5000`, `from=0&to=${now}`, `from=${now - 3 * retentionS}&to=${now}`]) {
    const res = await get(q);
    t.equal(res.statusCode, 400, q);
    t.match(res.json<{ error: { message: string } }>().error.message, 'within the retention');
  }
  const future = await get(`from=${now}&to=${now + 30 * 86_400}`);
  t.equal(future.statusCode, 400, 'a month ahead');
  t.match(future.json<{ error: { message: string } }>().error.message, 'a day ahead');
  t.same(asked, [], 'none of those reached the store');

  t.equal((await get(`from=${now - retentionS - 86_400}&to=${now}`)).statusCode, 200);
  t.same(asked.at(-1), { from: now - retentionS, to: now }, 'a from a day past the retention is clamped to it');
  t.equal((await get(`from=${now - 3600}&to=${now}`)).statusCode, 200);
  t.same(asked.at(-1), { from: now - 3600, to: now }, 'a range inside it is read as asked');
  t.equal((await get('')).statusCode, 200);
  t.same(asked.at(-1), { from: now - 3600, to: now }, 'the last hour by default');
});
