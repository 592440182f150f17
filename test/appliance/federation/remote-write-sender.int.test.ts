// The remote-write sender (S19, B8; appliance/federation/remote-writer.ts) with the real on-disk
// queue and real HTTP on loopback:
//  - a failing endpoint is retried on the spec's backoff (500 ms doubling to 30 s, in virtual
//    time), and new samples arriving every 200 ms (the flush timer's poke) do not cut it short;
//    once the endpoint accepts, a new sample is sent at once (an idle sender is woken);
//  - with a backlog, requests go side by side (up to parallelRequests) and two in flight never
//    carry the same series, so each series arrives in time order;
//  - against Debian's Prometheus (out-of-order samples refused, its default): an outage's backlog
//    drains in parallel with nothing missing and nothing refused.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteWriteQueue, type QueuedBatch } from '../../../appliance/federation/remote-write-queue.js';
import { RemoteWriter } from '../../../appliance/federation/remote-writer.js';
import { decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';
import { emptyForwardingStats } from '../../../appliance/federation/forwarding-stats.js';
import { remoteWriteSettingsSchema } from '../../../contract/federation-api.js';
import { silentLogger } from '../../../core/logger.js';
import { systemClock, type Clock } from '../../../core/clock.js';
import { waitFor, type Teardownable } from '../../helpers/appliance-harness.js';
import { startPrometheus, type PromSeries } from '../../helpers/prometheus.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

t.jobs = 3;

/** One stored cpu batch of `host` at unix second `ts`: two fields, `user` carrying `value`. */
const batch = (host: string, ts: number, value: number): QueuedBatch => ({ o: { appliance: 'site-a', host, group: '' }, s: [{ t: ts, f: 'cpu', v: { user: value, system: 1 } }] });

/** requests open at the receiver: counted from their arrival (before their body is decoded) to their answer */
interface OpenRequests { now: number; most: number }

/** A loopback receiver answering `status()`; `onBody` sees each decoded request as it arrives. */
async function receiver(t: Teardownable, status: () => number, onBody: (series: ReturnType<typeof decodeWriteRequest>, done: () => void) => void = (_s, done) => done(), open: OpenRequests = { now: 0, most: 0 }): Promise<string> {
  const server = http.createServer((req, res) => {
    open.now++;
    open.most = Math.max(open.most, open.now);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => onBody(decodeWriteRequest(Buffer.concat(chunks)), () => {
      const code = status();
      open.now--;
      res.writeHead(code).end(code < 300 ? '' : 'unavailable');
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
}

function writer(t: Teardownable, url: string, queue: RemoteWriteQueue, clock: Clock, extra: { parallelRequests?: number; minBackoffMs?: number; maxBackoffMs?: number; idleMs?: number } = {}) {
  const stats = emptyForwardingStats();
  const settings = remoteWriteSettingsSchema.parse({ url, ...(extra.parallelRequests !== undefined ? { parallelRequests: extra.parallelRequests } : {}) });
  const w = new RemoteWriter({
    settings, queue, stats, logger: silentLogger, clock, onError: () => undefined,
    ...(extra.minBackoffMs !== undefined ? { minBackoffMs: extra.minBackoffMs } : {}),
    ...(extra.maxBackoffMs !== undefined ? { maxBackoffMs: extra.maxBackoffMs } : {}),
    ...(extra.idleMs !== undefined ? { idleMs: extra.idleMs } : {}),
  });
  w.start();
  t.teardown(() => w.stop());
  return { w, stats };
}

void t.test('a failing endpoint is retried on the backoff, which new samples do not cut short', async (t) => {
  const clock = new VirtualClock();
  let accept = false;
  /** the virtual time each request arrived at */
  const arrivals: number[] = [];
  const url = await receiver(t, () => (accept ? 204 : 503), (_s, done) => {
    arrivals.push(clock.now());
    done();
  });
  const queue = new RemoteWriteQueue({ dir: tempDir(t), maxBytes: 64 << 20 });
  let ts = 1_750_000_000;
  queue.append(batch('h1', ts++, 1));
  const { w, stats } = writer(t, url, queue, clock, { idleMs: 60_000 });

  // 9 failed requests; between them the flush timer's work every 200 ms: a new batch and a poke
  const retries = 9;
  for (let i = 0; i < retries; i++) {
    await waitFor(`request ${i + 1} and the backoff after it`, () => arrivals.length === i + 1 && clock.pendingTimers === 1, { timeoutMs: 10_000, intervalMs: 5 });
    if (i === retries - 1) accept = true;
    const due = clock.now() + (clock.delays.at(-1) ?? 0);
    while (clock.now() + 200 < due && arrivals.length === i + 1) {
      queue.append(batch('h1', ts++, 1));
      queue.flush();
      w.poke();
      await clock.advance(200);
    }
    await clock.advance(due - clock.now());
  }
  await waitFor('the accepted request', () => stats.samplesSent > 0, { timeoutMs: 10_000, intervalMs: 5 });
  // (the accepted round may be several requests side by side: the backlog the pokes added)
  const gaps = arrivals.slice(1, retries + 1).map((at, i) => at - (arrivals[i] as number));
  t.same(gaps, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000], 'each retry after the backoff, doubling from 500 ms to 30 s');
  t.equal(stats.requestsFailed, retries, 'every failure counted');

  // sent; then idle (60 s): a new batch and a poke are sent at once
  await waitFor('idle', () => queue.samples === 0 && clock.pendingTimers === 1, { timeoutMs: 10_000, intervalMs: 5 });
  const sentBefore = stats.samplesSent;
  const idleSince = clock.now();
  queue.append(batch('h1', ts++, 1));
  queue.flush();
  w.poke();
  await waitFor('the new sample sent', () => stats.samplesSent > sentBefore, { timeoutMs: 10_000, intervalMs: 5 });
  t.equal(clock.now() - idleSince, 0, 'an idle sender is woken by new samples, not after its idle wait');
  t.equal(stats.samplesSent - sentBefore, 2, 'the new batch\'s two fields');
});

void t.test('with a backlog, requests go side by side and never share a series', async (t) => {
  const queue = new RemoteWriteQueue({ dir: tempDir(t), maxBytes: 64 << 20, requestsPerRound: 4 });
  const hosts = Array.from({ length: 40 }, (_, i) => `host-${i}`);
  const t0 = 1_750_000_000;
  for (let step = 0; step < 120; step++) for (const h of hosts) queue.append(batch(h, t0 + step, step));
  queue.flush();
  const inFlight = new Set<Set<string>>();
  const open: OpenRequests = { now: 0, most: 0 };
  const overlaps: string[] = [];
  const seen = new Map<string, number[]>();
  let requests = 0;
  const url = await receiver(t, () => 204, (series, done) => {
    requests++;
    const ids = new Set(series.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(',')));
    for (const other of inFlight) for (const id of ids) if (other.has(id)) overlaps.push(id);
    inFlight.add(ids);
    for (const s of series) {
      const id = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
      seen.set(id, [...(seen.get(id) ?? []), ...s.samples.map((x) => x.timestamp)]);
    }
    // held a while, so that the round's other requests arrive meanwhile: each is decoded as it
    // comes, in this process, which on a busy machine takes tens of ms a request
    setTimeout(() => {
      inFlight.delete(ids);
      done();
    }, 1000);
  }, open);
  const { stats } = writer(t, url, queue, systemClock, { parallelRequests: 4 });
  await waitFor('the backlog sent', () => queue.samples === 0 && stats.samplesSent === 40 * 120 * 2, { timeoutMs: 30_000, intervalMs: 20 });
  t.equal(open.most, 4, `up to 4 requests in flight (${requests} requests)`);
  t.same(overlaps, [], 'no series in two requests in flight');
  t.equal(seen.size, 80, 'every series (40 hosts, 2 fields)');
  const expected = Array.from({ length: 120 }, (_, i) => (t0 + i) * 1000);
  t.same([...seen.values()].filter((times) => JSON.stringify(times) !== JSON.stringify(expected)), [], 'each series\' samples arrived whole and in time order');
});

void t.test('an outage\'s backlog drains into Prometheus in parallel, nothing missing, nothing refused', async (t) => {
  const prom = await startPrometheus(t);
  const queue = new RemoteWriteQueue({ dir: tempDir(t), maxBytes: 256 << 20, requestsPerRound: 4 });
  const hosts = Array.from({ length: 50 }, (_, i) => `drain-${i}`);
  // ten minutes of 1 s samples ending now (Prometheus takes samples up to about an hour old)
  const steps = 600;
  const t0 = Math.floor(Date.now() / 1000) - steps;
  const { stats } = writer(t, prom.writeUrl, queue, systemClock, { parallelRequests: 4, minBackoffMs: 50, maxBackoffMs: 200 });
  // the first minute while Prometheus is up
  for (let step = 0; step < 60; step++) for (const h of hosts) queue.append(batch(h, t0 + step, step));
  queue.flush();
  await waitFor('the first minute sent', () => queue.samples === 0, { timeoutMs: 30_000, intervalMs: 50 });
  await prom.stop();
  for (let step = 60; step < steps; step++) for (const h of hosts) queue.append(batch(h, t0 + step, step));
  queue.flush();
  await waitFor('a failed request', () => stats.requestsFailed > 0, { timeoutMs: 10_000, intervalMs: 50 });
  t.ok(queue.samples > 50 * 500, `the outage's backlog waits (${queue.samples} samples)`);
  await prom.restart();
  await waitFor('the backlog drained', () => queue.samples === 0, { timeoutMs: 60_000, intervalMs: 100 });
  t.equal(stats.samplesDropped, 0, 'Prometheus refused nothing (an out-of-order sample is answered 400, and would be counted here)');
  t.equal(stats.samplesSent, 50 * steps * 2);
  const counts = await prom.query<PromSeries>(`count_over_time(rackwatch_cpu_user_percent{appliance="site-a"}[${steps + 60}s])`);
  t.equal(counts.length, 50, 'every host');
  t.same(counts.filter((c) => c.value?.[1] !== String(steps)), [], `each series has all ${steps} samples`);
  const [one] = await prom.query<PromSeries>(`rackwatch_cpu_user_percent{host="drain-7"}[${steps + 60}s]`);
  t.same(one?.values?.map(([ts, v]) => [ts, Number(v)]), Array.from({ length: steps }, (_, i) => [t0 + i, i]), 'each at its second with its value');
});
