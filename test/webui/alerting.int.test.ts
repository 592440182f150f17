// The alerting screens (S4, S7, S8, S12, D4): first their pure logic without a browser
// (the view in the URL, problems sorted onto form fields, form drafts, segment counts, schedule
// words, both dictionaries complete), then end to end: the REAL built appliance with its modem
// simulator (`--modem sim`) and a hand-driven MQTT agent serve the built UI to Debian's headless
// Chromium (never a downloaded browser). Through the UI: a contact and a rule are created, a bad
// rule shows its validation error under the field, the SMS preview shows segment counts, a test
// SMS goes out and is listed as sent, the modem is ready with an operator, an alert fires and is
// acknowledged, a group gets a member and the server list filters by it, Korean labels appear.
// Screenshots for a person to look at go to test-artifacts/.
import t from 'tap';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Alert, AlertListResponse, Contact, OutboxEntry, Rule } from '../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { TEST_ADMIN } from '../helpers/web-session.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import {
  applyAlertEvent,
  contactInputFromDraft,
  draftFromRule,
  emptyContactDraft,
  emptyRuleDraft,
  escalationTiers,
  hashWithView,
  problemsByField,
  ruleInputFromDraft,
  segmentPreview,
  signalBars,
  sortAlertsWorstFirst,
  viewFromHash,
} from '../../webui/src/alerting-model.js';
import { daysText, durationText, scheduleText, segmentLabel } from '../../webui/src/alerting-text.js';
import { hashWithOpenIds, openIdsFromHash } from '../../webui/src/dashboard-url.js';
import { translate, type MessageKey } from '../../webui/src/i18n.js';
import { ALERTING_EN, ALERTING_KO } from '../../webui/src/i18n-alerting.js';
import { formattersFor } from '../../webui/src/locale-format.js';

const en = (key: MessageKey, params?: Record<string, string | number>): string => translate('en', key, params);
const ko = (key: MessageKey, params?: Record<string, string | number>): string => translate('ko', key, params);

// --- pure logic ---------------------------------------------------------------------------------------

void t.test('the view lives in the URL hash beside the dashboard\'s open servers', (t) => {
  t.equal(viewFromHash(''), 'dashboard', 'no hash: the dashboard');
  t.equal(viewFromHash('#view=rules&open=a,b'), 'rules');
  t.equal(viewFromHash('#view=nonsense'), 'dashboard', 'an unknown view falls back to the dashboard');
  const h = hashWithView('#open=a,b', 'alerts');
  t.equal(viewFromHash(h), 'alerts');
  t.same(openIdsFromHash(h), ['a', 'b'], 'the open servers survive a view change');
  t.equal(hashWithView(h, 'dashboard'), '#open=a,b', 'back on the dashboard the hash is as the dashboard wrote it');
  t.equal(viewFromHash(hashWithOpenIds(h, ['c'])), 'alerts', 'and the dashboard keeps the view when it writes its ids');
  t.end();
});

void t.test('"path: message" problems land on the field they name, the rest above the form', (t) => {
  const { byField, other } = problemsByField(
    [
      "levels.critical: must be above levels.warning (90) for a '>' rule",
      'metric.field: cpu has no field nope',
      'forS: Too big',
      'schedule.0.start: 25:00 is not HH:MM',
      'something: odd',
    ],
    ['levels', 'levels.critical', 'metric', 'forS', 'schedule'],
  );
  t.same(byField['levels.critical'], ["must be above levels.warning (90) for a '>' rule"], 'the exact field wins');
  t.same(byField.metric, ['field: cpu has no field nope'], 'a parent field takes a child path it does not show, with the rest of the path');
  t.same(byField.forS, ['Too big']);
  t.same(byField.schedule, ['0.start: 25:00 is not HH:MM']);
  t.same(other, ['something: odd'], 'a problem no field takes stays whole');
  t.end();
});

