// First start (docs/security.md, "First start"): no default password; a one-time setup code in
// <data-dir>/setup-code (0600) creates the first admin, once.
import { existsSync, statSync } from 'node:fs';
import t from 'tap';
import { ensureSetupCode, normaliseSetupCode, readSetupCode, setupCodePath } from '../../../appliance/accounts/setup-code.js';
import { accountsFixture } from './accounts-fixture.js';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);

void t.test('with no admin a typable code is written 0600 and read back by the console tool', (t) => {
  const f = accountsFixture(t);
  const made = ensureSetupCode(f.dataDir, false);
  t.match(made?.code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  t.equal(statSync(setupCodePath(f.dataDir)).mode & 0o777, 0o600);
  t.equal(readSetupCode(f.dataDir), made?.code);
  t.same(ensureSetupCode(f.dataDir, false), { code: made?.code, created: false }, 'the same code after a restart');
  t.end();
});

void t.test('the code is typed forgivingly: case, dashes and O/0, I/L/1 confusions', (t) => {
  t.equal(normaliseSetupCode('abcd-ef01 oil9'), 'ABCDEF010119');
  t.end();
});

void t.test('the code creates the first admin once, then is gone', async (t) => {
  const f = accountsFixture(t);
  const code = ensureSetupCode(f.dataDir, false)?.code ?? '';
  const admin = await f.accounts.completeSetup({ code: code.toLowerCase(), username: 'root-admin', password: 'correct horse battery', address: '192.0.2.1' });
  t.equal(admin.role, 'admin');
  t.notOk(existsSync(setupCodePath(f.dataDir)), 'the file is deleted');
  t.equal(readSetupCode(f.dataDir), null);
  t.equal(await codeOf(f.accounts.completeSetup({ code, username: 'second', password: 'correct horse battery', address: '192.0.2.1' })), 'RW_ERR_SETUP_CODE', 'used once only');
  t.equal(ensureSetupCode(f.dataDir, true), null, 'no new code once an admin exists');
  t.same(f.audit.query({ action: 'setup.completed' }).entries.map((e) => [e.target, e.address]), [['root-admin', '192.0.2.1']]);
});

void t.test('a wrong code is refused and guessing is throttled', async (t) => {
  const f = accountsFixture(t);
  ensureSetupCode(f.dataDir, false);
  const tryCode = (): Promise<string | undefined> => codeOf(f.accounts.completeSetup({ code: 'AAAA-AAAA-AAAA-AAAA', username: 'x1', password: 'correct horse battery', address: '192.0.2.1' }));
  for (let i = 0; i < 4; i++) t.equal(await tryCode(), 'RW_ERR_SETUP_CODE');
  t.equal(await tryCode(), 'RW_ERR_THROTTLED', 'the fifth try within a second waits');
  t.ok(existsSync(setupCodePath(f.dataDir)), 'the code still works for whoever has it');
});

void t.test('a weak password is refused and the code stays valid', async (t) => {
  const f = accountsFixture(t);
  const code = ensureSetupCode(f.dataDir, false)?.code ?? '';
  t.equal(await codeOf(f.accounts.completeSetup({ code, username: 'admin', password: 'password123', address: '192.0.2.1' })), 'RW_ERR_PASSWORD_COMMON');
  t.equal(readSetupCode(f.dataDir), code);
});
