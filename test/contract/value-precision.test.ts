// Values are sent with 6 significant digits (contract/value-precision.ts): short in JSON, within
// 5 parts in a million of the measurement, whole numbers exact.
import t from 'tap';
import { roundValuesInPlace, toSentPrecision, valuesToSend } from '../../contract/value-precision.js';

void t.test('a measured value: short, and within 5e-6 of what was measured', (t) => {
  let worst = 0;
  let longest = 0;
  for (let n = 0; n < 20_000; n++) {
    const measured = Math.random() * 10 ** Math.floor(Math.random() * 16 - 6);
    const sent = toSentPrecision(measured);
    worst = Math.max(worst, Math.abs(sent - measured) / measured);
    const digits = JSON.stringify(sent).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    longest = Math.max(longest, digits.length);
  }
  t.ok(worst <= 5e-6, `largest relative error ${worst.toExponential(2)}`);
  t.ok(longest <= 6, `at most ${longest} significant digits in the JSON`);
  t.equal(toSentPrecision(12.345678901234567), 12.3457);
  t.end();
});

void t.test('whole numbers, unknowns and non-finite values pass unchanged', (t) => {
  for (const v of [0, 1, -7, 123_456_789, 8_000_000_123, 2 ** 53 + 2]) t.equal(toSentPrecision(v), v);
  t.same(valuesToSend({ a: 1 / 3, b: null, c: 4096 }), { a: 0.333333, b: null, c: 4096 });
  const inPlace: Record<string, number | null> = { a: 1 / 3, b: null, c: 4096, d: -2 / 3 };
  roundValuesInPlace(inPlace);
  t.same(inPlace, { a: 0.333333, b: null, c: 4096, d: -0.666667 }, 'the sampler\'s way: the same values, in the same object');
  t.end();
});
