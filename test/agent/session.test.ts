// The agent's MQTT session against a real Aedes broker on loopback: status and inventory
// announcements, metrics batches that pass the appliance's check, the Last Will, a clean stop,
// and refused credentials.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import t, { type Test } from 'tap';
import { inventorySchema, type Inventory } from '../../contract/inventory.js';
import { parseMetricsPayload } from '../../contract/metrics.js';
import { agentTopic, STATUS_OFFLINE, STATUS_ONLINE } from '../../contract/topics.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Identity } from '../../agent/enroll.js';
import { brokerHost, createSession, reconnectDelayMs, type AgentSession } from '../../agent/session.js';

const identity: Identity = { agentId: 'agent-test-1', secret: 'pw-1', mqttPort: 0 };
const inventory: Inventory = {
  v: 1, hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Test CPU', cores: 2 }, memoryBytes: 1024, interfaces: [], filesystems: [],
  agentVersion: '0.1.0', interval: 5,
};

interface Received { topic: string; payload: string; retain: boolean }

async function startBroker(t: Test, options: AedesOptions = {}): Promise<{ broker: Aedes; port: number }> {
  const broker = await Aedes.createBroker(options);
  const server: Server = createServer((socket) => broker.handle(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    server.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });
  return { broker, port: (server.address() as AddressInfo).port };
}

/** A second client that records what the appliance would see under the agent's topics. */
async function observe(t: Test, port: number): Promise<{ client: MqttClient; received: Received[]; next: (topic: string) => Promise<Received> }> {
  const client = await connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, clientId: 'observer', reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  const received: Received[] = [];
  const waiters: { topic: string; resolve: (r: Received) => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, payload: payload.toString('utf8'), retain: packet.retain };
    const waiter = waiters.findIndex((w) => w.topic === topic);
    if (waiter >= 0) waiters.splice(waiter, 1)[0]?.resolve(message);
    else received.push(message);
  });
  await client.subscribeAsync(`rw/v1/${identity.agentId}/#`, { qos: 1 });
  const next = (topic: string): Promise<Received> => {
    const queued = received.findIndex((r) => r.topic === topic);
    if (queued >= 0) return Promise.resolve(received.splice(queued, 1)[0] as Received);
    return new Promise((resolve) => waiters.push({ topic, resolve }));
  };
  return { client, received, next };
}

function startSession(t: Test, port: number, log: Logger = silentLogger): AgentSession {
  const session = createSession({
    applianceUrl: new URL('http://127.0.0.1:8080'), identity: { ...identity, mqttPort: port }, inventory,
    keepaliveS: 15, clock: systemClock, log, reconnectBaseMs: 50, reconnectMaxMs: 200, stopTimeoutMs: 2000,
  });
  session.start();
  t.teardown(() => session.stop());
  return session;
}

const statusTopic = agentTopic(identity.agentId, 'status');

void t.test('on connect the agent is online and its inventory is there, both retained', async (t) => {
  const { port } = await startBroker(t, {
    // the appliance's rule, roughly: an agent logs in as its id with its secret (observers are trusted here)
    authenticate: (client, username, password, done) => done(null, client.id !== identity.agentId
      || (username === identity.agentId && password?.toString() === identity.secret)),
  });
  const early = await observe(t, port);
  startSession(t, port);
  t.equal((await early.next(statusTopic)).payload, STATUS_ONLINE);

  // a subscriber that arrives later (the appliance after a restart) still learns both
  const late = await connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, clientId: 'late', reconnectPeriod: 0 });
  t.teardown(() => late.endAsync(true));
  const retained = new Map<string, { payload: string; retain: boolean }>();
  late.on('message', (topic, payload, packet) => retained.set(topic, { payload: payload.toString(), retain: packet.retain }));
  await late.subscribeAsync(`rw/v1/${identity.agentId}/+`, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(retained.get(statusTopic), { payload: STATUS_ONLINE, retain: true });
  const inv = retained.get(agentTopic(identity.agentId, 'inventory'));
  t.equal(inv?.retain, true);
  t.ok(inventorySchema.safeParse(JSON.parse(inv?.payload ?? 'null')).success, 'the inventory passes the contract schema');
});

