// Service checks in the built agent (dist/agent.js, as installed; S5, S6, S16, S18) against a real
// Aedes broker standing in for the appliance: checks arrive in the retained configuration,
// results come back on `rw/v1/<agentId>/checks` as the contract says; a log check follows its file
// through copytruncate and rename-and-create rotation with an agent restart in between, neither
// re-reading nor skipping a line; the latest result of each check survives a broker outage; the
// allowed script directories come from the agent's own flag; 1,000 checks are accepted and run.
import { once } from 'node:events';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { checkResultsPayloadSchema, type AgentCheck, type CheckResult } from '../../contract/check-definitions.js';
import { agentTopic } from '../../contract/topics.js';
import { AGENT_BIN, startBuiltAgent, until as untilWithin, type RunningAgent } from '../helpers/built-agent.js';
import { startLoopbackBroker } from '../helpers/loopback-broker.js';
import { tempDir } from '../helpers/temp-dir.js';

const AGENT_ID = 'agent-checks-1';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Message { atMs: number; bytes: number; results: CheckResult[] }

interface Broker { port: number; messages: Message[]; invalid: string[]; publishConfig: (config: AgentConfig) => Promise<void>; close: () => Promise<void> }

async function startBroker(t: Test, port = 0, config?: AgentConfig): Promise<Broker> {
  const { broker, port: listening, publishConfig, close } = await startLoopbackBroker(t, AGENT_ID, port);
  const messages: Message[] = [];
  const invalid: string[] = [];
  broker.on('publish', (packet, client) => {
    if (!client || packet.topic !== agentTopic(AGENT_ID, 'checks')) return;
    const parsed = checkResultsPayloadSchema.safeParse(JSON.parse(packet.payload.toString()));
    if (parsed.success) messages.push({ atMs: Date.now(), bytes: packet.payload.length, results: parsed.data.results });
    else invalid.push(JSON.stringify(parsed.error.issues).slice(0, 300));
  });
  if (config) await publishConfig(config);
  return { port: listening, messages, invalid, publishConfig, close };
}

function startAgent(t: Test, stateDir: string, mqttPort: number, checkDirs: string): RunningAgent {
  return startBuiltAgent(t, { agentId: AGENT_ID, stateDir, mqttPort, args: ['--interval', '5', '--check-dirs', checkDirs] });
}

/** checks run every 5 s at the fastest: waits are longer than for samples */
const until = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> => untilWithin(what, probe, timeoutMs);

function configWith(checks: AgentCheck[], revision = 1): AgentConfig {
  // collectors off: these tests are about checks
  return { v: 1, revision, queue: { ...DEFAULT_QUEUE }, collectors: { load: { enabled: true, intervalS: 60 } }, checks };
}

const resultsOf = (b: Broker, id: string): CheckResult[] => b.messages.flatMap((m) => m.results.filter((r) => r.id === id));

// The three cases share nothing (each its own broker, agent and directories) and mostly wait for
// the checks' 5 s slots: side by side the file takes the longest case's time, not the sum.
t.jobs = 3;

t.before(() => {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run \`node scripts/build.mjs\` (npm test does)`);
});

void t.test('a log check through copytruncate and rename-and-create, with an agent restart in between: every matching line once', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'app.log');
  writeFileSync(log, 'ERROR from before the check: not new\n');
  const check: AgentCheck = { id: 'app-log', name: 'app log', type: 'log', intervalS: 5, path: log, patterns: [{ pattern: 'ERROR', severity: 'warning' }, { pattern: 'FATAL', severity: 'critical' }] };
  const broker = await startBroker(t, 0, configWith([check]));
  const stateDir = path.join(dir, 'state');
  let agent = startAgent(t, stateDir, broker.port, dir);
  const count = (): number => resultsOf(broker, 'app-log').length;
  await until('a first result', () => count() >= 1);
  t.match(resultsOf(broker, 'app-log')[0], { state: 'ok', output: /^LOG OK - 0 critical, 0 warning in 0 new lines/ }, 'a file already there is read from its end');

  const next = async (what: string): Promise<CheckResult> => {
    const n = count();
    await until(what, () => count() > n);
    return resultsOf(broker, 'app-log').at(-1) as CheckResult;
  };
  appendFileSync(log, 'info\nERROR a\n');
  t.match(await next('the line ERROR a'), { state: 'warning', longOutput: 'ERROR a' });

  // copytruncate: the content copied away, the file emptied in place, written on
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  appendFileSync(log, 'FATAL c\n');
  t.match(await next('the line after copytruncate'), { state: 'critical', longOutput: 'FATAL c' });

  // the agent stops; meanwhile a line, then rename-and-create, then a line in the new file
  agent.child.kill('SIGTERM');
  t.equal(await agent.exited, 0);
  const before = count();
  appendFileSync(log, 'ERROR d\n');
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'FATAL e\n');
  agent = startAgent(t, stateDir, broker.port, dir);
  await until('the lines written while the agent was stopped', () => resultsOf(broker, 'app-log').slice(before).some((r) => r.longOutput?.includes('FATAL e')));
  await sleep(6000); // one more run: nothing is read twice
  const lines = resultsOf(broker, 'app-log').flatMap((r) => (r.longOutput ? r.longOutput.split('\n') : []));
  t.same(lines, ['ERROR a', 'FATAL c', 'ERROR d', 'FATAL e'], 'every matching line exactly once, in order');
  t.same(broker.invalid, []);
});

