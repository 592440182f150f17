// B10, B11 against the REAL built appliance with the modem simulator (SQLite file, rrdcached,
// HTTP, MQTT on loopback): two servers behind a gateway probe on a loopback TCP port. Closing the
// port is ONE SMS (counted on the simulated modem) that says two servers are behind it; the
// servers' silence opens suppressed with the probe named; the probe back, the server that
// reported again closes quietly and the one still silent is texted after the settle time (shortened
// with --dependency-settle, so the test does not wait out the 60 s default; the gap is checked in
// the appliance's own times). The
// routes: dependencies by PATCH /servers/:id (a cycle and an unknown parent are 400s naming the
// field), maintenance windows created, read per server, changed and deleted with their author,
// bad bodies 400s naming the field, a viewer refused, a session without its CSRF token refused,
// every change audited.
import net from 'node:net';
import t from 'tap';
import type { Alert, AlertDetail, AlertListResponse, OutboxEntry } from '../../../contract/alerts-api.js';
import type { CheckView } from '../../../contract/checks-api.js';
import type { MaintenanceListResponse, MaintenanceWindow } from '../../../contract/maintenance-api.js';
import { createContact, send, setAgentSilentFor, simLog, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { WebSession } from '../../helpers/web-session.js';

t.setTimeout(240_000);
const KIM = '+821011112222';
/** long enough for web-01, publishing again before the probe is back, to close before it ends */
const SETTLE_S = 10;

function listen(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function signedIn(app: RunningAppliance, role: 'operator' | 'viewer'): Promise<WebSession> {
  const password = `a long enough ${role} password`;
  await app.api('/api/v1/users', { username: `${role}1`, password, role });
  const web = new WebSession(app.url);
  await web.login(`${role}1`, password);
  return web;
}

const problems = (json: unknown): string => ((json as { error?: { problems?: string[] } }).error?.problems ?? []).join(' | ');

void t.test('dependencies and maintenance windows in the built appliance', async (t) => {
  const app = await startAppliance(t, { args: ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--sms-rate-limit', '50', '--dependency-settle', String(SETTLE_S)] });
  await waitForModemReady(app);
  await createContact(app, { name: 'Kim', phone: '010-1111-2222', language: 'en', severities: ['critical', 'disaster'] });
  // about dependencies and windows: the servers' silence fires at once here, not after its minute (S7)
  await setAgentSilentFor(app, 0);

  // two agents publishing every second while `alive`
  const agents: Record<string, { agentId: string; alive: boolean }> = {};
  for (const host of ['web-01', 'web-02']) {
    const id = await enroll(app, host);
    const client = await connectAgent(t, app, id);
    const entry = { agentId: id.agentId, alive: true };
    agents[host] = entry;
    const timer = setInterval(() => {
      if (entry.alive && client.connected) void publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1)).catch(() => undefined);
    }, 1000);
    t.teardown(() => clearInterval(timer));
  }
  const web01 = agents['web-01']?.agentId ?? '';
  const web02 = agents['web-02']?.agentId ?? '';

  const port = (await listen(0).then((s) => new Promise<number>((resolve) => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  })));
  let server: net.Server | null = await listen(port);
  t.teardown(() => { server?.close(); });
  const created = await send(app, 'POST', '/api/v1/checks', { type: 'probe-tcp', name: 'gateway', host: '127.0.0.1', port, interval: 10 });
  t.equal(created.status, 201, JSON.stringify(created.json));
  const probeId = (created.json as CheckView).id;
  await waitFor('the probe OK', async () => (await app.api<CheckView>(`/api/v1/checks/${probeId}`)).state === 'ok', { timeoutMs: 30_000, intervalMs: 500 });

  await t.test('PATCH /servers/:id sets what a server depends on; a cycle and an unknown parent are 400s naming the field', async (t) => {
    for (const id of [web01, web02]) {
      const r = await send(app, 'PATCH', `/api/v1/servers/${id}`, { dependsOn: [probeId] });
      t.equal(r.status, 200, JSON.stringify(r.json));
      t.match(r.json, { id, dependsOn: [probeId] });
    }
    const cycle1 = await send(app, 'PATCH', `/api/v1/servers/${web01}`, { dependsOn: [probeId, web02] });
    t.equal(cycle1.status, 200, 'web-01 behind web-02 too');
    const cycle = await send(app, 'PATCH', `/api/v1/servers/${web02}`, { dependsOn: [web01], displayName: 'never applied' });
    t.equal(cycle.status, 400);
    t.match(problems(cycle.json), new RegExp(`^dependsOn: would make a cycle: ${web02} → ${web01} → ${web02}$`));
    const unknown = await send(app, 'PATCH', `/api/v1/servers/${web02}`, { dependsOn: ['nosuchthing'] });
    t.equal(unknown.status, 400);
    t.equal(problems(unknown.json), 'dependsOn.0: no server or check nosuchthing');
    const notArray = await send(app, 'PATCH', `/api/v1/servers/${web02}`, { dependsOn: 'x' });
    t.match(problems(notArray.json), /^dependsOn: /);
    t.notOk((await send(app, 'PATCH', `/api/v1/servers/${web02}`, {})).status === 200, 'an empty body changes nothing');
    t.equal((await send(app, 'PATCH', `/api/v1/servers/${web01}`, { dependsOn: [probeId] })).status, 200, 'back to the probe only');
    t.match(await app.api('/api/v1/dependencies'), { servers: { [web01]: [probeId], [web02]: [probeId] }, settleMs: SETTLE_S * 1000 }, 'the settle time is the flag\'s');
    t.notMatch(JSON.stringify((await app.api<{ displayName?: string }>(`/api/v1/agents/${web02}`))), /never applied/, 'the refused change left the name alone');
    const audit = await app.api<{ entries: { action: string; target: string | null; before?: { dependsOn?: string[] } }[] }>('/api/v1/audit');
    t.match(audit.entries.find((e) => e.target === web01 && e.action === 'server.dependencies_changed'), { before: { dependsOn: [probeId, web02] } }, 'audited as a change of dependencies, with those it replaced');
    t.notOk(audit.entries.some((e) => e.action === 'server.renamed'), 'no rename was audited');
  });

  await t.test('the probe fails: ONE SMS naming how many servers are behind it; their silence is suppressed; the probe back, the server still down is texted after the settle time', async (t) => {
    const before = (await simLog(app)).messages.length;
    await new Promise<void>((resolve) => { server?.close(() => resolve()); });
    server = null;
    const sms = await waitForSms(app, KIM, (text) => text.includes('gateway'), 40_000);
    t.match(sms.text, /^\[CRIT\] .*gateway.*\(2 servers behind it\)/, sms.text);
    for (const a of Object.values(agents)) a.alive = false;
    const suppressed = await waitFor('both servers silent, suppressed', async () => {
      const list = await app.api<AlertListResponse>('/api/v1/alerts?state=firing');
      const mine = list.alerts.filter((a) => (a.agentId === web01 || a.agentId === web02) && a.metric.kind === 'agent_silent');
      return mine.length === 2 ? mine : null;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    for (const a of suppressed) t.match(a.quiet, { kind: 'dependency', parentId: probeId, parentName: 'gateway' }, `${a.agentName} suppressed, the probe named`);
    const outbox = await app.api<{ to: string; text: string }[]>('/api/v1/sms/outbox');
    t.equal(outbox.filter((e) => e.to === KIM && /web-0/.test(e.text)).length, 0, 'nothing about the servers queued');
    t.equal((await simLog(app)).messages.length - before, 1, 'the modem sent exactly one SMS');

    const back = agents['web-01'];
    if (back) back.alive = true;
    server = await listen(port);
    await waitForSms(app, KIM, (text) => /^\[OK\] .*gateway/.test(text), 40_000);
    await waitFor('web-01 closed', async () => !(await app.api<AlertListResponse>('/api/v1/alerts?state=firing')).alerts.some((a: Alert) => a.agentId === web01), { timeoutMs: 20_000, intervalMs: 500 });
    const late = await waitForSms(app, KIM, (text) => text.includes('web-02'), 60_000);
    t.match(late.text, /^\[CRIT\] web-02 (offline|no data) since /, 'web-02 texted once the settle time passed');
    // in the appliance's clock: the probe's alert resolved, web-02's SMS queued no sooner than the settle time after
    const probeAlert = (await app.api<AlertDetail>(`/api/v1/alerts/${/#(\d+)/.exec(sms.text)?.[1] ?? 'missing'}`)).alert;
    const queued = (await app.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((e) => e.to === KIM && e.text.includes('web-02'));
    const gap = (queued?.createdAt ?? 0) - (probeAlert.resolvedAt ?? Infinity);
    t.ok(gap >= SETTLE_S * 1000, `probe resolved → web-02's SMS queued: ${gap} ms (settle time ${SETTLE_S} s)`);
    const all = (await simLog(app)).messages.filter((m) => m.to === KIM).slice(before).map((m) => m.text);
    t.notMatch(all.join('\n'), /web-01/, 'nothing about web-01, which came back');
    t.equal(all.length, 3, `the probe, its recovery, web-02: ${JSON.stringify(all)}`);
  });

  await t.test('maintenance windows: created with their author, read per server, changed, deleted; bad bodies, a viewer, a missing CSRF token refused; audited', async (t) => {
    const now = Date.now();
    const bad = await send(app, 'POST', '/api/v1/maintenance', { scope: { kind: 'agent', agentId: web01 }, schedule: { kind: 'weekly', days: [9], start: '01:00', end: '05:00' }, reason: 'x' });
    t.equal(bad.status, 400);
    t.match(problems(bad.json), /^schedule\.days\.0: /);
    const unknownServer = await send(app, 'POST', '/api/v1/maintenance', { scope: { kind: 'agent', agentId: 'nope' }, schedule: { kind: 'once', startsAt: now, endsAt: now + 3600_000 }, reason: 'x' });
    t.equal(problems(unknownServer.json), 'scope.agentId: no server nope');
    const operator = await signedIn(app, 'operator');
    const made = await operator.json<MaintenanceWindow>('POST', '/api/v1/maintenance', { scope: { kind: 'agent', agentId: web01 }, schedule: { kind: 'once', startsAt: now - 60_000, endsAt: now + 3600_000 }, reason: 'disk swap' });
    t.match(made, { author: 'operator1', reason: 'disk swap', current: { startsAt: now - 60_000, endsAt: now + 3600_000 }, next: null });
    const listing = await app.api<MaintenanceListResponse>(`/api/v1/maintenance?agentId=${web01}`);
    t.match(listing.server, { agentId: web01, current: { windowId: made.id, endsAt: now + 3600_000 } });
    t.same((await app.api<MaintenanceListResponse>(`/api/v1/maintenance?agentId=${web02}`)).windows, [], 'web-02 is not in it');
    const noCsrf = await fetch(`${app.url}/api/v1/maintenance/${made.id}`, { method: 'DELETE', headers: { cookie: [...operator.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    t.equal(noCsrf.status, 403, 'a session change without its CSRF token');
    const viewer = await signedIn(app, 'viewer');
    t.equal((await viewer.request('GET', '/api/v1/maintenance')).status, 200, 'a viewer reads');
    t.equal((await viewer.request('DELETE', `/api/v1/maintenance/${made.id}`)).status, 403, 'but changes nothing');
    // three days from today (UTC, the appliance's zone here), so that the window is never current
    // while the test runs (a fixed "Sunday 03:00" was current on Sundays from 03:00 to 04:30)
    const day = (new Date(now).getUTCDay() + 3) % 7;
    const changed = await send(app, 'PUT', `/api/v1/maintenance/${made.id}`, { scope: { kind: 'all' }, schedule: { kind: 'cron', cron: `0 3 * * ${day}`, durationMinutes: 90 }, reason: 'weekly patching' });
    t.equal(changed.status, 200, JSON.stringify(changed.json));
    t.match(changed.json, { scope: { kind: 'all' }, reason: 'weekly patching', current: null });
    t.equal(new Date((changed.json as MaintenanceWindow).next?.startsAt ?? 0).getUTCDay(), day, 'next on the weekday of the rule');
    t.equal((await send(app, 'DELETE', `/api/v1/maintenance/${made.id}`)).status, 204);
    t.equal((await send(app, 'DELETE', `/api/v1/maintenance/${made.id}`)).status, 404);
    const audit = await app.api<{ entries: { action: string; user?: string | null }[] }>('/api/v1/audit');
    const actions = audit.entries.map((e) => e.action);
    for (const a of ['maintenance.created', 'maintenance.updated', 'maintenance.deleted']) t.ok(actions.includes(a), `audited: ${a}`);
  });
});
