// The deadlines of check runs (S5): a run that never settles is given up at its own deadline,
// one that settles keeps its own outcome, and the one timer they share is gone once no run is in
// progress (a stopped agent is not kept alive by it).
import t from 'tap';
import { RunDeadlines } from '../../../agent/checks/run-deadlines.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

void t.test('runs that never settle are given up each at its own deadline; settled ones keep their outcome', async (t) => {
  // timers fire a little early, as real ones do: a run is never given up before its deadline
  const clock = new VirtualClock(Date.UTC(2026, 11, 6), { fireEarlyMs: 3 });
  const deadlines = new RunDeadlines(clock);
  const outcomes: string[] = [];
  const track = (name: string, p: Promise<string>): void => {
    void p.then((v) => { outcomes.push(`${name}: ${v} at ${clock.now() - Date.UTC(2026, 11, 6)} ms`); });
  };
  let finish: (v: string) => void = () => undefined;
  track('hung 15 s', deadlines.watch(never<string>(), 15_000, () => 'overdue'));
  track('hung 6 s', deadlines.watch(never<string>(), 6_000, () => 'overdue'));
  track('quick', deadlines.watch(new Promise<string>((resolve) => { finish = resolve; }), 15_000, () => 'overdue'));
  t.equal(clock.pendingTimers, 1, 'one timer for three runs');
  await clock.advance(100);
  finish('ok');
  await clock.advance(20_000);
  t.same(outcomes, ['quick: ok at 100 ms', 'hung 6 s: overdue at 6000 ms', 'hung 15 s: overdue at 15000 ms']);
  t.equal(deadlines.size, 0);
  t.equal(clock.pendingTimers, 0, 'no timer left once no run is in progress');
});

void t.test('a run that fails rejects with its error; the last run to end clears the timer', async (t) => {
  const clock = new VirtualClock();
  const deadlines = new RunDeadlines(clock);
  await t.rejects(deadlines.watch(Promise.reject(new Error('no such file')), 1000, () => 'overdue'), /no such file/);
  t.equal(clock.pendingTimers, 0);
  t.equal(await deadlines.watch(Promise.resolve('ok'), 1000, () => 'overdue'), 'ok');
  t.equal(clock.pendingTimers, 0);
  void deadlines.watch(never<string>(), 1000, () => 'overdue');
  deadlines.close();
  t.equal(clock.pendingTimers, 0, 'close() leaves no timer');
});
