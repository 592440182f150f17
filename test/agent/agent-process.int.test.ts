// The built agent (dist/agent.js, as installed) against a real Aedes broker standing in for the
// appliance: S2 schedules from the retained configuration (applied within 5 s, no restart;
// a bad one refused and logged as "path: message"; the last good one used after a restart
// without the appliance), S3 inventory, one agent per state directory. `npm test` builds dist/.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { Aedes } from 'aedes';
import t, { type Test } from 'tap';
import { DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { COLLECTOR_NAMES, type CollectorName } from '../../contract/families.js';
import { inventorySchema, type Inventory } from '../../contract/inventory.js';
import { parseMetricsPayload, type MetricsBatch } from '../../contract/metrics.js';
import { agentTopic } from '../../contract/topics.js';
import { tempDir } from '../helpers/temp-dir.js';
import { AGENT_BIN, startBuiltAgent, until, type RunningAgent } from '../helpers/built-agent.js';

const AGENT_ID = 'agent-proc-1';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Arrival { atMs: number; batch: MetricsBatch }

async function startBroker(t: Test): Promise<{ port: number; arrivals: Arrival[]; retained: Map<string, string>; publish: (topic: string, payload: string) => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    server.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });
  const arrivals: Arrival[] = [];
  const retained = new Map<string, string>();
  broker.on('publish', (packet, client) => {
    if (!client) return;
    if (packet.retain) retained.set(packet.topic, packet.payload.toString());
    if (packet.topic !== agentTopic(AGENT_ID, 'metrics')) return;
    const check = parseMetricsPayload(packet.payload as Buffer, Math.floor(Date.now() / 1000));
    if (check.ok) arrivals.push({ atMs: Date.now(), batch: check.value });
  });
  const publish = (topic: string, payload: string): Promise<void> => new Promise((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false },
      (error) => (error ? reject(error) : resolve()));
  });
  return { port: (server.address() as AddressInfo).port, arrivals, retained, publish };
}

function startAgent(t: Test, stateDir: string, mqttPort: number): RunningAgent {
  return startBuiltAgent(t, { agentId: AGENT_ID, stateDir, mqttPort, args: ['--interval', '1'] });
}

function config(revision: number, on: Partial<Record<CollectorName, number>>): AgentConfig {
  return {
    v: 1, revision, queue: { ...DEFAULT_QUEUE },
    collectors: Object.fromEntries(COLLECTOR_NAMES.map((name) => [name, { enabled: on[name] !== undefined, intervalS: on[name] ?? 5 }])),
  };
}

const families = (batch: MetricsBatch): string[] => [...new Set(batch.s.map((s) => s.f))].sort();

t.before(() => {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run \`node scripts/build.mjs\` (npm test does)`);
});

void t.test('schedules from the appliance apply within 5 s, a bad configuration is refused, the last good one survives a restart', async (t) => {
  const broker = await startBroker(t);
  const stateDir = path.join(tempDir(t), 'state');
  const agent = startAgent(t, stateDir, broker.port);

  // no configuration yet: every series collector at --interval 1
  const first = await until('a first full batch', () => broker.arrivals.find((a) => families(a.batch).includes('cpu') && families(a.batch).includes('tcp')));
  t.ok(['cpu', 'cpucore', 'fs', 'load', 'memory', 'tcp'].every((f) => families(first.batch).includes(f)), `the series families (${families(first.batch).join(', ')})`);
  t.equal(first.batch.i, 1);

  // load every second, memory every 2 s, everything else off
  const publishedAt = Date.now();
  await broker.publish(agentTopic(AGENT_ID, 'config'), JSON.stringify(config(1, { load: 1, memory: 2 })));
  const applied = await until('the new schedules', () => broker.arrivals.find((a) => a.atMs > publishedAt
    && a.batch.s.some((s) => s.f === 'memory' && s.i === 2)));
  t.ok(applied.atMs - publishedAt <= 5000, `applied ${applied.atMs - publishedAt} ms after it was published (≤ 5 s)`);
  const settledAt = applied.atMs;
  await sleep(4200);
  const after = broker.arrivals.filter((a) => a.atMs > settledAt);
  t.ok(after.length >= 3, `${after.length} batches since`);
  t.ok(after.every((a) => families(a.batch).every((f) => f === 'load' || f === 'memory')), 'only load and memory now');
  t.ok(after.every((a) => a.batch.i === 1), 'the batch interval is the shortest, 1 s');
  const memory = after.flatMap((a) => a.batch.s.filter((s) => s.f === 'memory'));
  t.ok(memory.length >= 1 && memory.every((s) => s.i === 2 && s.t % 2 === 0), 'memory every 2 s, on even seconds, marked i = 2');
  t.ok(after.flatMap((a) => a.batch.s.filter((s) => s.f === 'load')).every((s) => s.i === undefined), 'load at the batch interval: no own `i`');
  t.match(agent.output(), /configuration applied \{"revision":1\}/);

  // a bad one: interval 0 and an unknown collector
  const bad = { ...config(2, { load: 1 }), collectors: { load: { enabled: true, intervalS: 0 }, gpu: { enabled: true, intervalS: 5 } } };
  const badAt = Date.now();
  await broker.publish(agentTopic(AGENT_ID, 'config'), JSON.stringify(bad));
  await until('the refusal in the log', () => /configuration refused/.test(agent.output()));
  t.match(agent.output(), /configuration refused; keeping revision 1: collectors\.load\.intervalS: interval must be at least 1 s; collectors\.gpu: unknown collector/);
  await sleep(2500);
  t.ok(broker.arrivals.filter((a) => a.atMs > badAt + 500).some((a) => a.batch.s.some((s) => s.f === 'memory')),
    'the last good configuration goes on (memory still sampled)');

  // restart with no configuration on the broker: the stored one is used
  agent.child.kill('SIGTERM');
  t.equal(await agent.exited, 0, 'a clean stop');
  const again = await startBroker(t);
  const restarted = startAgent(t, stateDir, again.port);
  await until('batches after the restart', () => again.arrivals.length >= 3);
  t.ok(again.arrivals.every((a) => families(a.batch).every((f) => f === 'load' || f === 'memory')), 'still only load and memory');
  t.match(restarted.output(), /running on the stored configuration until the appliance sends one \{"revision":1\}/);
});

void t.test('the inventory is published retained on connect, with the host facts and the queue\'s drop count', async (t) => {
  const broker = await startBroker(t);
  startAgent(t, path.join(tempDir(t), 'state'), broker.port);
  const payload = await until('the inventory', () => broker.retained.get(agentTopic(AGENT_ID, 'inventory')));
  const inventory = JSON.parse(payload) as Inventory;
  const parsed = inventorySchema.safeParse(inventory);
  t.ok(parsed.success, parsed.success ? 'valid' : JSON.stringify(parsed.error.issues));
  t.not(inventory.os.distro, 'unknown', 'systeminformation answered (through the helper process)');
  t.same(inventory.queue, { dropped: 0, lastDropAt: null });
  t.equal(inventory.interval, 1);
});

void t.test('a second agent on the same state directory stops with a clear message', async (t) => {
  const broker = await startBroker(t);
  const stateDir = path.join(tempDir(t), 'state');
  startAgent(t, stateDir, broker.port);
  await until('the first agent sampling', () => broker.arrivals.length > 0);
  const second = startAgent(t, stateDir, broker.port);
  t.equal(await second.exited, 2);
  t.match(second.output(), /another agent \(pid \d+\) is running with the state directory/);
});
