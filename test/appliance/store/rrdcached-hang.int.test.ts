// RES: a hung rrdcached (SIGSTOP on the real daemon). Health says so within a short bound (a
// PING unanswered past `unansweredMs`), series reads are refused at once with
// RW_ERR_RRDCACHED_DOWN instead of hanging, a read that meets a daemon not yet judged hung gives
// up after `readTimeoutMs`, acknowledgements wait, and the daemon is restarted after
// `hangTimeoutMs`. Short configured bounds on the store; the appliance's defaults in the last test.
import t from 'tap';
import type { Sample } from '../../../contract/metrics.js';
import type { HealthResponse } from '../../../contract/api.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { eventually, startStore, stopProcess } from './store-fixture.js';

const T0 = 1_700_000_000;
const cpu = (tm: number, user: number): Sample => ({ t: tm, f: 'cpu', v: { user, system: 1, iowait: 0, steal: 0, idle: 99 - user } });

void t.test('a SIGSTOPped rrdcached is reported as not answering within the bound, reads fail fast, and the daemon is replaced after the hang bound', async (t) => {
  const told: boolean[] = [];
  const { store } = await startStore(t, {
    hangTimeoutMs: 3_000, watchdogIntervalMs: 100, unansweredMs: 400, readTimeoutMs: 500, onAnswering: (a) => told.push(a),
  });
  await store.write('ag1', 5, [cpu(T0, 1), cpu(T0 + 5, 2)]);
  const pid = store.health().pid;
  if (pid === null) throw new Error('no pid');
  await stopProcess(pid);
  const stoppedAt = Date.now();
  let stored = false;
  const waiting = store.write('ag1', 5, [cpu(T0 + 10, 3)]).then((r) => { stored = true; return r; });

  await eventually(() => store.health().answering === false, 2_000, 'health: not answering');
  t.ok(Date.now() - stoppedAt < 2_000, `not answering reported ${Date.now() - stoppedAt} ms after SIGSTOP (bound: interval 100 ms + 400 ms)`);
  t.same(told, [false], 'onAnswering(false) raised the fault once');
  t.equal(store.health().ok, false);
  const readAt = Date.now();
  await t.rejects(store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 10, 100), { code: 'RW_ERR_RRDCACHED_DOWN' }, 'a series read is refused at once');
  t.ok(Date.now() - readAt < 200, `refused in ${Date.now() - readAt} ms`);
  t.notOk(stored, 'the write waits: no acknowledgement while the daemon hangs');

  t.same(await waiting, { updated: 1, rejected: 0 }, 'the write completes on the restarted daemon');
  t.not(store.health().pid, pid, 'the hung daemon was replaced');
  t.ok(Date.now() - stoppedAt >= 3_000, 'not before the hang bound');
  await eventually(() => store.health().ok && store.health().answering === true, 2_000, 'healthy again');
  t.same(told, [false, true], 'onAnswering(true) cleared the fault');
  const s = await store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 10, 100);
  t.same(s.data[1 + s.fields.indexOf('user')], [1, 2, 3], 'every acknowledged sample reads back');
});

void t.test('a read that meets a hung daemon before the watchdog judged it gives up after readTimeoutMs with RW_ERR_RRDCACHED_DOWN', async (t) => {
  const { store } = await startStore(t, { hangTimeoutMs: 60_000, watchdogIntervalMs: 60_000, unansweredMs: 60_000, readTimeoutMs: 300 });
  await store.write('ag1', 5, [cpu(T0, 1)]);
  const pid = store.health().pid;
  if (pid === null) throw new Error('no pid');
  await stopProcess(pid);
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  });
  const readAt = Date.now();
  await t.rejects(store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 5, 100), { code: 'RW_ERR_RRDCACHED_DOWN', message: /did not answer the read within 300 ms/ });
  const took = Date.now() - readAt;
  t.ok(took >= 300 && took < 3_000, `gave up after ${took} ms`);
  process.kill(pid, 'SIGCONT');
});

void t.test('the appliance with its default bounds: health "degraded: rrdcached not answering" within seconds, GET …/series 503, ok again when it answers', async (t) => {
  const app = await startAppliance(t);
  const id = await enroll(app, 'hang-1');
  const client = await connectAgent(t, app, id);
  const now = Math.floor(Date.now() / 1000);
  await publishMetrics(client, id.agentId, sampleBatch(now - 5, 1, 5));
  const pid = (await app.api<HealthResponse>('/api/v1/health')).rrdcached.pid as number;
  await stopProcess(pid);
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // replaced already
    }
  });
  const stoppedAt = Date.now();
  const degraded = await waitFor('health degraded', async () => {
    const res = await app.fetch('/api/v1/health');
    const h = (await res.json()) as HealthResponse;
    return res.status === 503 && h.causes.includes('rrdcached not answering') ? h : null;
  }, { timeoutMs: 20_000, intervalMs: 200 });
  const took = Date.now() - stoppedAt;
  t.ok(took <= 16_000, `reported after ${took} ms (bound: watchdog every 5 s + 10 s unanswered)`);
  t.equal(degraded.rrdcached.answering, false);
  const res = await app.fetch(`/api/v1/agents/${id.agentId}/series?family=cpu&from=${now - 60}&to=${now}`);
  t.equal(res.status, 503, 'a series read is refused, not hung');
  t.equal(((await res.json()) as { error: { code: string } }).error.code, 'RW_ERR_RRDCACHED_DOWN');
  process.kill(pid, 'SIGCONT');
  await waitFor('health ok again', async () => (await app.fetch('/api/v1/health')).status === 200, { timeoutMs: 10_000, intervalMs: 200 });
  t.pass('ok again once the daemon answers');
});
