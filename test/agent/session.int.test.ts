// The agent's MQTT session against a real Aedes broker on loopback: announcements, the Last
// Will, a clean stop, refused credentials, the configuration topic, and delivery from the disk
// queue: one batch in flight, in order, nothing lost or repeated when the broker goes away for a
// while or the agent restarts meanwhile (S2, S3, S15).
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import t, { type Test } from 'tap';
import { inventorySchema, type Inventory } from '../../contract/inventory.js';
import { parseMetricsPayload, type MetricsBatch } from '../../contract/metrics.js';
import { agentTopic, STATUS_OFFLINE, STATUS_ONLINE } from '../../contract/topics.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { DiskQueue } from '../../agent/disk-queue.js';
import type { Identity } from '../../agent/enroll.js';
import { brokerHost, createSession, reconnectDelayMs, type AgentSession, type SessionDeps } from '../../agent/session.js';
import { tempDir } from '../helpers/temp-dir.js';

const identity: Identity = { agentId: 'agent-test-1', secret: 'pw-1', mqttPort: 0 };
const inventory: Inventory = {
  v: 1, hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Test CPU', cores: 2 }, memoryBytes: 1024, interfaces: [], filesystems: [],
  agentVersion: '0.1.0', interval: 5,
};
const statusTopic = agentTopic(identity.agentId, 'status');
const metricsTopic = agentTopic(identity.agentId, 'metrics');
const configTopic = agentTopic(identity.agentId, 'config');
const nowS = (): number => Math.floor(Date.now() / 1000);
const batch = (t: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t, f: 'load', v: { load1: 1, load5: 1, load15: 1 } }] });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Received { topic: string; payload: string; retain: boolean }

/** A broker that can be stopped (every connection cut) and started again on the same port. */
interface TestBroker {
  port: number;
  broker: Aedes;
  /** metrics batch times in the order the broker accepted them (its authorizePublish, as the appliance's ingest) */
  accepted: number[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startBroker(t: Test, options: AedesOptions = {}): Promise<TestBroker> {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const accepted: number[] = [];
  const result = { port: 0, accepted } as TestBroker;
  const authorizePublish: AedesOptions['authorizePublish'] = (client, packet, callback) => {
    if (packet.topic === metricsTopic) {
      const check = parseMetricsPayload(packet.payload as Buffer, nowS());
      accepted.push(check.ok ? (check.value.s[0]?.t ?? -1) : -1);
    }
    if (options.authorizePublish) options.authorizePublish(client, packet, callback);
    else callback(null);
  };
  result.start = async () => {
    const broker = await Aedes.createBroker({ ...options, authorizePublish });
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    server.listen(result.port, '127.0.0.1');
    await once(server, 'listening');
    result.port = (server.address() as AddressInfo).port;
    result.broker = broker;
  };
  result.stop = async () => {
    const current = server;
    server = null;
    if (!current) return;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => current.close(resolve));
    await new Promise<void>((resolve) => result.broker.close(() => resolve()));
  };
  await result.start();
  t.teardown(() => result.stop());
  return result;
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

function openQueue(t: Test, dir: string = tempDir(t)): DiskQueue {
  const queue = new DiskQueue({ dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: systemClock, log: silentLogger });
  t.teardown(() => queue.close());
  return queue;
}

function startSession(t: Test, port: number, overrides: Partial<SessionDeps> = {}): AgentSession {
  const session = createSession({
    applianceUrl: new URL('http://127.0.0.1:8080'), identity: { ...identity, mqttPort: port }, inventory: () => inventory,
    queue: overrides.queue ?? openQueue(t), keepaliveS: 15, clock: systemClock, log: silentLogger,
    reconnectBaseMs: 50, reconnectMaxMs: 200, stopTimeoutMs: 2000, ...overrides,
  });
  session.start();
  t.teardown(() => session.stop());
  return session;
}

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

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
  await sleep(100);
  t.same(retained.get(statusTopic), { payload: STATUS_ONLINE, retain: true });
  const inv = retained.get(agentTopic(identity.agentId, 'inventory'));
  t.equal(inv?.retain, true);
  t.ok(inventorySchema.safeParse(JSON.parse(inv?.payload ?? 'null')).success, 'the inventory passes the contract schema');
});

