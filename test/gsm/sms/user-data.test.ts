// TP-UDL / TP-UD (TS 23.040 §9.2.3.16, §9.2.3.24): septet alignment after a UDH.
import t from 'tap';
import { bytesToHex, hexToBytes } from '../../../gsm/sms/bytes.js';
import { buildConcatUdh } from '../../../gsm/sms/udh.js';
import { decodeUserData, encodeUserData } from '../../../gsm/sms/user-data.js';
import { udhSeptets } from '../../../contract/sms-text/segmenter.js';

void t.test('a UDH is padded to the next septet boundary: 6 octets → 7 septets (1 fill bit), 7 → 8 (none), 11 → 13 (3)', (t) => {
  t.equal(udhSeptets(6), 7);
  t.equal(udhSeptets(7), 8);
  t.equal(udhSeptets(12), 14);
  t.end();
});

void t.test('published reply-address UDH example: UDHL 10, 3 fill bits, "Please reply"', (t) => {
  // alt.cellular.gsm: UDL 0x19 = 25 septets = 13 (UDH + fill) + 12 text.
  const ud = hexToBytes('0A22080B912143658709F180B2CBE17919242FC3D979');
  const out = decodeUserData(ud, 0x19, 'gsm7', true);
  t.equal(out.text, 'Please reply');
  t.same(out.udh?.elements, [{ iei: 0x22, dataHex: '0B912143658709F1' }]);
  t.equal(out.udh?.concat, undefined);
  t.end();
});

void t.test('published concat part "value is 4.80": 8-bit ref UDH and 1 fill bit', (t) => {
  const out = decodeUserData(hexToBytes('0500033A0202EC6176BD0C4ACF4134170E06'), 0x14, 'gsm7', true);
  t.equal(out.text, 'value is 4.80');
  t.same(out.udh?.concat, { ref: 0x3a, total: 2, seq: 2, refBits: 8 });
  t.end();
});

void t.test('encoding with a concat UDH puts the text after the fill bits and counts the UDH in TP-UDL', (t) => {
  const udh = buildConcatUdh({ ref: 0x3a, total: 2, seq: 2, refBits: 8 });
  const { udl, ud } = encodeUserData('value is 4.80', 'gsm7', udh);
  t.equal(udl, 0x14);
  t.equal(bytesToHex(ud), '0500033A0202EC6176BD0C4ACF4134170E06');
  const ucs2 = encodeUserData('بت', 'ucs2', udh);
  t.equal(ucs2.udl, 10, 'UCS2 TP-UDL counts octets, UDH included');
  t.equal(bytesToHex(ucs2.ud), '0500033A02020628062A');
  t.end();
});

void t.test('TP-UD over 140 octets / 160 septets cannot be built', (t) => {
  t.throws(() => encodeUserData('x'.repeat(161), 'gsm7'), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeUserData('가'.repeat(71), 'ucs2'), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeUserData('x'.repeat(154), 'gsm7', buildConcatUdh({ ref: 1, total: 2, seq: 1, refBits: 8 })), { code: 'RW_ERR_SMS_ENCODE' });
  t.end();
});

void t.test('malformed user data is RW_ERR_PDU', (t) => {
  t.throws(() => decodeUserData(hexToBytes('E832'), 10, 'gsm7', false), { code: 'RW_ERR_PDU' }, 'too few octets');
  t.throws(() => decodeUserData(hexToBytes('0062'), 3, 'ucs2', false), { code: 'RW_ERR_PDU' }, 'UDL beyond UD');
  t.throws(() => decodeUserData(hexToBytes('006200'), 3, 'ucs2', false), { code: 'RW_ERR_PDU' }, 'odd UCS2');
  t.throws(() => decodeUserData(hexToBytes('0500033A0202'), 5, 'gsm7', true), { code: 'RW_ERR_PDU' }, 'UDL shorter than UDH');
  t.end();
});

void t.test('8-bit data keeps the raw payload as hex', (t) => {
  const out = decodeUserData(hexToBytes('0102FF'), 3, '8bit', false);
  t.equal(out.dataHex, '0102FF');
  t.equal(out.text, '\u0001\u0002\u00ff');
  t.end();
});
