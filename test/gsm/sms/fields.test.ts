// Small fields: hex, semi-octet addresses (TS 23.040 §9.1.2.3, §9.1.2.5), timestamps
// (§9.2.3.11), TP-VP (§9.2.3.12.1), TP-DCS (TS 23.038 §4) and the UDH (§9.2.3.24).
import t from 'tap';
import { encodeDestination, encodeOriginator, encodeSmsc, readAddress, readSmsc } from '../../../gsm/sms/address.js';
import { ByteReader, bytesToHex, hexToBytes } from '../../../gsm/sms/bytes.js';
import { parseDcs } from '../../../gsm/sms/dcs.js';
import { decodeTimestamp, encodeTimestamp } from '../../../gsm/sms/timestamp.js';
import { buildConcatUdh, parseUdh } from '../../../gsm/sms/udh.js';
import { validityMinutesToOctet, validityOctetToMinutes } from '../../../gsm/sms/validity-period.js';

const reader = (hex: string): ByteReader => new ByteReader(hexToBytes(hex));

void t.test('hex parsing rejects odd lengths and non-hex with RW_ERR_PDU', (t) => {
  t.same(Array.from(hexToBytes(' 0aFf\r\n')), [0x0a, 0xff]);
  t.throws(() => hexToBytes('ABC'), { code: 'RW_ERR_PDU' });
  t.throws(() => hexToBytes('0G'), { code: 'RW_ERR_PDU' });
  t.throws(() => reader('01').take(2, 'TP-UD'), { code: 'RW_ERR_PDU' });
  t.end();
});

void t.test('TP-DA: + gives TOA 91, otherwise 81; digits nibble-swapped and padded with F', (t) => {
  t.equal(bytesToHex(encodeDestination('+46708251358')), '0B916407281553F8');
  t.equal(bytesToHex(encodeDestination('0706876902')), '0A817060789620', 'Sony Ericsson app-note example');
  for (const bad of ['', '+', '+46 70', '12345678901234567890123', 'abc', '+-1']) {
    t.throws(() => encodeDestination(bad), { code: 'RW_ERR_SMS_ENCODE' }, JSON.stringify(bad));
  }
  t.end();
});

void t.test('an alphanumeric TP-OA (TON 101) is packed GSM 7-bit: the published "20124079901" field', (t) => {
  t.same(readAddress(reader('14D032584C4683DD7239580C'), 'TP-OA'), { address: '20124079901', toa: 0xd0 });
  t.same(readAddress(reader('07D0CD21720A'), 'TP-OA'), { address: 'MCHS', toa: 0xd0 });
  t.equal(bytesToHex(encodeOriginator('MCHS')), '07D0CD21720A');
  t.equal(bytesToHex(encodeOriginator('Beeline')), '0DD0C272999D769701');
  t.throws(() => encodeOriginator('TwelveLetters'), { code: 'RW_ERR_SMS_ENCODE' });
  t.end();
});

void t.test('address digits beyond 0–9 use the §9.1.2.3 table (* # a b c)', (t) => {
  t.same(readAddress(reader('0481BA21'), 'TP-OA'), { address: '*#12', toa: 0x81 });
  t.end();
});

void t.test('SMSC field: 00 means the SIM\'s SMSC; otherwise octet length, TOA, BCD', (t) => {
  t.equal(readSmsc(reader('00')), undefined);
  t.equal(readSmsc(reader('07917283010010F5')), '+27381000015');
  t.equal(readSmsc(reader('059172281991')), '+27829119');
  t.equal(bytesToHex(encodeSmsc(undefined)), '00');
  t.equal(bytesToHex(encodeSmsc('+27381000015')), '07917283010010F5');
  t.end();
});

void t.test('timestamps: swapped BCD, zone in quarter-hours with the sign in bit 3', (t) => {
  const ts = decodeTimestamp(hexToBytes('81117002122223'));
  t.equal(ts.iso, '2018-11-07T20:21:22+08:00', 'node-pdu README vector: TZ 0x23 = +32 quarters');
  t.equal(ts.epochMs, Date.parse('2018-11-07T12:21:22Z'));
  // TZ 0x49: low semi-octet 9 = sign bit + tens digit 1, high semi-octet 4 = units → −14 quarters.
  const west = decodeTimestamp(hexToBytes('42106221436549'));
  t.equal(west.tzQuarterHours, -14);
  t.equal(west.iso, '2024-01-26T12:34:56-03:30');
  t.equal(bytesToHex(encodeTimestamp(west)), '42106221436549');
  t.throws(() => decodeTimestamp(hexToBytes('8111700212222')), { code: 'RW_ERR_PDU' });
  t.throws(() => decodeTimestamp(hexToBytes('81F17002122223')), { code: 'RW_ERR_PDU' }, 'non-decimal digit');
  t.throws(() => decodeTimestamp(hexToBytes('81317002122223')), { code: 'RW_ERR_PDU' }, 'month 13');
  t.end();
});

