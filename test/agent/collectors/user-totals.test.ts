// Per-account totals of the process pass (S18): summed per uid, the top by CPU and by memory
// listed once each, with both figures; bounded to twice TOP_USERS entries.
import t from 'tap';
import { TOP_USERS, UserTotals } from '../../../agent/collectors/user-totals.js';
import { snapshotSchema } from '../../../contract/metrics.js';

const names = (uid: number): string => (uid === 0 ? 'root' : `u${uid}`);

void t.test('processes of one account add up; an unknown uid is not counted', (t) => {
  const totals = new UserTotals();
  totals.add(1000, 30, 100);
  totals.add(1000, 25.5, 50);
  totals.add(0, 2, 4000);
  totals.add(-1, 90, 9000); // gone before its owner was read
  t.same(totals.top(names), [
    { user: 'u1000', cpu: 55.5, memory: 150 },
    { user: 'root', cpu: 2, memory: 4000 },
  ]);
  totals.clear();
  t.same(totals.top(names), [], 'a new pass starts from nothing');
  t.end();
});

void t.test('the top users by CPU and by memory, each once, at most 2 × TOP_USERS', (t) => {
  const totals = new UserTotals();
  // uids 1…20 busy (CPU = uid), uids 101…120 large (memory = uid)
  for (let uid = 1; uid <= 20; uid++) totals.add(uid, uid, 1);
  for (let uid = 101; uid <= 120; uid++) totals.add(uid, 0, uid * 1000);
  const top = totals.top(names);
  t.equal(top.length, 2 * TOP_USERS);
  t.same(top.slice(0, TOP_USERS).map((u) => u.user), ['u20', 'u19', 'u18', 'u17', 'u16'], 'the busiest, most CPU first');
  t.same(top.slice(TOP_USERS).map((u) => u.user), ['u120', 'u119', 'u118', 'u117', 'u116'], 'then the largest');
  t.ok(snapshotSchema.safeParse({ t: 1, top: { cpu: [], memory: [], io: [], users: top } }).success, 'a valid snapshot');

  const both = new UserTotals();
  both.add(7, 50, 9e9);
  t.same(both.top(names), [{ user: 'u7', cpu: 50, memory: 9e9 }], 'one entry for a user on both lists');
  t.end();
});

void t.test('the contract bounds the list and refuses a negative figure', (t) => {
  const entry = { user: 'x', cpu: 1, memory: 1 };
  const snap = (users: unknown[]) => snapshotSchema.safeParse({ t: 1, top: { cpu: [], memory: [], io: [], users } }).success;
  t.ok(snap(Array.from({ length: 20 }, () => entry)));
  t.notOk(snap(Array.from({ length: 21 }, () => entry)), 'at most 20');
  t.notOk(snap([{ ...entry, cpu: -1 }]), 'no negative CPU');
  t.ok(snapshotSchema.safeParse({ t: 1, top: { cpu: [], memory: [], io: [] } }).success, 'optional: an older agent sends none');
  t.end();
});