void t.test('a queued batch arrives once, QoS 1, passes the appliance\'s check, and leaves the queue', async (t) => {
  const { port } = await startBroker(t);
  const observer = await observe(t, port);
  const queue = openQueue(t);
  const session = startSession(t, port, { queue });
  await observer.next(statusTopic);
  const now = nowS();
  queue.append(batch(now));
  session.kick();
  const message = await observer.next(metricsTopic);
  const check = parseMetricsPayload(Buffer.from(message.payload), now);
  t.ok(check.ok, 'parseMetricsPayload accepts it');
  t.equal(message.retain, false, 'metrics are not retained');
  await until('the acknowledgement', () => queue.waiting === 0);
  t.equal(session.delivered, 1);
  await sleep(100);
  t.same(observer.received.filter((r) => r.topic === metricsTopic), [], 'delivered once');
});

void t.test('one batch in flight: the next is sent only after the PUBACK of the previous', async (t) => {
  const held: (() => void)[] = [];
  const broker = await startBroker(t, {
    authorizePublish: (_client, packet, callback) => {
      if (packet.topic === metricsTopic) held.push(() => callback(null)); // the appliance still storing it
      else callback(null);
    },
  });
  const queue = openQueue(t);
  const session = startSession(t, broker.port, { queue });
  const base = nowS();
  for (let n = 0; n < 3; n++) queue.append(batch(base + n));
  session.kick();
  await until('the first batch', () => broker.accepted.length === 1);
  await sleep(200);
  t.same(broker.accepted, [base], 'the second waits while the first is not acknowledged');
  held.shift()?.();
  await until('the second batch', () => broker.accepted.length === 2);
  held.shift()?.();
  await until('the third batch', () => broker.accepted.length === 3);
  held.shift()?.();
  await until('all acknowledged', () => queue.waiting === 0);
  t.same(broker.accepted, [base, base + 1, base + 2]);
});

void t.test('the broker away for a while: batches wait on disk, then arrive once, in order, before live data', async (t) => {
  const broker = await startBroker(t);
  const queue = openQueue(t);
  const session = startSession(t, broker.port, { queue });
  await until('connected', () => session.connected);
  const base = nowS() - 100;
  const append = (n: number): void => {
    queue.append(batch(base + n));
    session.kick();
  };
  append(0);
  append(1);
  await until('the first two', () => broker.accepted.length === 2);

  await broker.stop();
  await until('the agent notices', () => !session.connected);
  for (let n = 2; n < 40; n++) append(n); // sampling goes on into the queue
  t.equal(queue.waiting, 38, 'the outage\'s batches are on disk');
  await sleep(300); // reconnect attempts fail meanwhile

  await broker.start();
  await until('the backlog', () => broker.accepted.length === 40, 15_000);
  append(40); // live data, after the backlog
  await until('the live batch', () => broker.accepted.length === 41);
  t.same(broker.accepted, Array.from({ length: 41 }, (_, n) => base + n), 'every batch once, in order');
  await until('the queue is empty', () => queue.waiting === 0);
});

void t.test('an agent restarted during the outage keeps its queue and delivers it after the restart', async (t) => {
  const broker = await startBroker(t);
  await broker.stop();
  const dir = tempDir(t);
  const base = nowS() - 100;
  const before = new DiskQueue({ dir, bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: systemClock, log: silentLogger });
  const first = createSession({
    applianceUrl: new URL('http://127.0.0.1:8080'), identity: { ...identity, mqttPort: broker.port }, inventory: () => inventory,
    queue: before, keepaliveS: 15, clock: systemClock, log: silentLogger, reconnectBaseMs: 50, reconnectMaxMs: 200,
  });
  first.start();
  for (let n = 0; n < 5; n++) {
    before.append(batch(base + n));
    first.kick();
  }
  await first.stop();
  before.close(); // the agent stops (or is killed) with five batches unsent

  await broker.start();
  const after = openQueue(t, dir);
  t.equal(after.waiting, 5);
  startSession(t, broker.port, { queue: after });
  await until('the queue of the previous run', () => broker.accepted.length === 5);
  t.same(broker.accepted, [base, base + 1, base + 2, base + 3, base + 4]);
});

