// B2: the agent never loses samples when the appliance is away. A REAL agent samples every
// second; the REAL appliance is killed with SIGKILL for over 30 s and restarted on the same data
// directory and ports. Afterwards every second of the outage is in the RRD at raw resolution, in
// order, none twice, each with the value the agent sent (as the live stream shows them after the
// restart: the backlog is delivered through the same path as live samples). The second case also
// restarts the agent in the middle of the outage: its disk queue survives it.
//
// A GAUGE row is filled from the next update when one or two are missing (heartbeat 3 steps), so
// "no null row" alone would not catch a lost sample: the values are compared with what was sent.
import t, { type Test } from 'tap';
import type { AgentSummary, SeriesResponse, StreamEvents } from '../../contract/api.js';
import { freePort, startAgent, startAppliance, waitFor, type RunningAgent, type RunningAppliance } from '../helpers/appliance-harness.js';
import { openStream } from '../helpers/sse.js';
import { tempDir } from '../helpers/temp-dir.js';

const OUTAGE_S = 32;

t.setTimeout(400_000);
// The two cases share nothing (each its own appliance, agent, data directory and ports) and mostly
// wait out the outage: side by side the file takes the longer case's time, not the sum.
t.jobs = 2;

const nowS = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function cpuSeries(app: RunningAppliance, agentId: string, from: number, to: number): Promise<Map<number, number | null>> {
  const s = await app.api<SeriesResponse>(`/api/v1/agents/${agentId}/series?family=cpu&from=${from}&to=${to}&points=5000`);
  if (s.step !== 1) throw new Error(`expected raw 1 s rows, got step ${s.step}`);
  const user = s.data[1 + s.fields.indexOf('user')] ?? [];
  const idle = s.data[1 + s.fields.indexOf('idle')] ?? [];
  const out = new Map<number, number | null>();
  s.data[0].forEach((tm, i) => out.set(tm, user[i] === null || idle[i] === null ? null : (user[i] ?? null)));
  return out;
}

async function lastStoredCpu(app: RunningAppliance, agentId: string): Promise<number | null> {
  const now = nowS();
  let last: number | null = null;
  for (const [tm, v] of await cpuSeries(app, agentId, now - 60, now)) if (v !== null) last = tm;
  return last;
}

interface Outage {
  /** the agent is stopped this long into the outage, then started again on the same state dir */
  restartAgentAfterS?: number;
}