void t.test('a metrics batch arrives once, QoS 1, and passes the appliance\'s payload check', async (t) => {
  const { port } = await startBroker(t);
  const observer = await observe(t, port);
  const session = startSession(t, port);
  await observer.next(statusTopic);
  const now = Math.floor(Date.now() / 1000);
  session.publishMetrics({ v: 1, i: 5, s: [{ t: now, f: 'load', v: { load1: 0.5, load5: 0.4, load15: 0.3 } }] });
  const message = await observer.next(agentTopic(identity.agentId, 'metrics'));
  const check = parseMetricsPayload(Buffer.from(message.payload), now);
  t.ok(check.ok, 'parseMetricsPayload accepts it');
  if (check.ok) t.same(check.value.s[0]?.v, { load1: 0.5, load5: 0.4, load15: 0.3 });
  t.equal(message.retain, false, 'metrics are not retained');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(observer.received.filter((r) => r.topic.endsWith('/metrics')), [], 'delivered once');
});

void t.test('a lost connection publishes the will `offline`, then the agent reconnects and is online again', async (t) => {
  const { broker, port } = await startBroker(t);
  const observer = await observe(t, port);
  const agentReady = new Promise<Client>((resolve) => {
    broker.on('clientReady', (client) => { if (client.id === identity.agentId) resolve(client); });
  });
  startSession(t, port);
  t.equal((await observer.next(statusTopic)).payload, STATUS_ONLINE);
  // the socket dies without a DISCONNECT (cable pulled, agent killed): the broker sends the will
  (await agentReady).conn.destroy();
  t.equal((await observer.next(statusTopic)).payload, STATUS_OFFLINE, 'the Last Will says offline');
  t.equal((await observer.next(statusTopic)).payload, STATUS_ONLINE, 'back online after reconnecting');
});

void t.test('stop() publishes offline retained and disconnects cleanly', async (t) => {
  const { broker, port } = await startBroker(t);
  const observer = await observe(t, port);
  const session = startSession(t, port);
  await observer.next(statusTopic);
  const disconnected = once(broker, 'clientDisconnect');
  await session.stop();
  const offline = await observer.next(statusTopic);
  t.equal(offline.payload, STATUS_OFFLINE);
  await disconnected;
  t.equal(session.connected, false);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(observer.received.filter((r) => r.topic === statusTopic), [], 'no second offline from a will: the disconnect was clean');

  const late = await connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, clientId: 'late', reconnectPeriod: 0 });
  t.teardown(() => late.endAsync(true));
  const retained = new Promise<{ payload: string; retain: boolean }>((resolve) => {
    late.once('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain }));
  });
  await late.subscribeAsync(statusTopic, { qos: 1 });
  t.same(await retained, { payload: STATUS_OFFLINE, retain: true }, 'offline is retained');
});

void t.test('refused credentials are logged clearly, once, with RW_ERR_AUTH', async (t) => {
  const { port } = await startBroker(t, {
    authenticate: (_client, _username, _password, done) => {
      done(Object.assign(new Error('bad credentials'), { returnCode: 4 }), null);
    },
  });
  const errors: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { ...silentLogger, error: (msg, fields) => { errors.push({ msg, fields }); }, child: () => log };
  startSession(t, port, log);
  await new Promise((resolve) => setTimeout(resolve, 600)); // several refused attempts at 50–200 ms
  t.equal(errors.length, 1, 'logged once, not at every attempt');
  t.match(errors[0], { msg: /refused this agent's credentials.*--token/, fields: { code: 'RW_ERR_AUTH', agentId: identity.agentId } });
});

void t.test('reconnect delays grow, stay capped and jittered; IPv6 hosts lose their brackets', (t) => {
  t.same([1, 2, 3, 4, 5, 6, 10].map((n) => reconnectDelayMs(n, 1000, 30_000, () => 1)), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  t.equal(reconnectDelayMs(3, 1000, 30_000, () => 0), 2000, 'jitter takes off at most half');
  t.equal(brokerHost(new URL('http://[::1]:8080')), '::1');
  t.equal(brokerHost(new URL('http://rw.local:8080')), 'rw.local');
  t.end();
});

void t.test('stop() returns promptly while the appliance is unreachable', async (t) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve)); // nothing listens there any more
  const session = startSession(t, port);
  await new Promise((resolve) => setTimeout(resolve, 300)); // a few refused attempts
  session.publishMetrics({ v: 1, i: 5, s: [{ t: Math.floor(Date.now() / 1000), f: 'load', v: { load1: 1, load5: 1, load15: 1 } }] });
  const started = Date.now();
  await session.stop();
  t.ok(Date.now() - started < 1000, 'no wait for a broker that is not there');
  t.equal(session.connected, false);
});
