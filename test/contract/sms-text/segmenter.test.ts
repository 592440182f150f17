// Encoding choice and segmentation limits (TS 23.038 §6.2.1, TS 23.040 §9.2.3.24.1/.8).
import t from 'tap';
import { GSM7_ESC, encodeGsm7 } from '../../../contract/sms-text/gsm7.js';
import { chooseEncoding, partCapacity, segmentText } from '../../../contract/sms-text/segmenter.js';

const units = (text: string, bits?: 8 | 16): number[] =>
  segmentText(text, bits === undefined ? {} : { concatRefBits: bits }).segments.map((s) => s.units);

void t.test('capacities: 160/153/152 septets, 70/67/66 UCS2 code units', (t) => {
  t.same([partCapacity('gsm7', undefined), partCapacity('gsm7', 8), partCapacity('gsm7', 16)], [160, 153, 152]);
  t.same([partCapacity('ucs2', undefined), partCapacity('ucs2', 8), partCapacity('ucs2', 16)], [70, 67, 66]);
  t.end();
});

void t.test('GSM 7-bit when every character is in a table, otherwise UCS2', (t) => {
  t.equal(chooseEncoding('CPU > 90% on db1 @ 12:00 £€'), 'gsm7');
  t.equal(chooseEncoding('price 5¢'), 'ucs2');
  t.equal(chooseEncoding('© 2024'), 'ucs2');
  t.equal(chooseEncoding('서버 경보'), 'ucs2');
  t.equal(chooseEncoding('ok 😀'), 'ucs2');
  t.equal(chooseEncoding(''), 'gsm7');
  t.end();
});

void t.test('boundaries: 160 septets is one part, 161 is two (153 + 8)', (t) => {
  t.same(units('x'.repeat(160)), [160]);
  t.same(units('x'.repeat(161)), [153, 8]);
  t.same(units('x'.repeat(161), 16), [152, 9]);
  t.same(units('€'.repeat(80)), [160], 'extension characters count double');
  t.same(units('€'.repeat(81)), [152, 10]);
  t.end();
});

void t.test('boundaries: 70 UCS2 units is one part, 71 is two (67 + 4)', (t) => {
  t.same(units('가'.repeat(70)), [70]);
  t.same(units('가'.repeat(71)), [67, 4]);
  t.same(units('가'.repeat(71), 16), [66, 5]);
  t.end();
});

void t.test('a 169-character Korean text is exactly 3 UCS2 parts that join back exactly', (t) => {
  const korean = '서버 경보: 디스크 사용률이 임계값을 초과했습니다. '.repeat(6).slice(0, 169);
  t.equal(korean.length, 169);
  const { encoding, segments } = segmentText(korean);
  t.equal(encoding, 'ucs2');
  t.same(segments.map((s) => s.units), [67, 67, 35]);
  t.equal(segments.map((s) => s.text).join(''), korean);
  t.end();
});

void t.test('200 Korean characters are 3 parts, not node-pdu\'s 4', (t) => {
  t.equal(segmentText('한'.repeat(200)).segments.length, 3);
  t.end();
});

void t.test('100 × "{" (200 septets) makes valid parts: 152 + 48 septets, no ESC at a part end', (t) => {
  const { encoding, segments } = segmentText('{'.repeat(100));
  t.equal(encoding, 'gsm7');
  t.same(segments.map((s) => s.units), [152, 48]);
  t.same(segments.map((s) => s.text.length), [76, 24]);
  t.end();
});

void t.test('an ESC never ends a part: the extension character moves whole to the next part', (t) => {
  const texts = ['x'.repeat(152) + '{' + 'y'.repeat(10), 'x'.repeat(152) + '€yz'.repeat(5), 'x'.repeat(151) + '[]' + 'y'.repeat(10), '{'.repeat(81)];
  for (const text of texts) {
    const { segments } = segmentText(text);
    t.equal(segments.map((s) => s.text).join(''), text);
    for (const s of segments) {
      const septets = encodeGsm7(s.text);
      t.not(septets[septets.length - 1], GSM7_ESC, 'last septet is not ESC');
      t.ok(s.units <= 153, 'part fits 153 septets');
    }
  }
  t.same(units('x'.repeat(152) + '{' + 'y'.repeat(10)), [152, 12]);
  t.same(units('x'.repeat(151) + '[]' + 'y'.repeat(10)), [153, 12], 'a pair that fits exactly stays');
  t.end();
});

void t.test('an emoji (surrogate pair) is never split: it goes whole into the next part', (t) => {
  const text = 'a'.repeat(66) + '😀' + 'b'.repeat(10);
  const { segments } = segmentText(text);
  t.same(segments.map((s) => s.text), ['a'.repeat(66), '😀' + 'b'.repeat(10)]);
  t.same(segments.map((s) => s.units), [66, 12]);
  t.end();
});

void t.test('lone surrogates are replaced with U+FFFD before encoding', (t) => {
  const { encoding, segments } = segmentText('a\uD800b\uDC00');
  t.equal(encoding, 'ucs2');
  t.equal(segments[0]?.text, 'a\uFFFDb\uFFFD');
  t.end();
});

void t.test('empty text is one empty part', (t) => {
  t.same(segmentText(''), { encoding: 'gsm7', segments: [{ text: '', units: 0 }] });
  t.end();
});

void t.test('more than 255 parts is RW_ERR_SMS_TOO_LONG; exactly 255 is fine', (t) => {
  t.equal(segmentText('x'.repeat(153 * 255)).segments.length, 255);
  t.throws(() => segmentText('x'.repeat(153 * 255 + 1)), { code: 'RW_ERR_SMS_TOO_LONG' });
  t.throws(() => segmentText('가'.repeat(67 * 255 + 1)), { code: 'RW_ERR_SMS_TOO_LONG' });
  t.end();
});
