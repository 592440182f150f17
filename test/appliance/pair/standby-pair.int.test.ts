// The standby appliance (S13, B4; docs/standby.md): two real appliances on loopback, each with the
// simulated modem, paired with a short grace period, and the built agent publishing to both.
// In order, as an operator would see it: the agent's samples reach both; a configuration made on
// the primary is on the standby within seconds and an edit on the standby is refused naming the
// primary; the standby stopped for a while gets its backlog when it returns; both evaluate the
// rules but only the primary texts; the primary killed, the standby texts (its takeover and a real
// alert); the primary back, the standby holds again and stops texting; promoted, it is the primary.
import t from 'tap';
import type { AgentSummary } from '../../../contract/api.js';
import type { Rule } from '../../../contract/alerts-api.js';
import type { PairStatus } from '../../../contract/pair.js';
import { startAgent, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { createContact, createRule, send, setAgentSilentFor, smsTo, waitForSms } from '../../helpers/alerting-helpers.js';
import { modemReady, outbox, pairStatus, pairUp } from '../../helpers/pair-helpers.js';
import { lastStored, missingSeconds, nowS } from '../../helpers/stored-samples.js';

const KIM = '+821011112222';
const GRACE_S = 3;
const ARGS = ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--sms-rate-limit', '50'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void t.test('a standby appliance: dual publishing, the configuration copy, SMS arbitration', async (t) => {
  // appliances restarted inside a subtest live on after it: they are torn down with this test
  const top = t;
  let [primary, standby] = await Promise.all([startAppliance(t, { args: ARGS }), startAppliance(t, { args: ARGS })]);
  await Promise.all([modemReady(primary), modemReady(standby)]);
  await pairUp(primary, 'primary', standby, GRACE_S);
  await pairUp(standby, 'standby', primary, GRACE_S);

  const redundancy = await standby.api<{ pair: Record<string, unknown> }>('/api/v1/redundancy');
  t.equal(redundancy.pair.secret, undefined, 'the pair secret is never shown back');
  t.equal(redundancy.pair.secretSet, true);

  const agent = startAgent(t, primary, { hostname: 'db-01', interval: 1, keepalive: 5, args: ['--standby-mqtt', `mqtt://127.0.0.1:${standby.mqttPort}`] });
  const agentId = await waitFor('db-01 enrolled on the primary', async () => (await primary.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.hostname === 'db-01')?.id, { timeoutMs: 30_000 });

  await t.test("the agent's samples reach both appliances, under the identity the standby copied", async (t) => {
    const [onPrimary, onStandby] = await Promise.all([
      waitFor('samples on the primary', () => lastStored(primary, agentId), { timeoutMs: 30_000 }),
      waitFor('samples on the standby', () => lastStored(standby, agentId).catch(() => null), { timeoutMs: 30_000 }),
    ]);
    t.ok(onPrimary > nowS() - 30 && onStandby > nowS() - 30, `primary last ${onPrimary}, standby last ${onStandby}`);
    // its row came with a configuration copy, after the standby had read its server list: still online there
    t.ok(await waitFor('db-01 online on the standby', async () => (await standby.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === agentId)?.status === 'online', { timeoutMs: 15_000 }), 'the standby lists db-01 online');
  });

  let rule: Rule;
  await t.test('configuration made on the primary is on the standby within seconds; an edit on the standby is refused naming the primary', async (t) => {
    // about the pair: "Agent silent" fires at once, not after its shipped minute (S7); copied with the rest
    await setAgentSilentFor(primary, 0);
    const madeAt = Date.now();
    await createContact(primary, { name: 'Kim', phone: '+82 10 1111 2222', language: 'en', severities: ['critical'] });
    // true on every server: it fires on both appliances as soon as their samples arrive
    rule = await createRule(primary, {
      name: 'memory in use', metric: { kind: 'derived', name: 'memory_used_pct' }, comparison: '>', levels: { critical: 0.001 },
      recovery: { delta: 0 }, forS: 0, scope: { kind: 'agent', agentId }, enabled: true,
    });
    await waitFor('the rule on the standby', async () => (await standby.api<Rule[]>('/api/v1/rules')).some((r) => r.id === rule.id), { timeoutMs: 10_000, intervalMs: 100 });
    const copyMs = Date.now() - madeAt;
    t.comment(`contact and rule copied in ${copyMs} ms (grace ${GRACE_S} s, poll 1 s)`);
    t.ok(copyMs < 6_000, 'within 6 s');
    const status = await pairStatus(standby);
    t.equal(status.copiedVersion, (await pairStatus(primary)).configVersion, "the standby is at the primary's version");

    const refused = await send(standby, 'POST', '/api/v1/contacts', { name: 'Lee', phone: '+82 10 3333 4444', language: 'ko', severities: ['critical'] });
    t.equal(refused.status, 409);
    const error = (refused.json as { error: { code: string; message: string } }).error;
    t.equal(error.code, 'RW_ERR_PAIR_STANDBY');
    t.ok(error.message.includes(primary.url), `the refusal names the primary: ${error.message}`);
    const edited = await send(primary, 'POST', '/api/v1/contacts', { name: 'Lee', phone: '+82 10 3333 4444', language: 'ko', severities: ['info'] });
    t.equal(edited.status, 201, 'the same edit on the primary is accepted');
  });

  await t.test('both evaluate the rule; only the primary texts, the standby retires its copy', async (t) => {
    const sms = await waitForSms(primary, KIM, (text) => text.includes('db-01'), 30_000);
    t.match(sms.text, /^\[CRIT\] .*db-01/, `the primary texted: ${sms.text}`);
    const retired = await waitFor("the standby's copy retired as the primary's", async () => (await outbox(standby))
      .find((e) => e.state === 'failed' && e.lastError?.code === 'RW_ERR_PAIR_PRIMARY_SENDS' && e.to === KIM), { timeoutMs: (GRACE_S + 10) * 1000 });
    t.ok(retired, 'retired, not sent');
    t.same(await smsTo(standby, KIM), [], 'the standby sent nothing');
  });

  await t.test('the standby stopped for a while gets its backlog when it returns; the primary kept receiving', async (t) => {
    const { dataDir, httpPort, mqttPort } = standby;
    const stoppedAt = nowS();
    await standby.stop();
    await sleep(6_000);
    const last = await lastStored(primary, agentId);
    t.ok(last !== null && last >= nowS() - 3, `the primary kept receiving (last ${last})`);
    standby = await startAppliance(top, { dataDir, httpPort, mqttPort, args: ARGS });
    const back = standby;
    const returnedAt = nowS();
    const missing = await waitFor('the backlog on the standby', async () => {
      const m = await missingSeconds(back, agentId, stoppedAt + 1, returnedAt - 1);
      return m.length === 0 ? m : null;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    t.same(missing, [], `every second of the ${returnedAt - stoppedAt} s outage arrived`);
  });

  await t.test('the primary killed: the standby texts after the grace period; back, the standby stops texting', async (t) => {
    await modemReady(standby);
    await waitFor('the standby hearing the primary', async () => (await pairStatus(standby)).holdingSms && (await pairStatus(standby)).lastHeardAt !== null);
    const { dataDir, httpPort, mqttPort } = primary;
    const killedAt = Date.now();
    await primary.kill();
    const takeover = await waitForSms(standby, KIM, /primary .* is not answering/, (GRACE_S + 20) * 1000);
    const takeoverMs = Date.now() - killedAt;
    t.comment(`primary SIGKILLed → the standby's first SMS: ${takeoverMs} ms (grace ${GRACE_S} s): ${takeover.text}`);
    t.ok(takeoverMs < (GRACE_S + 15) * 1000, 'within the grace period + 15 s');

    // a real alert while the primary is down: the agent dies, the standby texts it
    // only a message after this kill counts: db-01 may have been texted offline and back earlier
    const sentBeforeKill = (await smsTo(standby, KIM)).length;
    await agent.kill();
    const down = await waitFor('the standby texting db-01 down', async () => (await smsTo(standby, KIM)).slice(sentBeforeKill)
      .find((m) => m.complete && /db-01 (offline|no data)/.test(m.text)), { timeoutMs: 30_000 });
    t.match(down.text, /^\[CRIT\] db-01/);

    primary = await startAppliance(top, { dataDir, httpPort, mqttPort, args: ARGS });
    await modemReady(primary);
    await waitFor('the standby holding again', async () => (await pairStatus(standby)).holdingSms, { timeoutMs: 15_000 });
    const sentBefore = await smsTo(standby, KIM);
    // the agent returns: the primary never saw its alert (it was down when it fired), so the
    // standby, which texted it, texts its recovery too, holding or not
    startAgent(t, primary, { hostname: 'db-01', interval: 1, keepalive: 5, stateDir: agent.stateDir, args: ['--standby-mqtt', `mqtt://127.0.0.1:${standby.mqttPort}`] });
    const recovery = await waitFor('the standby texting the recovery', async () => (await smsTo(standby, KIM)).slice(sentBefore.length)
      .find((m) => m.text.includes('db-01') && /RESOLVED|OK|recovered/i.test(m.text)), { timeoutMs: 40_000, intervalMs: 250 })
      .catch(async (e: unknown) => { t.comment(JSON.stringify((await outbox(standby)).map((x) => [x.id, x.state, x.text, x.alertIds, x.lastError?.code]))); throw e; });
    t.match(recovery.text, /^\[OK\] db-01 /, 'the recovery of the alert the standby texted');
    t.ok((await pairStatus(standby)).holdingSms, 'sent while the standby holds');
    const sentAfter = (await smsTo(standby, KIM)).slice(sentBefore.length);
    t.same(sentAfter.map((m) => m.text), [recovery.text], 'nothing else: what the primary is up to send, the standby does not');
  });

  await t.test('promotion: one action makes the standby the primary; it then takes edits and holds nothing', async (t) => {
    const promoted = await standby.api<PairStatus>('/api/v1/pair/promote', {});
    t.equal(promoted.role, 'primary');
    t.equal(promoted.holdingSms, false);
    const edit = await send(standby, 'POST', '/api/v1/contacts', { name: 'Park', phone: '+82 10 5555 6666', language: 'ko', severities: ['critical'] });
    t.equal(edit.status, 201, 'an edit on the promoted appliance is accepted');
    const redundancy = await standby.api<{ pair: { role: string } }>('/api/v1/redundancy');
    t.equal(redundancy.pair.role, 'primary', 'the role is kept with the redundancy settings');
  });
});
