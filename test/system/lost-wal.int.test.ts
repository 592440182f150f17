// RES: the SQLite WAL is lost, or its first frame is damaged, while the appliance is down
// (SIGKILL). SQLite would open what the main file holds and say nothing; ~the commits since the
// last checkpoint, among them an agent enrolled moments earlier, would be gone, and that agent
// refused for good. With the commit ledger (appliance/db/commit-ledger.ts): a clear log line,
// health "degraded: lost commits", a critical alert on the appliance, and the lost enrollment put
// back, so the agent's stored secret works again with no one touching it. The REAL built
// appliance, a real SQLite file, an agent talking MQTT.
import t, { type Test } from 'tap';
import { existsSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { APPLIANCE_AGENT_ID } from '../../contract/alerting.js';
import type { AgentSummary } from '../../contract/api.js';
import { freePort, startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
import { connectAgent, connectOutcome, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { health } from '../helpers/stored-samples.js';
import { tempDir } from '../helpers/temp-dir.js';
import { openAlertOf } from '../helpers/alerting-helpers.js';

t.setTimeout(360_000);

type Damage = (wal: string) => void;

const deleteWal: Damage = (wal) => {
  rmSync(wal);
  rmSync(wal.replace(/-wal$/, '-shm'), { force: true });
};

/** The first frame's header (after the 32-byte WAL header) overwritten: its checksum fails, and SQLite ignores it and every later frame. */
const corruptFirstFrame: Damage = (wal) => {
  const fd = openSync(wal, 'r+');
  try {
    writeSync(fd, Buffer.alloc(24, 0xa5), 0, 24, 32);
  } finally {
    closeSync(fd);
  }
};

async function lostWal(t: Test, damage: Damage): Promise<void> {
  const dataDir = tempDir(t, 'rw-wal-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  const dbFile = path.join(dataDir, 'db', 'rackwatch.sqlite');
  // a first run, stopped cleanly: its commits (the admin, the settings) are checkpointed into the main file
  let app: RunningAppliance = await startAppliance(t, { dataDir, ...ports });
  const old = await enroll(app, 'checkpointed-01');
  await app.stop();
  app = await startAppliance(t, { dataDir, ...ports });

  // the commits that will be lost: an enrollment a moment before the crash
  const id = await enroll(app, 'recent-01');
  const client = await connectAgent(t, app, id);
  await publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000) - 5));
  await client.endAsync(true);
  const ledger = path.join(dataDir, 'db', 'commit-ledger.json');
  await waitFor('the enrollment in the ledger', () => existsSync(ledger) && readFileSync(ledger, 'utf8').includes(id.agentId));
  await app.kill();
  t.ok(existsSync(`${dbFile}-wal`), 'the WAL holds the recent commits');
  damage(`${dbFile}-wal`);

  app = await startAppliance(t, { dataDir, ...ports });
  t.match(app.output(), /degraded: lost commits .*the database is at commit \d+, its ledger at \d+: commits were lost/, 'a clear log line');
  t.match(app.output(), /1 enrollment\(s\) restored from the ledger \(recent-01 /, 'the lost enrollment is named');
  const h = await health(app);
  t.equal(h.status, 'degraded');
  t.same(h.causes, ['lost commits'], 'health says why');
  const pub = (await (await app.fetchAnonymous('/api/v1/health')).json()) as { causes: string[] };
  t.same(pub.causes, ['lost commits'], 'also to a caller not signed in');
  const alert = await openAlertOf(app, APPLIANCE_AGENT_ID);
  t.equal(alert.severity, 'critical');
  t.equal(alert.key, 'lost commits', 'a critical alert on the appliance');

  // the agent enrolled just before the crash connects with its stored secret and is acknowledged
  t.equal(await connectOutcome(app.mqttPort, { clientId: id.agentId, username: id.agentId, password: id.secret }), 'connected', 'the recently enrolled agent is accepted');
  const again = await connectAgent(t, app, id);
  await publishMetrics(again, id.agentId, sampleBatch(Math.floor(Date.now() / 1000)));
  t.pass('its samples are acknowledged');
  t.ok((await app.api<AgentSummary[]>('/api/v1/agents')).some((a) => a.id === id.agentId && a.hostname === 'recent-01'), 'listed under its id and name');
  t.equal(await connectOutcome(app.mqttPort, { clientId: old.agentId, username: old.agentId, password: old.secret }), 'connected', 'an agent enrolled before the last checkpoint still works');

  // a clean restart afterwards: level with the ledger, nothing reported again
  await app.stop();
  app = await startAppliance(t, { dataDir, ...ports });
  t.notMatch(app.output(), /degraded: lost commits/, 'no lost commits at the next start');
}

void t.test('a deleted WAL: lost commits are reported and the lost enrollment is restored', (t) => lostWal(t, deleteWal));
void t.test('a WAL whose first frame is damaged: the same', (t) => lostWal(t, corruptFirstFrame));
