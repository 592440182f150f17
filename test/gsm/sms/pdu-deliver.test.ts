// SMS-DELIVER (TS 23.040 §9.2.2.1) decoding on published real-phone traces, and the simulator's
// encoder round-tripping through the real decoder.
import t from 'tap';
import { decodeDeliver, encodeDeliver } from '../../../gsm/sms/pdu-deliver.js';
import { decodeIncoming } from '../../../gsm/sms/pdu-incoming.js';
import { segmentText } from '../../../contract/sms-text/segmenter.js';

// A published real trace (+CMGR form). MCHS (Russian emergency service) alert: alphanumeric sender, UCS2, 16-bit ref 2789, part 1 of 3.
const MCHS_PART_1 =
  '07919730071111F14007D0CD21720A0008718042814134218B0608040AE50301041D04300020043E0441043D043E04320430043D043804380020043F0440043E0433043D043E0437043000200424041304110423002000AB04260435043D044204400430043B044C043D043E0435002004230413041C042100BB00200032003400200430043204330443044104420430002004320020041C043E0441043A043204350020';

void t.test('the classic Nokia trace: SMSC, subscriber-number sender (TOA C8), 1999 timestamp at +02:00', (t) => {
  const m = decodeDeliver('07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37');
  t.match(m, {
    smsc: '+27381000015', sender: '27838890001', senderToa: 0xc8, pid: 0, dcs: 0, encoding: 'gsm7', text: 'hellohello',
    moreMessages: false,
  });
  t.equal(m.timestamp.iso, '1999-03-29T15:16:59+02:00');
  t.equal(m.timestamp.tzQuarterHours, 8);
  t.equal(m.concat, undefined);
  t.end();
});

void t.test('node-pdu README vector: "Hello, world!" at +08:00', (t) => {
  const m = decodeDeliver('07919730071111F1000B919746121611F10000811170021222230DC8329BFD6681EE6F399B1C02');
  t.match(m, { smsc: '+79037011111', sender: '+79642161111', text: 'Hello, world!' });
  t.equal(m.timestamp.iso, '2018-11-07T20:21:22+08:00');
  t.end();
});

void t.test('a UCS2 trace from a Nokia forum (+CMGR): Arabic "بت"', (t) => {
  const m = decodeDeliver('07910201956905F0040B910201014160F3000820219130521580040628062A');
  t.match(m, { smsc: '+20105996500', sender: '+20101014063', encoding: 'ucs2', dcs: 8, text: 'بت' });
  t.equal(m.timestamp.iso, '2002-12-19T03:25:51+02:00');
  t.end();
});

void t.test('a concatenated GSM 7-bit part with UDH fill bits (alt.cellular.gsm trace): "value is 4.80"', (t) => {
  const m = decodeDeliver('07910221020020F040048167383D1170113232848040140500033A0202EC6176BD0C4ACF4134170E06');
  t.match(m, { sender: '7683', pid: 0x3d, dcs: 0x11, encoding: 'gsm7', text: 'value is 4.80', moreMessages: true });
  t.same(m.concat, { ref: 0x3a, total: 2, seq: 2, refBits: 8 });
  t.end();
});

void t.test('alphanumeric sender (TOA D0) with a UCS2 body and a 16-bit reference (MCHS alert trace)', (t) => {
  const m = decodeDeliver(MCHS_PART_1);
  t.match(m, { sender: 'MCHS', senderToa: 0xd0, encoding: 'ucs2', text: 'На основании прогноза ФГБУ «Центральное УГМС» 24 августа в Москве ' });
  t.same(m.concat, { ref: 2789, total: 3, seq: 1, refBits: 16 });
  t.equal(new Date(m.timestamp.epochMs).toISOString(), '2017-08-24T15:14:43.000Z');
  t.end();
});

