// The spine, end to end: a real agent process enrolls, publishes over MQTT, the appliance stores
// in rrdcached and streams live; S3 enrollment, S1 first cut, D2/D3.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { openStream } from '../helpers/sse.js';
import type { AgentDetail, AgentSummary, SeriesResponse, StreamEvents } from '../../contract/api.js';

void t.test('an agent enrolls and publishes; its samples, stamped from its first interval online and in order, reach the series API and the stream', async (t) => {
  const app = await startAppliance(t);
  const stream = await openStream(app, `/api/v1/stream`);
  t.teardown(() => stream.close());
  const interval = 1;
  const started = Date.now();
  startAgent(t, app, { interval, hostname: 'e2e-host' });

  const agent = await waitFor('the agent listed', async () => {
    const list = await app.api<AgentSummary[]>('/api/v1/agents');
    return list.find((a) => a.hostname === 'e2e-host');
  });
  const id = agent.id;

  const cpu = await waitFor('cpu samples in the series API', async () => {
    const now = Math.floor(Date.now() / 1000);
    const s = await app.api<SeriesResponse>(`/api/v1/agents/${id}/series?family=cpu&from=${now - 60}&to=${now}`);
    const idle = s.data[s.fields.indexOf('idle') + 1] ?? [];
    return idle.some((v) => v !== null) ? s : null;
  }, { timeoutMs: 20_000 });
  t.same(cpu.fields, ['user', 'system', 'iowait', 'steal', 'idle']);
  t.comment(`first stored cpu sample ${((Date.now() - started) / 1000).toFixed(1)} s after the agent process started`);

  const batches = (): StreamEvents['sample']['batch'][] => stream.events
    .filter((e) => e.event === 'sample' && (e.data as StreamEvents['sample']).agentId === id)
    .map((e) => (e.data as StreamEvents['sample']).batch);
  const cpuTimes = (): number[] => batches().flatMap((b) => b.s.filter((s) => s.f === 'cpu').map((s) => s.t));
  await waitFor('cpu samples on the stream', () => cpuTimes().length >= 2);
  // the stream is one ordered connection, and the agent's status is announced before any of its
  // samples: the online event is here once a sample is
  const onlineEvent = stream.events.find((e) => e.event === 'status' && (e.data as StreamEvents['status']).agentId === id
    && (e.data as StreamEvents['status']).status === 'online');
  t.ok(onlineEvent, 'the online status was streamed');
  const onlineAt = (onlineEvent?.data as StreamEvents['status']).at;
  // Judged in sample time, the timestamps the data carries, not in how long delivery took on this
  // machine: the agent starts sampling before it connects, at instants that are multiples of its
  // interval (agent/scheduler.ts), so its first sample is stamped no later than one interval after
  // it came online; its batches go one at a time, oldest first (agent/session.ts).
  const times = cpuTimes();
  const first = times[0] ?? Number.NaN;
  t.ok(first * 1000 <= onlineAt + interval * 1000,
    `the first cpu sample (t = ${first}) is from the agent's first interval online at the latest (online at ${(onlineAt / 1000).toFixed(3)})`);
  t.ok(times.every((tm, i) => i === 0 || tm > (times[i - 1] ?? Number.POSITIVE_INFINITY)), `cpu samples in order, each after the one before (${times.join(', ')})`);
  t.ok(batches().every((b) => b.i === interval), 'every batch at the agent\'s interval');

  // the agent's first batch after connecting may hold only its snapshot (routes, top processes,
  // visitors: sent at once on connect), so look at the first batch with a cpu sample
  const sampleEvent = await waitFor('a sample event with cpu on the stream', () =>
    stream.events.find((e) => e.event === 'sample' && (e.data as { agentId: string }).agentId === id
      && (e.data as StreamEvents['sample']).batch.s.some((s) => s.f === 'cpu')));
  const families = new Set((sampleEvent.data as StreamEvents['sample']).batch.s.map((s) => s.f));
  t.ok(families.has('memory') && families.has('load'), 'live samples carry memory and load');

  const detail = await waitFor('latest values of every family', async () => {
    const d = await app.api<AgentDetail>(`/api/v1/agents/${id}`);
    const fams = new Set(d.latest.map((l) => l.family));
    return ['cpu', 'load', 'memory', 'fs'].every((f) => fams.has(f as never)) ? d : null;
  });
  t.equal(detail.status, 'online');
  t.equal(detail.interval, interval);
  t.ok(detail.inventory, 'inventory received');

  // rrdtool reads the created file: the documented step and archives
  const dir = path.join(app.dataDir, 'rrd', id);
  const cpuFile = readdirSync(dir).find((f) => f.startsWith('cpu'));
  t.ok(cpuFile, 'one RRD file for the cpu family');
  const info = execFileSync('rrdtool', ['info', path.join(dir, cpuFile as string)], { encoding: 'utf8' });
  t.match(info, /^step = 1$/m, 'step = the collector interval');
  const rras = [...info.matchAll(/^rra\[(\d+)\]\.cf = "(\w+)"$/gm)].map((m) => m[2]);
  t.ok(rras.includes('AVERAGE') && rras.includes('MIN') && rras.includes('MAX'), `AVERAGE, MIN and MAX archives (${rras.join(',')})`);
  t.match(info, /^ds\[user\]\.type = "GAUGE"$/m);
});

