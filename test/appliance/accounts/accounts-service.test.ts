// Sign-in and user administration (docs/security.md): wrong passwords refused and throttled,
// TOTP, admins manage users, a password change ends every session, the last admin is kept.
import t from 'tap';
import type { ThrottledError } from '../../../appliance/accounts/accounts-service.js';
import { accountsFixture, CONSOLE } from './accounts-fixture.js';

const codeOf = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};
const PW = 'correct horse battery';
const login = (username: string, password: string, extra: { totpCode?: string; address?: string } = {}) => ({ username, password, address: extra.address ?? '192.0.2.1', ...extra });

void t.test('the right password signs in; a wrong one or an unknown user is refused alike', async (t) => {
  const f = accountsFixture(t);
  const admin = await f.user('ada', 'admin');
  await f.accounts.createUser(admin, 'alice', 'viewer', PW);
  const { sessionId, user } = await f.accounts.login(login('alice', PW));
  t.equal(user.role, 'viewer');
  t.equal(f.sessions.authenticate(sessionId)?.user.username, 'alice');
  t.equal(await codeOf(f.accounts.login(login('alice', 'wrong password!'))), 'RW_ERR_LOGIN');
  t.equal(await codeOf(f.accounts.login(login('nobody', PW))), 'RW_ERR_LOGIN', 'the same error for an unknown user');
  t.same(f.audit.query({ action: 'login.failed' }).entries.map((e) => e.actor), ['nobody', 'alice']);
});

void t.test('after repeated failures the account is locked, and the lock lifts after 15 minutes', async (t) => {
  const f = accountsFixture(t);
  await f.user('alice', 'viewer', PW);
  for (let i = 0; i < 10; i++) {
    const v = f.throttle.check(['user:alice']);
    if (!v.allowed) await f.clock.advance(v.retryAfterMs);
    t.equal(await codeOf(f.accounts.login(login('alice', 'wrong password!', { address: `192.0.2.${i + 1}` }))), 'RW_ERR_LOGIN');
  }
  const locked = await f.accounts.login(login('alice', PW, { address: '198.51.100.7' })).catch((e: unknown) => e as ThrottledError);
  t.match(locked, { code: 'RW_ERR_THROTTLED', locked: true, retryAfterMs: 15 * 60_000 }, 'even the right password, from anywhere');
  await f.clock.advance(15 * 60_000);
  t.ok(await f.accounts.login(login('alice', PW, { address: '198.51.100.7' })), 'signed in after the lock');
});

void t.test('guesses sent in parallel are throttled as if sent one after another', async (t) => {
  const f = accountsFixture(t);
  await f.user('alice', 'viewer', PW);
  const codes = await Promise.all(Array.from({ length: 6 }, () => codeOf(f.accounts.login(login('alice', 'wrong password!')))));
  t.same(codes, ['RW_ERR_LOGIN', 'RW_ERR_LOGIN', 'RW_ERR_LOGIN', 'RW_ERR_LOGIN', 'RW_ERR_THROTTLED', 'RW_ERR_THROTTLED']);
  await f.clock.advance(1_000);
  t.ok(await f.accounts.login(login('alice', PW)), 'the right password after the wait');
  t.equal(f.throttle.failuresOf('user:alice'), 0, 'a success clears the count');
});

void t.test('a disabled user cannot sign in, and is signed out everywhere', async (t) => {
  const f = accountsFixture(t);
  const admin = await f.user('ada', 'admin');
  const alice = await f.accounts.createUser(admin, 'alice', 'operator', PW);
  const { sessionId } = await f.accounts.login(login('alice', PW));
  f.accounts.setDisabled(admin, alice.id, true);
  t.equal(f.sessions.authenticate(sessionId), null);
  t.equal(await codeOf(f.accounts.login(login('alice', PW))), 'RW_ERR_LOGIN');
  f.accounts.setDisabled(admin, alice.id, false);
  t.ok(await f.accounts.login(login('alice', PW)));
});