void t.test('TP-VP relative: the four ranges of §9.2.3.12.1, rounded up, A7 = 24 h', (t) => {
  const cases: [number, number][] = [
    [0, 0x00], [5, 0x00], [6, 0x01], [10, 0x01], [720, 143], [721, 144], [750, 144], [1440, 0xa7],
    [1441, 168], [2 * 1440, 168], [4 * 1440, 0xaa], [30 * 1440, 196], [30 * 1440 + 1, 197], [63 * 10080, 0xff], [1e9, 0xff],
  ];
  for (const [minutes, octet] of cases) t.equal(validityMinutesToOctet(minutes), octet, `${minutes} min`);
  t.equal(validityOctetToMinutes(0xa7), 1440);
  t.equal(validityOctetToMinutes(0xaa), 5760);
  t.equal(validityOctetToMinutes(0xad), 10080);
  t.equal(validityOctetToMinutes(0xff), 63 * 10080);
  for (let o = 0; o <= 255; o++) t.equal(validityMinutesToOctet(validityOctetToMinutes(o)), o, `octet ${o} is exact`);
  t.throws(() => validityMinutesToOctet(-1), { code: 'RW_ERR_SMS_ENCODE' });
  t.throws(() => validityMinutesToOctet(Number.NaN), { code: 'RW_ERR_SMS_ENCODE' });
  t.end();
});

void t.test('TP-DCS groups of TS 23.038 §4', (t) => {
  t.same(parseDcs(0x00), { alphabet: 'gsm7' });
  t.same(parseDcs(0x08), { alphabet: 'ucs2' });
  t.same(parseDcs(0x04), { alphabet: '8bit' });
  t.same(parseDcs(0x11), { alphabet: 'gsm7', messageClass: 1 });
  t.same(parseDcs(0x18), { alphabet: 'ucs2', messageClass: 0 });
  t.same(parseDcs(0x0c), { alphabet: 'gsm7' }, 'reserved alphabet 11 reads as GSM 7-bit');
  t.same(parseDcs(0xe0), { alphabet: 'ucs2' }, 'MWI store, UCS2');
  t.same(parseDcs(0xf6), { alphabet: '8bit', messageClass: 2 });
  t.same(parseDcs(0xf0), { alphabet: 'gsm7', messageClass: 0 });
  t.throws(() => parseDcs(0x20), { code: 'RW_ERR_PDU' }, 'compressed');
  t.end();
});

void t.test('UDH: concat IEs with 8- and 16-bit references; other IEs are kept; invalid concat IEs ignored', (t) => {
  t.same(parseUdh(buildConcatUdh({ ref: 0x3a, total: 2, seq: 2, refBits: 8 })).concat, { ref: 0x3a, total: 2, seq: 2, refBits: 8 });
  t.equal(bytesToHex(buildConcatUdh({ ref: 0x4ac0, total: 4, seq: 2, refBits: 16 })), '0608044AC00402');
  const withPort = parseUdh(hexToBytes('0B05040B8423F00003AA0201'));
  t.equal(withPort.length, 12);
  t.same(withPort.elements, [{ iei: 0x05, dataHex: '0B8423F0' }, { iei: 0x00, dataHex: 'AA0201' }]);
  t.same(withPort.concat, { ref: 0xaa, total: 2, seq: 1, refBits: 8 });
  t.equal(parseUdh(hexToBytes('050003AA0203')).concat, undefined, 'seq > total');
  t.equal(parseUdh(hexToBytes('050003AA0000')).concat, undefined, 'total 0');
  t.throws(() => parseUdh(hexToBytes('050003AA02')), { code: 'RW_ERR_PDU' });
  t.throws(() => parseUdh(hexToBytes('04000301')), { code: 'RW_ERR_PDU' });
  t.end();
});
