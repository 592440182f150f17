// Differential tests against node-pdu 2.1.1, used as an ORACLE ONLY (a devDependency, never
// imported from appliance/). We compare decoded fields, not bytes, on the inputs node-pdu handles
// correctly: single-part GSM 7-bit text of basic ASCII characters (≤ 133, its own single-part
// limit) and single-part Korean (≤ 63 characters, its UCS2 limit). The last tests pin down where
// node-pdu 2.1.1 is wrong (see docs/notes/sms.md §2); if an upgrade fixes one, that test fails
// on purpose: re-check the finding and drop the assertion about node-pdu.
import fc from 'fast-check';
import { Deliver, Submit, parse, utils } from 'node-pdu';
import t from 'tap';
import { hexToBytes } from '../../../gsm/sms/bytes.js';
import { decodeDeliver, encodeDeliver } from '../../../gsm/sms/pdu-deliver.js';
import { decodeSubmit, encodeSubmit } from '../../../gsm/sms/pdu-submit.js';
import { segmentText } from '../../../contract/sms-text/segmenter.js';

const ASCII_GSM7 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;!?\'"()%&*+-/<=>#@$_\n';
const asciiText = fc.string({ unit: fc.constantFrom(...ASCII_GSM7), minLength: 1, maxLength: 133 });
const hangul = fc.integer({ min: 0xac00, max: 0xd7a3 }).map((c) => String.fromCharCode(c));
const koreanText = fc.string({ unit: fc.oneof(hangul, fc.constantFrom(' ', '.', '!')), minLength: 1, maxLength: 63 });
const intlNumber = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);

function nodePduSubmit(pdu: string): Submit {
  const p = parse(pdu);
  if (!(p instanceof Submit)) throw new Error('node-pdu did not parse a SUBMIT');
  return p;
}

void t.test('ours → node-pdu: single-part ASCII and Korean SUBMITs decode to the same fields', (t) => {
  fc.assert(
    fc.property(fc.oneof(asciiText, koreanText), intlNumber, fc.boolean(), (text, to, statusReport) => {
      const parts = encodeSubmit({ to, text, concatRef: 0, statusReport });
      if (parts.length !== 1 || parts[0] === undefined) return false;
      const theirs = nodePduSubmit(parts[0].pduHex);
      return (
        theirs.data.getText() === text &&
        theirs.address.phone === to.slice(1) &&
        theirs.address.type.getValue() === 0x91 &&
        theirs.dataCodingScheme.getValue() === (/^[\x20-\x7e\n]*$/.test(text) ? 0x00 : 0x08) &&
        theirs.type.statusReportRequest === (statusReport ? 1 : 0) &&
        theirs.validityPeriod.interval !== null
      );
    }),
    { numRuns: 300 },
  );
  t.pass('300 runs');
  t.end();
});

void t.test('node-pdu → ours: its single-part ASCII and Korean SUBMITs decode to the same fields', (t) => {
  fc.assert(
    fc.property(fc.oneof(asciiText, koreanText), intlNumber, (text, to) => {
      const [pdu, ...more] = new Submit(to, text).getPartStrings();
      if (pdu === undefined || more.length > 0) return false;
      const ours = decodeSubmit(pdu, { withSmsc: true });
      return ours.text === text && ours.to === to && ours.toa === 0x91 && ours.encoding === (ours.dcs === 0 ? 'gsm7' : 'ucs2') && ours.concat === undefined;
    }),
    { numRuns: 300 },
  );
  t.pass('300 runs');
  t.end();
});

