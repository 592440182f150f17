// An agent that is cut off raises the "agent silent" alert (the shipped default rule) and its SMS
// goes out through the modem: a real agent process SIGKILLed (no MQTT DISCONNECT: the broker
// publishes its last will), and an agent that stays connected but stops publishing. The SMS path
// (alert engine → outbox → driver → serial port) uses no network service (test/layers.test.ts
// checks its imports). The rule's duration (S7: 60 s as shipped) is set to 2 s through the API, as
// an operator would: the SMS comes no sooner than that after the cut, and within 1.5 keepalives
// after it.
import t from 'tap';
import type { AgentSummary } from '../../../contract/api.js';
import { startAgent, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { createContact, setAgentSilentFor, simLog, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import type { Rule } from '../../../contract/alerts-api.js';

const KIM = '+821011112222';
const KEEPALIVE_S = 5;
/** "Agent silent" waits this long before it fires (set below; the shipped minute would only slow the test) */
const SILENT_FOR_S = 2;

void t.test('agents cut off send the "agent silent" SMS', async (t) => {
  const app = await startAppliance(t, { args: ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--sms-rate-limit', '50'] });
  await waitForModemReady(app);
  await createContact(app, { name: 'Kim', phone: '+82 10 1111 2222', language: 'en', severities: ['critical'] });
  t.equal((await app.api<Rule>('/api/v1/rules/default-agent-silent')).forS, 60, 'shipped: a minute (S7)');
  t.equal((await setAgentSilentFor(app, SILENT_FOR_S)).forS, SILENT_FOR_S, 'the duration is the rule\'s, edited through the API');

  await t.test('a SIGKILLed agent: its last will makes it offline, and the SMS says so', async (t) => {
    const agent = startAgent(t, app, { hostname: 'db-01', interval: 1, keepalive: KEEPALIVE_S });
    await waitFor('db-01 online and reporting', async () => {
      const a = (await app.api<AgentSummary[]>('/api/v1/agents')).find((x) => x.hostname === 'db-01');
      return a?.status === 'online' && a.interval === 1;
    }, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 2_000));
    const killedAt = Date.now();
    await agent.kill();
    const sms = await waitForSms(app, KIM, (text) => text.includes('db-01'), (KEEPALIVE_S * 3 + SILENT_FOR_S) * 1000);
    t.match(sms.text, /^\[CRIT\] db-01 (offline|no data) since \d\d:\d\d #\d+/);
    const cmgs = (await simLog(app)).commands.filter((c) => c.line.startsWith('AT+CMGS=') && c.at >= killedAt)[0];
    t.ok(cmgs, 'AT+CMGS seen');
    const ms = (cmgs?.at ?? 0) - killedAt;
    t.comment(`SIGKILL → AT+CMGS: ${ms} ms (keepalive ${KEEPALIVE_S} s, rule duration ${SILENT_FOR_S} s)`);
    t.ok(ms >= SILENT_FOR_S * 1000, 'not before the rule\'s duration');
    t.ok(ms < (KEEPALIVE_S * 1.5 + SILENT_FOR_S) * 1000, 'within 1.5× the keepalive plus the rule\'s duration');
  });

  await t.test('an agent that stays connected but stops publishing is silent after 3 missed intervals', async (t) => {
    const id = await enroll(app, 'app-07');
    const client = await connectAgent(t, app, id);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 2; i >= 0; i--) await publishMetrics(client, id.agentId, sampleBatch(now - i, 1));
    const sms = await waitForSms(app, KIM, (text) => text.includes('app-07'), 20_000 + SILENT_FOR_S * 1000);
    t.match(sms.text, /^\[CRIT\] app-07 no data since \d\d:\d\d #\d+/);
    t.equal(client.connected, true, 'still connected');
  });
});
