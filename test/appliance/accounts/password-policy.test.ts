// Password policy (docs/security.md): at least 10 characters, not common, not the user name.
import t from 'tap';
import commonList from '../../../appliance/accounts/common-passwords.json' with { type: 'json' };
import { checkPassword } from '../../../appliance/accounts/password-policy.js';

const codeOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

void t.test('a password shorter than 10 characters is refused', (t) => {
  t.equal(codeOf(() => checkPassword('Xk9#mQ2!z', 'alice')), 'RW_ERR_PASSWORD_TOO_SHORT');
  t.equal(codeOf(() => checkPassword('Xk9#mQ2!zP', 'alice')), undefined, '10 characters pass');
  t.end();
});

void t.test('a common password is refused, whatever its case', (t) => {
  for (const p of ['password123', 'Password123', 'QWERTYUIOP', '1234567890', 'iloveyou123', 'Welcome2025']) {
    t.equal(codeOf(() => checkPassword(p, 'alice')), 'RW_ERR_PASSWORD_COMMON', p);
  }
  t.end();
});

void t.test('the user name as password is refused', (t) => {
  t.equal(codeOf(() => checkPassword('Administrator7', 'administrator7')), 'RW_ERR_PASSWORD_IS_USERNAME');
  t.end();
});

void t.test('a passphrase is accepted', (t) => {
  t.equal(codeOf(() => checkPassword('correct horse battery', 'alice')), undefined);
  t.end();
});

void t.test('the shipped list holds about a thousand lower-case entries of 10+ characters', (t) => {
  t.ok(commonList.length >= 900 && commonList.length <= 1500, `${commonList.length} entries`);
  t.same(commonList.filter((p) => p.length < 10 || p !== p.toLowerCase()), []);
  t.end();
});
