// After a promotion in a standby pair (S13, B4; docs/standby.md "Two primaries", "Agents after a
// promotion"): two real appliances on loopback and the built agent publishing to both
// (--standby-mqtt). In order, as an operator would see it: the standby promoted while the primary
// runs, the old primary hears the new one and makes itself the standby (it refuses edits from
// then on); an edit of the agent's schedule on the new primary reaches the agent; an admin
// setting the old one back to primary makes two primaries of equal terms, which both appliances'
// self-watch raise as a critical alert, shown in health and the pair's status; set to standby
// again, the alert resolves on both.
import t from 'tap';
import type { AgentSummary, HealthResponse } from '../../../contract/api.js';
import type { AlertListResponse } from '../../../contract/alerts-api.js';
import type { Alert } from '../../../contract/alerting.js';
import type { AgentConfigResponse } from '../../../contract/fleet-api.js';
import type { PairStatus } from '../../../contract/pair.js';
import { startAgent, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { send } from '../../helpers/alerting-helpers.js';

const GRACE_S = 3;
const SECRET = 'pair-secret-for-the-test-0123456789';
/** the self-watch's 20 s hold, its 5 s looks and a loaded machine's slowness */
const ALERT_WAIT_MS = 90_000;

async function setPair(app: RunningAppliance, role: 'primary' | 'standby', peer: RunningAppliance): Promise<void> {
  const r = await send(app, 'PUT', '/api/v1/redundancy', { sentinels: [], pair: { role, peer: peer.url, secret: SECRET, graceS: GRACE_S } });
  if (r.status !== 200) throw new Error(`PUT /redundancy (${role}): ${r.status} ${JSON.stringify(r.json)}`);
}

const pairStatus = (app: RunningAppliance): Promise<PairStatus> => app.api<PairStatus>('/api/v1/pair');
const cpuIntervalRunning = async (app: RunningAppliance, agentId: string): Promise<number | undefined> => (
  (await app.api<AgentConfigResponse>(`/api/v1/agents/${agentId}/config`)).running?.cpu?.intervalS
);
const twoPrimariesAlert = async (app: RunningAppliance): Promise<Alert | undefined> => (
  (await app.api<AlertListResponse>('/api/v1/alerts?limit=100')).alerts.find((a) => a.ruleId === 'self-two-primaries')
);

void t.test('after a promotion: the old primary gives way, the agent follows the new primary, two primaries are told', async (t) => {
  const [a, b] = await Promise.all([startAppliance(t), startAppliance(t)]);
  await setPair(a, 'primary', b);
  await setPair(b, 'standby', a);
  const agent = startAgent(t, a, { hostname: 'app-01', interval: 1, keepalive: 5, args: ['--standby-mqtt', `mqtt://127.0.0.1:${b.mqttPort}`] });
  t.ok(agent.stateDir);
  const agentId = await waitFor('app-01 enrolled on the primary', async () => (await a.api<AgentSummary[]>('/api/v1/agents')).find((x) => x.hostname === 'app-01')?.id, { timeoutMs: 60_000 });
  await waitFor('app-01 copied to the standby and reporting to it', async () => (await cpuIntervalRunning(b, agentId).catch(() => undefined)) !== undefined, { timeoutMs: 60_000 });

  // a schedule set on the primary reaches the agent (and is copied)
  const first = await send(a, 'PUT', `/api/v1/agents/${agentId}/config`, { collectors: { cpu: { enabled: true, intervalS: 3 } } });
  t.equal(first.status, 200);
  await waitFor('the agent running cpu at 3 s', async () => (await cpuIntervalRunning(a, agentId)) === 3, { timeoutMs: 60_000 });

  await t.test('the standby promoted while the primary runs: the old primary makes itself the standby', async (t) => {
    const promotedAt = Date.now();
    const promoted = await b.api<PairStatus>('/api/v1/pair/promote', {});
    t.match(promoted, { role: 'primary', term: 1, holdingSms: false });
    const old = await waitFor('the old primary giving way', async () => {
      const s = await pairStatus(a);
      return s.role === 'standby' ? s : null;
    }, { timeoutMs: 30_000 });
    t.comment(`promotion → the old primary the standby: ${Date.now() - promotedAt} ms (grace ${GRACE_S} s, poll 1 s; measured, not asserted)`);
    t.match(old, { role: 'standby', term: 1, peerRole: 'primary', peerTerm: 1, twoPrimaries: false });
    t.ok(old.demotedAt !== null, 'its status says it made itself the standby');
    t.equal((await a.api<{ pair: { role: string } }>('/api/v1/redundancy')).pair.role, 'standby', 'kept with its settings');
    await waitFor('the new primary hearing a standby', async () => (await pairStatus(b)).peerRole === 'standby', { timeoutMs: 30_000 });
    const refused = await send(a, 'PUT', `/api/v1/agents/${agentId}/config`, { collectors: { cpu: { enabled: true, intervalS: 4 } } });
    t.equal(refused.status, 409, 'the old primary refuses edits now');
    t.match(refused.json, { error: { code: 'RW_ERR_PAIR_STANDBY', message: new RegExp(b.url.replace(/[.:/]/g, '\\$&')) } }, 'naming the new primary');
  });

  await t.test("an edit of the agent's schedule on the new primary reaches the agent", async (t) => {
    const editedAt = Date.now();
    const edit = await send(b, 'PUT', `/api/v1/agents/${agentId}/config`, { collectors: { cpu: { enabled: true, intervalS: 7 } } });
    t.equal(edit.status, 200, 'the new primary takes the edit');
    const running = await waitFor('the agent running cpu at 7 s', async () => ((await cpuIntervalRunning(b, agentId)) === 7 ? 7 : null), { timeoutMs: 60_000 });
    t.comment(`edit on the new primary → the agent reporting it runs it: ${Date.now() - editedAt} ms (measured, not asserted)`);
    t.equal(running, 7, 'the agent applied the new primary\'s schedule');
    t.equal(await cpuIntervalRunning(a, agentId), 7, 'and reports it to both');
  });

  await t.test('two primaries of equal terms: a critical self-watch alert on both, resolved when one is the standby again', async (t) => {
    await setPair(a, 'primary', b);
    for (const [name, app, peer] of [['a', a, b], ['b', b, a]] as const) {
      const health = await waitFor(`${name}: the two-primaries alert firing`, async () => {
        const h = await app.api<HealthResponse>('/api/v1/health');
        return h.selfWatch.find((c) => c.rule === 'self-two-primaries' && c.firing) ? h : null;
      }, { timeoutMs: ALERT_WAIT_MS, intervalMs: 1_000 });
      t.match(health.selfWatch.find((c) => c.rule === 'self-two-primaries'), { severity: 'critical', problem: `two primaries in the pair: ${peer.url}`, detail: /both at promotion term 1/ }, `${name}: in health`);
      t.match(await pairStatus(app), { role: 'primary', term: 1, peerRole: 'primary', peerTerm: 1, twoPrimaries: true, holdingSms: false }, `${name}: in the pair status, both sending`);
      t.match(await twoPrimariesAlert(app), { severity: 'critical', state: 'firing' }, `${name}: an alert through the rules`);
    }
    await setPair(a, 'standby', b);
    for (const [name, app] of [['a', a], ['b', b]] as const) {
      const alert = await waitFor(`${name}: the alert resolved`, async () => {
        const x = await twoPrimariesAlert(app);
        return x?.state === 'resolved' ? x : null;
      }, { timeoutMs: 30_000, intervalMs: 1_000 });
      t.ok(alert, `${name}: resolved`);
      t.equal((await pairStatus(app)).twoPrimaries, false);
    }
  });
});
