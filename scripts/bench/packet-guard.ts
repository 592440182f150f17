// The packet-size guard's cost (RES, docs/benchmarks.md): the appliance's MQTT broker with ingest
// reduced to validation (guarded-broker.ts), with the guard and without it, under the same load
// of simulated agents (scripts/loadgen.ts: one nominal-server batch per agent per interval, QoS 1,
// one in flight). For each variant: the broker process's CPU per acknowledged message over a
// measured window. Variants alternate (on, off, on, off …) so that drift on a shared machine
// falls on both; the ratio on/off is of the means. Without rrdcached and the store the broker's
// own work per message is small, so the ratio overstates the guard's share of the appliance's
// ingest CPU (which adds the store and rrdcached): it is an upper bound. First, in this process,
// the scanner alone against mqtt-packet's parser (what Aedes runs on the same bytes anyway), on
// the same stream of nominal-server publishes: a ratio that machine noise hardly moves.
//
//   node scripts/bench/run.mjs scripts/bench/packet-guard.ts [--agents 2000] [--interval 1] [--window 15] [--pairs 3]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { generate, parser as mqttParser } from 'mqtt-packet';
import { MqttFrameScanner } from '../../appliance/broker/packet-size-guard.js';
import { agentTopic } from '../../contract/topics.js';
import { LoadGenerator, metricsBatch, sleep, type AgentIdentity } from '../loadgen.js';
import { cpuSeconds } from './proc-stats.js';
import { Cleanup, startBrokerScript, terminate } from './processes.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '1' },
    window: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    pairs: { type: 'string', default: '3' },
  },
  strict: true,
});
const agents = Number(values.agents);
const intervalS = Number(values.interval);
const windowS = Number(values.window);
const warmupS = Number(values.warmup);
const pairs = Number(values.pairs);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'guarded-broker.js');

interface Run { guard: 'on' | 'off'; messages: number; cpuS: number; usPerMsg: number }

async function measure(cleanup: Cleanup, guard: 'on' | 'off'): Promise<Run> {
  const broker = await startBrokerScript(cleanup, `broker (guard ${guard})`, script, ['--guard', guard], 'guarded-broker ready');
  const identities: AgentIdentity[] = Array.from({ length: agents }, (_, i) => ({ agentId: `bench${String(i).padStart(6, '0')}`, secret: 'x', hostname: `h${i}` }));
  const gen = new LoadGenerator({
    host: '127.0.0.1', port: broker.port, agents: identities, intervalS, maxInflight: 1, keepaliveS: 60,
    connectConcurrency: 64, connectTimeoutMs: 10_000, announce: false, credentials: true, initialBacklogRounds: 0,
  });
  try {
    await gen.connectAll();
    gen.startSchedule();
    await sleep(warmupS * 1000);
    const cpu0 = cpuSeconds(broker.pid ?? -1) ?? Number.NaN;
    const acked0 = gen.counters.metricsAcked;
    await sleep(windowS * 1000);
    const cpuS = (cpuSeconds(broker.pid ?? -1) ?? Number.NaN) - cpu0;
    const messages = gen.counters.metricsAcked - acked0;
    return { guard, messages, cpuS, usPerMsg: (cpuS * 1e6) / messages };
  } finally {
    await gen.stop();
    await terminate(broker, 5000);
  }
}

/** ns per packet of the scanner and of mqtt-packet's parser over the same 1,000 publishes, fed in 64 KiB reads */
function scannerAgainstParser(): { scannerNs: number; parserNs: number; packetBytes: number } {
  const packets = Array.from({ length: 1000 }, (_, i) => generate({
    cmd: 'publish', topic: agentTopic(`bench${i}`, 'metrics'), payload: Buffer.from(JSON.stringify(metricsBatch(i, 1_700_000_000, 5))),
    qos: 1, messageId: 1 + i, retain: false, dup: false,
  }));
  const stream = Buffer.concat(packets);
  const reads: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 64 * 1024) reads.push(stream.subarray(at, at + 64 * 1024));
  const time = (rounds: number, run: () => void): number => {
    run();
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) run();
    return ((performance.now() - t0) * 1e6) / (rounds * packets.length);
  };
  const scannerNs = time(200, () => {
    const scanner = new MqttFrameScanner(() => 1 << 20);
    for (const r of reads) if (!scanner.feed(r).ok) throw new Error('refused');
  });
  const parserNs = time(20, () => {
    const parser = mqttParser({ protocolVersion: 4 });
    for (const r of reads) parser.parse(r);
  });
  return { scannerNs, parserNs, packetBytes: Math.round(stream.length / packets.length) };
}

async function main(): Promise<void> {
  const micro = scannerAgainstParser();
  process.stderr.write(`scanner ${micro.scannerNs.toFixed(0)} ns/packet, mqtt-packet parser ${micro.parserNs.toFixed(0)} ns/packet\n`);
  const cleanup = new Cleanup();
  const runs: Run[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      for (const guard of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const r = await measure(cleanup, guard);
        runs.push(r);
        process.stderr.write(`guard ${guard}: ${r.messages} msgs, ${r.cpuS.toFixed(2)} CPU s, ${r.usPerMsg.toFixed(1)} µs/msg\n`);
      }
    }
  } finally {
    for (const p of cleanup.runAll()) process.stderr.write(`cleanup: ${p}\n`);
  }
  const mean = (g: 'on' | 'off'): number => {
    const rs = runs.filter((r) => r.guard === g);
    return rs.reduce((s, r) => s + r.usPerMsg, 0) / rs.length;
  };
  const on = mean('on');
  const off = mean('off');
  const lines = [
    `packet-size guard, ${agents} agents at ${intervalS} s, ${pairs} windows of ${windowS} s per variant (broker with validation only, no store)`,
    '',
    '| variant | broker CPU per message (µs), each window | mean |',
    '|---|---|---|',
    `| guard on | ${runs.filter((r) => r.guard === 'on').map((r) => r.usPerMsg.toFixed(1)).join(', ')} | ${on.toFixed(1)} |`,
    `| guard off | ${runs.filter((r) => r.guard === 'off').map((r) => r.usPerMsg.toFixed(1)).join(', ')} | ${off.toFixed(1)} |`,
    '',
    `ratio on/off: ${(on / off).toFixed(3)}`,
    '',
    `the scanner alone, in this process, on ${micro.packetBytes}-byte publishes in 64 KiB reads: ${micro.scannerNs.toFixed(0)} ns a packet; `
      + `mqtt-packet's parser on the same bytes: ${micro.parserNs.toFixed(0)} ns; ratio scanner/parser: ${(micro.scannerNs / micro.parserNs).toFixed(3)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`packet-guard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