void t.test('a connection lost with a batch in flight: it is sent again on reconnect, and nothing after it goes first', async (t) => {
  let holdNext = true;
  const held: (() => void)[] = [];
  let agent: Client | null = null;
  const broker = await startBroker(t, {
    authorizePublish: (client, packet, callback) => {
      if (packet.topic === metricsTopic && holdNext) {
        holdNext = false;
        agent = client;
        held.push(() => callback(null)); // never acknowledged: the connection dies first
      } else {
        callback(null);
      }
    },
  });
  const queue = openQueue(t);
  const session = startSession(t, broker.port, { queue });
  const base = nowS();
  for (let n = 0; n < 3; n++) queue.append(batch(base + n));
  session.kick();
  await until('the first batch held', () => agent !== null);
  (agent as Client | null)?.conn.destroy();
  await until('all three acknowledged', () => queue.waiting === 0, 15_000);
  t.same(broker.accepted, [base, base, base + 1, base + 2], 'the first twice (once lost with its PUBACK), then the others in order');
});

void t.test('the retained configuration reaches the agent on connect, and a new one while connected', async (t) => {
  const broker = await startBroker(t);
  const publisher = await connectAsync({ host: '127.0.0.1', port: broker.port, protocolVersion: 4, clientId: 'appliance', reconnectPeriod: 0 });
  t.teardown(() => publisher.endAsync(true));
  await publisher.publishAsync(configTopic, '{"v":1,"revision":1}', { qos: 1, retain: true });
  const configs: string[] = [];
  startSession(t, broker.port, { onConfig: (payload) => { configs.push(payload.toString()); } });
  await until('the retained configuration', () => configs.length === 1);
  await publisher.publishAsync(configTopic, '{"v":1,"revision":2}', { qos: 1, retain: true });
  await until('the new configuration', () => configs.length === 2);
  t.same(configs, ['{"v":1,"revision":1}', '{"v":1,"revision":2}']);
});

void t.test('updateInventory republishes (retained) only what changed', async (t) => {
  const { port } = await startBroker(t);
  const observer = await observe(t, port);
  let current = inventory;
  const session = startSession(t, port, { inventory: () => current });
  const inventoryTopic = agentTopic(identity.agentId, 'inventory');
  await observer.next(inventoryTopic);
  session.updateInventory();
  await sleep(150);
  t.same(observer.received.filter((r) => r.topic === inventoryTopic), [], 'unchanged: not sent again');
  current = { ...inventory, interfaces: [{ name: 'eth1', mac: '02:00:00:00:00:02', addresses: ['10.0.0.7'] }] };
  session.updateInventory();
  const changed = await observer.next(inventoryTopic);
  t.match(JSON.parse(changed.payload), { interfaces: [{ name: 'eth1' }] });
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
  await sleep(100);
  t.same(observer.received.filter((r) => r.topic === statusTopic), [], 'no second offline from a will: the disconnect was clean');
});

void t.test('refused credentials are logged clearly, once, with RW_ERR_AUTH', async (t) => {
  const { port } = await startBroker(t, {
    authenticate: (_client, _username, _password, done) => {
      done(Object.assign(new Error('bad credentials'), { returnCode: 4 }), null);
    },
  });
  const errors: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { ...silentLogger, error: (msg, fields) => { errors.push({ msg, fields }); }, child: () => log };
  startSession(t, port, { log });
  await sleep(600); // several refused attempts at 50–200 ms
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
  const queue = openQueue(t);
  // a stop that waited for the broker would wait out this timeout: ten minutes
  const session = startSession(t, port, { queue, stopTimeoutMs: 600_000 });
  await sleep(300); // a few refused attempts
  queue.append(batch(nowS()));
  session.kick();
  // not a stopwatch on a loaded machine: 10 s only bounds the wait for a stop that should not wait at all
  let liveness: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    session.stop().then(() => 'stopped'),
    new Promise<string>((resolve) => { liveness = setTimeout(() => resolve('still waiting after 10 s'), 10_000); }),
  ]);
  clearTimeout(liveness);
  t.equal(outcome, 'stopped', 'no wait for a broker that is not there (its stop timeout is ten minutes here)');
  t.equal(session.connected, false);
  t.equal(queue.waiting, 1, 'the batch stays queued for the next start');
});
