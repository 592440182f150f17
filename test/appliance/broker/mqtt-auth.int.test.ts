// S3 / docs/mqtt-contract.md: only enrolled agents connect, each only under its own id.
import t from 'tap';
import mqtt from 'mqtt';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, connectAs, connectOutcome, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { agentTopic } from '../../../contract/topics.js';

function refused(app: { mqttPort: number }, opts: mqtt.IClientOptions): Promise<string> {
  return connectOutcome(app.mqttPort, opts);
}

void t.test('MQTT authentication and topic ACL', async (t) => {
  const app = await startAppliance(t);
  const a = await enroll(app, 'web-a');
  const b = await enroll(app, 'web-b');

  await t.test('a client with no credentials is refused', async (t) => {
    t.match(await refused(app, { clientId: a.agentId }), /Not authorized|refused/i);
  });
  await t.test('a wrong secret is refused', async (t) => {
    t.match(await refused(app, { clientId: a.agentId, username: a.agentId, password: 'not-the-secret' }), /Bad username or password|refused/i);
  });
  await t.test("another agent's id is refused (client id must equal the agent id)", async (t) => {
    t.match(await refused(app, { clientId: b.agentId, username: a.agentId, password: a.secret }), /Not authorized|refused/i);
    t.match(await refused(app, { clientId: b.agentId, username: b.agentId, password: a.secret }), /Bad username or password|refused/i);
  });
  await t.test('an unknown agent id is refused', async (t) => {
    t.match(await refused(app, { clientId: 'ffffffffffff', username: 'ffffffffffff', password: a.secret }), /Bad username or password|refused/i);
  });

  await t.test("publishing under another agent's topic closes the connection and stores nothing", async (t) => {
    const client = await connectAgent(t, app, a);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(agentTopic(b.agentId, 'metrics'), JSON.stringify(sampleBatch(Math.floor(Date.now() / 1000))), { qos: 1 });
    await closed;
    t.pass('connection closed by the appliance');
    const detail = await app.api<{ latest: unknown[] }>(`/api/v1/agents/${b.agentId}`);
    t.same(detail.latest, [], 'agent b has no samples');
  });

  await t.test('subscribing to anything but its own config is refused', async (t) => {
    const client = await connectAgent(t, app, a);
    // mqtt.js rejects a subscribe with any refused topic and attaches the SUBACK
    const err = await client.subscribeAsync([agentTopic(a.agentId, 'config'), agentTopic(b.agentId, 'config'), 'rw/v1/#'], { qos: 1 }).then(
      () => null,
      (e: unknown) => e as { packet?: { granted?: number[] } },
    );
    t.same(err?.packet?.granted, [1, 128, 128], 'own config granted, the others refused (0x80)');
  });

  await t.test('the rightful agent publishes and is stored', async (t) => {
    const client = await connectAs(t, app, { clientId: a.agentId, username: a.agentId, password: a.secret });
    await publishMetrics(client, a.agentId, sampleBatch(Math.floor(Date.now() / 1000)));
    const detail = await app.api<{ status: string; latest: { family: string }[] }>(`/api/v1/agents/${a.agentId}`);
    t.equal(detail.status, 'online');
    t.ok(detail.latest.some((l) => l.family === 'cpu'), 'latest cpu values present once the publish is acknowledged');
  });
});