async function outage(t: Test, opts: Outage): Promise<void> {
  const hostname = `outage-${opts.restartAgentAfterS === undefined ? 'a' : 'b'}`;
  const dataDir = tempDir(t, 'rw-out-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  let app = await startAppliance(t, { dataDir, ...ports });
  let agent: RunningAgent = startAgent(t, app, { interval: 1, hostname });
  const id = (await waitFor('the agent online', async () => {
    const a = (await app.api<AgentSummary[]>('/api/v1/agents')).find((x) => x.hostname === hostname);
    return a?.status === 'online' ? a : null;
  }, { timeoutMs: 20_000 })).id;
  // the first cpu sample needs a baseline (a rate): rows are checked from the first one stored
  const firstStored = await waitFor('live cpu samples', () => lastStoredCpu(app, id), { timeoutMs: 20_000 });
  await sleep(3_000);
  const lastBefore = await lastStoredCpu(app, id);
  if (lastBefore === null) throw new Error('no cpu sample before the outage');

  const killedAt = nowS();
  await app.kill();
  let agentDown: [number, number] | null = null;
  if (opts.restartAgentAfterS !== undefined) {
    await sleep(opts.restartAgentAfterS * 1000);
    const from = nowS();
    await agent.stop();
    agent = startAgent(t, app, { interval: 1, hostname, stateDir: agent.stateDir });
    agentDown = [from, nowS()];
    await sleep((OUTAGE_S - opts.restartAgentAfterS) * 1000);
  } else {
    await sleep(OUTAGE_S * 1000);
  }
  app = await startAppliance(t, { dataDir, ...ports });
  const restartedAt = nowS();
  t.ok(restartedAt - killedAt >= 30, `the appliance was down ${restartedAt - killedAt} s`);

  // the hub's ring holds every event since this boot: the backlog's samples included
  const stream = await openStream(app, `/api/v1/stream?agent=${id}&lastEventId=0`);
  t.teardown(() => stream.close());
  const caughtUp = restartedAt + 3;
  await waitFor('the backlog delivered and live samples again', async () => ((await lastStoredCpu(app, id)) ?? 0) >= caughtUp, { timeoutMs: 60_000, intervalMs: 500 });
  await sleep(500);

  const stored = await cpuSeries(app, id, firstStored - 1, caughtUp);
  const sent = new Map<number, number[]>();
  for (const e of stream.events) {
    if (e.event !== 'sample') continue;
    for (const s of (e.data as StreamEvents['sample']).batch.s) {
      if (s.f !== 'cpu' || typeof s.v.user !== 'number') continue;
      sent.set(s.t, [...(sent.get(s.t) ?? []), s.v.user]);
    }
  }
  // The restarted agent samples again only once its process is up (seconds under load) and its
  // first reading has a baseline: the gap ends at the first sample it took, which must be there.
  const firstAfterRestart = agentDown === null ? null : Math.min(...[...sent.keys()].filter((tm) => tm > (agentDown?.[1] ?? 0)));
  if (agentDown !== null) t.ok(Number.isFinite(firstAfterRestart), `the restarted agent sampled again from ${firstAfterRestart} (stopped at ${agentDown[0]}, started at ${agentDown[1]})`);
  const agentOff = (tm: number): boolean => agentDown !== null && firstAfterRestart !== null && tm >= agentDown[0] - 1 && tm < firstAfterRestart;

  // 1. the RRD: every second from before the outage to after the restart
  const missing: number[] = [];
  for (let tm = firstStored; tm <= caughtUp; tm++) if (stored.get(tm) == null && !agentOff(tm)) missing.push(tm);
  t.same(missing, [], `every second from ${firstStored} to ${caughtUp} has a cpu row (outage ${killedAt}…${restartedAt})`);
  const times = [...stored.keys()];
  t.same(times, [...times].sort((a, b) => a - b), 'rows in time order');
  t.equal(new Set(times).size, times.length, 'no time twice');

  // 2. what the agent sent after the kill, exactly once each, equals what is stored
  const outageSeconds: number[] = [];
  for (let tm = killedAt + 2; tm < restartedAt; tm++) if (!agentOff(tm)) outageSeconds.push(tm);
  const notSent = outageSeconds.filter((tm) => !sent.has(tm));
  t.same(notSent, [], `every second of the outage (${outageSeconds.length}) was delivered after the restart`);
  const twice = outageSeconds.filter((tm) => (sent.get(tm)?.length ?? 0) > 1);
  t.same(twice, [], 'none was delivered twice');
  const wrong = outageSeconds.filter((tm) => {
    const v = stored.get(tm);
    const s = sent.get(tm)?.[0];
    return s === undefined || v === null || v === undefined || Math.abs(v - s) > 1e-6 * Math.max(1, Math.abs(s));
  });
  t.same(wrong, [], 'each stored row holds the value the agent sent for that second');
  if (agentDown) {
    const gap = [...stored].filter(([tm, v]) => v === null && tm > lastBefore && tm < caughtUp).map(([tm]) => tm);
    t.comment(`agent down ${agentDown[0]}…${agentDown[1]}; seconds without a row: ${gap.join(', ') || 'none'}`);
  }
  stream.close();
  await agent.stop();
}

void t.test('an appliance outage of 30+ s (SIGKILL) loses no sample of an agent sampling every second', (t) => outage(t, {}));

void t.test('the same with the agent restarted in the middle of the outage', (t) => outage(t, { restartAgentAfterS: 15 }));
