// The agent following web logs (S11; docs/benchmarks.md, "Web-log analysis"): the built agent
// (dist/agent.js, with the node flags of its systemd unit) against an Aedes broker in this
// process, its collectors at their defaults, in two phases of --seconds each:
//   A. no web log (the baseline);
//   B. two web logs: one written at --rate lines/s (10,000 by default, in 20 writes a second),
//      one at 10 lines/s, both Combined (scripts/weblog-generator.ts), 10 s intervals.
// Prints the agent's CPU per phase (every thread's, /proc/<pid>/task/*/schedstat) as % of one
// core, and B's extra over A (target < 5 %); its peak RSS in B (target < 60 MB); the bytes on
// the wire of each message and interval on `…/weblog`; and the requests the messages count
// against the lines written (they must agree once the last interval is in).
//
//   node scripts/build.mjs && node scripts/bench/run.mjs scripts/bench/weblog-agent.ts [--seconds 30] [--rate 10000]
//
// RW_REPO_ROOT=<copy> runs the agent built in another tree (its dist/agent.js) under this
// benchmark: the code before a change, built into a copy, started together with this tree's run
// (the machine is shared; docs/benchmarks.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { agentTopic } from '../../contract/topics.js';
import type { AgentWeblogSource } from '../../contract/weblog-sources.js';
import type { WeblogMessage } from '../../contract/weblog.js';
import { emptyTruth, generateCombinedLog } from '../weblog-generator.js';
import { cpuSecondsPrecise, RssSampler } from './proc-stats.js';

const AGENT_ID = 'bench-weblog-agent';
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    rate: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '12' },
    'agent-node-flags': { type: 'string', default: '--max-semi-space-size=1 --optimize-for-size --no-sparkplug' },
  },
});
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const warmupS = Number(args.warmup);
if (!(seconds > 0) || !(rate > 0) || !(warmupS >= 0)) {
  process.stderr.write('weblog-agent: --seconds and --rate > 0, --warmup ≥ 0\n');
  process.exit(2);
}
const agentBundle = path.join(process.env.RW_REPO_ROOT ?? process.cwd(), 'dist', 'agent.js');
if (!existsSync(agentBundle)) {
  process.stderr.write(`weblog-agent: ${agentBundle} is missing; run \`node scripts/build.mjs\` first\n`);
  process.exit(2);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const workDir = mkdtempSync(path.join(os.tmpdir(), 'rw-weblog-agent-'));
let agent: ChildProcess | null = null;
process.on('exit', () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const broker = await Aedes.createBroker();
const server = net.createServer((socket) => broker.handle(socket));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const mqttPort = (server.address() as AddressInfo).port;

interface Received { bytes: number; message: WeblogMessage }
const received: Received[] = [];
broker.on('publish', (packet, client) => {
  if (!client || packet.topic !== agentTopic(AGENT_ID, 'weblog')) return;
  received.push({ bytes: packet.payload.length, message: JSON.parse(packet.payload.toString()) as WeblogMessage });
});

function publishConfig(weblogs: AgentWeblogSource[], revision: number): Promise<void> {
  const config: AgentConfig = { v: 1, revision, collectors: { ...DEFAULT_COLLECTOR_SETTINGS }, queue: { ...DEFAULT_QUEUE }, weblogs };
  return new Promise((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic: agentTopic(AGENT_ID, 'config'), payload: Buffer.from(JSON.stringify(config)), qos: 1, retain: true, dup: false },
      (error) => (error ? reject(error) : resolve()));
  });
}

const busyLog = path.join(workDir, 'busy-access.log');
const quietLog = path.join(workDir, 'quiet-access.log');
await publishConfig([], 1);
const stateDir = path.join(workDir, 'agent');
mkdirSync(stateDir, { mode: 0o700 });
writeFileSync(path.join(stateDir, 'identity.json'), JSON.stringify({ agentId: AGENT_ID, secret: 'bench', mqttPort }), { mode: 0o600 });
agent = spawn(process.execPath, [
  ...args['agent-node-flags'].split(' ').filter((f) => f !== ''), agentBundle,
  '--appliance', 'http://127.0.0.1:9', '--state-dir', stateDir, '--log-level', 'warn',
], { stdio: ['ignore', 'inherit', 'inherit'] });
const pid = agent.pid as number;
const rss = new RssSampler(() => ({ agent: pid }), 250);
rss.start();

