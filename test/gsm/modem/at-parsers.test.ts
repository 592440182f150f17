// Response and URC line parsers (TS 27.007 §7.2, §7.3, §8.3, §8.5; TS 27.005 §3.4), on the lines of
// the recorded transcripts and the vendor variants the notes mention.
import t from 'tap';
import {
  bestRegistration, parseCmgl, parseCmgr, parseCops, parseCpin, parseCsca, parseCsq, parseNewMessageIndication,
  parseRegistration, parseRoutedHeader, pduHasSmsc,
} from '../../../gsm/modem/at-parsers.js';
import { decodeIncoming } from '../../../gsm/sms/index.js';
import { loadTranscript } from './support/fixtures.js';

void t.test('CSQ: rssi to dBm (−113 + 2n), 99 unknown', (t) => {
  t.same(parseCsq('+CSQ: 19,0'), { csq: 19, dbm: -75 });
  t.same(parseCsq('+CSQ: 0,99'), { csq: 0, dbm: -113 });
  t.same(parseCsq('+CSQ: 31,99'), { csq: 31, dbm: -51 });
  t.same(parseCsq('+CSQ: 99,99'), { csq: null, dbm: null });
  t.equal(parseCsq('+CREG: 0,1'), undefined);
  t.end();
});

void t.test('registration: solicited <n>,<stat> and unsolicited <stat>, CREG/CEREG/CGREG', (t) => {
  t.equal(parseRegistration('+CREG: 0,1', true), 'home');
  t.equal(parseRegistration('+CEREG: 2,5,"1A2B","01C2D3E4",7', true), 'roaming');
  t.equal(parseRegistration('+CREG: 2', false), 'searching');
  t.equal(parseRegistration('+CGREG: 0,3', true), 'denied');
  t.equal(parseRegistration('+CREG: 0,0', true), 'not-registered');
  t.equal(parseRegistration('+CREG: 0,4', true), 'unknown');
  t.equal(bestRegistration('not-registered', 'home'), 'home', 'LTE registered while 2G is not');
  t.end();
});

void t.test('operator, SIM state and SMSC', (t) => {
  t.equal(parseCops('+COPS: 0,0,"SKTelecom",7'), 'SKTelecom');
  t.equal(parseCops('+COPS: 0,2,"45005",7'), '45005');
  t.equal(parseCops('+COPS: 0'), null);
  t.equal(parseCpin('+CPIN: READY'), 'ready');
  t.equal(parseCpin('+CPIN: SIM PIN'), 'pin-required');
  t.equal(parseCpin('+CPIN: SIM PUK'), 'puk-required');
  t.equal(parseCpin('+CPIN: PH-SIM PIN'), 'error');
  t.equal(parseCsca('+CSCA: "+821000000000",145'), '+821000000000');
  t.equal(parseCsca('+CSCA: "",129'), '');
  t.end();
});

void t.test('new-message indications and routed headers', (t) => {
  t.same(parseNewMessageIndication('+CMTI: "ME",3'), { kind: 'sms', mem: 'ME', index: 3 });
  t.same(parseNewMessageIndication('+CDSI: "SR",12'), { kind: 'report', mem: 'SR', index: 12 });
  t.same(parseRoutedHeader('+CMT: ,24'), { kind: 'sms', length: 24 });
  t.same(parseRoutedHeader('+CMT: "Beeline",139'), { kind: 'sms', length: 139 });
  t.same(parseRoutedHeader('+CDS: 25'), { kind: 'report', length: 25 });
  t.end();
});

void t.test('the recorded AT+CMGL=4 listing: a DELIVER and a status report, decodable with the SMSC field', (t) => {
  const fx = loadTranscript('cmgl-with-status-report.json');
  const lines = fx.tokens.flatMap((x) => (x.kind === 'line' && x.text !== 'OK' && !x.text.startsWith('+CDSI') ? [x.text] : []));
  const listed = parseCmgl(lines);
  t.same(listed.map((s) => [s.index, s.stat, s.length]), [[1, 1, 31], [4, 0, 25]]);
  const [deliver, report] = listed.map((s) => decodeIncoming(s.pdu, { withSmsc: pduHasSmsc(s.pdu, s.length) }));
  t.match(deliver, { kind: 'deliver', message: { sender: '+79642161111', text: 'Hello, world!' } });
  t.match(report, { kind: 'status-report', report: { mr: 0, recipient: '+20121875612', statusClass: 'delivered' } });
  t.end();
});

void t.test('CMGR: header and PDU; a bare TPDU (no SMSC field) is told apart by its length', (t) => {
  const s = parseCmgr(['+CMGR: 0,,25', '06000B910221815716F2709021510121807090215101718000'], 5);
  t.same(s && [s.index, s.stat, s.length], [5, 0, 25]);
  t.equal(s && pduHasSmsc(s.pdu, s.length), false);
  t.equal(parseCmgr(['+CMGR: 0,,25'], 5), undefined, 'no PDU line');
  t.end();
});

// RES: found by test/gsm/modem/at.fuzz.test.ts (minimal counterexample)
void t.test('a number no modem could mean (line noise) makes the line unparsed, not an AT+CMGR=1e+20 or a TPDU of 3e17 octets', (t) => {
  t.equal(parseRoutedHeader('+CMT: ,300000300000000001'), undefined);
  t.equal(parseRoutedHeader('+CDS: 256'), undefined, 'past any TPDU length');
  t.same(parseRoutedHeader('+CMT: ,164'), { kind: 'sms', length: 164 });
  t.equal(parseNewMessageIndication('+CMTI: "ME",99999999999999999999'), undefined);
  t.same(parseNewMessageIndication('+CMTI: "ME",300'), { kind: 'sms', mem: 'ME', index: 300 });
  t.equal(parseCmgr(['+CMGR: 0,,99999999999999999', '00'], 1), undefined);
  t.same(parseCmgl(['+CMGL: 123456789012,1,,31', '07919730071111F1000B9197', '+CMGL: 4,0,,25', '06000B91']).map((s) => s.index), [4], 'the damaged entry is skipped, the next one kept');
  t.end();
});
