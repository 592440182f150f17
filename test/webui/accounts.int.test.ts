// The web UI's accounts and access control (SEC): first the screens' pure logic (no browser), then
// end to end: REAL built appliances serve the built UI to Debian's headless Chromium (never a
// downloaded browser), and a person's journeys are driven through it: first-start setup with the
// code from <data-dir>/setup-code, users, sign-out and sign-in, a wrong password and the
// throttle's wait, what a viewer and an operator are offered, TOTP enrolment and a sign-in with a
// code, API tokens, a password change ending the other session, the audit log and its CSV, an
// idle session ending (--session-idle), and a locked account. Screenshots go to test-artifacts/.
//
// The lockout uses the real throttle (appliance/accounts/login-throttle.ts): 10 failures lock,
// and the 4th to 9th are each followed by a wait (1, 2, 4 … 32 s, about 63 s in all) that cannot
// be skipped from outside. So a third appliance is driven to the lock through the API from the
// start of the test, honouring each Retry-After, while the other journeys run; its sign-in screen
// is checked at the end.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticator } from 'otplib';
import type { Page, Response as PageResponse } from 'playwright-core';
import { SETUP_CODE_FILE } from '../../appliance/accounts/setup-code.js';
import { ApiRequestError } from '../../webui/src/api-client.js';
import { auditParams } from '../../webui/src/auth-api.js';
import { groupedSecret, rolesUpTo } from '../../webui/src/components/account-view.js';
import { authErrorText } from '../../webui/src/components/auth-screens.js';
import { translate, type MessageKey } from '../../webui/src/i18n.js';
import { ACCOUNTS_EN, ACCOUNTS_KO } from '../../webui/src/i18n-accounts.js';
import type { AlertListResponse, Rule } from '../../contract/alerts-api.js';
import { cpuFeeder, cpuRule } from '../helpers/alerting-helpers.js';
import { startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
import { connectAgent, enroll } from '../helpers/mqtt-agent.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun, watchedPage } from '../helpers/chromium.js';
import { TEST_ADMIN, WebSession } from '../helpers/web-session.js';

const en = (key: MessageKey, params?: Record<string, string | number>): string => translate('en', key, params);
const ko = (key: MessageKey, params?: Record<string, string | number>): string => translate('ko', key, params);

// --- pure logic ---------------------------------------------------------------------------------------

void t.test('every account string exists in Korean and English with the same placeholders', (t) => {
  const keys = Object.keys(ACCOUNTS_EN) as (keyof typeof ACCOUNTS_EN)[];
  t.same(Object.keys(ACCOUNTS_KO).sort(), [...keys].sort());
  const params = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
  for (const k of keys) {
    t.ok(ACCOUNTS_KO[k].trim(), `${k} has Korean text`);
    t.same(params(ACCOUNTS_KO[k]), params(ACCOUNTS_EN[k]), `${k}: the same placeholders`);
  }
  const same = new Set(['users.totp', 'audit.csv']);
  t.same(keys.filter((k) => !same.has(k) && ACCOUNTS_KO[k] === ACCOUNTS_EN[k] && /[a-z]{3}/i.test(ACCOUNTS_EN[k])), [], 'no English left in the Korean dictionary');
  t.end();
});

void t.test('sign-in refusals in words: a throttle wait in seconds, a lockout in minutes', (t) => {
  const err = (code: string, status: number, retryAfterS: number | null = null): ApiRequestError => new ApiRequestError('x', status, code, [], retryAfterS);
  t.equal(authErrorText(err('RW_ERR_LOGIN', 401), en), 'The user name or password is wrong, or the account is disabled.');
  t.equal(authErrorText(err('RW_ERR_THROTTLED', 429, 4), en), 'Too many failed attempts. Try again in 4 s.');
  t.equal(authErrorText(err('RW_ERR_THROTTLED', 429, 60), en), 'Too many failed attempts. Try again in 60 s.', 'the longest delay is still a delay');
  t.equal(authErrorText(err('RW_ERR_THROTTLED', 429, 900), en), 'Sign-in is locked after repeated failures. Try again in 15 min.');
  t.equal(authErrorText(err('RW_ERR_PASSWORD_COMMON', 400), en), en('auth.pwCommon'));
  t.equal(authErrorText(err('RW_ERR_NOT_FOUND', 404), en), 'RW_ERR_NOT_FOUND: x', 'anything else as the appliance said it');
  t.end();
});

void t.test('token roles, the TOTP secret in groups, the audit filters as a query', (t) => {
  t.same(rolesUpTo('admin'), ['admin', 'operator', 'viewer']);
  t.same(rolesUpTo('operator'), ['operator', 'viewer'], 'an operator cannot make an admin token');
  t.same(rolesUpTo('viewer'), ['viewer']);
  t.equal(groupedSecret('JBSWY3DPEHPK3PXPJBSW'), 'JBSW Y3DP EHPK 3PXP JBSW');
  t.equal(auditParams({ actor: ' admin ', action: '', text: 'otto', from: 1000.4, to: 2000.2 }).toString(), 'actor=admin&text=otto&from=1000&to=2001');
  t.end();
});

// --- end to end ------------------------------------------------------------------------------------------

const VIEWER = { username: 'vera', password: 'quiet-harbour-lamp-42' };
const OPERATOR = { username: 'otto', password: 'amber-river-switch-17' };
const CONTACT_PHONE = '+821012345678';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** Clicks sign-in and waits for the appliance's answer (its HTTP status) and for the page to show it. */
async function submitSignIn(page: Page, username: string, password: string): Promise<number> {
  await page.locator('[data-testid=signin-username]').fill(username);
  await page.locator('[data-testid=signin-password]').fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r: PageResponse) => r.url().endsWith('/api/v1/auth/login')),
    page.locator('[data-testid=signin-submit]').click(),
  ]);
  await page.locator('[data-testid=signin-submit]:not([disabled])').or(page.locator('[data-testid=user-menu]')).first().waitFor();
  return res.status();
}

