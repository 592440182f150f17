// SMS-SUBMIT (TS 23.040 §9.2.2.2): encoder vectors, first-octet flags, and decodeSubmit on our
// own output and on published PDUs.
import t from 'tap';
import { hexToBytes } from '../../../gsm/sms/bytes.js';
import { decodeSubmit, encodeSubmit } from '../../../gsm/sms/pdu-submit.js';

void t.test('reproduces the classic published SUBMIT byte for byte (AT+CMGS=23)', (t) => {
  // "hellohello" to +46708251358 with VP 0xAA (4 days): the dreamfabric.com / Nokia 6110 example.
  const [part, ...rest] = encodeSubmit({ to: '+46708251358', text: 'hellohello', concatRef: 0, validityMinutes: 4 * 1440 });
  t.same(rest, []);
  t.equal(part?.pduHex, '0011000B916407281553F80000AA0AE8329BFD4697D9EC37');
  t.equal(part?.tpduHex, '11000B916407281553F80000AA0AE8329BFD4697D9EC37');
  t.equal(part?.tpduLength, 23);
  t.equal(part?.encoding, 'gsm7');
  t.end();
});

void t.test('defaults: VP 0xA7 (24 h), FO 0x11, MR 00, PID 00, DCS 00', (t) => {
  const [part] = encodeSubmit({ to: '+46708251358', text: 'hellohello', concatRef: 0 });
  t.equal(part?.tpduHex, '11000B916407281553F80000A70AE8329BFD4697D9EC37');
  t.end();
});

void t.test('a national number uses TOA 81', (t) => {
  const [part] = encodeSubmit({ to: '0706876902', text: 'x', concatRef: 0 });
  t.match(part?.tpduHex, /^11000A817060789620/);
  t.end();
});

void t.test('first octet: SRR 0x20 when a report is requested, UDHI 0x40 when concatenated', (t) => {
  const fo = (hex: string | undefined): number => hexToBytes(hex ?? '')[0] ?? -1;
  t.equal(fo(encodeSubmit({ to: '+1', text: 'a', concatRef: 0, statusReport: true })[0]?.tpduHex), 0x31);
  const long = encodeSubmit({ to: '+1', text: 'a'.repeat(200), concatRef: 9 });
  t.same(long.map((p) => fo(p.tpduHex)), [0x51, 0x51]);
  const both = encodeSubmit({ to: '+1', text: 'a'.repeat(200), concatRef: 9, statusReport: true });
  t.same(both.map((p) => fo(p.tpduHex)), [0x71, 0x71]);
  t.end();
});

void t.test('UCS2 parts: DCS 08, UDL in octets, concat header 05 00 03 ref tot seq', (t) => {
  const korean = '한'.repeat(100);
  const parts = encodeSubmit({ to: '+821012345678', text: korean, concatRef: 0xab });
  t.equal(parts.length, 2);
  t.equal(parts[0]?.tpduHex.slice(0, 36), '51000C9128012143658700' + '08' + 'A7' + '8C' + '050003AB');
  t.same(parts.map((p) => [p.seq, p.total, p.encoding]), [[1, 2, 'ucs2'], [2, 2, 'ucs2']]);
  const decoded = parts.map((p) => decodeSubmit(p.tpduHex));
  t.same(decoded.map((d) => d.concat), [{ ref: 0xab, total: 2, seq: 1, refBits: 8 }, { ref: 0xab, total: 2, seq: 2, refBits: 8 }]);
  t.same(decoded.map((d) => d.udl), [140, 6 + 66]);
  t.equal(decoded.map((d) => d.text).join(''), korean);
  t.end();
});

void t.test('16-bit references give 06 08 04 rH rL tot seq and 152-septet parts', (t) => {
  const parts = encodeSubmit({ to: '+1', text: 'z'.repeat(200), concatRef: 0x1234, concatRefBits: 16 });
  const d = parts.map((p) => decodeSubmit(p.tpduHex));
  t.same(d.map((x) => x.concat), [{ ref: 0x1234, total: 2, seq: 1, refBits: 16 }, { ref: 0x1234, total: 2, seq: 2, refBits: 16 }]);
  t.same(d.map((x) => x.udl), [160, 8 + 48]);
  t.match(parts[0]?.tpduHex, /A0060804123402/);
  t.end();
});

void t.test('decodeSubmit returns the encoder\'s inputs', (t) => {
  const [part] = encodeSubmit({ to: '+4915112345678', text: 'Disk /var 95% on db1 [crit] €', concatRef: 3, statusReport: true, validityMinutes: 60 });
  const d = decodeSubmit(part?.tpduHex ?? '');
  t.match(d, { to: '+4915112345678', toa: 0x91, text: 'Disk /var 95% on db1 [crit] €', statusReport: true, validityMinutes: 60, encoding: 'gsm7', dcs: 0, mr: 0, pid: 0 });
  t.equal(d.concat, undefined);
  t.same(decodeSubmit(part?.pduHex ?? '', { withSmsc: true }), d, 'the full PDU decodes the same with withSmsc');
  t.end();
});