void t.test('a rule draft round-trips and turns bad numbers into problems, not zeros', (t) => {
  const rule: Rule = {
    id: 'fs',
    name: 'Filesystem used',
    metric: { kind: 'derived', name: 'fs_used_pct', key: '*' },
    comparison: '>',
    levels: { info: 80, warning: 90, critical: 95, disaster: 98 },
    recovery: { delta: 1, levels: { disaster: 96 } },
    forS: 60,
    scope: { kind: 'group', groupId: 'web' },
    enabled: true,
    builtin: true,
  };
  const { builtin: _b, ...input } = rule;
  t.same(ruleInputFromDraft(draftFromRule(rule), 'fs'), input, 'draft → input gives the rule back (builtin is not sent)');
  const d = { ...emptyRuleDraft(), name: ' x ', levels: { info: '', warning: 'abc', critical: '95', disaster: '' }, recoveryDelta: '' };
  const out = ruleInputFromDraft(d);
  t.equal(out.name, 'x');
  t.ok(Number.isNaN(out.levels.warning), 'an unreadable threshold stays NaN (sent as null, reported by the appliance)');
  t.notOk('info' in out.levels, 'an empty grade is left out');
  t.notOk('recovery' in out, 'no recovery when none is given');
  const field = ruleInputFromDraft({ ...emptyRuleDraft(), metric: 'field', family: 'cpu', field: 'iowait', key: 'ignored' });
  t.same(field.metric, { kind: 'field', family: 'cpu', field: 'iowait' }, 'a key is sent only for keyed families');
  t.end();
});

void t.test('contact drafts, escalation tiers and schedule words', (t) => {
  const input = contactInputFromDraft({ ...emptyContactDraft('ko'), name: ' Kim ', phone: ' 010-1234-5678 ', severities: ['disaster', 'warning'], schedule: [{ days: [5, 1], start: '09:00', end: '18:00' }] });
  t.same(input, { name: 'Kim', phone: '010-1234-5678', language: 'ko', severities: ['warning', 'disaster'], schedule: [{ days: [1, 5], start: '09:00', end: '18:00' }], escalationLevel: 0, enabled: true });
  const c = (name: string, level: number): Contact => ({ id: name, name, phone: '+8210', language: 'en', severities: ['critical'], schedule: [], escalationLevel: level, enabled: true });
  t.same(escalationTiers([c('b', 1), c('z', 0), c('a', 0)]).map((tier) => [tier.level, tier.contacts.map((x) => x.name)]), [[0, ['a', 'z']], [1, ['b']]]);
  const tEn = (key: MessageKey, params?: Record<string, string | number>): string => en(key, params);
  t.equal(daysText([1, 2, 3, 4, 5], tEn), 'Mon–Fri');
  t.equal(daysText([0, 6], tEn), 'Sat, Sun', 'the weekend wraps from Saturday to Sunday');
  t.equal(daysText([0, 1, 2, 3, 4, 5, 6], tEn), 'Every day');
  t.equal(scheduleText([], tEn), 'Always');
  t.equal(scheduleText([{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }], (k, p) => ko(k, p)), '월–금 09:00–18:00');
  t.equal(durationText(300, tEn), '5 min');
  t.equal(durationText(90, tEn), '1 min 30 s');
  t.equal(durationText(0, tEn), 'immediately');
  t.end();
});

