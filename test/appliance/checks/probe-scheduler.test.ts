// The appliance's probe scheduler (S5) on virtual time, with in-test probes whose runs the test
// ends: spread over the interval, a bound on runs at a time, a probe that never overlaps itself,
// results recorded with agentId null, and probes added, changed and removed while it runs.
import t, { type Test } from 'tap';
import type { CheckRun, CheckRunSink, ProbeDefinitionSource } from '../../../appliance/checks/check-runs.js';
import { ProbeScheduler } from '../../../appliance/checks/probes/probe-scheduler.js';
import type { ProbeDefinition, ProbeOutcome } from '../../../appliance/checks/probes/probe-types.js';
import type { CheckInput } from '../../../contract/checks-api.js';
import { silentLogger } from '../../../core/logger.js';
import { VirtualClock, settle } from '../../helpers/virtual-clock.js';

class ListSource implements ProbeDefinitionSource {
  list: { id: string; definition: CheckInput }[] = [];
  private listeners = new Set<() => void>();
  probes(): { id: string; definition: CheckInput }[] {
    return this.list;
  }
  onProbesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(list: { id: string; definition: CheckInput }[]): void {
    this.list = list;
    for (const l of this.listeners) l();
  }
}

class ListSink implements CheckRunSink {
  rounds: CheckRun[][] = [];
  record(runs: readonly CheckRun[]): void {
    this.rounds.push([...runs]);
  }
  get runs(): CheckRun[] {
    return this.rounds.flat();
  }
}

const tcp = (port: number, interval = 30): CheckInput => ({ type: 'probe-tcp', name: `port ${port}`, host: '127.0.0.1', port, interval });

/** Runs that end when the test says: the runs under way, by probe name. */
class HeldRuns {
  started: { name: string; atMs: number; end: (o?: Partial<ProbeOutcome>) => void }[] = [];
  constructor(private readonly clock: VirtualClock) {}
  run = (d: ProbeDefinition, nowS: number): Promise<ProbeOutcome> => new Promise((resolve) => {
    this.started.push({
      name: d.name, atMs: this.clock.now(),
      end: (o = {}) => resolve({ t: nowS, state: 'ok', output: `TCP OK - ${d.name}`, perfdata: [], durationMs: 1, ...o }),
    });
  });
  endAll(): void {
    const list = this.started;
    this.started = [];
    for (const s of list) s.end();
  }
}

function setup(t: Test, o: { maxConcurrent?: number; random?: () => number } = {}) {
  const clock = new VirtualClock();
  const source = new ListSource();
  const sink = new ListSink();
  const held = new HeldRuns(clock);
  const scheduler = new ProbeScheduler({ source, sink, clock, logger: silentLogger, run: held.run, ...o });
  t.teardown(() => scheduler.stop());
  return { clock, source, sink, held, scheduler };
}