void t.test('DELIVER both ways: sender, text and service-centre timestamp agree', (t) => {
  fc.assert(
    fc.property(fc.oneof(asciiText, koreanText), intlNumber, fc.integer({ min: 946684800, max: 2524607999 }), fc.integer({ min: -12, max: 14 }), (text, sender, epochS, tzHours) => {
      // node-pdu → ours
      const scts = new utils.SCTS(new Date(epochS * 1000), tzHours * 60);
      const [pdu] = new Deliver(sender, text, { serviceCenterTimeStamp: scts }).getPartStrings();
      const ours = decodeDeliver(pdu ?? '');
      const okOurs = ours.text === text && ours.sender === sender && ours.timestamp.epochMs === epochS * 1000 && ours.timestamp.tzQuarterHours === tzHours * 4;
      // ours → node-pdu
      const local = new Date((epochS + tzHours * 3600) * 1000);
      const hex = encodeDeliver({
        sender, text,
        timestamp: {
          year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(),
          hour: local.getUTCHours(), minute: local.getUTCMinutes(), second: local.getUTCSeconds(), tzQuarterHours: tzHours * 4,
        },
      });
      const theirs = parse(hex);
      const okTheirs = theirs instanceof Deliver && theirs.data.getText() === text && theirs.address.phone === sender.slice(1) &&
        theirs.serviceCenterTimeStamp.time === epochS;
      return okOurs && okTheirs;
    }),
    { numRuns: 200 },
  );
  t.pass('200 runs');
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: "§" (GSM 0x5F) is sent as a space and read back as a backtick', (t) => {
  t.equal(nodePduSubmit(new Submit('+1', 'a§b').getPartStrings()[0] ?? '').data.getText(), 'a b');
  t.equal(nodePduSubmit(encodeSubmit({ to: '+1', text: 'a§b', concatRef: 0 })[0]?.pduHex ?? '').data.getText(), 'a`b');
  t.equal(decodeSubmit(encodeSubmit({ to: '+1', text: 'a§b', concatRef: 0 })[0]?.tpduHex ?? '').text, 'a§b');
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: "¢" and "©" silently become spaces (it only switches to UCS2 above U+00C0)', (t) => {
  const [theirs] = new Submit('+1', '5¢ ©').getPartStrings();
  t.equal(decodeSubmit(theirs ?? '', { withSmsc: true }).text, '5   ');
  const [ours] = encodeSubmit({ to: '+1', text: '5¢ ©', concatRef: 0 });
  t.equal(ours?.encoding, 'ucs2');
  t.equal(decodeSubmit(ours?.tpduHex ?? '').text, '5¢ ©');
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: 100 × "{" is one PDU with TP-UDL 200 septets (the maximum is 160)', (t) => {
  const theirs = new Submit('+1', '{'.repeat(100)).getPartStrings();
  t.equal(theirs.length, 1);
  const b = hexToBytes(theirs[0] ?? '');
  const udl = b[1 + 1 + 1 + 1 + 1 + 1 + 1 + 1]; // SCA 00, FO, MR, DA len 01, TOA, 1 digit octet, PID, DCS → UDL (no VP)
  t.equal(udl, 200);
  const ours = encodeSubmit({ to: '+1', text: '{'.repeat(100), concatRef: 0 }).map((p) => decodeSubmit(p.tpduHex));
  t.same(ours.map((d) => d.udl), [7 + 152, 7 + 48]);
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: 200 Korean characters take 4 parts (63 per part); 3 suffice', (t) => {
  t.equal(new Submit('+1', '한'.repeat(200)).getPartStrings().length, 4);
  t.equal(encodeSubmit({ to: '+1', text: '한'.repeat(200), concatRef: 0 }).length, 3);
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: it splits an emoji\'s surrogate pair across parts', (t) => {
  const text = 'a'.repeat(62) + '😀' + 'b'.repeat(10);
  const theirs = new Submit('+1', text).getPartStrings().map((p) => nodePduSubmit(p).data.getText());
  t.ok(theirs[0]?.endsWith('\uD83D'), 'first node-pdu part ends with a lone high surrogate');
  const ours = segmentText(text).segments.map((s) => s.text);
  t.same(ours, ['a'.repeat(62) + '😀' + 'bbb', 'b'.repeat(7)], 'ours: the pair stays whole (67 code units in part 1)');
  const longer = 'a'.repeat(66) + '😀' + 'b'.repeat(10);
  t.same(segmentText(longer).segments.map((s) => s.text), ['a'.repeat(66), '😀' + 'b'.repeat(10)], 'ours: moved whole to part 2');
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: 160 plain characters take 2 parts (its GSM 7-bit limit is 140 − 7)', (t) => {
  t.equal(new Submit('+1', 'x'.repeat(160)).getPartStrings().length, 2);
  t.equal(encodeSubmit({ to: '+1', text: 'x'.repeat(160), concatRef: 0 }).length, 1);
  t.end();
});

void t.test('node-pdu 2.1.1 is wrong: it decodes relative TP-VP 0xA7 (24 h) as 1 080 000 s and 0xAA (4 days) as 3 days', (t) => {
  const withVp = (vp: string): string => `0011000B916407281553F80000${vp}0AE8329BFD4697D9EC37`;
  t.equal(nodePduSubmit(withVp('A7')).validityPeriod.interval, 1_080_000);
  t.equal(nodePduSubmit(withVp('AA')).validityPeriod.interval, 3 * 86_400);
  t.equal(decodeSubmit(withVp('A7'), { withSmsc: true }).validityMinutes, 1440);
  t.equal(decodeSubmit(withVp('AA'), { withSmsc: true }).validityMinutes, 4 * 1440);
  t.end();
});
