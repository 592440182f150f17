// +CMS / +CME classification (TS 27.005 §3.2.5, TS 27.007 §9.2) per the table in notes/sms.md §1.
import t from 'tap';
import { classifyCme, classifyCms, type ModemErrorClass } from '../../../gsm/modem/cms-errors.js';
import { errorFromFinal } from '../../../gsm/modem/modem-error.js';

const TABLE: Record<ModemErrorClass, number[]> = {
  'transient-network': [17, 22, 38, 41, 42, 47, 331, 332],
  'transient-module': [300, 314, 500, 512, 515, 600],
  state: [302, 311, 322, 330],
  permanent: [1, 8, 10, 21, 29, 30, 50, 69, 95, 96, 97, 98, 99, 111, 304],
  fatal: [310, 313, 316],
  benign: [321],
};

void t.test('every CMS code of the notes\' table falls in its class', (t) => {
  for (const [cls, codes] of Object.entries(TABLE)) {
    for (const code of codes) t.equal(classifyCms(code).class, cls, `CMS ${code}`);
  }
  t.end();
});

void t.test('retry hints: transient and state errors are retried with back-off, permanent and fatal ones alarm', (t) => {
  t.match(classifyCms(38).hint, { retry: true, backoffMs: { initial: 5_000, max: 120_000 }, action: 'recheck-registration' });
  t.match(classifyCms(500).hint, { retry: true, action: 'reinit-after-repeats' });
  t.match(classifyCms(330).hint, { retry: true, action: 'fix-state' });
  t.match(classifyCms(304).hint, { retry: false, action: 'alarm' });
  t.match(classifyCms(316).hint, { retry: false, action: 'alarm' });
  t.match(classifyCms(321).hint, { retry: false, action: 'none' });
  t.end();
});

void t.test('unlisted codes fall back by range: RP-cause transient, TP-FCS permanent, vendor transient-module', (t) => {
  t.equal(classifyCms(27).class, 'transient-network');
  t.equal(classifyCms(0xc3).class, 'permanent');
  t.equal(classifyCms(399).class, 'transient-module');
  t.equal(classifyCms(4000).class, 'transient-module');
  t.end();
});

void t.test('CME codes: SIM busy is transient, a wrong password and PUK are fatal, SIM PIN is state', (t) => {
  t.equal(classifyCme(14).class, 'transient-module');
  t.equal(classifyCme(16).class, 'fatal');
  t.equal(classifyCme(12).class, 'fatal');
  t.equal(classifyCme(11).class, 'state');
  t.equal(classifyCme(10).class, 'fatal');
  t.equal(classifyCme(9999).class, 'transient-module');
  t.end();
});

void t.test('final result lines become coded errors carrying the classification', (t) => {
  t.match(errorFromFinal('+CMS ERROR: 38', 'AT+CMGS=20', 'final'), { code: 'RW_ERR_MODEM_CMS', classification: { kind: 'cms', code: 38 }, command: 'AT+CMGS=20' });
  t.match(errorFromFinal('+CME ERROR: 16', 'AT+CPIN="****"', 'final'), { code: 'RW_ERR_MODEM_CME', classification: { kind: 'cme', code: 16 } });
  t.match(errorFromFinal('ERROR', 'AT+CEREG?', 'final'), { code: 'RW_ERR_MODEM_ERROR', classification: undefined });
  t.match(errorFromFinal('+CME ERROR: SIM busy', 'AT+CPIN?', 'final'), { code: 'RW_ERR_MODEM_ERROR' }, 'verbose CMEE=2 text has no code');
  t.end();
});
