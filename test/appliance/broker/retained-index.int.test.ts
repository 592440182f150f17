// The retained-message index behind the appliance's Aedes: exact topics answered from it,
// wildcards still scanned, an empty retained payload removing the message. A real Aedes on
// loopback and real mqtt.js clients.
import net from 'node:net';
import t, { type Test } from 'tap';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { memoryPersistenceWithRetainedIndex } from '../../../appliance/broker/retained-index.js';

async function startBroker(tt: Test): Promise<number> {
  const aedes = await Aedes.createBroker({ persistence: memoryPersistenceWithRetainedIndex() });
  const server = net.createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tt.teardown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

async function client(tt: Test, port: number): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 4 });
  tt.teardown(() => c.endAsync(true));
  return c;
}

/** What a new subscriber to `pattern` receives within a short wait, topic → payload. */
async function retainedFor(tt: Test, port: number, pattern: string): Promise<Map<string, string>> {
  const c = await client(tt, port);
  const got = new Map<string, string>();
  c.on('message', (topic, payload, packet) => {
    if (packet.retain) got.set(topic, payload.toString());
  });
  await c.subscribeAsync(pattern, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  return got;
}

void t.test('exact subscriptions get their retained message; wildcards still find every match', async (t) => {
  const port = await startBroker(t);
  const publisher = await client(t, port);
  for (let i = 0; i < 50; i++) await publisher.publishAsync(`rw/v1/agent${i}/config`, `config ${i}`, { qos: 1, retain: true });
  await publisher.publishAsync('rw/v1/agent7/config', 'config 7, revised', { qos: 1, retain: true });

  t.same([...await retainedFor(t, port, 'rw/v1/agent7/config')], [['rw/v1/agent7/config', 'config 7, revised']], 'the newest retained message of that topic only');
  t.same([...await retainedFor(t, port, 'rw/v1/nobody/config')], [], 'nothing for a topic never published');
  const all = await retainedFor(t, port, 'rw/v1/+/config');
  t.equal(all.size, 50, 'a wildcard subscription gets every retained config');
  t.equal(all.get('rw/v1/agent7/config'), 'config 7, revised');
});

void t.test('an empty retained payload removes the retained message', async (t) => {
  const port = await startBroker(t);
  const publisher = await client(t, port);
  await publisher.publishAsync('rw/v1/a/config', 'x', { qos: 1, retain: true });
  await publisher.publishAsync('rw/v1/a/config', '', { qos: 1, retain: true });
  t.same([...await retainedFor(t, port, 'rw/v1/a/config')], [], 'gone for an exact subscription');
  t.same([...await retainedFor(t, port, 'rw/v1/#')], [], 'and for a wildcard one');
});