/** CPU of the agent over `seconds`, as % of one core */
async function cpuOver(s: number): Promise<number> {
  const before = cpuSecondsPrecise(pid);
  const started = performance.now();
  await sleep(s * 1000);
  const after = cpuSecondsPrecise(pid);
  if (before === null || after === null) throw new Error('the agent is gone');
  return (100 * (after - before)) / ((performance.now() - started) / 1000);
}

// ---- A: collectors only ------------------------------------------------------------------------
await sleep(warmupS * 1000);
const cpuA = await cpuOver(seconds);
const rssA = rss.peakKb('agent') ?? 0;

// ---- B: two logs -------------------------------------------------------------------------------
const truth = emptyTruth();
const busyLines = generateCombinedLog({ lines: Number.MAX_SAFE_INTEGER, linesPerSecond: rate, startS: Math.floor(Date.now() / 1000) }, truth);
const quietLines = generateCombinedLog({ lines: Number.MAX_SAFE_INTEGER, seed: 7 }, emptyTruth());
writeFileSync(busyLog, '');
writeFileSync(quietLog, '');
await publishConfig([
  { id: 'busy', path: busyLog, format: 'combined', intervalS: 10 },
  { id: 'quiet', path: quietLog, format: 'combined', intervalS: 10 },
], 2);
const written = { busy: 0, quiet: 0 };
const TICKS_PER_S = 20;
const writeStartedMs = performance.now();
let ticks = 0;
const writer = setInterval(() => {
  // catch up to the rate by the clock, whatever this process's timers lag
  const due = Math.floor(((performance.now() - writeStartedMs) / 1000) * TICKS_PER_S);
  for (; ticks < due; ticks++) {
    const chunk: string[] = [];
    for (let i = 0; i < rate / TICKS_PER_S; i++) chunk.push(busyLines.next().value as string);
    appendFileSync(busyLog, chunk.join('\n') + '\n');
    written.busy += chunk.length;
    if (ticks % 2 === 0) {
      appendFileSync(quietLog, (quietLines.next().value as string) + '\n');
      written.quiet++;
    }
  }
}, 1000 / TICKS_PER_S);
await sleep(warmupS * 1000);
const fromMs = performance.now();
const cpuB = await cpuOver(seconds);
const rssB = rss.peakKb('agent', fromMs) ?? 0;
clearInterval(writer);
const writtenAt = { ...written };
// the last interval ends within 10 s, then travels
const counted = (source: string): number => received.flatMap((r) => r.message.intervals).filter((i) => i.source === source).reduce((a, i) => a + i.requests, 0);
const deadline = Date.now() + 30_000;
while ((counted('busy') < writtenAt.busy || counted('quiet') < writtenAt.quiet) && Date.now() < deadline) await sleep(500);

rss.stop();
agent.kill('SIGTERM');
await once(agent, 'exit');
await new Promise<void>((resolve) => broker.close(() => resolve()));
server.close();

const messages = received.filter((r) => r.message.intervals.some((i) => i.source === 'busy'));
const busyIntervals = messages.flatMap((r) => r.message.intervals.filter((i) => i.source === 'busy' && i.requests > 0));
const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const intervalBytes = busyIntervals.map((i) => Buffer.byteLength(JSON.stringify(i)));
const report = {
  seconds, rateLinesPerS: rate,
  cpuPercentOfOneCore: { collectorsOnly: round(cpuA), twoLogs: round(cpuB), weblogExtra: round(cpuB - cpuA), target: '< 5' },
  rssMb: { collectorsOnly: round(rssA / 1024), twoLogsPeak: round(rssB / 1024), target: '< 60' },
  wire: {
    messages: messages.length,
    meanMessageBytes: Math.round(mean(messages.map((m) => m.bytes))),
    maxMessageBytes: Math.max(0, ...messages.map((m) => m.bytes)),
    meanBusyIntervalBytes: Math.round(mean(intervalBytes)),
    meanBusyIntervalRequests: Math.round(mean(busyIntervals.map((i) => i.requests))),
  },
  lines: { written: writtenAt, counted: { busy: counted('busy'), quiet: counted('quiet') } },
};
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
if (counted('busy') !== writtenAt.busy || counted('quiet') !== writtenAt.quiet) {
  process.stderr.write('weblog-agent: the intervals do not count every line written\n');
  process.exitCode = 1;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
