// The remote-write path's own cost (S19, docs/scale.md): a realistic server's batch (cpu, 4 cores,
// load, memory, 3 filesystems, 2 interfaces, 2 disks, tcp: the agent's default families) queued
// queued (protobuf-encoded and snappy-compressed into rounds of requests, appended to the queue on
// disk) and read back as the sender does, for `--agents` agents' worth of batches. Prints CPU µs
// per sample (and of it: queueing with its encoding, reading back), the encoding with compression
// alone and snappy alone (hysnappy, as the encoder; snappyjs for comparison: the floor of encode +
// compress), and bytes per sample on the wire and in
// the queue. The end-to-end run the issue asks for (the appliance under
// load-generator traffic, remote write off and on, an outage's drain) is remote-write-e2e.ts.
//
//   npx tsx scripts/bench/remote-write.ts [--agents 5000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RemoteWriteQueue, SAMPLES_PER_REQUEST, type QueuedBatch, type QueuedSample } from '../../appliance/federation/remote-write-queue.js';
import snappy from 'snappyjs';
import { snappyCompressor } from 'hysnappy';
import { RemoteWriteEncoder } from '../../appliance/federation/remote-write-encoding.js';

const { values } = parseArgs({ options: { agents: { type: 'string', default: '5000' } } });
const agents = Number(values.agents);

function batchOf(agent: number, t: number): QueuedBatch {
  const pct = (): number => Math.round(Math.random() * 1000) / 10;
  const s: QueuedSample[] = [
    { t, f: 'cpu', v: { user: pct(), system: pct(), iowait: pct(), steal: 0, idle: pct() } },
    { t, f: 'load', v: { load1: pct(), load5: pct(), load15: pct() } },
    { t, f: 'memory', v: { total: 16e9, used: 8e9 + Math.random() * 1e9, available: 7e9, cached: 2e9, swap_total: 1e9, swap_used: 0 } },
    { t, f: 'tcp', v: { established: 120, syn_sent: 0, syn_recv: 0, fin_wait1: 0, fin_wait2: 1, time_wait: 33, close: 0, close_wait: 0, last_ack: 0, listen: 12, closing: 0 } },
  ];
  for (let c = 0; c < 4; c++) s.push({ t, f: 'cpucore', k: `cpu${c}`, v: { user: pct(), system: pct(), iowait: pct(), steal: 0, idle: pct() } });
  for (const m of ['/', '/var', '/home']) s.push({ t, f: 'fs', k: m, v: { size: 1e11, used: 4e10 + Math.random() * 1e9, avail: 6e10, inodes: 1e6, inodes_used: 2e5 } });
  for (const n of ['eth0', 'eth1']) s.push({ t, f: 'net', k: n, v: { rx_bytes: Math.random() * 1e6, tx_bytes: Math.random() * 1e6, rx_packets: 900, tx_packets: 800, rx_errs: 0, tx_errs: 0, rx_drop: 0, tx_drop: 0, colls: 0, up: 1 } });
  for (const d of ['sda', 'sdb']) s.push({ t, f: 'disk', k: d, v: { reads: 10, writes: 20, read_bytes: 4e5, write_bytes: 8e5, busy: pct() } });
  return { o: { appliance: 'site-a', host: `server-${String(agent).padStart(5, '0')}.example.net`, group: 'web' }, s };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-bench-'));
try {
  // four requests a round, the default parallelRequests
  const queue = new RemoteWriteQueue({ dir, maxBytes: 16 * 1024 ** 3, requestsPerRound: 4 });
  const t = Math.floor(Date.now() / 1000);
  const batches = Array.from({ length: agents }, (_, a) => batchOf(a, t));
  const cpu0 = process.cpuUsage();
  // queueing encodes: a round of requests at every SAMPLES_PER_REQUEST × 4 samples, and at the flush
  for (const b of batches) queue.append(b);
  queue.flush();
  const queueBytes = queue.bytes;
  const samples = queue.samples;
  const queued = process.cpuUsage(cpu0);
  let wire = 0;
  const bodies: Uint8Array[] = [];
  const r0 = process.cpuUsage();
  for (let c = queue.peek(); c !== null; c = queue.peek()) {
    for (const body of c.bodies) {
      wire += body.byteLength;
      bodies.push(body);
    }
    queue.ack(c);
  }
  const readBack = process.cpuUsage(r0);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / samples;
  // the floors: the encoding alone (the same batches into as many requests, in memory) and snappy
  // alone (the same bodies, compressed again)
  const encoder = new RemoteWriteEncoder();
  const e0 = process.cpuUsage();
  for (let i = 0; i < batches.length; i += 4 * SAMPLES_PER_REQUEST / 90) encoder.encode(batches.slice(i, i + 4 * SAMPLES_PER_REQUEST / 90), 4);
  const encoded = process.cpuUsage(e0);
  const raw = bodies.map((b) => snappy.uncompress(b));
  const compress = snappyCompressor();
  const s0 = process.cpuUsage();
  for (const r of raw) compress(r);
  const snappyCpu = process.cpuUsage(s0);
  // snappyjs, the pure-JavaScript compressor used before hysnappy (S19, B8), on the same bodies
  const j0 = process.cpuUsage();
  for (const r of raw) snappy.compress(r);
  const snappyjsCpu = process.cpuUsage(j0);
  const per = (c: NodeJS.CpuUsage): number => Number(((c.user + c.system) / samples).toFixed(2));
  console.log(JSON.stringify({
    agents, samples, samplesPerAgent: samples / agents,
    cpuMicrosPerSample: Number(us.toFixed(2)), ofWhichQueueingMicros: per(queued), ofWhichReadBackMicros: per(readBack),
    encodeAndCompressAloneMicros: per(encoded), snappyAloneMicros: per(snappyCpu), snappyjsAloneMicros: per(snappyjsCpu), wireBytesPerSample: Number((wire / samples).toFixed(2)), queueBytesPerSample: Number((queueBytes / samples).toFixed(2)),
    rawProtobufBytesPerSample: Number((raw.reduce((n, r) => n + r.byteLength, 0) / samples).toFixed(1)),
    cpuSecondsPerRoundOfAllAgents: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
