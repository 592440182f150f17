// Login throttling and lockout (docs/security.md): 3 free failures, then 1, 2, 4 … s (at most
// 60 s), locked for 15 min at the 10th; all in virtual time.
import t from 'tap';
import { LoginThrottle } from '../../../appliance/accounts/login-throttle.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const KEYS = ['addr:192.0.2.1', 'user:alice'];

void t.test('the first three failures cost nothing, then the wait doubles from one second', async (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock);
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    const v = throttle.check(KEYS);
    waits.push(v.allowed ? 0 : v.retryAfterMs);
    await clock.advance(v.allowed ? 0 : v.retryAfterMs);
    throttle.failure(KEYS);
  }
  t.same(waits, [0, 0, 0, 0, 1_000, 2_000, 4_000]);
  t.end();
});

void t.test('the tenth failure locks the account for 15 minutes; the lock lifts after that', async (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock);
  for (let i = 0; i < 10; i++) {
    const v = throttle.check(['user:alice']);
    if (!v.allowed) await clock.advance(v.retryAfterMs);
    throttle.failure(['user:alice']);
  }
  const locked = throttle.check(['user:alice']);
  t.same(locked, { allowed: false, retryAfterMs: 15 * 60_000, locked: true });
  await clock.advance(15 * 60_000 - 1);
  t.equal(throttle.check(['user:alice']).allowed, false, 'still locked a millisecond before');
  await clock.advance(1);
  t.equal(throttle.check(['user:alice']).allowed, true, 'lifted after 15 min');
  t.equal(throttle.failuresOf('user:alice'), 0, 'and forgotten');
  t.end();
});

void t.test('the wait never exceeds a minute before the lock', (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock, { lockAfterFailures: 100 });
  for (let i = 0; i < 20; i++) throttle.failure(['k']);
  const v = throttle.check(['k']);
  t.same(v, { allowed: false, retryAfterMs: 60_000, locked: false });
  t.end();
});

void t.test('failures on one account do not slow another account from another address', (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock);
  for (let i = 0; i < 5; i++) throttle.failure(['addr:192.0.2.1', 'user:alice']);
  t.equal(throttle.check(['addr:192.0.2.1', 'user:bob']).allowed, false, 'the same address is slowed for any account');
  t.equal(throttle.check(['addr:192.0.2.9', 'user:alice']).allowed, false, 'the same account is slowed from any address');
  t.equal(throttle.check(['addr:192.0.2.9', 'user:bob']).allowed, true);
  t.end();
});

void t.test('a success clears the count, and a quiet quarter of an hour forgets it', async (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock);
  for (let i = 0; i < 3; i++) throttle.failure(['user:alice']);
  throttle.success(['user:alice']);
  t.equal(throttle.failuresOf('user:alice'), 0);
  for (let i = 0; i < 3; i++) throttle.failure(['user:alice']);
  await clock.advance(15 * 60_000);
  throttle.failure(['user:alice']);
  t.equal(throttle.failuresOf('user:alice'), 1, 'the earlier failures were forgotten');
  t.equal(throttle.check(['user:alice']).allowed, true);
  t.end();
});

void t.test('at most maxKeys keys are kept, the oldest forgotten first', (t) => {
  const clock = new VirtualClock();
  const throttle = new LoginThrottle(clock, { maxKeys: 3 });
  for (const k of ['a', 'b', 'c', 'd']) throttle.failure([k]);
  t.same(['a', 'b', 'c', 'd'].map((k) => throttle.failuresOf(k)), [0, 1, 1, 1]);
  t.end();
});