/** The error the sign-in screen shows, once it shows the one for `code`. */
async function signInError(page: Page, code: string): Promise<string> {
  const el = page.locator(`[data-testid=signin-error][data-code=${code}]`);
  await el.waitFor();
  return (await el.textContent()) ?? '';
}

/** Waits until the view shows no load error (what it was refused while signed out loaded again). */
async function loadedAgain(page: Page, view: string): Promise<void> {
  await page.waitForFunction((v) => document.querySelector(`[data-testid=${v}]`) !== null && document.querySelector(`[data-testid=${v}] [data-testid=load-error]`) === null, view);
}

async function tabs(page: Page): Promise<string[]> {
  return (await page.locator('[data-testid=nav-tabs] a').allTextContents()).map((s) => s.replace(/\d+$/, ''));
}

/** Failures for `username` through the API, each wait the appliance asks for honoured, until it locks. */
async function driveToLockout(app: RunningAppliance, username: string): Promise<number> {
  const web = new WebSession(app.url);
  for (let attempt = 1; attempt <= 30; attempt++) {
    const res = await web.login(username, `wrong-password-${attempt}`);
    if (res.status === 429) {
      const wait = Number(res.headers.get('retry-after'));
      if (wait > 60) return wait;
      await new Promise((r) => setTimeout(r, wait * 1000));
    } else if (res.status !== 401) throw new Error(`unexpected HTTP ${res.status} while driving the throttle: ${await res.text()}`);
  }
  throw new Error('no lockout after 30 attempts');
}