void t.test('results: valid for the contract, scripts only from --check-dirs, the latest result kept through a broker outage', async (t) => {
  const dir = tempDir(t);
  const allowed = path.join(dir, 'checks.d');
  mkdirSync(allowed);
  writeFileSync(path.join(allowed, 'queue.sh'), '#!/bin/sh\necho "QUEUE OK - 3 waiting | waiting=3;10;20;0"\n');
  chmodSync(path.join(allowed, 'queue.sh'), 0o755);
  writeFileSync(path.join(dir, 'outside.sh'), `#!/bin/sh\ntouch ${dir}/ran\n`);
  chmodSync(path.join(dir, 'outside.sh'), 0o755);
  const service = createServer((s) => { s.on('error', () => undefined); s.end('220 ready\r\n'); });
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  const servicePort = (service.address() as AddressInfo).port;
  t.teardown(() => service.close());
  const checks: AgentCheck[] = [
    { id: 'smtp', name: 'smtp', type: 'port', intervalS: 5, host: '127.0.0.1', port: servicePort, expect: '^220' },
    { id: 'queue', name: 'queue', type: 'script', intervalS: 5, command: 'queue.sh' },
    { id: 'outside', name: 'outside', type: 'script', intervalS: 5, command: path.join(dir, 'outside.sh') },
  ];
  let broker = await startBroker(t, 0, configWith(checks));
  const brokerPort = broker.port;
  startAgent(t, path.join(dir, 'state'), brokerPort, allowed);
  await until('a result of each check', () => checks.every((c) => resultsOf(broker, c.id).length > 0));
  t.match(resultsOf(broker, 'smtp')[0], { state: 'ok', output: /^TCP OK/, perfdata: [{ label: 'time', unit: 's' }] });
  t.match(resultsOf(broker, 'queue')[0], { state: 'ok', output: 'QUEUE OK - 3 waiting', perfdata: [{ label: 'waiting', value: 3 }] });
  t.match(resultsOf(broker, 'outside')[0], { state: 'unknown', output: /outside\.sh is not in an allowed directory/ });
  t.notOk(existsSync(path.join(dir, 'ran')), 'the program outside the allowed directory was not run');

  // the broker goes away; the service fails meanwhile; the broker comes back on the same port
  await broker.close();
  service.close();
  const downAt = Math.floor(Date.now() / 1000);
  await sleep(7000);
  broker = await startBroker(t, brokerPort, configWith(checks));
  const first = await until('results after the outage', () => broker.messages[0]);
  const smtp = first.results.find((r) => r.id === 'smtp');
  t.ok(smtp, 'the first message after the reconnect carries the service check');
  t.equal(smtp?.state, 'critical', 'with the state it found during the outage');
  t.ok((smtp?.t ?? 0) >= downAt && (smtp?.t ?? 0) * 1000 < first.atMs, 'a result from the outage, kept until the link returned');
  t.same(broker.invalid, []);
});

void t.test('1,000 checks in one configuration are accepted and every one runs', async (t) => {
  const dir = tempDir(t);
  const service = createServer((s) => { s.on('error', () => undefined); s.end('OK\r\n'); });
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  t.teardown(() => service.close());
  const port = (service.address() as AddressInfo).port;
  const checks: AgentCheck[] = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0
    ? { id: `port-${i}`, name: `port ${i}`, type: 'port', intervalS: 10, host: '127.0.0.1', port }
    : { id: `proc-${i}`, name: `proc ${i}`, type: 'process', intervalS: 10, process: 'node' }));
  const broker = await startBroker(t, 0, configWith(checks));
  const agent = startAgent(t, path.join(dir, 'state'), broker.port, dir);
  const twice = (): boolean => {
    const n = new Map<string, number>();
    for (const m of broker.messages) for (const r of m.results) n.set(r.id, (n.get(r.id) ?? 0) + 1);
    return n.size === 1000 && [...n.values()].every((c) => c >= 2);
  };
  await until('two results of each of the 1,000 checks', twice, 60_000);
  const results = broker.messages.flatMap((m) => m.results);
  t.same([...new Set(results.filter((r) => r.state !== 'ok').map((r) => r.output))], [], 'every run OK');
  t.ok(broker.messages.every((m) => m.bytes <= 256 * 1024), 'every message within the appliance\'s packet limit');
  t.same(broker.invalid, []);
  t.match(agent.output(), /checks applied \{"checks":1000,"added":1000,"changed":0,"removed":0\}/);
});
