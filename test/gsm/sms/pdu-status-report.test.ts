// SMS-STATUS-REPORT (TS 23.040 §9.2.2.3) and the TP-ST classes of §9.2.3.15.
import t from 'tap';
import { classifyStatus, decodeStatusReport, encodeStatusReport } from '../../../gsm/sms/pdu-status-report.js';

// A +CDS trace published on amro.blogspot.com (2007): bare TPDU, no SMSC field.
const CDS_TRACE = '06000B910221815716F2709021510121807090215101718000';

void t.test('the published +CDS trace: MR 0, recipient, SCTS and discharge time at +02:00, delivered', (t) => {
  const r = decodeStatusReport(CDS_TRACE, { withSmsc: false });
  t.match(r, { mr: 0, recipient: '+20121875612', recipientToa: 0x91, status: 0, statusClass: 'delivered', forCommand: false, moreMessages: false });
  t.equal(r.scts.iso, '2007-09-12T15:10:12+02:00');
  t.equal(r.dischargeTime.iso, '2007-09-12T15:10:17+02:00');
  t.equal(r.smsc, undefined);
  t.end();
});

void t.test('with the SMSC field first, as AT+CMGR prints it after +CDSI', (t) => {
  const r = decodeStatusReport('07919730071111F1' + CDS_TRACE);
  t.equal(r.smsc, '+79037011111');
  t.equal(r.recipient, '+20121875612');
  t.end();
});

void t.test('TP-ST classes: 0x00–0x1F delivered, 0x20–0x3F pending, 0x40 and above failed', (t) => {
  const cases: [number, string][] = [
    [0x00, 'delivered'], [0x01, 'delivered'], [0x02, 'delivered'], [0x1f, 'delivered'],
    [0x20, 'pending'], [0x30, 'pending'], [0x3f, 'pending'],
    [0x40, 'failed'], [0x41, 'failed'], [0x5f, 'failed'], [0x60, 'failed'], [0x7f, 'failed'], [0x80, 'failed'], [0xff, 'failed'],
  ];
  for (const [st, cls] of cases) t.equal(classifyStatus(st), cls, `0x${st.toString(16)}`);
  t.end();
});

void t.test('optional TP-PI / PID / DCS / UD are read when present and complete, ignored when truncated', (t) => {
  const base = CDS_TRACE.slice(0, -2) + '41'; // TP-ST 0x41: permanent error
  t.match(decodeStatusReport(base, { withSmsc: false }), { status: 0x41, statusClass: 'failed' });
  const withUd = decodeStatusReport(base + '07' + '00' + '00' + '05C8329BFD06', { withSmsc: false });
  t.match(withUd, { pid: 0, dcs: 0, text: 'Hello' });
  const truncatedUd = decodeStatusReport(base + '04' + '05C832', { withSmsc: false });
  t.equal(truncatedUd.text, undefined);
  t.equal(truncatedUd.statusClass, 'failed');
  const missingPid = decodeStatusReport(base + '01', { withSmsc: false });
  t.equal(missingPid.pid, undefined);
  t.end();
});

void t.test('encodeStatusReport round-trips (simulator side)', (t) => {
  const ts = { year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5, tzQuarterHours: -20 };
  const hex = encodeStatusReport({ mr: 0x7b, recipient: '+15551234567', scts: ts, dischargeTime: { ...ts, second: 9 }, status: 0x30 });
  const r = decodeStatusReport(hex);
  t.match(r, { mr: 0x7b, recipient: '+15551234567', status: 0x30, statusClass: 'pending' });
  t.equal(r.dischargeTime.iso, '2025-01-02T03:04:09-05:00');
  t.end();
});

void t.test('malformed reports are RW_ERR_PDU', (t) => {
  t.throws(() => decodeStatusReport(CDS_TRACE.slice(0, -2), { withSmsc: false }), { code: 'RW_ERR_PDU' }, 'no TP-ST');
  t.throws(() => decodeStatusReport('04' + CDS_TRACE.slice(2), { withSmsc: false }), { code: 'RW_ERR_PDU' }, 'a DELIVER');
  t.end();
});