void t.test('segment counts are the modem\'s: GSM-7 160 / 153, UCS2 70 / 67', (t) => {
  const fmt = formattersFor('en-US');
  const label = (text: string): string => {
    const p = segmentPreview(text);
    return p ? segmentLabel(p, fmt, (k, params) => en(k, params)) : 'none';
  };
  t.equal(label('a'.repeat(137)), '1 SMS (GSM-7, 23 chars left)');
  t.equal(label('a'.repeat(160)), '1 SMS (GSM-7, 0 chars left)');
  t.equal(label('a'.repeat(161)), '2 SMS (GSM-7)');
  t.equal(label('€'.repeat(80)), '1 SMS (GSM-7, 0 chars left)', 'an extension character costs two septets');
  t.equal(label('가'.repeat(70)), '1 SMS (UCS2, 0 chars left)');
  t.equal(label('가'.repeat(71)), '2 SMS (UCS2)');
  t.equal(segmentPreview('a'.repeat(153 * 256)), null, 'more than 255 parts has no count');
  t.equal(segmentLabel({ encoding: 'ucs2', parts: 1, units: 67, charsLeft: 3 }, formattersFor('ko-KR'), (k, p) => ko(k, p)), 'SMS 1건 (UCS2, 3자 남음)');
  t.end();
});

void t.test('signal bars and the open-alert list', (t) => {
  t.same([null, 0, 5, 12, 17, 25].map(signalBars), [0, 0, 1, 2, 3, 4]);
  const a = (id: number, state: Alert['state'], severity: Alert['severity'], startedAt: number): Alert => ({
    id, ruleId: 'r', ruleName: 'r', agentId: 'x', agentName: 'x', metric: { kind: 'derived', name: 'cpu_busy_pct' }, unit: '%', comparison: '>',
    severity, state, value: 99, threshold: 95, cause: {}, startedAt,
  });
  const sorted = sortAlertsWorstFirst([a(1, 'pending', 'disaster', 1), a(2, 'firing', 'warning', 1), a(3, 'firing', 'critical', 5), a(4, 'acknowledged', 'disaster', 0)]);
  t.same(sorted.map((x) => x.id), [3, 2, 4, 1], 'firing first, worst grade first, then acknowledged, then pending');
  t.same(applyAlertEvent([a(1, 'pending', 'warning', 1)], a(1, 'firing', 'warning', 1)).map((x) => x.state), ['firing'], 'an event replaces the alert');
  t.same(applyAlertEvent([a(1, 'firing', 'warning', 1)], a(1, 'resolved', 'warning', 1)), [], 'a resolved alert leaves the open list');
  t.end();
});

void t.test('every alerting string exists in Korean and English and is not left untranslated', (t) => {
  const keys = Object.keys(ALERTING_EN) as (keyof typeof ALERTING_EN)[];
  t.same(Object.keys(ALERTING_KO).sort(), [...keys].sort(), 'the same keys');
  const params = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
  for (const k of keys) {
    t.ok(ALERTING_KO[k].trim(), `${k} has Korean text`);
    t.same(params(ALERTING_KO[k]), params(ALERTING_EN[k]), `${k}: the same placeholders`);
  }
  // words that are the same in both languages on purpose (abbreviations, codes, the word "SMS")
  const same = new Set(['nav.sms', 'rule.sms', 'modem.sim', 'dur.s']);
  const untranslated = keys.filter((k) => !same.has(k) && ALERTING_KO[k] === ALERTING_EN[k] && /[a-z]{3}/i.test(ALERTING_EN[k]));
  t.same(untranslated, [], 'no English left in the Korean dictionary');
  t.end();
});

// --- end to end ------------------------------------------------------------------------------------------

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

