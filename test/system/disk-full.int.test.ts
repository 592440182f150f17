// RES: the data partition fills up. The REAL built appliance runs on a real small filesystem (a
// tmpfs of a few MB, mounted by this test: it runs as root), with a REAL agent sampling every
// second and the modem simulator. The filesystem is filled with a file until the kernel says
// ENOSPC. Then: the appliance keeps running and serving, health says "degraded" with the cause,
// samples that cannot be stored are not acknowledged (the agent keeps them in its disk queue),
// and the critical self-alert reaches the modem by SMS, because the space reserve was released
// for it. The file is removed: health is ok again by itself, the alert resolves, the agent's
// backlog is stored, and every second from before the fault to after it reads back.
import t from 'tap';
import type { AgentSummary } from '../../contract/api.js';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { health, lastStored, missingSeconds, nowS } from '../helpers/stored-samples.js';
import { createContact, waitForModemReady, waitForSms } from '../helpers/alerting-helpers.js';
import { fillFilesystem, isRoot, mountSmallTmpfs, unfill } from '../helpers/small-filesystem.js';

t.setTimeout(240_000);

const KIM = '+821011112222';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void t.test('a full data partition degrades the appliance, texts a critical alert, loses nothing, and recovers by itself', { skip: isRoot() ? false : 'mounting a tmpfs needs root' }, async (t) => {
  const dataDir = mountSmallTmpfs(t, 40);
  const app = await startAppliance(t, { dataDir, args: ['--modem', 'sim', '--timezone', 'UTC', '--retention', 'bench'] });
  await waitForModemReady(app);
  await createContact(app, { name: 'Kim', phone: '010-1111-2222', language: 'en', severities: ['critical', 'disaster'] });
  const agent = startAgent(t, app, { interval: 1, hostname: 'full-01' });
  const id = (await waitFor('the agent online', async () => {
    const a = (await app.api<AgentSummary[]>('/api/v1/agents')).find((x) => x.hostname === 'full-01');
    return a?.status === 'online' ? a : null;
  }, { timeoutMs: 30_000 })).id;
  const firstStored = await waitFor('live cpu samples', () => lastStored(app, id), { timeoutMs: 30_000 });
  t.equal((await health(app)).status, 'ok', 'healthy before the fault');
  await sleep(3_000); // seconds stored before the fault, checked at the end with the rest

  const filledAt = nowS();
  const filled = fillFilesystem(dataDir);
  t.ok(filled > 0, `filled the filesystem with ${filled} bytes`);

  const degraded = await waitFor('health degraded: disk full', async () => {
    const h = await health(app);
    return h.status === 'degraded' && h.causes.includes('disk full') ? h : null;
  }, { timeoutMs: 15_000, intervalMs: 250 });
  t.same(degraded.faults.map((f) => f.cause), ['disk-full'], 'the cause, with its detail');
  const anonymous = (await (await app.fetchAnonymous('/api/v1/health')).json()) as { status: string; causes: string[] };
  t.equal(anonymous.status, 'degraded');
  t.same(anonymous.causes, ['disk full'], 'the public health answer names the cause');

  const sms = await waitForSms(app, KIM, /appliance degraded/, 30_000);
  t.match(sms.text, /^\[CRIT\] rackwatch appliance degraded disk full \d\d:\d\d #\d+/, `the critical self-alert went out by SMS: ${sms.text}`);

  // while full: publishes are refused unacknowledged, the process keeps serving reads
  await waitFor('metrics refused while full', async () => (await health(app)).counters.ingestRefused > 0, { timeoutMs: 15_000 });
  await sleep(8_000);
  t.equal(app.proc.exitCode, null, 'the appliance is still running');
  const during = await lastStored(app, id);
  t.ok(during !== null && during < filledAt + 8, `nothing stored (and so nothing acknowledged) after the disk filled: last stored ${during}, filled at ${filledAt}`);
  const h = await health(app);
  t.equal(h.status, 'degraded');
  t.ok(h.counters.ingestRefused > 0, `${h.counters.ingestRefused} publishes refused`);
  t.equal(agent.proc.exitCode, null, 'the agent keeps trying');

  unfill(dataDir);
  const recoveredAt = nowS();
  await waitFor('health ok again', async () => (await health(app)).status === 'ok', { timeoutMs: 20_000, intervalMs: 250 });
  // the fault's alert resolves once the room has lasted a minute (fault-alerts.ts: a disk at the
  // edge of full does not flap), its SMS then
  const resolved = await waitForSms(app, KIM, (text) => text.startsWith('[OK]'), 90_000);
  t.match(resolved.text, /rackwatch/, `the recovery SMS: ${resolved.text}`);

  // the backlog the agent kept is stored: every second from before the fault to after it
  const caughtUp = recoveredAt + 3;
  await waitFor('the backlog delivered', async () => ((await lastStored(app, id)) ?? 0) >= caughtUp, { timeoutMs: 60_000, intervalMs: 500 });
  t.same(await missingSeconds(app, id, firstStored, caughtUp), [], `every second from ${firstStored} to ${caughtUp} has a cpu row (full from ${filledAt} to ${recoveredAt})`);
  t.notMatch(app.output(), /Uncaught|SqliteError: .*\n\s+at .*flushLastSeen/, 'no uncaught error in the log');
});