void t.test('only an admin manages users, and the last active admin cannot be demoted or disabled', async (t) => {
  const f = accountsFixture(t);
  const admin = await f.user('ada', 'admin');
  const op = await f.user('olga', 'operator');
  t.equal(await codeOf(f.accounts.createUser(op, 'eve', 'admin', PW)), 'RW_ERR_FORBIDDEN');
  t.equal(await codeOf(() => f.accounts.listUsers(op)), 'RW_ERR_FORBIDDEN');
  t.equal(await codeOf(() => f.accounts.changeRole(op, op.user.id, 'admin')), 'RW_ERR_FORBIDDEN');
  t.equal(await codeOf(() => f.accounts.changeRole(admin, admin.user.id, 'viewer')), 'RW_ERR_CONFLICT');
  t.equal(await codeOf(() => f.accounts.setDisabled(admin, admin.user.id, true)), 'RW_ERR_CONFLICT');
  t.equal(await codeOf(f.accounts.createUser(admin, 'olga', 'viewer', PW)), 'RW_ERR_CONFLICT', 'name taken');
  t.equal(await codeOf(f.accounts.createUser(admin, 'bad name', 'viewer', PW)), 'RW_ERR_VALIDATION');
  t.equal(await codeOf(f.accounts.createUser(admin, 'eve', 'viewer', 'short')), 'RW_ERR_PASSWORD_TOO_SHORT');
  f.accounts.changeRole(admin, op.user.id, 'admin');
  f.accounts.changeRole(admin, admin.user.id, 'viewer');
  t.same(f.accounts.listUsers(CONSOLE).map((u) => [u.username, u.role]), [['ada', 'viewer'], ['olga', 'admin']]);
  const change = f.audit.query({ action: 'user.role_changed' }).entries[1];
  t.match(change, { actor: 'ada', target: 'olga', before: { role: 'operator' }, after: { role: 'admin' } });
  t.notMatch(JSON.stringify(f.audit.query().entries), 'scrypt', 'no password hash in the audit log');
});

void t.test('a password change ends every session of that user; the old password stops working', async (t) => {
  const f = accountsFixture(t);
  const admin = await f.user('ada', 'admin');
  await f.accounts.createUser(admin, 'alice', 'viewer', PW);
  const a = await f.accounts.login(login('alice', PW));
  const b = await f.accounts.login(login('alice', PW, { address: '192.0.2.2' }));
  const alice = f.sessions.authenticate(a.sessionId);
  if (!alice) throw new Error('no session');
  t.equal(await codeOf(f.accounts.changeOwnPassword({ user: alice.user, address: '192.0.2.1' }, 'not my password', 'a brand new phrase')), 'RW_ERR_LOGIN');
  t.equal(await codeOf(f.accounts.changeOwnPassword({ user: alice.user, address: '192.0.2.1' }, PW, 'alice')), 'RW_ERR_PASSWORD_TOO_SHORT');
  await f.accounts.changeOwnPassword({ user: alice.user, address: '192.0.2.1' }, PW, 'a brand new phrase');
  t.equal(f.sessions.authenticate(a.sessionId), null);
  t.equal(f.sessions.authenticate(b.sessionId), null);
  t.equal(await codeOf(f.accounts.login(login('alice', PW))), 'RW_ERR_LOGIN');
  const c = await f.accounts.login(login('alice', 'a brand new phrase'));
  await f.accounts.resetPassword(admin, c.user.id, 'another fine phrase');
  t.equal(f.sessions.authenticate(c.sessionId), null, 'an admin reset ends them too');
  t.ok(await f.accounts.login(login('alice', 'another fine phrase')));
});

void t.test('with TOTP on, sign-in needs the current code as well', async (t) => {
  const f = accountsFixture(t);
  const alice = await f.user('alice', 'operator', PW);
  const { secret } = f.accounts.beginTotp(alice);
  t.equal(await codeOf(() => f.accounts.confirmTotp(alice, secret, '000000' === f.totp.current(secret) ? '111111' : '000000')), 'RW_ERR_TOTP', 'a wrong code does not turn it on');
  f.accounts.confirmTotp(alice, secret, f.totp.current(secret));
  t.equal(await codeOf(f.accounts.login(login('alice', PW))), 'RW_ERR_TOTP', 'no code');
  const wrong = f.totp.current(secret) === '123456' ? '654321' : '123456';
  t.equal(await codeOf(f.accounts.login(login('alice', PW, { totpCode: wrong }))), 'RW_ERR_TOTP');
  const code = f.totp.current(secret);
  t.ok(await f.accounts.login(login('alice', PW, { totpCode: code })));
  t.equal(await codeOf(f.accounts.login(login('alice', PW, { totpCode: code }))), 'RW_ERR_TOTP', 'the same code twice');
  f.accounts.clearTotp(CONSOLE, alice.user.id);
  t.ok(await f.accounts.login(login('alice', PW)), 'after an admin cleared it');
});

void t.test('a hash with lower parameters is upgraded at the next sign-in', async (t) => {
  const f = accountsFixture(t);
  await f.user('alice', 'viewer', PW);
  t.match(f.repo.userByName('alice')?.password_hash, /^scrypt\$1024\$/);
  await f.accounts.login(login('alice', PW));
  t.match(f.repo.userByName('alice')?.password_hash, /^scrypt\$32768\$8\$1\$/);
});
