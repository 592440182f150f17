// Server-side sessions (docs/security.md): idle 30 min, absolute 12 h, revocable, stored hashed.
import t from 'tap';
import { hashSessionId } from '../../../appliance/accounts/session-store.js';
import { accountsFixture } from './accounts-fixture.js';

const MIN = 60_000;

void t.test('a session ends after 30 minutes without use', async (t) => {
  const f = accountsFixture(t);
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  await f.clock.advance(29 * MIN);
  t.equal(f.sessions.authenticate(id)?.user.username, 'alice', 'used after 29 min');
  await f.clock.advance(29 * MIN);
  t.ok(f.sessions.authenticate(id), 'used again 29 min later: still alive');
  await f.clock.advance(30 * MIN);
  t.equal(f.sessions.authenticate(id), null, 'idle for 30 min: ended');
});

void t.test('a session in constant use ends 12 hours after sign-in', async (t) => {
  const f = accountsFixture(t);
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  for (let h = 0; h < 11 * 4 + 3; h++) {
    await f.clock.advance(15 * MIN);
    t.ok(f.sessions.authenticate(id), `alive at ${(h + 1) * 15} min`);
  }
  await f.clock.advance(15 * MIN);
  t.equal(f.sessions.authenticate(id), null, 'ended at 12 h');
});

void t.test('the timeouts are configurable', async (t) => {
  const f = accountsFixture(t, { sessions: { idleMs: 5 * MIN, absoluteMs: 60 * MIN } });
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  await f.clock.advance(5 * MIN);
  t.equal(f.sessions.authenticate(id), null);
});

void t.test('last-seen is written at most once a minute, not on every request', async (t) => {
  const f = accountsFixture(t);
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  const created = f.clock.now();
  const lastSeen = (): number | undefined => f.repo.sessionByHash(hashSessionId(id))?.last_seen_at;
  for (let i = 0; i < 5; i++) {
    await f.clock.advance(10_000);
    f.sessions.authenticate(id);
  }
  t.equal(lastSeen(), created, 'five uses within 50 s: not written');
  await f.clock.advance(10_000);
  f.sessions.authenticate(id);
  t.equal(lastSeen(), created + 60_000, 'written once a minute had passed');
});

void t.test('the database holds only the hash of the session id', async (t) => {
  const f = accountsFixture(t);
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  const rows = f.db.prepare('SELECT * FROM sessions').all();
  t.notMatch(JSON.stringify(rows), id);
  t.equal(Buffer.from(id, 'base64url').length, 32, '256-bit id');
});

void t.test('a user lists their own sessions and ends one; another user cannot end it', async (t) => {
  const f = accountsFixture(t);
  const { user: alice } = await f.user('alice', 'viewer');
  const { user: bob } = await f.user('bob', 'admin');
  const laptop = f.sessions.create(alice.id, { address: '192.0.2.1', userAgent: 'Firefox' });
  const phone = f.sessions.create(alice.id, { address: '192.0.2.2', userAgent: 'Safari' });
  const list = f.sessions.list(alice.id, laptop);
  t.same(list.map((s) => [s.address, s.current]).sort(), [['192.0.2.1', true], ['192.0.2.2', false]]);
  const phoneHandle = list.find((s) => !s.current)?.handle ?? '';
  t.notOk(f.sessions.endByHandle(bob.id, phoneHandle), "bob cannot end alice's session");
  t.ok(f.sessions.authenticate(phone));
  t.ok(f.sessions.endByHandle(alice.id, phoneHandle));
  t.equal(f.sessions.authenticate(phone), null, 'the phone is signed out');
  t.ok(f.sessions.authenticate(laptop), 'the laptop is not');
  t.ok(f.sessions.end(laptop), 'sign out');
  t.equal(f.sessions.authenticate(laptop), null);
});

void t.test('a disabled user has no session; sweep deletes expired rows', async (t) => {
  const f = accountsFixture(t);
  const { user } = await f.user('alice', 'viewer');
  const id = f.sessions.create(user.id);
  f.repo.setDisabled(user.id, true);
  t.equal(f.sessions.authenticate(id), null);
  f.sessions.create(user.id);
  await f.clock.advance(31 * MIN);
  t.equal(f.sessions.sweep(), 1);
  t.equal(f.repo.sessionsOf(user.id).length, 0);
});