void t.test('accounts in the web UI, end to end', async (t) => {
  if (!uiTestCanRun(t)) return;

  const locked = await startAppliance(t);
  const lockedAfter = driveToLockout(locked, 'mallory');
  // tap reports a rejection when it is awaited below; keep Node from calling it unhandled meanwhile
  lockedAfter.catch(() => undefined);

  const app = await startAppliance(t, { setup: false });
  const browser = await launchChromium(t);
  const errors: string[] = [];
  const { page, pageErrors, cspViolations } = await watchedPage(browser);
  const admin = new WebSession(app.url);

  await t.test('first start: a wrong setup code is refused, the right one makes the admin and signs in', async (t) => {
    await page.goto(`${app.url}/`);
    const form = page.locator('[data-testid=setup-form]');
    await form.waitFor();
    t.match(await form.locator('[data-testid=setup-code-hint]').textContent(), 'rackwatch setup-code --data-dir DIR', 'the screen says where the code is shown');
    await form.locator('[data-testid=setup-code]').fill('AAAA-BBBB-CCCC-DDDD');
    await form.locator('[data-testid=setup-username]').fill(TEST_ADMIN.username);
    await form.locator('[data-testid=setup-password]').fill(TEST_ADMIN.password);
    await form.locator('[data-testid=setup-password2]').fill(`${TEST_ADMIN.password}!`);
    await form.locator('[data-testid=setup-submit]').click();
    t.equal(await form.locator('[data-testid=setup-error]').textContent(), 'The two passwords differ.', 'two different passwords are caught before sending');
    await form.locator('[data-testid=setup-password2]').fill(TEST_ADMIN.password);
    await form.locator('[data-testid=setup-submit]').click();
    t.match(await form.locator('[data-testid=setup-error][data-code=RW_ERR_SETUP_CODE]').textContent(), /setup code is wrong/, 'a wrong code is refused');
    await shot(page, 'accounts-setup-refused.png');
    await form.locator('[data-testid=setup-code]').fill(readFileSync(path.join(app.dataDir, SETUP_CODE_FILE), 'utf8').trim());
    await form.locator('[data-testid=setup-submit]').click();
    await page.locator('[data-testid=user-menu]').waitFor();
    t.equal(await page.locator('[data-testid=user-name]').textContent(), TEST_ADMIN.username, 'signed in as the new admin');
    t.equal(await page.locator('[data-testid=user-role]').textContent(), 'Admin', 'with the role beside the name');
    t.same(await tabs(page), ['Dashboard', 'Walls', 'Schematic', 'Alerts', 'Checks', 'Statistics', 'Compare', 'Web logs', 'Pools', 'Rules', 'Groups', 'Contacts', 'Maintenance', 'SMS', 'Servers', 'Files', 'Users', 'Audit log', 'Forwarding', 'Redundancy'], 'an admin has every tab');
    t.equal((await admin.login(TEST_ADMIN.username, TEST_ADMIN.password)).status, 200, 'the password works through the API too');
  });

  await t.test('users: the admin creates an operator, disables and enables them', async (t) => {
    await page.locator('[data-testid=nav-users]').click();
    await page.locator('[data-testid=user-new]').click();
    const form = page.locator('[data-testid=user-form]');
    await form.locator('[data-testid=user-form-name]').fill(OPERATOR.username);
    await form.locator('[data-testid=user-form-role]').selectOption('operator');
    await form.locator('[data-testid=user-form-password]').fill('password123');
    await form.locator('[data-testid=user-form-password2]').fill('password123');
    await form.locator('[data-testid=user-form-submit]').click();
    t.match(await form.locator('[data-testid=user-form-error][data-code=RW_ERR_PASSWORD_COMMON]').textContent(), /list of common passwords/, 'the password policy speaks through the form');
    await form.locator('[data-testid=user-form-password]').fill(OPERATOR.password);
    await form.locator('[data-testid=user-form-password2]').fill(OPERATOR.password);
    await form.locator('[data-testid=user-form-submit]').click();
    const row = page.locator(`[data-testid=user-row][data-username=${OPERATOR.username}]`);
    await row.waitFor();
    t.equal(await row.locator('[data-testid=user-role]').inputValue(), 'operator');
    await row.locator('[data-testid=user-toggle]').click();
    await page.locator(`[data-testid=user-row][data-username=${OPERATOR.username}][data-disabled=true]`).waitFor();
    t.equal(await row.locator('[data-testid=user-state]').textContent(), 'Disabled');
    t.equal((await new WebSession(app.url).login(OPERATOR.username, OPERATOR.password)).status, 401, 'a disabled user cannot sign in');
    await row.locator('[data-testid=user-toggle]').click();
    await page.locator(`[data-testid=user-row][data-username=${OPERATOR.username}][data-disabled=false]`).waitFor();
    await shot(page, 'accounts-users.png');
    // the rest of the cast, through the API as the admin: a viewer, and a contact with a phone number
    await admin.json('POST', '/api/v1/users', { username: VIEWER.username, role: 'viewer', password: VIEWER.password });
    await admin.json('POST', '/api/v1/contacts', { name: 'Kim On-call', phone: CONTACT_PHONE, language: 'ko', severities: ['critical'], schedule: [], escalationLevel: 0, enabled: true });
    await page.reload();
    await page.locator(`[data-testid=user-row][data-username=${VIEWER.username}]`).waitFor();
    t.pass('the viewer made through the API is listed');
  });

  // a hot server with a 1 s CPU rule: an alert fires while the journeys below run, for the
  // acknowledge button (an operator's, not a viewer's)
  const hot = await enroll(app, 'db-01.seoul.example');
  const feeder = cpuFeeder(await connectAgent(t, app, hot), hot.agentId);
  t.teardown(() => feeder.stop());
  const rule = await admin.json<Rule>('POST', '/api/v1/rules', cpuRule(hot.agentId, 1));
  const alertSel = `[data-testid=open-alert][data-agent-id="${hot.agentId}"][data-rule-id="${rule.id}"]`;

  await t.test('sign-out returns to the sign-in screen, which says so', async (t) => {
    await page.locator('[data-testid=sign-out]').click();
    const notice = page.locator('[data-testid=signin-notice][data-notice=signedOut]');
    await notice.waitFor();
    t.equal(await notice.textContent(), 'You are signed out.');
    t.equal(await page.locator('[data-testid=app-views]').count(), 0, 'nothing of the views is left in the page');
  });

  await t.test('a wrong password is said plainly; after three free failures the wait is shown', async (t) => {
    let status = await submitSignIn(page, TEST_ADMIN.username, 'not-the-password');
    t.equal(status, 401);
    t.equal(await signInError(page, 'RW_ERR_LOGIN'), 'The user name or password is wrong, or the account is disabled.');
    // the 4th failure starts a 1 s delay; an attempt inside it is refused with Retry-After. On a
    // slow machine one more failure may land first (2 s), so go on until the throttle answers
    for (let i = 0; i < 5 && status !== 429; i++) status = await submitSignIn(page, TEST_ADMIN.username, 'not-the-password');
    t.equal(status, 429, 'the throttle answers');
    t.match(await signInError(page, 'RW_ERR_THROTTLED'), /^Too many failed attempts\. Try again in \d+ s\.$/, 'with the wait from Retry-After');
    await shot(page, 'accounts-throttled.png');
    // the right password once the wait is over: tried until the throttle lets it through
    await waitFor('the admin signed in again', async () => (await submitSignIn(page, TEST_ADMIN.username, TEST_ADMIN.password)) === 200, { timeoutMs: 20_000, intervalMs: 500 });
    await page.locator('[data-testid=user-menu]').waitFor();
    t.pass('the right password signs in once the wait is over');
  });

  const viewer = await signedInPage(browser, app.url, VIEWER);
  const operator = await signedInPage(browser, app.url, OPERATOR);

  await t.test('a viewer is offered no change and sees no phone number', async (t) => {
    const v = viewer.page;
    await v.goto(`${app.url}/`);
    await v.locator('[data-testid=server-list]').waitFor();
    t.equal(await v.locator('[data-testid=user-role]').textContent(), 'Viewer');
    t.same(await tabs(v), ['Dashboard', 'Walls', 'Schematic', 'Alerts', 'Checks', 'Statistics', 'Compare', 'Web logs', 'Pools', 'Rules', 'Groups', 'Maintenance', 'SMS', 'Redundancy'], 'no Contacts, Users or Audit log tab (Redundancy: who sends the SMS, read-only)');
    t.equal(await v.locator('[data-testid=open-add-server]').count(), 0, 'no "add server"');
    await v.locator('[data-testid=open-defaults]').click();
    await v.locator('[data-testid=defaults-dialog] [data-testid=schedule-row]').first().waitFor();
    t.equal(await v.locator('[data-testid=schedule-save]').count(), 0, 'the default schedule is shown without a save button');
    t.ok(await v.locator('[data-testid=interval-cpu]').isDisabled(), 'and its fields cannot be changed');
    await v.locator('[data-testid=defaults-dialog] [data-testid=dialog-close]').click();
    await v.locator('[data-testid=nav-rules]').click();
    await v.locator('[data-testid=rule-row]').first().waitFor();
    t.same([await v.locator('[data-testid=rule-new]').count(), await v.locator('[data-testid=rule-edit]').count(), await v.locator('[data-testid=rule-delete]').count(), await v.locator('[data-testid=rule-toggle]').count()], [0, 0, 0, 0], 'rules: no new, edit, delete or on/off');
    await v.locator('[data-testid=nav-groups]').click();
    await v.locator('[data-testid=group-list]').waitFor();
    t.equal(await v.locator('[data-testid=group-new-name]').count(), 0, 'groups: no "create"');
    await v.locator('[data-testid=nav-alerts]').click();
    await v.locator(`${alertSel}[data-state=firing]`).waitFor({ timeout: 30_000 });
    t.equal(await v.locator('[data-testid=ack-button]').count(), 0, 'alerts: a firing alert without an acknowledge button');
    await v.locator('[data-testid=nav-sms]').click();
    await v.locator('[data-testid=modem-card]').waitFor();
    t.equal(await v.locator('[data-testid=test-sms]').count(), 0, 'SMS: no test message');
    t.equal(await v.locator('[data-testid=outbox]').count(), 0, 'and no outbox (it lists phone numbers)');
    await v.goto(`${app.url}/#view=contacts`);
    await v.locator('[data-testid=not-allowed]').waitFor();
    t.equal(await v.locator('[data-testid=not-allowed]').textContent(), 'Your role (Viewer) cannot use this screen.', 'a bookmarked Contacts view says why it is empty');
    t.notMatch(await v.content(), CONTACT_PHONE.slice(3), 'no phone number anywhere on the page');
    await shot(v, 'accounts-viewer.png');
  });

  await t.test('an operator works on rules and reads contacts, but edits no contact and sends no test SMS', async (t) => {
    const o = operator.page;
    await o.goto(`${app.url}/#view=contacts`);
    const row = o.locator('[data-testid=contact-row]');
    await row.waitFor();
    t.equal(await row.locator('[data-testid=contact-phone-cell]').textContent(), CONTACT_PHONE, 'the phone number is shown to an operator');
    t.same([await o.locator('[data-testid=contact-new]').count(), await o.locator('[data-testid=contact-edit]').count()], [0, 0], 'but no new or edit button');
    await o.locator('[data-testid=nav-sms]').click();
    await o.locator('[data-testid=outbox]').waitFor();
    t.equal(await o.locator('[data-testid=test-sms]').count(), 0, 'the outbox, and no test SMS');
    await o.locator('[data-testid=nav-rules]').click();
    await o.locator('[data-testid=rule-new]').waitFor();
    // The rule list arrives after the toolbar: wait for a row's edit button rather than count at once.
    await o.locator('[data-testid=rule-edit]').first().waitFor();
    t.ok(await o.locator('[data-testid=rule-edit]').count() > 0, 'rules can be made and edited');
    t.same(await tabs(o), ['Dashboard', 'Walls', 'Schematic', 'Alerts', 'Checks', 'Statistics', 'Compare', 'Web logs', 'Pools', 'Rules', 'Groups', 'Contacts', 'Maintenance', 'SMS', 'Redundancy']);
    await o.locator('[data-testid=nav-alerts]').click();
    await o.locator(`${alertSel}[data-state=firing] [data-testid=ack-button]`).click();
    await o.locator(`${alertSel}[data-state=acknowledged]`).waitFor();
    const acked = await admin.json<AlertListResponse>('GET', '/api/v1/alerts?state=acknowledged');
    t.equal(acked.alerts.find((a) => a.ruleId === rule.id)?.ackedBy, OPERATOR.username, 'an operator acknowledges, under their own name');
  });

  await t.test('TOTP: enrolment with the secret and the link, then a sign-in that asks for the code', async (t) => {
    const o = operator.page;
    await o.locator('[data-testid=nav-account]').click();
    const card = o.locator('[data-testid=totp-card]');
    t.equal(await card.locator('[data-testid=totp-state]').getAttribute('data-on'), 'false');
    await card.locator('[data-testid=totp-begin]').click();
    const secretEl = card.locator('[data-testid=totp-secret]');
    await secretEl.waitFor();
    const secret = (await secretEl.getAttribute('data-secret')) ?? '';
    t.equal(await secretEl.textContent(), groupedSecret(secret), 'the secret is shown in groups of four');
    t.match(await card.locator('[data-testid=totp-uri]').textContent(), /^otpauth:\/\/totp\/rackwatch:otto\?secret=/, 'and the otpauth link as text');
    t.ok(await card.locator('svg[data-testid=totp-qr] path').getAttribute('d'), 'and as a QR code');
    await card.locator('[data-testid=totp-code]').fill('000000');
    await card.locator('[data-testid=totp-confirm]').click();
    await card.locator('[data-testid=totp-error][data-code=RW_ERR_TOTP]').waitFor();
    t.pass('a wrong code does not turn it on');
    await card.locator('[data-testid=totp-code]').fill(authenticator.generate(secret));
    await card.locator('[data-testid=totp-confirm]').click();
    await card.locator('[data-testid=totp-done]').waitFor();
    t.equal(await card.locator('[data-testid=totp-state]').getAttribute('data-on'), 'true', 'a right code turns it on');
    await shot(o, 'accounts-totp.png');

    await o.locator('[data-testid=sign-out]').click();
    t.equal(await submitSignIn(o, OPERATOR.username, OPERATOR.password), 401);
    t.equal(await signInError(o, 'RW_ERR_TOTP'), 'This account also needs the one-time code from its authenticator app.');
    await o.locator('[data-testid=signin-totp]').fill(authenticator.generate(secret));
    await o.locator('[data-testid=signin-submit]').click();
    await o.locator('[data-testid=user-menu]').waitFor();
    t.equal(await o.locator('[data-testid=user-name]').textContent(), OPERATOR.username, 'password and code sign in');
    await o.locator('[data-testid=view-account]').waitFor();
    t.pass('back on the view the user signed out from');
  });

  await t.test('API tokens: a role no higher than one\'s own, shown once, last use listed, revoked', async (t) => {
    const o = operator.page;
    const card = o.locator('[data-testid=tokens-card]');
    t.same(await card.locator('[data-testid=token-role] option').allTextContents(), ['Operator', 'Viewer'], 'an operator cannot make an admin token');
    await card.locator('[data-testid=token-name]').fill('nightly report');
    await card.locator('[data-testid=token-role]').selectOption('viewer');
    await card.locator('[data-testid=token-create]').click();
    const value = card.locator('[data-testid=token-value]');
    await value.waitFor();
    const token = (await value.textContent()) ?? '';
    t.match(token, /^rw_/, 'the token is shown');
    t.equal(await card.locator('[data-testid=token-copy]').count(), 1, 'with a copy button');
    const row = card.locator('[data-testid=token-row][data-token-name="nightly report"]');
    await row.waitFor();
    t.equal(await row.locator('[data-testid=token-last-used]').textContent(), 'never');
    const use = await app.fetchAnonymous('/api/v1/agents', { headers: { authorization: `Bearer ${token}` } });
    t.equal(use.status, 200, 'the token works');
    await o.reload();
    await row.waitFor();
    t.equal(await card.locator('[data-testid=token-value]').count(), 0, 'after a reload the token itself is gone from the page');
    t.not(await row.locator('[data-testid=token-last-used]').textContent(), 'never', 'and its last use is listed');
    await row.locator('[data-testid=token-revoke]').click();
    await row.locator('.tag', { hasText: 'Revoked' }).waitFor();
    t.equal((await app.fetchAnonymous('/api/v1/agents', { headers: { authorization: `Bearer ${token}` } })).status, 401, 'a revoked token is refused');
    await shot(o, 'accounts-tokens.png');
  });

  await t.test('changing one\'s password signs out one\'s other session', async (t) => {
    const v1 = viewer.page;
    await v1.locator('[data-testid=nav-rules]').click();
    await v1.locator('[data-testid=rule-row]').first().waitFor();
    // a second session of the same user, signed in through the sign-in screen
    const second = await watchedPage(browser);
    const v2 = second.page;
    await v2.goto(`${app.url}/#view=account`);
    t.equal(await submitSignIn(v2, VIEWER.username, VIEWER.password), 200);
    const sessions = v2.locator('[data-testid=session-row]');
    await waitFor('both sessions listed', async () => (await sessions.count()) === 2);
    t.equal(await v2.locator('[data-testid=session-row][data-current=true]').count(), 1, 'this one is marked');
    const newPassword = 'violet-window-candle-88';
    await v2.locator('[data-testid=password-current]').fill(VIEWER.password);
    await v2.locator('[data-testid=password-new-password]').fill(newPassword);
    await v2.locator('[data-testid=password-new-password2]').fill(newPassword);
    await v2.locator('[data-testid=password-submit]').click();
    const changed = v2.locator('[data-testid=signin-notice][data-notice=passwordChanged]');
    await changed.waitFor();
    t.match(await changed.textContent(), /password was changed/, 'the changing page is back at sign-in');

    // the other session: its next action meets the sign-in screen
    await v1.locator('[data-testid=nav-groups]').click();
    const ended = v1.locator('[data-testid=signin-notice][data-notice=sessionEnded]');
    await ended.waitFor();
    t.equal(await ended.textContent(), 'Your session has ended. Sign in again.', 'the other session has ended');
    t.equal(await submitSignIn(v1, VIEWER.username, newPassword), 200);
    // the groups were refused while the session was gone: they load again by themselves
    await loadedAgain(v1, 'view-groups');
    t.pass('signing in again returns to the view, loaded');
    errors.push(...second.pageErrors, ...second.cspViolations);
  });

  await t.test('the audit log: search by action, pages, and a CSV with the same filters', async (t) => {
    await page.locator('[data-testid=nav-audit]').click();
    await page.locator('[data-testid=audit-row]').first().waitFor();
    t.match(await page.locator('[data-testid=audit-page]').textContent(), /^1–\d+ of \d+$/, 'the page says where it is');
    await page.locator('[data-testid=audit-action]').fill('user.created');
    await page.locator('[data-testid=audit-search]').click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=audit-row]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-action') === 'user.created');
    });
    const found = (await page.locator('[data-testid=audit-row]').allTextContents()).join('\n');
    t.ok(found.includes(OPERATOR.username) && found.includes(VIEWER.username), 'the users made are found');
    const href = (await page.locator('[data-testid=audit-csv]').getAttribute('href')) ?? '';
    t.match(href, /audit\.csv\?action=user\.created$/, 'the CSV link carries the filter');
    const csv = await page.context().request.get(new URL(href, page.url()).href);
    t.equal(csv.status(), 200);
    const lines = (await csv.text()).trim().split(/\r?\n/).slice(1);
    t.ok(lines.length >= 2 && lines.every((l) => l.includes('user.created')), 'the file holds what the search found');
    await page.locator('[data-testid=audit-action]').fill('token.created');
    await page.locator('[data-testid=audit-search]').click();
    await page.locator('[data-testid=audit-row][data-action="token.created"][data-actor=otto]').waitFor();
    t.pass('the operator\'s token is in the log under their name');
    await shot(page, 'accounts-audit.png');
  });

  await t.test('Korean', async (t) => {
    await page.locator('[data-testid=lang-ko]').click();
    t.same(await tabs(page), ['대시보드', '모니터링 월', '도식화', '경보', '점검', '통계', '비교', '웹 로그', '풀', '규칙', '그룹', '연락처', '유지보수', 'SMS', '서버 관리', '파일', '사용자', '감사 로그', '전달', '이중화']);
    t.equal(await page.locator('[data-testid=user-role]').textContent(), '관리자');
    await page.locator('[data-testid=sign-out]').click();
    await page.locator('[data-testid=signin-notice]').waitFor();
    t.equal(await page.locator('[data-testid=signin-notice]').textContent(), '로그아웃되었습니다.', 'the sign-in screen speaks Korean');
    t.equal(await page.locator('.auth-card h1').textContent(), '로그인');
    t.equal(await submitSignIn(page, TEST_ADMIN.username, 'not-the-password'), 401);
    t.equal(await signInError(page, 'RW_ERR_LOGIN'), ko('auth.wrongLogin'), 'a refusal in Korean');
    await shot(page, 'accounts-signin-ko.png');
    await page.locator('[data-testid=lang-en]').click();
    t.equal(await signInError(page, 'RW_ERR_LOGIN'), en('auth.wrongLogin'), 'reworded at once when the language changes');
  });

  await t.test('an idle session ends: the next action shows sign-in, and signing in returns there', async (t) => {
    // --session-idle 0.05: 3 s
    const idle = await startAppliance(t, { args: ['--session-idle', '0.05'] });
    const { page: p, pageErrors: pe, cspViolations: cv } = await signedInPage(browser, idle.url);
    await p.goto(`${idle.url}/#view=rules`);
    await p.locator('[data-testid=rule-row]').first().waitFor();
    await p.locator('[data-testid=stream-state][data-state=open]').waitFor();
    // wait the session out: a request meanwhile would keep it alive, so this is a plain wait
    await p.waitForTimeout(4_000);
    await p.locator('[data-testid=nav-groups]').click();
    const notice = p.locator('[data-testid=signin-notice][data-notice=sessionEnded]');
    await notice.waitFor();
    t.equal(await notice.textContent(), 'Your session has ended. Sign in again.');
    await shot(p, 'accounts-session-ended.png');
    const reconnect = p.waitForRequest((r) => r.url().includes('/api/v1/stream'));
    t.equal(await submitSignIn(p, TEST_ADMIN.username, TEST_ADMIN.password), 200);
    await loadedAgain(p, 'view-groups');
    t.pass('back on the same view, loaded');
    await reconnect;
    await p.locator('[data-testid=stream-state][data-state=open]').waitFor();
    t.pass('and the live stream connects again');
    errors.push(...pe, ...cv);
  });

  await t.test('a locked account: the sign-in screen says it is locked and for how long', async (t) => {
    const wait = await lockedAfter;
    t.ok(wait > 60, `the throttle locked after 10 failures (Retry-After ${wait} s)`);
    const { page: p, pageErrors: pe, cspViolations: cv } = await watchedPage(browser);
    await p.goto(`${locked.url}/`);
    t.equal(await submitSignIn(p, 'mallory', 'still-guessing'), 429);
    t.match(await signInError(p, 'RW_ERR_THROTTLED'), /^Sign-in is locked after repeated failures\. Try again in 1[45] min\.$/);
    await shot(p, 'accounts-locked.png');
    errors.push(...pe, ...cv);
  });

  errors.push(...pageErrors, ...cspViolations, ...viewer.pageErrors, ...viewer.cspViolations, ...operator.pageErrors, ...operator.cspViolations);
  t.same(errors, [], 'no script errors and nothing the Content-Security-Policy refuses, on any page');
});
