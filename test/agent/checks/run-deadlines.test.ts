// The deadlines of check runs (S5): a run that never ends is given up at its own deadline, one
// released in time is never given up, and the one timer they share is gone once no run is in
// progress (a stopped agent is not kept alive by it).
import t from 'tap';
import { RunDeadlines } from '../../../agent/checks/run-deadlines.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

void t.test('runs that never end are given up each at its own deadline; a released one never is', async (t) => {
  // timers fire a little early, as real ones do: a run is never given up before its deadline
  const clock = new VirtualClock(Date.UTC(2026, 11, 6), { fireEarlyMs: 3 });
  const deadlines = new RunDeadlines(clock);
  const givenUp: string[] = [];
  const watch = (name: string, afterMs: number) => deadlines.add(afterMs, () => { givenUp.push(`${name} at ${clock.now() - Date.UTC(2026, 11, 6)} ms`); });
  watch('hung 15 s', 15_000);
  watch('hung 6 s', 6_000);
  const quick = watch('quick', 15_000);
  t.equal(clock.pendingTimers, 1, 'one timer for three runs');
  await clock.advance(100);
  deadlines.release(quick);
  await clock.advance(20_000);
  t.same(givenUp, ['hung 6 s at 6000 ms', 'hung 15 s at 15000 ms']);
  t.equal(deadlines.size, 0);
  t.equal(clock.pendingTimers, 0, 'no timer left once no run is in progress');
});

void t.test('the last release clears the timer; a run started while another is given up gets its own deadline', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 11, 6));
  const deadlines = new RunDeadlines(clock);
  const a = deadlines.add(1000, () => t.fail('released in time'));
  deadlines.release(a);
  deadlines.release(a); // twice: nothing more happens
  t.equal(clock.pendingTimers, 0);
  const givenUp: number[] = [];
  // as the scheduler does: the next check starts when one is given up
  deadlines.add(1000, () => {
    givenUp.push(clock.now());
    deadlines.add(2000, () => givenUp.push(clock.now()));
  });
  await clock.advance(5000);
  t.same(givenUp.map((ms) => ms - Date.UTC(2026, 11, 6)), [1000, 3000]);
  t.equal(clock.pendingTimers, 0);
  deadlines.add(1000, () => t.fail('closed'));
  deadlines.close();
  t.equal(clock.pendingTimers, 0, 'close() leaves no timer');
  await clock.advance(5000);
});
