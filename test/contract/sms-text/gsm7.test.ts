// GSM 7-bit alphabet (TS 23.038 §6.2.1, §6.2.1.1) and septet packing (§6.1.2.1.1).
import t from 'tap';
import { bytesToHex, hexToBytes } from '../../../gsm/sms/bytes.js';
import {
  GSM7_ESC, countSeptets, decodeGsm7, encodeGsm7, gsm7SeptetsOf, isGsm7Encodable, packSeptets, unpackSeptets,
} from '../../../contract/sms-text/gsm7.js';

/** A deliberately naive reference packer: a string of bits, LSB of each septet first. */
function naivePack(septets: number[], fillBits: number): string {
  let bits = '0'.repeat(fillBits);
  for (const s of septets) for (let b = 0; b < 7; b++) bits += (s >> b) & 1 ? '1' : '0';
  while (bits.length % 8 !== 0) bits += '0';
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let v = 0;
    for (let b = 0; b < 8; b++) if (bits[i + b] === '1') v |= 1 << b;
    bytes.push(v);
  }
  return bytesToHex(bytes);
}

void t.test('"hellohello" packs to the published E8329BFD4697D9EC37', (t) => {
  t.equal(bytesToHex(packSeptets(encodeGsm7('hellohello'))), 'E8329BFD4697D9EC37');
  t.equal(decodeGsm7(unpackSeptets(hexToBytes('E8329BFD4697D9EC37'), 10)), 'hellohello');
  t.end();
});

void t.test('"Hello" packs to C8329BFD06 (the 8-characters-in-7-octets layout of §6.1.2.1.1)', (t) => {
  t.equal(bytesToHex(packSeptets(encodeGsm7('Hello'))), 'C8329BFD06');
  t.end();
});

void t.test('packing with 0–6 fill bits matches a naive bit-string packer, and unpacks back', (t) => {
  const septets = encodeGsm7('The quick brown fox jumps over the lazy dog 0123456789 {[€]}');
  for (let fill = 0; fill <= 6; fill++) {
    const packed = packSeptets(septets, fill);
    t.equal(bytesToHex(packed), naivePack(septets, fill), `fill ${fill}`);
    t.same(unpackSeptets(packed, septets.length, fill), septets, `fill ${fill} round-trip`);
  }
  t.end();
});

void t.test('8n−1 septets leave 7 zero bits that are not read as "@" because the count is explicit', (t) => {
  const septets = encodeGsm7('1234567');
  const packed = packSeptets(septets);
  t.equal(packed.length, 7);
  t.equal(decodeGsm7(unpackSeptets(packed, 7)), '1234567');
  t.end();
});

void t.test('the whole default table round-trips, and 0x1B is not a character', (t) => {
  for (let code = 0; code < 128; code++) {
    if (code === GSM7_ESC) continue;
    const ch = decodeGsm7([code]);
    t.same(gsm7SeptetsOf(ch), [code], `0x${code.toString(16)} "${ch}"`);
  }
  t.equal(gsm7SeptetsOf('\u001b'), undefined);
  t.end();
});

void t.test('extension characters cost 2 septets: ESC + code from the §6.2.1.1 table', (t) => {
  const ext: [string, number][] = [['\f', 0x0a], ['^', 0x14], ['{', 0x28], ['}', 0x29], ['\\', 0x2f], ['[', 0x3c], ['~', 0x3d], [']', 0x3e], ['|', 0x40], ['€', 0x65]];
  for (const [ch, code] of ext) {
    t.same(gsm7SeptetsOf(ch), [GSM7_ESC, code], JSON.stringify(ch));
    t.equal(decodeGsm7([GSM7_ESC, code]), ch);
  }
  t.equal(countSeptets('^{}\\[~]|€\f'), 20);
  t.equal(countSeptets('a€b'), 4, 'septets, not JavaScript length');
  t.end();
});

void t.test('§ is in the default table at 0x5F; ¢ and © are in neither table; € is via the extension', (t) => {
  t.same(gsm7SeptetsOf('§'), [0x5f]);
  t.same(gsm7SeptetsOf('¤'), [0x24], '0x24 is the currency sign, not $');
  t.same(gsm7SeptetsOf('$'), [0x02]);
  t.equal(isGsm7Encodable('¢'), false);
  t.equal(isGsm7Encodable('©'), false);
  t.equal(isGsm7Encodable('`'), false, 'backtick is not GSM 7-bit');
  t.equal(isGsm7Encodable('€'), true);
  t.equal(countSeptets('€'), 2);
  t.throws(() => encodeGsm7('5¢'), { code: 'RW_ERR_SMS_ENCODE' });
  t.end();
});

void t.test('decoding: unknown extension code falls back to the default table, ESC ESC is a space, a dangling ESC is dropped', (t) => {
  t.equal(decodeGsm7([GSM7_ESC, 0x41]), 'A');
  t.equal(decodeGsm7([GSM7_ESC, GSM7_ESC, 0x41]), ' A');
  t.equal(decodeGsm7([0x41, GSM7_ESC]), 'A');
  t.end();
});

void t.test('unpacking more septets than the octets hold is RW_ERR_PDU', (t) => {
  t.throws(() => unpackSeptets(hexToBytes('E832'), 3), { code: 'RW_ERR_PDU' });
  t.end();
});
