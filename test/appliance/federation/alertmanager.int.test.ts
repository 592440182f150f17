// Alerts upstream (S19, B8): an alert that fires on the appliance reaches Debian's Alertmanager
// with the appliance's labels and its cause, and its resolution follows; Alertmanager's own
// notifications (a webhook on loopback) show both, as a NOC's routing would receive them.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll } from '../../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf } from '../../helpers/alerting-helpers.js';
import { startAlertmanager } from '../../helpers/prometheus.js';
import type { FederationResponse } from '../../../contract/federation-api.js';

interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

void t.test('a firing and then resolved alert reach Alertmanager', async (t) => {
  const notifications: Notification[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => hook.close(resolve)));
  const am = await startAlertmanager(t, `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`);

  const app = await startAppliance(t);
  const put = await app.fetch('/api/v1/federation', {
    method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appliance: 'site-b', alertmanager: { url: am.url, auth: { kind: 'basic', username: 'noc', password: 'pw' } } }),
  });
  t.equal(put.status, 200, await put.clone().text());
  const view = await put.json() as FederationResponse;
  t.same(view.alertmanager?.auth, { kind: 'basic', username: 'noc', passwordSet: true }, 'the password is not shown back');

  const id = await enroll(app, 'am-host');
  const client = await connectAgent(t, app, id);
  await createRule(app, cpuRule(id.agentId, 0, 'CPU busy'));
  const feeder = cpuFeeder(client, id.agentId, 1);
  t.teardown(() => feeder.stop());
  const alert = await openAlertOf(app, id.agentId);

  const firing = await waitFor('the firing notification', () => notifications.find((n) => n.status === 'firing'), { timeoutMs: 30_000 });
  const a = firing.alerts[0];
  t.match(a?.labels, { alertname: 'CPU busy', severity: 'critical', appliance: 'site-b', host: 'am-host', alert_id: String(alert.id) }, 'the labels');
  t.match(a?.annotations.summary, /CPU busy on am-host/, 'the summary');
  t.match(a?.annotations, { state: 'firing' }, 'the state in annotations');
  const active = await am.alerts();
  t.ok(active.some((x) => x.labels.host === 'am-host' && x.status.state === 'active'), 'active in Alertmanager');

  feeder.idle = 95;
  const resolved = await waitFor('the resolved notification', () => notifications.find((n) => n.status === 'resolved'), { timeoutMs: 60_000 });
  t.match(resolved.alerts[0]?.labels, { alertname: 'CPU busy', host: 'am-host', alert_id: String(alert.id) }, 'the same alert resolved');
  const status = await app.api<FederationResponse>('/api/v1/federation');
  t.ok(status.status.alertsPosted >= 2, 'firing and resolved posted');
  t.equal(status.status.alertPostsFailed, 0);
});
