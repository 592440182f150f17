// The check scheduler (S5) with real runners: real TCP servers on loopback (up, down, wrong
// banner, slow), real processes, real scripts. Checks are switched by id without restarting the
// unchanged ones, a check never overlaps itself, results come in one batch per round (port and
// process checks of one interval stacked in one round), and a thousand checks all run at every
// one of their slots.
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { type CheckOutcome, type CheckRunner, type CheckRunnerContext } from '../../../agent/checks/check-runners.js';
import { createCheckScheduler, nextSlot, phaseOf, phaseOfCheck, type CheckScheduler } from '../../../agent/checks/check-scheduler.js';
import { ProcessTable } from '../../../agent/checks/process-table.js';
import { ScriptRunner } from '../../../agent/checks/script-runner.js';
import type { AgentCheck, CheckResult } from '../../../contract/check-definitions.js';
import { checkResultSchema } from '../../../contract/check-definitions.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// each test below runs its own scheduler against its own servers and processes: side by side
t.jobs = 4;

function context(scriptDir: string): CheckRunnerContext {
  const positions = new Map<string, string>();
  return {
    scripts: new ScriptRunner({ allowedDirs: [scriptDir] }),
    processes: new ProcessTable(),
    logPositions: {
      get: (id, p) => (positions.has(`${id}\0${p}`) ? JSON.parse(positions.get(`${id}\0${p}`) as string) as never : null),
      set: (id, p, pos) => { positions.set(`${id}\0${p}`, JSON.stringify(pos)); },
    },
  };
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function listen(t: Test, onSocket: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined); // a check that only connects resets the connection
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

function collect(t: Test, ctx: CheckRunnerContext, extra: Partial<Parameters<typeof createCheckScheduler>[0]> = {}): { scheduler: CheckScheduler; rounds: CheckResult[][]; latest: (id: string) => CheckResult | undefined; all: CheckResult[] } {
  const rounds: CheckResult[][] = [];
  const all: CheckResult[] = [];
  const scheduler = createCheckScheduler({
    clock: systemClock, log: silentLogger, context: ctx,
    onResults: (results) => { rounds.push(results); all.push(...results); },
    ...extra,
  });
  t.teardown(() => scheduler.stop());
  return { scheduler, rounds, all, latest: (id) => all.filter((r) => r.id === id).at(-1) };
}

void t.test('slots: a stable phase per id within the interval, the next slot strictly after now', (t) => {
  t.equal(phaseOf('web-1', 60), phaseOf('web-1', 60), 'the same id, the same phase');
  const phases = new Set(Array.from({ length: 200 }, (_, i) => phaseOf(`check-${i}`, 10)));
  t.equal(phases.size, 10, 'two hundred checks spread over every second of a 10 s interval');
  t.equal(nextSlot(100, 10, 3), 103);
  t.equal(nextSlot(103, 10, 3), 113, 'strictly after');
  t.end();
});

void t.test('process checks share one reading of /proc: all of one interval run in the same round, on multiples of it', async (t) => {
  const ids = Array.from({ length: 12 }, (_, i) => `proc-${i}`);
  t.ok(new Set(ids.map((id) => phaseOf(id, 5))).size > 1, 'their ids alone would spread them over the interval');
  t.equal(phaseOfCheck({ id: 'web', type: 'script', intervalS: 10 }), phaseOf('web', 10), 'a script check keeps its own phase');
  // a real table; the instants of the readings it hands out say how often /proc was read
  const readings = new Set<number>();
  class ObservedTable extends ProcessTable {
    override snapshot(): ReturnType<ProcessTable['snapshot']> {
      const s = super.snapshot();
      readings.add(s.atMs);
      return s;
    }
  }
  const ctx = { ...context(tempDir(t)), processes: new ObservedTable() };
  const { scheduler, all } = collect(t, ctx);
  scheduler.apply(ids.map((id) => ({ id, name: id, type: 'process', intervalS: 5, process: 'node', min: 1 })));
  await until('two runs of every check', () => ids.every((id) => all.filter((r) => r.id === id).length >= 2), 20_000);
  const byT = new Map<number, string[]>();
  for (const r of all) byT.set(r.t, [...(byT.get(r.t) ?? []), r.id]);
  for (const [slot, ran] of byT) t.equal(ran.length, ids.length, `every process check ran in the round of ${slot}`);
  const later = [...byT.keys()].sort((a, b) => a - b).slice(1);
  t.ok(later.length > 0 && later.every((slot) => slot % 5 === 0), 'after the first run, on multiples of the interval');
  t.ok(readings.size <= byT.size, `one reading of /proc per round (${readings.size} readings, ${byT.size} rounds)`);
  t.ok(all.every((r) => r.state === 'ok'), 'this test\'s own node process is found');
});

void t.test('port checks are stacked: up to 128 of one interval in the process checks\' round, more over as few rounds as they need', (t) => {
  const phasesOf = (n: number): number[] => [...new Set(Array.from({ length: n }, (_, i) =>
    phaseOfCheck({ id: `port-${i}`, type: 'port', intervalS: 10 }, n)))].sort((a, b) => a - b);
  t.same(phasesOf(1), [0]);
  t.same(phasesOf(128), [0], '128 port checks every 10 s: one round, at phase 0');
  t.same(phasesOf(300), [0, 3, 6], '300: three rounds, spread over the interval');
  t.equal(phasesOf(1000).length, 8, '1,000: eight rounds of about 125');
  t.equal(phaseOfCheck({ id: 'port-7', type: 'port', intervalS: 5 }, 2000), phaseOfCheck({ id: 'port-7', type: 'port', intervalS: 5 }, 2000), 'stable for the same configuration');
  t.ok(phasesOf(5000).every((p) => p < 10) && phasesOf(5000).length === 10, 'never more rounds than seconds in the interval');
  t.end();
});

void t.test('50 port and 50 process checks of one interval run in one round: one batch of results per interval (S5, S19)', async (t) => {
  const port = await listen(t, (s) => s.end('220 ready\r\n'));
  const checks: AgentCheck[] = Array.from({ length: 100 }, (_, i) => (i % 2 === 0
    ? { id: `port-${i}`, name: `port ${i}`, type: 'port', intervalS: 5, host: '127.0.0.1', port, expect: '^220' }
    : { id: `proc-${i}`, name: `proc ${i}`, type: 'process', intervalS: 5, process: 'node' }));
  const { scheduler, rounds, all } = collect(t, context(tempDir(t)));
  scheduler.apply(checks);
  await until('three slots of results', () => new Set(all.map((r) => r.t)).size >= 3 && rounds.length >= 3, 30_000);
  // the last slot may still be arriving
  const slots = [...new Set(all.map((r) => r.t))].sort((a, b) => a - b).slice(0, 3);
  for (const slot of slots) t.equal(all.filter((r) => r.t === slot).length, 100, `every check ran in the round of ${slot}`);
  const batches = rounds.filter((batch) => slots.includes(batch[0]?.t ?? -1));
  // spread by id, the 50 port checks alone made five rounds (and five messages) per 5 s
  t.ok(batches.length <= slots.length + 1, `one batch per round, but for a round split by its 1 s flush (${batches.length} batches for ${slots.length} rounds)`);
  t.ok(all.every((r) => r.state === 'ok'), 'every run was OK');
});

void t.test('port checks against real servers: up, down, wrong banner, slow; results valid for the contract', async (t) => {
  const up = await listen(t, (s) => s.end('220 mail.example ESMTP\r\n'));
  const wrong = await listen(t, (s) => s.end('554 go away\r\n'));
  const slow = await listen(t, () => undefined); // accepts, never answers
  const downPort = await listen(t, () => undefined);
  // a port nothing listens on: opened, then closed again
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const down = (closed.address() as net.AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  t.ok(downPort > 0);
  const checks: AgentCheck[] = [
    { id: 'smtp-up', name: 'smtp', type: 'port', intervalS: 5, host: '127.0.0.1', port: up, expect: '^220' },
    { id: 'smtp-down', name: 'smtp down', type: 'port', intervalS: 5, host: '127.0.0.1', port: down },
    { id: 'smtp-wrong', name: 'smtp wrong', type: 'port', intervalS: 5, host: '127.0.0.1', port: wrong, expect: '^220' },
    { id: 'smtp-slow', name: 'smtp slow', type: 'port', intervalS: 5, timeoutS: 1, host: '127.0.0.1', port: slow, expect: '^220' },
    { id: 'bad-pattern', name: 'bad', type: 'port', intervalS: 5, host: '127.0.0.1', port: up, expect: '(a)\\1' },
  ];
  const { scheduler, latest } = collect(t, context(tempDir(t)));
  scheduler.apply(checks);
  await until('a result of every check', () => checks.every((c) => latest(c.id)));
  for (const c of checks) {
    const r = latest(c.id) as CheckResult;
    t.ok(checkResultSchema.safeParse(r).success, `${c.id}: a valid result`);
  }
  t.match(latest('smtp-up'), { state: 'ok', output: /^TCP OK - .* 220 mail\.example ESMTP/, perfdata: [{ label: 'time', unit: 's' }] });
  t.match(latest('smtp-down'), { state: 'critical', output: /connection refused/ });
  t.match(latest('smtp-wrong'), { state: 'critical', output: /unexpected reply .*554 go away/ });
  t.match(latest('smtp-slow'), { state: 'critical', output: /no reply within 1 s/ });
  t.match(latest('bad-pattern'), { state: 'unknown', output: /^expect: not a pattern this appliance runs/ }, 'a pattern RE2 refuses: UNKNOWN with the reason');
});

void t.test('process checks on real processes: count within bounds, summed CPU and memory as perfdata (S18)', async (t) => {
  const { spawn } = await import('node:child_process');
  const marker = `rw-proc-check-${process.pid}`;
  // the marker as argv[0]: the command line carries it, the name stays "sleep"
  const children = [1, 2].map(() => spawn('sleep', ['300'], { stdio: 'ignore', argv0: `sleep-${marker}` }));
  t.teardown(() => { for (const c of children) c.kill('SIGKILL'); });
  const { scheduler, latest, all } = collect(t, context(tempDir(t)));
  scheduler.apply([
    { id: 'sleepers', name: 'sleepers', type: 'process', intervalS: 5, process: 'sleep', commandLine: marker, min: 2, max: 2 },
    { id: 'too-few', name: 'none', type: 'process', intervalS: 5, commandLine: `${marker}-absent` },
  ]);
  await until('two results of the sleepers', () => all.filter((r) => r.id === 'sleepers').length >= 2, 20_000);
  t.match(latest('sleepers'), { state: 'ok', output: /^PROCS OK: 2 processes named 'sleep' with a matching command line/ });
  const perf = latest('sleepers')?.perfdata ?? [];
  t.match(perf, [{ label: 'procs', value: 2 }, { label: 'cpu', unit: '%' }, { label: 'rss', unit: 'B' }]);
  t.ok((perf[2]?.value ?? 0) > 0, 'their memory is summed');
  t.equal(typeof perf[1]?.value, 'number', 'CPU once a second run has a baseline');
  t.match(latest('too-few'), { state: 'critical', output: /0 processes/ });
});

void t.test('apply: unchanged checks keep their runner, changed ones are replaced, removed ones closed', async (t) => {
  const made: string[] = [];
  const closed: string[] = [];
  const createRunner = (check: AgentCheck): CheckRunner => {
    made.push(`${check.id}@${check.name}`);
    return {
      run: () => Promise.resolve<CheckOutcome>({ state: 'ok', output: check.name, longOutput: '', perfdata: [], durationMs: 1 }),
      close: () => { closed.push(`${check.id}@${check.name}`); },
    };
  };
  const { scheduler, latest } = collect(t, context(tempDir(t)), { createRunner });
  const a: AgentCheck = { id: 'a', name: 'a1', type: 'process', intervalS: 5, process: 'init' };
  const b: AgentCheck = { id: 'b', name: 'b1', type: 'process', intervalS: 5, process: 'init' };
  const c: AgentCheck = { id: 'c', name: 'c1', type: 'process', intervalS: 5, process: 'init' };
  scheduler.apply([a, b, c]);
  scheduler.apply([a, { ...b, name: 'b2' }]);
  t.same(made, ['a@a1', 'b@b1', 'c@c1', 'b@b2'], 'only the changed check got a new runner');
  t.same(closed.sort(), ['b@b1', 'c@c1']);
  t.equal(scheduler.stats().checks, 2);
  await until('results', () => latest('a') && latest('b'), 20_000);
  t.equal(latest('b')?.output, 'b2', 'the changed check runs its new definition');
  t.notOk(latest('c'), 'the removed check reports nothing');
});

void t.test('a check never overlaps itself: a run longer than the interval skips slots', async (t) => {
  let concurrent = 0;
  let most = 0;
  let runs = 0;
  const createRunner = (): CheckRunner => ({
    run: async () => {
      concurrent++;
      most = Math.max(most, concurrent);
      await sleep(2500);
      concurrent--;
      runs++;
      return { state: 'ok', output: 'slow', longOutput: '', perfdata: [], durationMs: 2500 };
    },
    close: () => undefined,
  });
  const { scheduler, all } = collect(t, context(tempDir(t)), { createRunner });
  // an interval of 1 s (below the contract's 5) to make overruns quick
  scheduler.apply([{ id: 'slow', name: 'slow', type: 'process', intervalS: 1, timeoutS: 10, process: 'x' }]);
  await until('three runs', () => runs >= 3, 30_000);
  t.equal(most, 1, 'never two runs at once');
  await until('three results', () => all.length >= 3, 10_000);
  const gaps = all.slice(1).map((r, i) => r.t - (all[i] as CheckResult).t);
  t.ok(gaps.every((g) => g >= 3), `the slots it overran were skipped, not queued (runs ${gaps.join(', ')} s apart)`);
});

void t.test('scripts: exit codes and perfdata, a program outside the allowed directory refused, a timeout leaves nothing behind', async (t) => {
  const dir = tempDir(t);
  const outside = tempDir(t);
  const write = (d: string, name: string, body: string): void => {
    writeFileSync(path.join(d, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(d, name), 0o755);
  };
  write(dir, 'warn.sh', 'echo "QUEUE WARNING - 17 waiting | waiting=17;10;20;0"; exit 1');
  write(outside, 'evil.sh', `touch ${outside}/ran; echo hi`);
  const pidFile = path.join(dir, 'child.pid');
  write(dir, 'hang.sh', `sleep 300 & echo $! > ${pidFile}; wait`);
  const { scheduler, latest } = collect(t, context(dir));
  scheduler.apply([
    { id: 'warn', name: 'warn', type: 'script', intervalS: 5, command: 'warn.sh' },
    { id: 'evil', name: 'evil', type: 'script', intervalS: 5, command: path.join(outside, 'evil.sh') },
    { id: 'escape', name: 'escape', type: 'script', intervalS: 5, command: `${dir}/../${path.basename(outside)}/evil.sh` },
    { id: 'hang', name: 'hang', type: 'script', intervalS: 5, timeoutS: 1, command: 'hang.sh' },
  ]);
  await until('every script\'s result', () => ['warn', 'evil', 'escape', 'hang'].every((id) => latest(id)));
  t.match(latest('warn'), { state: 'warning', output: 'QUEUE WARNING - 17 waiting', perfdata: [{ label: 'waiting', value: 17, warn: '10', crit: '20', min: 0 }] });
  t.match(latest('evil'), { state: 'unknown', output: /is not in an allowed directory/ });
  t.match(latest('escape'), { state: 'unknown', output: /is not in an allowed directory/ }, '`..` does not escape');
  const { existsSync, readFileSync } = await import('node:fs');
  t.notOk(existsSync(path.join(outside, 'ran')), 'nothing outside was run');
  t.match(latest('hang'), { state: 'unknown', output: /timed out after 1\.0 s/ });
  const child = Number(readFileSync(pidFile, 'utf8'));
  const alive = (): boolean => existsSync(`/proc/${child}`) && !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z ');
  await until('the timed-out script\'s child gone', () => !alive(), 5000);
  t.notOk(alive(), 'the process the script started is gone too (checked in /proc)');
});

void t.test('a thousand checks all run at each of their slots, results batched per round', async (t) => {
  const port = await listen(t, (s) => s.end('OK\r\n'));
  const checks: AgentCheck[] = Array.from({ length: 1000 }, (_, i) => i % 2 === 0
    ? { id: `port-${i}`, name: `port ${i}`, type: 'port', intervalS: 5, host: '127.0.0.1', port }
    : { id: `proc-${i}`, name: `proc ${i}`, type: 'process', intervalS: 5, process: 'node' });
  const { scheduler, rounds, all } = collect(t, context(tempDir(t)));
  scheduler.apply(checks);
  const counts = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of all) m.set(r.id, (m.get(r.id) ?? 0) + 1);
    return m;
  };
  await until('three results of every check', () => {
    const m = counts();
    return m.size === 1000 && [...m.values()].every((n) => n >= 3);
  }, 60_000);
  t.same([...new Set(all.filter((r) => r.state !== 'ok').map((r) => r.output.replace(/\d+/g, 'N')))], [], 'every run was OK');
  t.ok(rounds.length < all.length / 10, `results come in rounds (${all.length} results in ${rounds.length} batches)`);
  // consecutive runs of a check are one interval apart: every slot was kept
  const byId = new Map<string, number[]>();
  for (const r of all) byId.set(r.id, [...(byId.get(r.id) ?? []), r.t]);
  const gaps = new Set<number>();
  for (const ts of byId.values()) for (let i = 2; i < ts.length; i++) gaps.add((ts[i] as number) - (ts[i - 1] as number));
  t.same([...gaps], [5], 'after the first run, every run came 5 s after the last');
});
