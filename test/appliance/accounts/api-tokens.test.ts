// API tokens (docs/security.md): shown once, stored hashed, capped at the creator's role,
// last-used recorded, revocable.
import t from 'tap';
import { accountsFixture } from './accounts-fixture.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

void t.test('a token is shown once as rw_…, and the database holds only its hash', async (t) => {
  const f = accountsFixture(t);
  const alice = await f.user('alice', 'operator');
  const { token, info } = f.tokens.create(alice.user, 'grafana', 'viewer');
  t.match(token, /^rw_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/);
  t.equal(info.prefix, token.slice(0, 11), 'the list shows only the prefix');
  t.notMatch(JSON.stringify(f.db.prepare('SELECT * FROM api_tokens').all()), token.slice(12));
  const auth = f.tokens.authenticate(token);
  t.equal(auth?.user.username, 'alice');
  t.equal(auth?.role, 'viewer', 'the token acts with its own role, not the creator’s');
});

void t.test('a token cannot have a role higher than its creator', async (t) => {
  const f = accountsFixture(t);
  const op = await f.user('olga', 'operator');
  const viewer = await f.user('vic', 'viewer');
  t.equal(codeOf(() => f.tokens.create(op.user, 'x', 'admin')), 'RW_ERR_FORBIDDEN');
  t.equal(codeOf(() => f.tokens.create(viewer.user, 'x', 'operator')), 'RW_ERR_FORBIDDEN');
  t.equal(codeOf(() => f.tokens.create(op.user, 'x', 'operator')), undefined);
  t.equal(codeOf(() => f.tokens.create(op.user, '  ', 'viewer')), 'RW_ERR_VALIDATION', 'a name is required');
});

void t.test('a token of a user demoted since acts with the lower role', async (t) => {
  const f = accountsFixture(t);
  const admin = await f.user('ada', 'admin');
  const { token } = f.tokens.create(admin.user, 'ci', 'admin');
  f.repo.setRole(admin.user.id, 'viewer');
  t.equal(f.tokens.authenticate(token)?.role, 'viewer');
});

void t.test('a wrong, malformed or revoked token is refused, as is one of a disabled user', async (t) => {
  const f = accountsFixture(t);
  const alice = await f.user('alice', 'admin');
  const bob = await f.user('bob', 'operator');
  const { token, info } = f.tokens.create(alice.user, 'ci', 'operator');
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  t.equal(f.tokens.authenticate(wrong), null, 'one character off');
  t.equal(f.tokens.authenticate('rw_short'), null);
  t.notOk(f.tokens.revoke(bob.user.id, info.id), "bob cannot revoke alice's token");
  t.ok(f.tokens.revoke(alice.user.id, info.id));
  t.equal(f.tokens.authenticate(token), null, 'revoked');
  t.ok(f.tokens.list(alice.user.id)[0]?.revokedAt, 'the list shows when');
  const other = f.tokens.create(bob.user, 'x', 'viewer').token;
  f.repo.setDisabled(bob.user.id, true);
  t.equal(f.tokens.authenticate(other), null, 'disabled owner');
});

void t.test('last use is recorded, at most once a minute', async (t) => {
  const f = accountsFixture(t);
  const alice = await f.user('alice', 'admin');
  const { token, info } = f.tokens.create(alice.user, 'ci', 'viewer');
  t.equal(f.tokens.list(alice.user.id)[0]?.lastUsedAt, null);
  const first = f.clock.now();
  f.tokens.authenticate(token);
  await f.clock.advance(30_000);
  f.tokens.authenticate(token);
  t.equal(f.tokens.list(alice.user.id)[0]?.lastUsedAt, first);
  await f.clock.advance(30_000);
  f.tokens.authenticate(token);
  t.equal(f.tokens.list(alice.user.id).find((x) => x.id === info.id)?.lastUsedAt, first + 60_000);
});