void t.test('an agent killed with SIGKILL is offline within 1.5× the keepalive; a clean stop is offline at once', async (t) => {
  const app = await startAppliance(t);
  const keepalive = 5;
  const stream = await openStream(app, `/api/v1/stream`);
  t.teardown(() => stream.close());

  const killed = startAgent(t, app, { interval: 1, keepalive, hostname: 'killed-host' });
  const clean = startAgent(t, app, { interval: 1, keepalive, hostname: 'clean-host' });
  // a liveness deadline, not a speed limit: two agents starting at once on a loaded 2-core CI
  // machine took up to 26 s to enroll and connect
  const online = (name: string) => waitFor(`${name} online`, async () =>
    (await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.hostname === name && a.status === 'online'), { timeoutMs: 60_000 });
  const k = await online('killed-host');
  const c = await online('clean-host');

  const offlineAt = (id: string) => waitFor(`${id} offline`, async () => {
    const d = await app.api<AgentDetail>(`/api/v1/agents/${id}`);
    return d.status === 'offline' ? Date.now() : null;
  }, { timeoutMs: keepalive * 1500 + 2000, intervalMs: 50 });

  // SIGKILL closes the agent's socket, so the broker sees the disconnect at once; 1.5× the
  // keepalive is what MQTT allows a connection that goes silent without closing. The bound is
  // seconds above what this takes even on a loaded machine: liveness, not speed.
  const t0 = Date.now();
  await killed.kill();
  const killedAfter = (await offlineAt(k.id)) - t0;
  t.ok(killedAfter <= keepalive * 1500, `SIGKILLed agent offline after ${killedAfter} ms (limit ${keepalive * 1500} ms)`);

  // A clean stop: the agent publishes `offline` at QoS 1 and exits only after the appliance has
  // acknowledged it, which the broker does once the status is recorded (appliance/broker/
  // mqtt-broker.ts, authorizePublish). So the agent is offline the moment its process has exited,
  // however long the stop itself took on this machine: one read, no waiting.
  const exit = await clean.stop();
  t.equal(exit.code, 0, 'agent exits 0 on SIGTERM');
  t.notMatch(clean.output(), /could not publish offline/, 'the agent said `offline` itself before it exited');
  const afterExit = await app.api<AgentDetail>(`/api/v1/agents/${c.id}`);
  t.equal(afterExit.status, 'offline', 'offline as soon as the cleanly stopped agent has exited');
  t.ok(await waitFor('the offline status on the stream', () => stream.events.some((e) => e.event === 'status'
    && (e.data as StreamEvents['status']).agentId === c.id && (e.data as StreamEvents['status']).status === 'offline')), 'status change streamed');
});