void t.test('decodes published SUBMITs from other codecs\' test suites', (t) => {
  // Without TP-VP (FO 0x01), GSM 7-bit (pdu_tools spec).
  t.match(decodeSubmit('0001000C9124910001100000001654747A0E4ACF416110BD3CA783DAE5F93C7C2E03', { withSmsc: true }), {
    to: '+421900100100', text: 'This is a test message', validityMinutes: undefined,
  });
  // UCS2 with Slovak diacritics (pdu_tools spec).
  t.equal(
    decodeSubmit('0001000C9124910001100000083E0054006800690073002000690073002000640069006100630072006900740069006300730020013E0161010D0165017E00FD00E100ED00E400FA00F40148', { withSmsc: true }).text,
    'This is diacritics ľščťžýáíäúôň',
  );
  // 16-bit concat reference and no fill bits (7-octet UDH), UDL 160 (pdu_tools spec).
  const c = decodeSubmit(
    '0041000C912491000110000000A0060804C643020154747A0E4ACF416110BD3CA783DAE5F93C7C2E53D1E939283D078541F4F29C0E6A97E7F3F0B94C45A7E7A0F41C1406D1CB733AA85D9ECFC3E732159D9E83D2735018442FCFE9A076793E0F9FCB54747A0E4ACF416110BD3CA783DAE5F93C7C2E53D1E939283D078541F4F29C0E6A97E7F3F0B94C45A7E7A0F41C1406D1CB733AA85D9ECFC3',
    { withSmsc: true },
  );
  t.same(c.concat, { ref: 0xc643, total: 2, seq: 1, refBits: 16 });
  t.equal(c.text, 'This is a test message'.repeat(6) + 'This is a test messa');
  // UCS2 with VP 0xAA (lua-pdu tests).
  t.match(decodeSubmit('0011000A9160214365870008AA1C00640061007400610066006100740061007800610073006400610073', { withSmsc: true }), {
    to: '+0612345678', text: 'datafataxasdas', validityMinutes: 5760, encoding: 'ucs2',
  });
  // TP-MR FF and VP 0xAD (Perl Device::Gsm tests).
  t.match(decodeSubmit('0011FF048160110000AD1CD4F29C0E6A97E7F3F0B90C32BFE52062D99E1E9775BAE3BC0D', { withSmsc: true }), {
    to: '0611', toa: 0x81, mr: 0xff, text: 'Test message for Device::Gsm', validityMinutes: 10080,
  });
  t.end();
});

void t.test('absolute and enhanced TP-VP are skipped (7 octets)', (t) => {
  // FO 0x19 = SUBMIT + VPF 11 (absolute): VP is a 7-octet timestamp.
  const d = decodeSubmit('1900048160110000' + '42106221436549' + '05C8329BFD06');
  t.equal(d.text, 'Hello');
  t.equal(d.validityMinutes, undefined);
  t.end();
});

void t.test('encoder errors are coded: bad number, bad reference, too long, bad validity', (t) => {
  t.throws(() => encodeSubmit({ to: '+49 151', text: 'x', concatRef: 0 }), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeSubmit({ to: '+1', text: 'x', concatRef: 256 }), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeSubmit({ to: '+1', text: 'x', concatRef: -1 }), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeSubmit({ to: '+1', text: 'x', concatRef: 1.5 }), { code: 'RW_ERR_SMS_ENCODE' });
  t.doesNotThrow(() => encodeSubmit({ to: '+1', text: 'x', concatRef: 65535, concatRefBits: 16 }));
  t.throws(() => encodeSubmit({ to: '+1', text: 'x', concatRef: 0, validityMinutes: -5 }), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => encodeSubmit({ to: '+1', text: '😀'.repeat(34 * 255), concatRef: 0 }), { code: 'RW_ERR_SMS_TOO_LONG' });
  t.end();
});

void t.test('decoder errors are RW_ERR_PDU: wrong type, truncation, garbage', (t) => {
  t.throws(() => decodeSubmit('04000B916407281553F80000AA0AE8329BFD4697D9EC37'), { code: 'RW_ERR_PDU' }, 'a DELIVER');
  t.throws(() => decodeSubmit('11000B916407281553F80000AA0AE8329BFD'), { code: 'RW_ERR_PDU' }, 'truncated UD');
  t.throws(() => decodeSubmit('11000B9164'), { code: 'RW_ERR_PDU' }, 'truncated DA');
  t.throws(() => decodeSubmit('zz'), { code: 'RW_ERR_PDU' });
  t.throws(() => decodeSubmit(''), { code: 'RW_ERR_PDU' });
  t.end();
});
