// Property tests (fast-check) over arbitrary texts: round-trip, size limits, no ESC at a part
// end, no split surrogate pairs, and the GSM 7-bit / UCS2 choice. The PDU layout is read back by a
// small independent parser here, not by the codec's decoder.
import fc from 'fast-check';
import t from 'tap';
import { hexToBytes } from '../../../gsm/sms/bytes.js';
import { unpackSeptets } from '../../../contract/sms-text/gsm7.js';
import { decodeDeliver, encodeDeliver } from '../../../gsm/sms/pdu-deliver.js';
import { decodeSubmit, encodeSubmit } from '../../../gsm/sms/pdu-submit.js';
import { reassemble } from '../../../gsm/sms/reassembler.js';
import { segmentText } from '../../../contract/sms-text/segmenter.js';
import { toWellFormed } from '../../../contract/sms-text/ucs2.js';

// TS 23.038 §6.2.1 (without ESC) and §6.2.1.1, written out independently of the codec's tables.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '\f^{}\\[~]|€';
const GSM7_ALL = new Set([...GSM7_BASIC, ...GSM7_EXT]);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const gsm7Char = fc.constantFrom(...GSM7_ALL);
const mixedChar = fc.oneof(
  gsm7Char,
  fc.constantFrom(...GSM7_EXT),
  fc.constantFrom('가', '한', '국', '어', ' ', '.'),
  fc.constantFrom('😀', '🚨', '🔥', '👍🏽', '🇰🇷'),
  fc.constantFrom('¢', '©', '`', 'ç', '\u001b', '\u0000'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const gsm7Text = fc.string({ unit: gsm7Char, maxLength: 700 });
const mixedText = fc.string({ unit: mixedChar, maxLength: 500 });
const anyText = fc.oneof(
  gsm7Text,
  mixedText,
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  // Raw UTF-16 code units, lone surrogates included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 200 }),
);
const request = fc.record({
  text: anyText,
  to: fc.stringMatching(/^\+?[0-9]{1,20}$/),
  concatRef: fc.integer({ min: 0, max: 255 }),
  statusReport: fc.boolean(),
});

interface RawPart { fo: number; dcs: number; udl: number; ud: Uint8Array; tpduLength: number }

/** Reads SMS-SUBMIT fields by position (TS 23.040 §9.2.2.2) with VPF relative, as we encode it. */
function rawPart(tpduHex: string): RawPart {
  const b = hexToBytes(tpduHex);
  const daDigits = b[2] ?? 0;
  let i = 4 + Math.ceil(daDigits / 2); // FO, MR, DA length, TOA, digits
  i += 1; // PID
  const dcs = b[i++] ?? -1;
  i += 1; // VP
  const udl = b[i++] ?? -1;
  return { fo: b[0] ?? -1, dcs, udl, ud: b.subarray(i), tpduLength: b.length };
}

void t.test('round trip: decodeSubmit(encodeSubmit(x)) joins back to x, with consistent concat headers', (t) => {
  fc.assert(
    fc.property(request, (req) => {
      const parts = encodeSubmit(req);
      const decoded = parts.map((p) => decodeSubmit(p.tpduHex));
      if (decoded.map((d) => d.text).join('') !== toWellFormed(req.text)) return false;
      return decoded.every((d, i) =>
        d.to === req.to && d.statusReport === req.statusReport && d.validityMinutes === 1440 &&
        (parts.length === 1 ? d.concat === undefined : d.concat?.ref === req.concatRef && d.concat.total === parts.length && d.concat.seq === i + 1));
    }),
    { numRuns: 400 },
  );
  t.pass('400 runs');
  t.end();
});

void t.test('every part fits: UD ≤ 140 octets, GSM 7-bit UDL ≤ 160 septets, tpduLength = octets after the SMSC', (t) => {
  fc.assert(
    fc.property(request, (req) => {
      for (const p of encodeSubmit(req)) {
        const raw = rawPart(p.tpduHex);
        if (p.tpduLength !== p.tpduHex.length / 2 || p.pduHex !== `00${p.tpduHex}`) return false;
        if (raw.ud.length > 140) return false;
        if (raw.dcs === 0x00 && (raw.udl > 160 || raw.ud.length !== Math.ceil((raw.udl * 7) / 8))) return false;
        if (raw.dcs === 0x08 && (raw.udl > 140 || raw.ud.length !== raw.udl || raw.udl % 2 !== 0)) return false;
      }
      return true;
    }),
    { numRuns: 400 },
  );
  t.pass('400 runs');
  t.end();
});

void t.test('no part ends with an ESC septet (extension characters are never split)', (t) => {
  const extHeavy = fc.string({ unit: fc.oneof(gsm7Char, fc.constantFrom(...GSM7_EXT)), minLength: 150, maxLength: 800 });
  fc.assert(
    fc.property(extHeavy, fc.constantFrom<8 | 16>(8, 16), (text, bits) => {
      for (const p of encodeSubmit({ to: '+1', text, concatRef: 1, concatRefBits: bits })) {
        const raw = rawPart(p.tpduHex);
        const udhOctets = raw.fo & 0x40 ? (raw.ud[0] ?? 0) + 1 : 0;
        const headerSeptets = Math.ceil((udhOctets * 8) / 7);
        const septets = unpackSeptets(raw.ud.subarray(udhOctets), raw.udl - headerSeptets, headerSeptets * 7 - udhOctets * 8);
        if (septets.length > 0 && septets[septets.length - 1] === 0x1b) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('300 runs');
  t.end();
});

void t.test('no part holds a lone surrogate (emoji are never split)', (t) => {
  const emojiHeavy = fc.string({ unit: fc.oneof(fc.constantFrom('😀', '🚨', '👍🏽', 'a', '가')), minLength: 60, maxLength: 400 });
  fc.assert(
    fc.property(fc.oneof(emojiHeavy, anyText), (text) =>
      segmentText(text).segments.every((s) => !LONE_SURROGATE.test(s.text)) &&
      encodeSubmit({ to: '+1', text, concatRef: 0 }).every((p) => !LONE_SURROGATE.test(decodeSubmit(p.tpduHex).text))),
    { numRuns: 400 },
  );
  t.pass('400 runs');
  t.end();
});

void t.test('any character outside the GSM 7-bit tables forces UCS2 in every part; GSM 7-bit-only text never does', (t) => {
  const outsider = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !GSM7_ALL.has(c));
  fc.assert(
    fc.property(gsm7Text, outsider, fc.nat(), (base, odd, at) => {
      const pos = base.length === 0 ? 0 : at % base.length;
      const withOdd = base.slice(0, pos) + odd + base.slice(pos);
      const ucs2 = encodeSubmit({ to: '+1', text: withOdd, concatRef: 0 }).every((p) => rawPart(p.tpduHex).dcs === 0x08);
      const gsm7 = encodeSubmit({ to: '+1', text: base, concatRef: 0 }).every((p) => rawPart(p.tpduHex).dcs === 0x00);
      return ucs2 && gsm7;
    }),
    { numRuns: 400 },
  );
  t.pass('400 runs');
  t.end();
});

void t.test('segmentation is minimal: no part could have taken the next part\'s first character', (t) => {
  fc.assert(
    fc.property(anyText, fc.constantFrom<8 | 16>(8, 16), (text, bits) => {
      const { encoding, segments } = segmentText(text, { concatRefBits: bits });
      if (segments.length === 1) return true;
      const cap = encoding === 'gsm7' ? (bits === 8 ? 153 : 152) : bits === 8 ? 67 : 66;
      return segments.every((s, i) => {
        const next = segments[i + 1];
        if (next === undefined) return s.units <= cap;
        const first = [...next.text][0] ?? '';
        const cost = encoding === 'gsm7' ? (GSM7_EXT.includes(first) ? 2 : 1) : first.length;
        return s.units <= cap && s.units + cost > cap;
      });
    }),
    { numRuns: 400 },
  );
  t.pass('400 runs');
  t.end();
});

void t.test('DELIVER parts built by the simulator encoder reassemble to the text in any arrival order', (t) => {
  const ts = { year: 2025, month: 1, day: 1, hour: 0, minute: 0, second: 0, tzQuarterHours: 0 };
  fc.assert(
    fc.property(anyText, fc.integer({ min: 0, max: 0xffff }), fc.constantFrom('+821012345678', 'Operator'), fc.nat(), (text, ref, sender, seed) => {
      const { segments } = segmentText(text, { concatRefBits: 16 });
      const total = segments.length;
      const parts = segments.map((s, i) =>
        decodeDeliver(encodeDeliver({ sender, timestamp: ts, text: s.text, ...(total > 1 ? { concat: { ref, total, seq: i + 1, refBits: 16 as const } } : {}) })));
      // Deterministic shuffle from the seed.
      const shuffled = parts.map((p, i) => ({ p, k: (i * 7919 + seed) % 104729 })).sort((a, b) => a.k - b.k).map((x) => x.p);
      const groups = reassemble(shuffled);
      return groups.length === 1 && groups[0]?.complete === true && groups[0].text === toWellFormed(text);
    }),
    { numRuns: 200 },
  );
  t.pass('200 runs');
  t.end();
});

void t.test('the independent GSM 7-bit table in this file has 127 + 10 characters', (t) => {
  t.equal([...GSM7_BASIC].length, 127);
  t.equal([...GSM7_EXT].length, 10);
  t.end();
});
