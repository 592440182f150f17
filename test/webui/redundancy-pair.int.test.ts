// The standby pair on the Redundancy screen (S13, B4; docs/standby.md) end to end: two built
// appliances paired on loopback and Debian's headless Chromium. On the standby an admin sees its
// role, the primary it hears and when, the primary's configuration version it copied and that it
// holds the SMS; the pair's settings are in the form (a bad peer refused naming the field, the
// secret kept when left empty); the screen fits 390 px in Korean and English; an operator sees the
// state and no Promote button; Promote, confirmed, makes the standby the primary (the API says so)
// and the audit log has "pair.promoted".
import path from 'node:path';
import t from 'tap';
import type { AuditEntry } from '../../contract/accounts-api.js';
import type { PairStatus } from '../../contract/pair.js';
import type { RedundancyResponse } from '../../contract/sentinel.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { pairUp } from '../helpers/pair-helpers.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';

const OPERATOR = { username: 'otto', password: 'amber-river-switch-17' };

void t.test('the Redundancy screen shows the standby pair, edits it, and promotes the standby', async (t) => {
  if (!uiTestCanRun(t)) return;
  const [primary, standby] = await Promise.all([startAppliance(t), startAppliance(t)]);
  // made on the primary: the standby gets its users with the configuration copy
  await primary.api('/api/v1/users', { username: OPERATOR.username, role: 'operator', password: OPERATOR.password });
  await pairUp(primary, 'primary', standby, 30);
  await pairUp(standby, 'standby', primary, 30);
  const primaryVersion = (await primary.api<PairStatus>('/api/v1/pair')).configVersion;
  await waitFor('the standby hearing the primary and at its version', async () => {
    const s = await standby.api<PairStatus>('/api/v1/pair');
    return s.lastHeardAt !== null && s.copiedVersion === primaryVersion ? s : null;
  }, { timeoutMs: 30_000 });

  const browser = await launchChromium(t);

  await t.test('an operator sees the state and no Promote button', async (t) => {
    const { page, pageErrors } = await signedInPage(browser, standby.url, OPERATOR);
    await page.goto(`${standby.url}/#view=redundancy`);
    await page.locator('[data-testid=pair-facts][data-role=standby]').waitFor({ timeout: 30_000 });
    t.equal(await page.locator('[data-testid=pair-role-shown]').textContent(), 'standby');
    t.equal(await page.locator('[data-testid=pair-promote]').count(), 0, 'no Promote button');
    t.equal(await page.locator('[data-testid=red-form]').count(), 0, 'no settings form');
    t.same(pageErrors, [], 'no page errors');
  });

  const { page, pageErrors, cspViolations } = await signedInPage(browser, standby.url);
  const dialogs: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); });
  await page.goto(`${standby.url}/#view=redundancy`);
  const facts = page.locator('[data-testid=pair-facts][data-role=standby]');
  await facts.waitFor({ timeout: 30_000 });

  await t.test('an admin on the standby sees its role, the primary heard and its version, the SMS held', async (t) => {
    t.equal(await facts.locator('[data-testid=pair-role-shown]').textContent(), 'standby');
    t.equal(await facts.locator('[data-testid=pair-peer]').textContent(), primary.url);
    t.match(await facts.locator('[data-testid=pair-last-heard]').textContent(), /\d/, 'when the primary was last heard, not "never"');
    t.match(await facts.locator('[data-testid=pair-version-peer]').textContent(), new RegExp(`^${primaryVersion} \\(`), "the primary's version, copied");
    t.equal(await facts.locator('[data-testid=pair-sms]').textContent(), 'held: the primary sends');
  });

  await t.test('the pair in the settings form: a bad peer is refused naming the field, the secret is kept', async (t) => {
    const form = page.locator('[data-testid=red-form]');
    await form.waitFor({ timeout: 15_000 });
    t.equal(await form.locator('[data-testid=pair-role]').inputValue(), 'standby');
    t.equal(await form.locator('[data-testid=pair-secret]').inputValue(), '', 'the secret is never shown');
    await form.locator('[data-testid=pair-peer]').fill('ftp://10.0.0.2');
    await form.locator('[data-testid=red-save]').click();
    await waitFor('the refusal', async () => /pair\.peer/.test(await page.locator('[data-testid=red-message]').textContent({ timeout: 15_000 }) ?? '') || undefined, { timeoutMs: 15_000 });
    t.match(await page.locator('[data-testid=red-message]').textContent(), /pair\.peer: must be an http:\/\/ or https:\/\/ URL/, 'the field named');
    await form.locator('[data-testid=pair-peer]').fill(primary.url);
    await form.locator('[data-testid=pair-graceS]').fill('45');
    await form.locator('[data-testid=red-save]').click();
    await waitFor('Saved.', async () => (await page.locator('[data-testid=red-message]').textContent()) === 'Saved.' || undefined, { timeoutMs: 15_000 });
    t.match((await standby.api<RedundancyResponse>('/api/v1/redundancy')).pair, { role: 'standby', peer: primary.url, graceS: 45, secretSet: true }, 'saved, the stored secret kept');
    // still heard: the secret really is the one both share
    const before = (await standby.api<PairStatus>('/api/v1/pair')).lastHeardAt ?? 0;
    await waitFor('the primary heard after the save', async () => ((await standby.api<PairStatus>('/api/v1/pair')).lastHeardAt ?? 0) > before || undefined, { timeoutMs: 20_000 });
  });

  await t.test('the screen fits 390 px in English and Korean', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const fits = async (): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    t.ok(await fits(), `no horizontal scroll at 390 px (${await page.evaluate(() => document.documentElement.scrollWidth)} px)`);
    await page.locator('[data-testid=lang-ko]').click();
    await page.getByText('대기 장비', { exact: true }).first().waitFor({ timeout: 15_000 });
    t.equal(await facts.locator('[data-testid=pair-sms]').textContent(), '보류: 주 장비가 보냄');
    t.ok(await fits(), 'no horizontal scroll at 390 px in Korean');
    await page.screenshot({ path: path.join(ARTIFACTS, 'redundancy-pair-ko-390.png'), fullPage: true });
    await page.locator('[data-testid=lang-en]').click();
    await page.getByText('held: the primary sends').waitFor({ timeout: 15_000 });
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  await t.test('Promote, confirmed, makes the standby the primary; the audit log has it', async (t) => {
    await page.locator('[data-testid=pair-promote]').click();
    // the screen follows the appliance's answer
    await page.locator('[data-testid=pair-facts][data-role=primary]').waitFor({ timeout: 15_000 });
    t.match(dialogs.at(-1), /sends the SMS and takes the configuration edits.*makes itself the standby/, 'the confirmation says what it does');
    t.equal((await standby.api<PairStatus>('/api/v1/pair')).role, 'primary', 'the API says it is the primary');
    t.equal(await page.locator('[data-testid=pair-sms]').textContent(), 'sent here');
    t.equal(await page.locator('[data-testid=pair-promote]').count(), 0, 'no Promote button on a primary');
    await waitFor('the form reading the role again', async () => (await page.locator('[data-testid=pair-role]').inputValue()) === 'primary' || undefined, { timeoutMs: 15_000 });
    const audit = await standby.api<{ entries: AuditEntry[] }>('/api/v1/audit?action=pair.promoted');
    t.match(audit.entries, [{ actor: 'admin', action: 'pair.promoted', before: { role: 'standby' }, after: { role: 'primary' } }], 'audited under the admin');
  });

  t.same(pageErrors, [], 'no page errors');
  t.same(cspViolations, [], 'no CSP violations');
});