void t.test('alphanumeric sender with a long GSM 7-bit body and PID 0x39 (Device::Gsm trace)', (t) => {
  const m = decodeDeliver(
    '07919471016730510410D06B7658DE7E8BD36C39006070228105118094C8309BFD6681C262D0FC6D7ECBE92071DA0D4A8FD1A0BA9B5E9683DCE57A590E92D6CDEE7ABB5D968356B45CAC16ABD972319A8C360395E5F2727A8C1687E52E90355D66974147B9DF530651DFF239BDEC0635FD6C7659EE5296E97A3A68CD0ECBC7613919242ECFE96536BBEC06D5DDF4B21C74BFDF5D6B7658DE7E8BD36C17B90C',
  );
  t.match(m, { smsc: '+491710760315', sender: 'klarmobil', pid: 0x39 });
  t.match(m.text, /^Hallo, ab sofort bin ich unter neuer Rufnummer \+4915156914243 erreichbar\. Viele Grüße/);
  t.equal(m.timestamp.iso, '2006-07-22T18:50:11+02:00');
  t.end();
});

void t.test('a bare TPDU decodes with { withSmsc: false }', (t) => {
  const m = decodeDeliver('040BC87238880900F10000993092516195800AE8329BFD4697D9EC37', { withSmsc: false });
  t.equal(m.smsc, undefined);
  t.equal(m.text, 'hellohello');
  t.end();
});

void t.test('encodeDeliver round-trips through decodeDeliver (what the modem simulator stores)', (t) => {
  const timestamp = { year: 2025, month: 3, day: 9, hour: 23, minute: 5, second: 7, tzQuarterHours: 36 };
  const gsm = decodeDeliver(encodeDeliver({ smsc: '+821000000', sender: '+821012345678', timestamp, text: 'ACK 42 {ok} €5' }));
  t.match(gsm, { smsc: '+821000000', sender: '+821012345678', text: 'ACK 42 {ok} €5', encoding: 'gsm7' });
  t.equal(gsm.timestamp.iso, '2025-03-09T23:05:07+09:00');

  const alpha = decodeDeliver(encodeDeliver({ sender: 'Rackwatch', timestamp, text: '확인했습니다 😀' }));
  t.match(alpha, { sender: 'Rackwatch', senderToa: 0xd0, text: '확인했습니다 😀', encoding: 'ucs2' });
  t.equal(alpha.smsc, undefined);

  const long = '가나다라마바사'.repeat(30);
  const pieces = segmentText(long, { concatRefBits: 16 }).segments;
  const decoded = pieces.map((s, i) =>
    decodeDeliver(encodeDeliver({ sender: '010', timestamp, text: s.text, concat: { ref: 0xbeef, total: pieces.length, seq: i + 1, refBits: 16 } })),
  );
  t.equal(decoded.map((d) => d.text).join(''), long);
  t.same(decoded.map((d) => d.concat?.seq), pieces.map((_, i) => i + 1));

  t.throws(() => encodeDeliver({ sender: '1', timestamp, text: 'x'.repeat(161) }), { code: 'RW_ERR_SMS_ENCODE' });
  t.end();
});

void t.test('decodeIncoming dispatches on TP-MTI', (t) => {
  t.equal(decodeIncoming('07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37').kind, 'deliver');
  t.equal(decodeIncoming('0011000B916407281553F80000AA0AE8329BFD4697D9EC37').kind, 'submit');
  t.equal(decodeIncoming('06000B910221815716F2709021510121807090215101718000', { withSmsc: false }).kind, 'status-report');
  t.throws(() => decodeIncoming('0003'), { code: 'RW_ERR_PDU' }, 'MTI 3 is reserved');
  t.throws(() => decodeIncoming('00'), { code: 'RW_ERR_PDU' }, 'nothing after the SMSC');
  t.end();
});

void t.test('malformed DELIVERs are RW_ERR_PDU', (t) => {
  t.throws(() => decodeDeliver('0011000B916407281553F80000AA0AE8329BFD4697D9EC37'), { code: 'RW_ERR_PDU' }, 'a SUBMIT');
  t.throws(() => decodeDeliver('07917283010010F5040BC87238880900F10000993092516195800AE832'), { code: 'RW_ERR_PDU' }, 'truncated');
  t.throws(() => decodeDeliver('07917283010010F5040BC87238880900F1000099309251619580'), { code: 'RW_ERR_PDU' }, 'no UDL');
  t.throws(() => decodeDeliver('0791728301'), { code: 'RW_ERR_PDU' }, 'truncated SMSC');
  t.end();
});
