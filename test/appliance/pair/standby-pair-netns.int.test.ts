// The standby pair (S13, B4; docs/standby.md) in network namespaces this test makes (veth links
// into one bridge, test/helpers/netns-lan.ts): the primary, the standby and the built agent each
// in a namespace of its own, the agent publishing to both (--standby-mqtt), each appliance with
// its modem simulator (--modem sim), paired over their LAN addresses with a 3 s grace period.
// What an operator would see, in order: a configuration made on the primary appears on the
// standby and an edit on the standby is refused; the primary SIGKILLed, the standby's modem texts
// (its takeover and a real alert); the primary back, the standby holds again and a new alert is
// texted by the primary only; the path between the two cut while both live, an alert is still
// texted (by one or both: duplicates, never none). standby-pair.int.test.ts has the pair on
// loopback (dual publishing, the backlog, promotion).
import t from 'tap';
import type { Alert, AlertListResponse, Contact } from '../../../contract/alerts-api.js';
import type { AgentSummary } from '../../../contract/api.js';
import { createContact, createRule, send, setAgentSilentFor, smsTo, waitForSms } from '../../helpers/alerting-helpers.js';
import { freePort, startAgent, startAppliance, waitFor, type RunningAgent, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { asRoot, makeLan } from '../../helpers/netns-lan.js';
import { modemReady, outbox, pairStatus, pairUp } from '../../helpers/pair-helpers.js';

/** critical: the takeover, a server offline */
const KIM = '+821011112222';
/** warning only: the hand-back's new alert, which no other message in this test goes to */
const LEE = '+821033334444';
const GRACE_S = 3;
const ARGS = ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--sms-rate-limit', '50'];

const alertIds = async (app: RunningAppliance): Promise<Set<number>> => new Set((await app.api<AlertListResponse>('/api/v1/alerts?limit=200')).alerts.map((a: Alert) => a.id));

void t.test('a standby pair in network namespaces: the configuration copy, the takeover, the hand back, the split', asRoot, async (t) => {
  // appliances and agents restarted inside a subtest live on after it: torn down with this test
  const top = t;
  const lan = makeLan(t, ['pri', 'sby', 'agt']);
  const on = async (node: string): Promise<{ netns: string; host: string; httpPort: number; mqttPort: number; args: string[] }> =>
    ({ netns: lan.ns(node), host: lan.addr(node), httpPort: await freePort(), mqttPort: await freePort(), args: ARGS });
  const [priAt, sbyAt] = [await on('pri'), await on('sby')];
  const [first, standby] = await Promise.all([startAppliance(t, priAt), startAppliance(t, sbyAt)]);
  let primary: RunningAppliance = first;
  await Promise.all([modemReady(primary), modemReady(standby)]);
  await pairUp(primary, 'primary', standby, GRACE_S);
  await pairUp(standby, 'standby', primary, GRACE_S);

  const agentArgs = { netns: lan.ns('agt'), hostname: 'db-01', interval: 1, keepalive: 5, args: ['--standby-mqtt', `mqtt://${lan.addr('sby')}:${standby.mqttPort}`] };
  let agent: RunningAgent = startAgent(t, primary, agentArgs);
  const restartAgent = (): void => { agent = startAgent(top, primary, { ...agentArgs, stateDir: agent.stateDir }); };
  t.teardown(() => { if (!t.passing()) t.comment(`agent output:\n${agent.output().slice(-4000)}\nstandby output:\n${standby.output().slice(-4000)}`); });
  const agentId = await waitFor('db-01 enrolled on the primary', async () => (await primary.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.hostname === 'db-01')?.id, { timeoutMs: 60_000 });
  const onlineOnBoth = (): Promise<unknown> => waitFor('db-01 online on both appliances', async () => {
    const statuses = await Promise.all([primary, standby].map(async (app) => (await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === agentId)?.status));
    if (statuses.every((s) => s === 'online')) return true;
    throw new Error(`primary: ${statuses[0]}, standby: ${statuses[1]}`);
  }, { timeoutMs: 60_000 });

  await t.test('a contact made on the primary appears on the standby; an edit on the standby is refused', async (t) => {
    // about the pair: "Agent silent" fires at once, not after its shipped minute (S7); copied with Kim
    await setAgentSilentFor(primary, 0);
    const kim = await createContact(primary, { name: 'Kim', phone: '+82 10 1111 2222', language: 'en', severities: ['critical'] });
    await waitFor('Kim on the standby', async () => (await standby.api<Contact[]>('/api/v1/contacts')).some((c) => c.id === kim.id), { timeoutMs: 20_000 });
    await waitFor('the agent enrolled on the primary known to the standby', async () => (await standby.api<AgentSummary[]>('/api/v1/agents')).some((a) => a.id === agentId), { timeoutMs: 20_000 });
    const refused = await send(standby, 'POST', '/api/v1/contacts', { name: 'Lee', phone: '+82 10 3333 4444', language: 'en', severities: ['warning'] });
    t.equal(refused.status, 409, 'refused on the standby');
    const error = (refused.json as { error: { code: string; message: string } }).error;
    t.equal(error.code, 'RW_ERR_PAIR_STANDBY');
    t.ok(error.message.includes(primary.url), `the refusal names the primary at its LAN address: ${error.message}`);
    const lee = await createContact(primary, { name: 'Lee', phone: '+82 10 3333 4444', language: 'en', severities: ['warning'] });
    await waitFor('Lee on the standby', async () => (await standby.api<Contact[]>('/api/v1/contacts')).some((c) => c.id === lee.id), { timeoutMs: 20_000 });
    t.equal((await pairStatus(standby)).copiedVersion, (await pairStatus(primary)).configVersion, "the standby is at the primary's version");
  });

  await t.test('the primary SIGKILLed: the standby\'s modem texts its takeover and a real alert', async (t) => {
    await onlineOnBoth();
    await waitFor('the standby hearing the primary', async () => { const s = await pairStatus(standby); return s.holdingSms && s.lastHeardAt !== null; }, { timeoutMs: 30_000 });
    t.same(await smsTo(standby, KIM), [], 'nothing texted by the standby while it hears the primary');
    await primary.kill();
    const takeover = await waitForSms(standby, KIM, /primary .* is not answering/, (GRACE_S + 30) * 1000);
    t.comment(`the standby's takeover: ${takeover.text}`);
    // a real alert while the primary is down: the agent dies, the standby texts it
    await agent.kill();
    const down = await waitForSms(standby, KIM, (text) => /db-01 (offline|no data)/.test(text), 40_000);
    t.match(down.text, /^\[CRIT\] db-01/);
    const texted = (await smsTo(standby, KIM)).map((m) => m.text);
    t.equal(texted.length, 2, `the standby's modem sent two messages: ${JSON.stringify(texted)}`);
  });

  await t.test('the primary back: the standby holds again, and a new alert is texted by the primary only', async (t) => {
    primary = await startAppliance(top, { ...priAt, dataDir: primary.dataDir });
    await modemReady(primary);
    await waitFor('the standby holding again', async () => (await pairStatus(standby)).holdingSms, { timeoutMs: 30_000 });
    restartAgent();
    await onlineOnBoth();
    // true on every server, warning only: Lee, and only Lee, is texted about it
    const rule = await createRule(primary, {
      name: 'memory in use', metric: { kind: 'derived', name: 'memory_used_pct' }, comparison: '>', levels: { warning: 0.001 },
      recovery: { delta: 0 }, forS: 0, scope: { kind: 'agent', agentId }, enabled: true,
    });
    await waitFor('the rule copied to the standby', async () => (await standby.api<{ id: string }[]>('/api/v1/rules')).some((r) => r.id === rule.id), { timeoutMs: 20_000 });
    const sms = await waitForSms(primary, LEE, /db-01/, 40_000);
    t.match(sms.text, /^\[WARN\] db-01/, `the primary texted: ${sms.text}`);
    const retired = await waitFor("the standby's copy retired as the primary's", async () => (await outbox(standby))
      .find((e) => e.to === LEE && e.state === 'failed' && e.lastError?.code === 'RW_ERR_PAIR_PRIMARY_SENDS'), { timeoutMs: (GRACE_S + 20) * 1000 });
    t.ok(retired, 'the standby evaluated the rule too, and retired its message');
    // Lee is on call too: the takeover and the primary's unplanned-restart notice (D1) reach him as well
    const aboutDb = async (app: RunningAppliance): Promise<string[]> => (await smsTo(app, LEE)).filter((m) => m.text.includes('db-01')).map((m) => m.text);
    t.same(await aboutDb(standby), [], "the standby's modem sent Lee nothing about db-01");
    t.same(await aboutDb(primary), [sms.text], "the primary's modem sent Lee the alert once");
  });

  await t.test('the path between the two cut, both alive: an alert is still texted (duplicates allowed, never none)', async (t) => {
    await onlineOnBoth();
    const known = await Promise.all([alertIds(primary), alertIds(standby)]);
    lan.cut('pri', 'sby', true);
    // the agent still reaches both: the standby stops hearing the primary and stops holding
    await waitFor('the standby taking over', async () => !(await pairStatus(standby)).holdingSms, { timeoutMs: (GRACE_S + 30) * 1000 });
    t.equal(await pairStatus(primary).then((s) => s.role), 'primary', 'the primary is still the primary');
    await agent.kill();
    // a new alert (opened after the cut), sent to Kim by either appliance
    const sentBy = async (app: RunningAppliance, seen: Set<number>): Promise<string | null> => {
      const fresh = new Set((await app.api<AlertListResponse>('/api/v1/alerts?limit=200')).alerts.filter((a) => !seen.has(a.id) && a.agentId === agentId).map((a) => a.id));
      const entry = (await outbox(app)).find((e) => e.to === KIM && (e.state === 'sent' || e.state === 'delivered') && e.alertIds.some((id) => fresh.has(id)));
      return entry ? entry.text : null;
    };
    const [byPrimary, byStandby] = await waitFor('the offline alert texted by at least one', async () => {
      const both = await Promise.all([sentBy(primary, known[0] ?? new Set()), sentBy(standby, known[1] ?? new Set())]);
      return both.some(Boolean) ? both : null;
    }, { timeoutMs: 60_000 });
    t.comment(`texted by the primary: ${byPrimary ?? '(not yet)'}; by the standby: ${byStandby ?? '(not yet)'}`);
    const text = byPrimary ?? byStandby ?? '';
    t.match(text, /db-01 (offline|no data)/, 'the alert is about db-01 going away');
    const onModems = [...await smsTo(primary, KIM), ...await smsTo(standby, KIM)].filter((m) => m.text === byPrimary || m.text === byStandby);
    t.ok(onModems.length >= 1, `and it left a modem (${onModems.length} copies)`);
  });
});
