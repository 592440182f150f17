// RES: alert state survives a restart of the appliance. An agent stops, its "agent silent" alert
// fires and is acknowledged; the appliance restarts (cleanly, then by SIGKILL) with the agent still
// down. Before the fix the first silence check after each start texted "[OK] web-01 reporting
// again" (the start-up grace judged everyone "not silent") and, once the grace was over, opened a
// new unacknowledged alert that escalated. The real built appliance with --modem sim, so every
// SMS goes through the driver and the serial port to the simulator.
import t from 'tap';
import type { AlertListResponse, OutboxEntry } from '../../../contract/alerts-api.js';
import type { AgentSummary } from '../../../contract/api.js';
import { freePort, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { createContact, setAgentSilentFor, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KIM = '+821011112222';
const GRACE_S = 3;

void t.test('an acknowledged silent alert stays acknowledged through restarts: no false recovery, no new alert; one recovery when the agent is back (RES)', async (t) => {
  const dataDir = tempDir(t, 'rw-silent-restart-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  const args = ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', String(GRACE_S), '--sms-rate-limit', '50'];
  const start = async (): Promise<RunningAppliance> => {
    const app = await startAppliance(t, { dataDir, ...ports, args });
    await waitForModemReady(app);
    return app;
  };
  let app = await start();
  await createContact(app, { name: 'Kim', phone: '+82 10 1111 2222', language: 'en', severities: ['critical'] });
  // "Agent silent" at once (S7 ships a minute): a wrong new alert after a restart then shows within
  // the seconds each check below waits, where the shipped minute would hide it past them
  await setAgentSilentFor(app, 0);
  await new Promise((r) => setTimeout(r, GRACE_S * 1000));
  const id = await enroll(app, 'web-01');
  const client = await connectAgent(t, app, id);
  const now = Math.floor(Date.now() / 1000);
  for (let i = 2; i >= 0; i--) await publishMetrics(client, id.agentId, sampleBatch(now - i, 1));
  await client.endAsync(true);

  const fired = await waitForSms(app, KIM, (text) => /^\[CRIT\] web-01 /.test(text), 20_000);
  const alertId = Number(/#(\d+)/.exec(fired.text)?.[1]);
  await app.api(`/api/v1/alerts/${alertId}/ack`, {});
  await waitForSms(app, KIM, (text) => text.startsWith(`[ACK] #${alertId} web-01`));
  const outboxBefore = (await app.api<OutboxEntry[]>('/api/v1/sms/outbox')).length;
  // the SMS about alerts since the ack; the on-call's "restarted after being down" notice after a
  // SIGKILL (D1) is about the appliance, not the alert, and is counted on its own
  const alertSmsSince = async (app: RunningAppliance): Promise<OutboxEntry[]> => {
    const all = await app.api<OutboxEntry[]>('/api/v1/sms/outbox');
    return all.slice(0, all.length - outboxBefore);
  };

  const expectUnchanged = async (app: RunningAppliance, how: string): Promise<void> => {
    // past the grace and several silence checks (every 2 s)
    await new Promise((r) => setTimeout(r, (GRACE_S + 6) * 1000));
    const sent = await alertSmsSince(app);
    t.same(sent.filter((e) => e.kind !== 'restart').map((e) => e.text), [], `${how}: no SMS about the alert (no "[OK]", no new alert)`);
    const open = (await app.api<AlertListResponse>('/api/v1/alerts?state=open')).alerts;
    t.match(open, [{ id: alertId, agentId: id.agentId, state: 'acknowledged' }], `${how}: the same alert, still acknowledged`);
    t.equal(open.length, 1, `${how}: no other open alert`);
  };

  await app.stop();
  app = await start();
  await expectUnchanged(app, 'after a clean restart');
  t.equal((await alertSmsSince(app)).filter((e) => e.kind === 'restart').length, 0, 'a clean restart is no news to the on-call');

  await app.kill();
  app = await start();
  await expectUnchanged(app, 'after a SIGKILL');
  t.equal((await alertSmsSince(app)).filter((e) => e.kind === 'restart').length, 1, 'after a SIGKILL the on-call hears that it restarted, once');

  // web-01 really comes back
  const back = await connectAgent(t, app, id);
  await waitFor('web-01 online', async () => (await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === id.agentId)?.status === 'online');
  const feeding = setInterval(() => void publishMetrics(back, id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1)).catch(() => undefined), 1_000);
  t.teardown(() => clearInterval(feeding));
  await waitForSms(app, KIM, (text) => text.startsWith('[OK] web-01'), 20_000);
  await new Promise((r) => setTimeout(r, 5_000));
  clearInterval(feeding);
  t.same((await alertSmsSince(app)).filter((e) => e.kind !== 'restart').map((e) => e.text.replace(/ \d\d:\d\d .*/, '')), ['[OK] web-01 reporting again'], 'exactly one recovery');
  t.same((await app.api<AlertListResponse>('/api/v1/alerts?state=open')).alerts, [], 'nothing open');
});
