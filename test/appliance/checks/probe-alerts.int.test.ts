// S5, S7: the appliance's own probe, end to end in the REAL built appliance with the modem
// simulator: a probe-tcp created over the API watches a TCP service on loopback (no agent at all),
// is OK while the service answers, turns CRITICAL when it stops, the built-in rule "any CRITICAL
// check" raises a critical alert whose cause carries the probe's output, and the on-call contact
// gets an SMS naming the service; the service back resolves the alert.
import net from 'node:net';
import t from 'tap';
import type { AlertListResponse } from '../../../contract/alerts-api.js';
import type { CheckView } from '../../../contract/checks-api.js';
import { createContact, send, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { freePort, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';

t.setTimeout(180_000);
const KIM = '+821011112222';

function listen(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end('220 mail.example ESMTP ready\r\n'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

void t.test('a probe from the appliance turns CRITICAL when its service stops, and the built-in rule texts the on-call contact', async (t) => {
  const dataDir = tempDir(t, 'rw-probe-alerts-');
  const app = await startAppliance(t, { dataDir, httpPort: await freePort(), mqttPort: await freePort(), args: ['--modem', 'sim', '--timezone', 'UTC'] });
  await waitForModemReady(app);
  await createContact(app, { name: 'Kim', phone: '010-1111-2222', language: 'en', severities: ['critical', 'disaster'] });
  const servicePort = await freePort();
  let server: net.Server | null = await listen(servicePort);
  t.teardown(() => { server?.close(); });

  const created = await send(app, 'POST', '/api/v1/checks', { type: 'probe-tcp', name: 'smtp from the box', host: '127.0.0.1', port: servicePort, expect: '^220', interval: 10 });
  t.equal(created.status, 201, `created: ${JSON.stringify(created.json)}`);
  const id = (created.json as CheckView).id;
  const ok = await waitFor('the probe OK', async () => {
    const v = await app.api<CheckView>(`/api/v1/checks/${id}`);
    return v.state === 'ok' ? v : null;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  t.equal(ok.instances[0]?.agentId, null, 'run by the appliance itself');
  t.ok(ok.perfdata.some((p) => p.unit === 's'), 'with the connect time as perfdata');

  await new Promise<void>((resolve) => { server?.close(() => resolve()); });
  server = null;
  const critical = await waitFor('the probe CRITICAL', async () => {
    const v = await app.api<CheckView>(`/api/v1/checks/${id}`);
    return v.state === 'critical' ? v : null;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  t.match(critical.output, /refused/i, `the output says why: ${critical.output}`);

  const alert = await waitFor('a critical alert on the probe', async () => {
    const list = await app.api<AlertListResponse>('/api/v1/alerts?state=firing');
    return list.alerts.find((a) => a.cause.check?.checkId === id) ?? null;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  t.equal(alert.severity, 'critical', 'raised critical by the built-in rule');
  t.equal(alert.ruleId, 'default-check-critical');
  t.match(alert.cause.check?.output ?? '', /refused/i, "the alert's cause carries the probe's output");
  const sms = await waitForSms(app, KIM, (text) => text.includes('smtp from the box'), 30_000);
  t.match(sms.text, /^\[CRIT\] .*smtp from the box.*CRITICAL/, `the SMS names the service and its state: ${sms.text}`);

  server = await listen(servicePort);
  await waitFor('the alert resolved with the service back', async () => {
    const list = await app.api<AlertListResponse>('/api/v1/alerts?state=resolved');
    return list.alerts.some((a) => a.id === alert.id) ? true : null;
  }, { timeoutMs: 40_000, intervalMs: 500 });
  t.pass('resolved');
});