void t.test('the alerting screens against the real appliance and its modem simulator', async (t) => {
  if (!uiTestCanRun(t)) return;

  const app = await startAppliance(t, { args: ['--modem', 'sim'] });
  // a hand-driven agent: CPU ~99 % busy (idle 1 %) every second, so a short rule fires soon
  const id = await enroll(app, 'db-01.seoul.example');
  const client = await connectAgent(t, app, id);
  let hot = false;
  const publish = (): void => {
    void publishMetrics(client, id.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1, hot ? 95.5 : 12.5)).catch(() => undefined);
  };
  publish();
  const ticker = setInterval(publish, 1000);
  t.teardown(() => clearInterval(ticker));

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);

  await page.goto(`${app.url}/`);
  await page.locator('[data-testid=nav-tabs]').waitFor();
  t.same(
    await page.locator('[data-testid=nav-tabs] a').allTextContents(),
    ['Dashboard', 'Walls', 'Schematic', 'Alerts', 'Checks', 'Statistics', 'Compare', 'Web logs', 'Pools', 'Rules', 'Groups', 'Contacts', 'Maintenance', 'SMS', 'Servers', 'Files', 'Users', 'Audit log', 'Forwarding', 'Redundancy'],
    'the header has one tab per view (an admin\'s: users and the audit log too)',
  );

  // the modem, at a glance in the header: ready, with the simulator's operator
  const indicator = page.locator('[data-testid=modem-indicator]');
  await page.locator('[data-testid=modem-indicator][data-state=ready]').waitFor({ timeout: 20_000 });
  t.match(await indicator.textContent(), /SKTelecom/, 'the header shows the operator of a ready modem');
  t.ok(Number(await indicator.locator('[data-testid=signal-bars]').getAttribute('data-bars')) > 0, 'with signal bars');

  // --- contacts: one on duty around the clock, told about warning and worse ---
  await page.locator('[data-testid=nav-contacts]').click();
  t.match(page.url(), /#view=contacts$/, 'the view is in the URL');
  await page.locator('[data-testid=view-contacts] [data-testid=empty]').waitFor();
  await page.locator('[data-testid=contact-new]').click();
  const cform = page.locator('[data-testid=contact-form]');
  await cform.locator('[data-testid=contact-name]').fill('Kim On-call');
  await cform.locator('[data-testid=contact-phone]').fill('1234');
  await cform.locator('[data-testid=contact-lang-ko]').check();
  await cform.locator('[data-testid=contact-save]').click();
  await cform.locator('[data-testid=field-error][data-field=phone]').waitFor();
  t.pass('a bad phone number is reported under the phone field');
  await cform.locator('[data-testid=contact-phone]').fill('010-1234-5678');
  await cform.locator('[data-testid=window-add]').click();
  const win = cform.locator('[data-testid=schedule-window]').first();
  await win.locator('[data-day="6"]').click();
  await win.locator('[data-day="0"]').click();
  await win.locator('[data-testid=window-start]').fill('00:00');
  await win.locator('[data-testid=window-end]').fill('24:00');
  await shot(page, 'alerting-contact-form.png');
  await cform.locator('[data-testid=contact-save]').click();
  await cform.waitFor({ state: 'detached' });
  const crow = page.locator('[data-testid=contact-row]');
  await crow.first().waitFor();
  t.equal(await crow.locator('[data-testid=contact-phone-cell]').textContent(), '+821012345678', 'the Korean local number is stored as E.164');
  t.match(await crow.textContent(), /Every day 00:00–24:00/, 'the schedule is summarised');
  t.match(await page.locator('[data-testid=escalation-order]').textContent(), /Kim On-call/, 'the escalation order lists the contact');
  await shot(page, 'alerting-contacts.png');

  // --- rules: the defaults, a bad rule, its fix, the SMS preview ---
  await page.locator('[data-testid=nav-rules]').click();
  await page.locator('[data-testid=rule-row]').first().waitFor();
  t.equal(await page.locator('[data-testid=builtin-tag]').count(), 8, 'the eight built-in rules (disk health among them) are marked');
  await page.locator('[data-testid=rule-new]').click();
  const form = page.locator('[data-testid=rule-form]');
  await form.locator('[data-testid=rule-name]').fill('CPU on fire');
  await form.locator('[data-testid=rule-metric]').selectOption('cpu_busy_pct');
  await form.locator('[data-testid=rule-level-warning]').fill('90');
  await form.locator('[data-testid=rule-level-critical]').fill('80');
  await form.locator('[data-testid=rule-for]').fill('2');
  await form.locator('[data-testid=rule-recovery-delta]').fill('5');
  await form.locator('[data-testid=rule-save]').click();
  const levelError = form.locator('[data-testid=field-error][data-field="levels.critical"]');
  await levelError.waitFor();
  t.match(await levelError.textContent(), /must be above levels\.warning/, 'the appliance\'s problem shows under the critical threshold');
  await form.locator('[data-testid=preview-invalid]').waitFor();
  t.pass('and the preview waits for a valid rule');
  await shot(page, 'alerting-rule-error.png');

  // a CPU level past 100 % could never fire: said beside the field before anything is sent
  await form.locator('[data-testid=rule-level-critical]').fill('101');
  await levelError.waitFor();
  t.match(await levelError.textContent(), /^At 101 ?% the Critical alert would never fire: this metric is never above 100 ?%\.$/, 'a level the metric cannot reach is named');
  await form.locator('[data-testid=rule-level-critical]').fill('95');
  t.equal(await levelError.count(), 0, 'editing the field clears its stale message');
  const koCount = form.locator('[data-testid=preview-ko] [data-testid=segment-count]').first();
  await koCount.waitFor({ timeout: 10_000 });
  t.match(await koCount.textContent(), /^\d+ SMS \(UCS2(, \d+ chars left)?\)$/, 'the Korean message is counted in UCS2');
  t.match(
    await form.locator('[data-testid=preview-en] [data-testid=segment-count]').first().textContent(),
    /^\d+ SMS \(GSM-7(, \d+ chars left)?\)$/,
    'the English one in GSM-7',
  );
  t.match(await form.locator('[data-testid=preview-ko] .sms-text').first().textContent(), /\[심각\]/, 'the preview shows the Korean text itself');
  await shot(page, 'alerting-rule-preview.png');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  const ruleRow = page.locator('[data-testid=rule-row]', { hasText: 'CPU on fire' });
  await ruleRow.waitFor();
  t.match(await ruleRow.textContent(), /2 s/, 'the new rule is listed with its duration');
  const rules = await app.api<Rule[]>('/api/v1/rules');
  const mine = rules.find((r) => r.name === 'CPU on fire');
  const mineSel = `[data-testid=open-alert][data-agent-id="${id.agentId}"][data-rule-id="${mine?.id ?? ''}"]`;
  t.same(mine && { levels: mine.levels, forS: mine.forS, recovery: mine.recovery, builtin: mine.builtin }, { levels: { warning: 90, critical: 95 }, forS: 2, recovery: { delta: 5 }, builtin: false }, 'stored as typed');

  // --- SMS: the modem card, a test message with its live segment count, the outbox ---
  await page.locator('[data-testid=nav-sms]').click();
  await page.locator('[data-testid=modem-status][data-state=ready]').waitFor();
  t.equal(await page.locator('[data-testid=modem-operator]').textContent(), 'SKTelecom', 'the SMS view shows the operator');
  t.equal(await page.locator('[data-testid=modem-registration]').textContent(), 'Registered (home)');
  t.equal(await page.locator('[data-testid=modem-sim]').textContent(), 'Ready', 'and the SIM');
  t.match(await page.locator('[data-testid=modem-dbm]').textContent(), /^-\d+ dBm$/, 'and the signal in dBm');
  await page.locator('[data-testid=test-sms-to]').fill('010-9876-5432');
  await page.locator('[data-testid=test-sms-text]').fill('rackwatch test');
  t.equal(await page.locator('[data-testid=test-sms-segments]').textContent(), '1 SMS (GSM-7, 146 chars left)', 'the count follows the typing');
  await page.locator('[data-testid=test-sms-text]').fill('rackwatch 시험 문자입니다');
  t.equal(await page.locator('[data-testid=test-sms-segments]').textContent(), '1 SMS (UCS2, 52 chars left)', 'Korean switches to UCS2');
  await page.locator('[data-testid=test-sms-send]').click();
  await page.locator('[data-testid=test-sms-queued]').waitFor();
  const testRow = page.locator('[data-testid=outbox-row][data-kind=test]').first();
  await testRow.waitFor();
  await page.waitForSelector('[data-testid=outbox-row][data-kind=test]:is([data-state=sent], [data-state=delivered])', { timeout: 30_000 });
  t.match(await testRow.locator('[data-testid=outbox-state]').textContent(), /^(Sent|Delivered)$/, 'the test SMS is listed as sent');
  t.match(await testRow.textContent(), /\+821098765432/, 'to the normalised number');

  // a message the network refuses for good (+CMS ERROR 1, unassigned number) is listed as failed, with its error
  const fault = await app.fetch('/api/v1/modem/sim-fault', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'cmsOnCmgs', code: 1 }) });
  t.equal(fault.status, 202, 'the simulator is told to refuse the next message');
  await page.locator('[data-testid=test-sms-to]').fill('+82 10 5555 0000');
  await page.locator('[data-testid=test-sms-text]').fill('this one fails');
  await page.locator('[data-testid=test-sms-send]').click();
  const failed = page.locator('[data-testid=outbox-row][data-state=failed]').first();
  await failed.waitFor({ timeout: 30_000 });
  t.match(await failed.textContent(), /CMS/, 'the failed message shows the modem\'s error');
  await page.locator('[data-testid=sms-alarm]').waitFor({ timeout: 15_000 });
  t.pass('and the alarm banner names the failure');
  await shot(page, 'alerting-sms.png');

  // --- an alert: CPU goes hot, the rule fires after 2 s, the alert is acknowledged in the UI ---
  hot = true;
  await page.locator('[data-testid=nav-alerts]').click();
  const alertRow = page.locator(`${mineSel}[data-state=firing]`);
  await alertRow.waitFor({ timeout: 30_000 });
  t.equal(await alertRow.getAttribute('data-severity'), 'critical', 'the alert fires at the critical grade');
  t.equal(await alertRow.locator('[data-testid=alert-server]').textContent(), 'db-01.seoul.example', 'naming the server');
  t.match(await alertRow.locator('[data-testid=alert-value]').textContent(), /^\d+(\.\d)?% > 95%$/, 'value against threshold');
  t.match(await alertRow.locator('[data-testid=alert-cause]').textContent(), /fullest filesystem \/ 40%/, 'and the cause: the fullest filesystem');
  t.ok(await page.locator('[data-testid=nav-alert-count]').isVisible(), 'the Alerts tab counts the firing alert');
  await shot(page, 'alerting-alerts-firing.png');
  await alertRow.locator('[data-testid=ack-button]').click();
  await page.locator(`${mineSel}[data-state=acknowledged]`).waitFor();
  t.pass('acknowledged from the UI');
  const acked = await app.api<AlertListResponse>('/api/v1/alerts?state=acknowledged');
  t.equal(acked.alerts[0]?.ackedBy, TEST_ADMIN.username, 'the appliance recorded the acknowledgement under the signed-in user\'s name');
  await page.locator(`${mineSel} button[aria-expanded]`).click();
  await page.locator('[data-testid=alert-details]').waitFor();
  // the contact (critical, always on duty) was told: the SMS is listed under the alert
  await waitFor('the alert SMS in the outbox', async () => (await app.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((e) => e.kind === 'fired'), { timeoutMs: 20_000 });
  await shot(page, 'alerting-alerts-acked.png');

  // --- groups: one with the hot server in it is as bad as the server ---
  await page.locator('[data-testid=nav-groups]').click();
  await page.locator('[data-testid=group-new-name]').fill('Databases');
  await page.locator('[data-testid=group-create]').click();
  const editor = page.locator('[data-testid=group-editor]');
  await editor.waitFor();
  await editor.locator(`[data-testid=member-check][data-agent-id="${id.agentId}"]`).check();
  await editor.locator('[data-testid=group-save]').click();
  await page.locator('[data-testid=group-row][data-level=critical]', { hasText: 'Databases' }).waitFor({ timeout: 15_000 });
  t.pass('the group takes its worst member\'s grade');
  const healthRows = page.locator('[data-testid=health-row]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=health-row]').length === 1);
  t.equal(await healthRows.first().getAttribute('data-agent-id'), id.agentId, 'the server list is filtered by the selected group');
  await page.locator('[data-testid=lfilter-ok]').click();
  await page.locator('[data-testid=server-table] [data-testid=empty]').waitFor();
  t.pass('and by severity: no OK server in the group');
  await page.locator('[data-testid=lfilter-ok]').click();
  await page.locator('[data-testid=lfilter-critical]').click();
  await healthRows.first().waitFor();
  t.equal(await healthRows.first().getAttribute('data-level'), 'critical', 'the critical filter keeps the hot server');
  await shot(page, 'alerting-groups.png');

  // --- Korean ---
  await page.locator('[data-testid=lang-ko]').click();
  t.same(await page.locator('[data-testid=nav-tabs] a').allTextContents().then((a) => a.map((s) => s.replace(/\d+$/, ''))), ['대시보드', '모니터링 월', '도식화', '경보', '점검', '통계', '비교', '웹 로그', '풀', '규칙', '그룹', '연락처', '유지보수', 'SMS', '서버 관리', '파일', '사용자', '감사 로그', '전달', '이중화'], 'the tabs speak Korean');
  await page.locator('[data-testid=nav-alerts]').click();
  const koRow = page.locator(mineSel);
  t.equal(await koRow.locator('[data-testid=alert-state]').textContent(), ko('astate.acknowledged'), 'the alert state is Korean');
  t.equal(await koRow.locator('[data-testid=severity-badge]').textContent(), '심각', 'so is the grade');
  t.match(await koRow.locator('[data-testid=alert-cause]').textContent(), /가장 찬 파일시스템/, 'and the cause');
  await shot(page, 'alerting-alerts-ko.png');
  await page.locator('[data-testid=nav-sms]').click();
  await page.locator('[data-testid=modem-status]').waitFor();
  t.equal(await page.locator('[data-testid=modem-state]').textContent(), '준비됨', 'the modem state is Korean');
  t.equal(await page.locator('[data-testid=outbox-row][data-state=failed] [data-testid=outbox-state]').first().textContent(), '실패', 'the outbox states are Korean');
  await page.locator('[data-testid=nav-rules]').click();
  await page.locator('[data-testid=rule-new]').click();
  t.equal(await page.locator('[data-testid=rule-form] .field[data-field=name] .field-name').textContent(), '이름', 'the rule form is Korean');
  await page.locator('[data-testid=rule-form] [data-testid=preview-ko] [data-testid=segment-count]').first().waitFor();
  t.match(await page.locator('[data-testid=rule-form] [data-testid=preview-ko] [data-testid=segment-count]').first().textContent(), /^SMS \d+건 \(UCS2/, 'the segment count is Korean');
  await shot(page, 'alerting-rules-ko.png');

  // the dashboard still works beside the new views, and its URL is as before
  await page.locator('[data-testid=nav-dashboard]').click();
  await page.locator('[data-testid=server-list]').waitFor();
  t.equal(new URL(page.url()).hash, '', 'the dashboard leaves view= out of the hash');
  await page.goBack();
  await page.locator('[data-testid=view-rules]').waitFor();
  t.pass('the back button returns to the previous view');

  // back to calm: the alert resolves and moves to the history
  hot = false;
  await page.locator('[data-testid=nav-alerts]').click();
  await page.locator(`[data-testid=history-alert]`).first().waitFor({ timeout: 30_000 });
  await page.locator(mineSel).waitFor({ state: 'detached', timeout: 15_000 });
  t.pass('the recovered alert leaves the open list');
  await shot(page, 'alerting-history-ko.png');

  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});