void t.test('1,000 probes every 30 s start spread over the interval, not all at once', async (t) => {
  const { clock, source, held, scheduler } = setup(t, { maxConcurrent: 10_000 });
  source.list = Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}`, definition: tcp(10_000 + i) }));
  const start = clock.now();
  scheduler.start();
  const perSecond = new Array<number>(30).fill(0);
  for (let s = 0; s < 30; s++) {
    await clock.advance(1000);
    for (const r of held.started) perSecond[Math.min(29, Math.floor((r.atMs - start) / 1000))]! += 1;
    held.endAll();
  }
  t.equal(perSecond.reduce((a, b) => a + b, 0), 1000, 'each probe ran once in its first interval');
  t.ok(Math.max(...perSecond) < 80, `no second has more than 80 of the 1,000 starts (busiest: ${Math.max(...perSecond)})`);
  await clock.advance(30_000);
  t.equal(held.started.length, 1000, 'and once again in the next');
});

void t.test('at most maxConcurrent probes run at a time; the others wait their turn', async (t) => {
  const { clock, source, held, sink, scheduler } = setup(t, { maxConcurrent: 3, random: () => 0 });
  source.list = Array.from({ length: 7 }, (_, i) => ({ id: `p${i}`, definition: tcp(20_000 + i) }));
  scheduler.start();
  await clock.advance(1);
  t.equal(held.started.length, 3);
  t.equal(scheduler.stats().waiting, 4);
  held.endAll();
  await settle();
  t.equal(held.started.length, 3, 'three more start as the first three end');
  held.endAll();
  await settle();
  t.equal(held.started.length, 1);
  held.endAll();
  await clock.advance(200);
  const runs = sink.runs;
  t.equal(runs.length, 7);
  t.ok(runs.every((r) => r.agentId === null && r.result.id === r.checkId && r.result.state === 'ok'), 'recorded as the appliance\'s runs');
  t.ok(sink.rounds.length < 7, 'results that end together are recorded together');
});

void t.test('a probe never overlaps itself: a round due while the last one runs is skipped', async (t) => {
  const { clock, source, held, sink, scheduler } = setup(t, { random: () => 0 });
  source.list = [{ id: 'slow', definition: tcp(30_000, 10) }];
  scheduler.start();
  await clock.advance(1);
  t.equal(held.started.length, 1);
  await clock.advance(25_000);
  t.equal(held.started.length, 1, 'two more rounds fell due; neither started');
  t.equal(scheduler.stats().skipped, 2);
  held.endAll();
  await clock.advance(5_000);
  t.equal(held.started.length, 1, 'the next round after the slow one ends runs');
  t.equal(sink.runs.length, 1);
});

void t.test('probes added, changed and removed while running', async (t) => {
  const { clock, source, held, sink, scheduler } = setup(t, { random: () => 0.5 });
  source.list = [{ id: 'a', definition: tcp(1) }, { id: 'b', definition: tcp(2) }];
  scheduler.start();
  await clock.advance(15_000);
  t.same(held.started.map((s) => s.name).sort(), ['port 1', 'port 2']);
  held.endAll();
  await clock.advance(200);
  source.set([{ id: 'a', definition: tcp(1) }, { id: 'b', definition: tcp(3) }, { id: 'c', definition: tcp(4) }]);
  await clock.advance(1_000);
  t.same(held.started.map((s) => s.name).sort(), ['port 3', 'port 4'], 'a changed and a new probe run within seconds; the unchanged one keeps its time');
  // 'b' is removed while its run is under way: that result is not recorded
  const before = sink.runs.length;
  source.set([{ id: 'a', definition: tcp(1) }, { id: 'c', definition: tcp(4) }]);
  held.endAll();
  await clock.advance(200);
  t.same(sink.runs.slice(before).map((r) => r.checkId), ['c']);
  t.equal(scheduler.stats().probes, 2);
  scheduler.stop();
  t.equal(clock.pendingTimers, 0, 'stop leaves no timer');
});

void t.test('a probe whose run throws reports UNKNOWN and the others go on', async (t) => {
  const clock = new VirtualClock();
  const source = new ListSource();
  const sink = new ListSink();
  source.list = [{ id: 'bad', definition: tcp(1) }, { id: 'good', definition: tcp(2) }];
  const scheduler = new ProbeScheduler({
    source, sink, clock, logger: silentLogger, random: () => 0,
    run: (d, nowS) => (d.name === 'port 1' ? Promise.reject(new Error('boom')) : Promise.resolve({ t: nowS, state: 'ok', output: 'TCP OK', perfdata: [], durationMs: 1 })),
  });
  t.teardown(() => scheduler.stop());
  scheduler.start();
  await clock.advance(300);
  const byId = new Map(sink.runs.map((r) => [r.checkId, r.result]));
  t.match(byId.get('bad'), { state: 'unknown', output: 'PROBE UNKNOWN - boom' });
  t.match(byId.get('good'), { state: 'ok' });
});
