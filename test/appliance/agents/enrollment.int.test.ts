// S3 enrollment: the token is checked, the storage capacity is enforced with a clear message.
import t from 'tap';
import { startAppliance } from '../../helpers/appliance-harness.js';
import type { HealthResponse } from '../../../contract/api.js';

void t.test('enrollment', async (t) => {
  const app = await startAppliance(t);

  await t.test('a wrong token is refused with RW_ERR_ENROLL_TOKEN', async (t) => {
    const res = await app.fetch('/api/v1/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'wrong', hostname: 'x' }) });
    t.equal(res.status, 401);
    t.equal(((await res.json()) as { error: { code: string } }).error.code, 'RW_ERR_ENROLL_TOKEN');
  });

  await t.test('a malformed body is refused with RW_ERR_BAD_REQUEST', async (t) => {
    for (const body of ['{', JSON.stringify({ token: app.token }), JSON.stringify({ token: app.token, hostname: 'bad host name!' })]) {
      const res = await app.fetch('/api/v1/enroll', { method: 'POST', body });
      t.equal(res.status, 400, body);
      t.equal(((await res.json()) as { error: { code: string } }).error.code, 'RW_ERR_BAD_REQUEST');
    }
  });

  await t.test('an agent enrolls with no cookie, CSRF token or API token (SEC: the route is csrf: false)', async (t) => {
    const res = await app.fetchAnonymous('/api/v1/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: app.token, hostname: 'bare-01' }) });
    t.ok(res.ok, `HTTP ${res.status} ${await res.clone().text()}`);
  });

  await t.test('a good token returns an id and a secret, and the agent is listed', async (t) => {
    const r = await app.api<{ agentId: string; secret: string; mqtt: { port: number } }>('/api/v1/enroll', { token: app.token, hostname: 'app-01' });
    t.match(r.agentId, /^[0-9a-f]{12}$/);
    t.ok(r.secret.length >= 40, 'secret is long and random');
    t.equal(r.mqtt.port, app.mqttPort);
    const agents = await app.api<{ id: string; hostname: string; status: string }[]>('/api/v1/agents');
    t.ok(agents.some((a) => a.id === r.agentId && a.hostname === 'app-01'));
  });

  await t.test('health reports the storage capacity', async (t) => {
    const h = await app.api<HealthResponse>('/api/v1/health');
    t.ok(h.storage.bytesPerServer > 0);
    t.ok(h.storage.serverCapacity >= h.storage.serversEnrolled);
    t.equal(h.storage.retention, 'default');
  });
});

void t.test('enrollment beyond the storage capacity is refused with a clear message', async (t) => {
  const probe = await startAppliance(t);
  const perServer = (await probe.api<HealthResponse>('/api/v1/health')).storage.bytesPerServer;
  await probe.stop();
  const app = await startAppliance(t, { args: ['--rrd-budget-bytes', String(perServer * 2)] });
  t.equal((await app.api<HealthResponse>('/api/v1/health')).storage.serverCapacity, 2);
  await app.api('/api/v1/enroll', { token: app.token, hostname: 'one' });
  await app.api('/api/v1/enroll', { token: app.token, hostname: 'two' });
  const res = await app.fetch('/api/v1/enroll', { method: 'POST', body: JSON.stringify({ token: app.token, hostname: 'three' }) });
  t.equal(res.status, 507);
  const body = (await res.json()) as { error: { code: string; message: string } };
  t.equal(body.error.code, 'RW_ERR_CAPACITY');
  t.match(body.error.message, /2 servers enrolled, room for 2/);
});

void t.test('a bad option is reported as "--flag: message" with exit code 2', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { APPLIANCE_BIN } = await import('../../helpers/appliance-harness.js');
  const r = spawnSync(process.execPath, [APPLIANCE_BIN, '--mqtt-port', 'seventy', '--retention', 'forever', '--rrd-write-interval', '5'], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /--mqtt-port: /);
  t.match(r.stderr, /--retention: /);
  t.match(r.stderr, /--rrd-write-interval: /);
  const help = spawnSync(process.execPath, [APPLIANCE_BIN, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  for (const flag of ['--data-dir', '--mqtt-port', '--http-port', '--listen', '--enroll-token', '--rrd-write-interval']) t.match(help.stdout, flag);
  t.match(help.stdout, /RW_DATA_DIR/);
});
