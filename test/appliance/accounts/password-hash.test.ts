// Password hashes (docs/security.md): scrypt with its parameters stored in the hash.
import t from 'tap';
import { hashPassword, needsRehash, PASSWORD_SCRYPT, verifyPassword } from '../../../appliance/accounts/password-hash.js';

void t.test('the right password verifies and a wrong one is refused', async (t) => {
  const stored = await hashPassword('correct horse battery');
  t.ok(await verifyPassword('correct horse battery', stored));
  t.notOk(await verifyPassword('correct horse batterY', stored), 'one letter off');
  t.notOk(await verifyPassword('', stored), 'empty');
});

void t.test('the hash states its parameters (N=2^15, r=8, p=1), a 32-byte salt and a 64-byte key', async (t) => {
  const stored = await hashPassword('correct horse battery');
  const [scheme, n, r, p, salt, key] = stored.split('$');
  t.same([scheme, Number(n), Number(r), Number(p)], ['scrypt', 2 ** 15, 8, 1]);
  t.equal(Buffer.from(salt ?? '', 'base64url').length, 32);
  t.equal(Buffer.from(key ?? '', 'base64url').length, 64);
  t.not(await hashPassword('correct horse battery'), stored, 'a new salt each time');
});

void t.test('a hash made with lower parameters still verifies and asks to be redone', async (t) => {
  const old = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 });
  t.ok(await verifyPassword('correct horse battery', old));
  t.ok(needsRehash(old));
  t.notOk(needsRehash(await hashPassword('x', PASSWORD_SCRYPT)));
});

void t.test('a malformed stored hash verifies nothing', async (t) => {
  for (const bad of ['', 'plain', 'scrypt$0$8$1$AA$AA', 'bcrypt$1$2$3$4$5', 'scrypt$1024$8$1$AA$']) {
    t.notOk(await verifyPassword('anything at all', bad), bad);
  }
});
