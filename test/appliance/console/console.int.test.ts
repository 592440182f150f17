// The technician's console (D5) in a real pseudo-terminal (tmux) against the real built appliance:
// every screen reached by keys at 80×24 on a VT100, an alarm acknowledged (recorded under the
// console's user, audited as "console"), a test SMS to the simulated modem, a password reset, the
// first-admin setup code.
import { userInfo } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { AlertDetail } from '../../../contract/alerts-api.js';
import type { AuditEntry } from '../../../contract/accounts-api.js';
import { ROOT, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { connectAgent, enroll } from '../../helpers/mqtt-agent.js';
import { startInTmux, type TmuxTerminal } from '../../helpers/tmux-terminal.js';
import { TEST_ADMIN, WebSession } from '../../helpers/web-session.js';

const CONSOLE_BIN = path.join(ROOT, 'dist', 'console.js');
const VT100 = { TERM: 'vt100', LANG: 'en_US.UTF-8' };

/** the screen fits: the header is still on the first row and the menu's last option is shown */
function fits(rows: string[], screen: string, lastOption: string): boolean {
  return rows.length === 24 && (rows[0] ?? '').startsWith(`rackwatch console · ${screen} ·`) && rows.some((r) => r.trim().endsWith(lastOption));
}

void t.test('the console against a running appliance', async (t) => {
  const app = await startAppliance(t, { args: ['--modem', 'sim', '--timezone', 'UTC'] });
  await waitForModemReady(app);
  const web = await enroll(app, 'web-01');
  const client = await connectAgent(t, app, web);
  await createRule(app, cpuRule(web.agentId, 1, 'CPU busy'));
  const feed = cpuFeeder(client, web.agentId, 1);
  t.teardown(() => feed.stop());
  const open = (): Promise<TmuxTerminal> => startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', app.dataDir], { env: VT100 });

  await t.test('every screen is reached by one key from the menu and fits 80×24', async (t) => {
    const term = await open();
    await term.waitFor('the status screen', (rows) => fits(rows, 'Status', 'Quit') && rows.some((r) => r.startsWith('Health: OK')));
    const screens: [key: string, title: string, lastOption: string, expect: RegExp][] = [
      ['n', 'Network', 'Back', /eth0 Configured: DHCP/],
      ['m', 'Modem', 'Back', /Registration: home/],
      ['a', 'Alarms', 'Back', /#\d+ critical (firing|pending) web-01 CPU busy/],
      ['p', 'Admin password / setup code', 'Back', /Reset a password/],
      ['c', 'Clock', 'Continue', /Appliance: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/],
      ['l', 'Log', 'Back', /journalctl|No log to show|\w/],
    ];
    for (const [key, title, lastOption, expect] of screens) {
      await term.keys(key);
      const rows = await term.waitFor(`the ${title} screen`, (rows) => fits(rows, title, lastOption) && expect.test(rows.join('\n')));
      t.ok(rows.every((r) => r.length <= 80), `${title}: no row is wider than 80 columns`);
      await term.keys('b');
      await term.waitFor('the status screen again', (rows) => fits(rows, 'Status', 'Quit'));
    }
    // factory reset asks for RESET typed out; anything else erases nothing
    await term.keys('r');
    await term.waitFor('the reset screen', /Type RESET to go on/);
    await term.type('no');
    await term.waitFor('the refusal', /Nothing was erased/);
    await term.keys('b');
    // k: Korean, with wide characters, still 80×24 with the header on the first row
    await term.keys('k');
    const ko = await term.waitFor('the Korean status screen', (rows) => (rows[0] ?? '').startsWith('rackwatch 콘솔 · 상태 ·') && rows.some((r) => r.trim().endsWith('종료')));
    t.equal(ko.length, 24);
    t.match(ko.join('\n'), /에이전트: 1 온라인/);
    await term.keys('q');
    await waitFor('q to end the console', async () => !(await term.alive()));
  });

  await t.test('a firing alarm is acknowledged from the console, under the console user, audited as "console"', async (t) => {
    const alert = await openAlertOf(app, web.agentId);
    const term = await open();
    await term.waitFor('the status screen', /Alarms: 1 firing/);
    await term.keys('a');
    await term.waitFor('the alarm list', new RegExp(`#${alert.id} critical firing web-01`));
    await term.keys('a');
    await term.waitFor('the question', /Alarm number to acknowledge/);
    await term.type(String(alert.id));
    await term.waitFor('the acknowledgement', new RegExp(`Acknowledged alarm #${alert.id} critical acknowledged`));
    const after = (await app.api<AlertDetail>(`/api/v1/alerts/${alert.id}`)).alert;
    t.equal(after.state, 'acknowledged');
    t.equal(after.ackedBy, `${userInfo().username}@console`, 'recorded under the console user');
    const audit = await app.api<{ entries: AuditEntry[] }>('/api/v1/audit?actor=console');
    t.ok(audit.entries.some((e) => e.action === 'alert.acknowledged' && e.target === String(alert.id)), 'audited as "console"');
    // a second try is refused with the reason, and the console keeps going
    await term.keys('b');
    await term.keys('a');
    await term.waitFor('the question', /Alarm number to acknowledge/);
    await term.type(String(alert.id));
    await term.waitFor('the refusal', /already\s+acknowledged\s+\(RW_ERR_CONFLICT\)/);
  });

  await t.test('a test SMS typed on the console reaches the modem', async (t) => {
    const term = await open();
    await term.waitFor('the status screen', /Health: OK/);
    await term.keys('m');
    await term.waitFor('the modem screen', /Signal: -?\d+ dBm/);
    await term.keys('t');
    await term.waitFor('the question', /Phone number/);
    await term.type('010-5555-6666');
    await term.waitFor('queued', /Test SMS queued as #\d+ → \+821055556666/);
    const sms = await waitForSms(app, '+821055556666', /test SMS/);
    t.match(sms.text, /^rackwatch .* test SMS$/);
    const audit = await app.api<{ entries: AuditEntry[] }>('/api/v1/audit?actor=console');
    t.ok(audit.entries.some((e) => e.action === 'sms.test'), 'audited as "console"');
  });

  await t.test('a password reset shows a new password once, and it signs in', async (t) => {
    const term = await open();
    await term.waitFor('the status screen', /Health: OK/);
    await term.keys('p');
    await term.waitFor('the accounts screen', /Reset a password/);
    await term.keys('r');
    await term.waitFor('the question', /User name/);
    await term.type(TEST_ADMIN.username);
    const rows = await term.waitFor('the new password', /New password \(shown once\): [a-z2-9]{5}(-[a-z2-9]{5}){3}/);
    const password = /New password \(shown once\): (\S+)/.exec(rows.join('\n'))?.[1] ?? '';
    const login = await new WebSession(app.url).login(TEST_ADMIN.username, password);
    t.equal(login.status, 200, 'the new password signs in');
    t.equal((await new WebSession(app.url).login(TEST_ADMIN.username, TEST_ADMIN.password)).status, 401, 'the old one does not');
    await term.keys('b');
    await term.waitFor('the main menu', /Factory reset/);
    await term.keys('p');
    await term.waitFor('the accounts screen again', /Show the first-admin setup code/);
    await term.keys('c');
    await term.waitFor('no setup code once an admin exists', /No setup code: an admin account exists/);
    const audit = await app.api<{ entries: AuditEntry[] }>('/api/v1/audit?actor=console');
    t.ok(audit.entries.some((e) => e.action === 'console.password_reset' && e.target === 'admin'), 'the reset is audited as "console"');
    t.notOk(JSON.stringify(audit.entries).includes(password), 'the password is in no audit entry');
  });
});
