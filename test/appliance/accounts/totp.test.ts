// TOTP (docs/security.md): a secret and an otpauth:// URI to enrol; codes accepted one 30-s step
// either side of now, in virtual time.
import t from 'tap';
import { Totp } from '../../../appliance/accounts/totp.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

void t.test('enrolment gives a base32 secret and an otpauth URI for the user', (t) => {
  const totp = new Totp(new VirtualClock());
  const { secret, uri } = totp.enrol('alice');
  t.match(secret, /^[A-Z2-7]{32}$/, '160 bits in base32');
  t.match(uri, /^otpauth:\/\/totp\/rackwatch:alice\?secret=[A-Z2-7]+&period=30&digits=6&algorithm=SHA1&issuer=rackwatch$/);
  t.end();
});

void t.test('the current code and those one step either side are accepted, two steps away are not', async (t) => {
  const clock = new VirtualClock(Date.UTC(2025, 5, 1, 12, 0, 15));
  const totp = new Totp(clock);
  const { secret } = totp.enrol('alice');
  const now = totp.current(secret);
  t.ok(totp.verify(secret, now));
  t.ok(totp.verify(secret, `${now.slice(0, 3)} ${now.slice(3)}`), 'a space in the middle is fine');
  await clock.advance(30_000);
  t.ok(totp.verify(secret, now), 'one step later');
  await clock.advance(30_000);
  t.notOk(totp.verify(secret, now), 'two steps later');
  t.notOk(totp.verify(secret, 'abcdef'));
  t.notOk(totp.verify(secret, ''));
});

void t.test('a code that signed a user in is not accepted a second time for that user', async (t) => {
  const clock = new VirtualClock(Date.UTC(2025, 5, 1, 12, 0, 15));
  const totp = new Totp(clock);
  const { secret } = totp.enrol('alice');
  const code = totp.current(secret);
  t.ok(totp.verify(secret, code, 'user:1'));
  t.notOk(totp.verify(secret, code, 'user:1'), 'replayed');
  t.ok(totp.verify(secret, code, 'user:2'), 'another user is another key');
  await clock.advance(30_000);
  t.notOk(totp.verify(secret, code, 'user:1'), 'nor in the next step');
  t.ok(totp.verify(secret, totp.current(secret), 'user:1'), 'the next code is');
});
