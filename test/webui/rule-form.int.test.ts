// The rule form on service checks and on small-scale metrics (S4, S5, S6, S7, S16). First its pure
// logic (drafts of check rules round-trip; the recovery margin follows the metric), then end to
// end: the REAL built appliance serves the built UI to Debian's headless Chromium (never a
// downloaded browser). Through the form: a check_state rule on one server's check is created,
// listed, read back from the API and edited; a check_perf rule on a probe is created, after the
// appliance's refusal of a missing label shows beside the field. And the operators' defect: a load
// rule "> 0.5" used to be saved with "recovers 5 back" (it would wait for a load of −4.5, and its
// SMS preview showed a negative load); the form now starts it at a margin on the load's own scale,
// says beside the field why an impossible one is refused and does not save it, and the appliance
// refuses it too (400 naming recovery.delta). The shipped "Agent silent" rule's minute (S7) is shown
// in the list and its form, and edited there.
import t from 'tap';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Rule } from '../../contract/alerts-api.js';
import type { CheckView } from '../../contract/checks-api.js';
import { recoveryIssues } from '../../contract/rule-recovery.js';
import { draftFromRule, emptyRuleDraft, ruleInputFromDraft, withAutoRecovery, withMetric } from '../../webui/src/alerting-model.js';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, signedInPage, uiTestCanRun } from '../helpers/chromium.js';
import { enroll } from '../helpers/mqtt-agent.js';

// --- pure logic ---------------------------------------------------------------------------------------

void t.test('check rules round-trip through the form draft', (t) => {
  const state: Rule = {
    id: 'smtp-down', name: 'SMTP down', metric: { kind: 'check_state', checkId: 'c1', severities: { critical: 'disaster', unknown: 'warning' } },
    comparison: '>=', levels: {}, forS: 30, scope: { kind: 'agent', agentId: 'a1' }, enabled: true,
  };
  const perf: Rule = {
    id: 'slow', name: 'Slow', metric: { kind: 'check_perf', checkId: '*', label: 'time' }, comparison: '>', levels: { warning: 0.5, critical: 1 },
    recovery: { delta: 0.05 }, forS: 0, scope: { kind: 'all' }, enabled: false,
  };
  for (const rule of [state, perf]) t.same(ruleInputFromDraft(draftFromRule(rule), rule.id), rule, `${rule.metric.kind} comes back as it was`);
  const fresh = ruleInputFromDraft(withMetric(emptyRuleDraft(), 'check_state'));
  t.same(
    { metric: fresh.metric, comparison: fresh.comparison, levels: fresh.levels, recovery: fresh.recovery },
    { metric: { kind: 'check_state', checkId: '*', severities: { warning: 'warning', critical: 'critical' } }, comparison: '>=', levels: {}, recovery: undefined },
    'a new check_state rule: every check, WARNING → warning and CRITICAL → critical, no levels and no recovery',
  );
  t.end();
});

void t.test('the recovery margin follows the metric and its thresholds, on the metric\'s own scale', (t) => {
  const cpu = emptyRuleDraft();
  t.equal(cpu.recoveryDelta, '5', 'a percentage recovers 5 points back');
  const load = withMetric(cpu, 'load1_per_core');
  t.same([load.levels.warning, load.levels.critical, load.recoveryDelta], ['2', '4', '0.2'], 'load per core starts at its usual 2 / 4 and recovers a tenth back');
  const small = withAutoRecovery({ ...load, levels: { ...load.levels, warning: '0.5', critical: '' } });
  t.equal(small.recoveryDelta, '0.05', 'a load rule "> 0.5" recovers at 0.45');
  t.same(recoveryIssues(ruleInputFromDraft(small)), [], 'which the load can reach');
  const typed = { ...small, recoveryAuto: false, recoveryDelta: '5' };
  t.same(recoveryIssues(ruleInputFromDraft(typed)).map((i) => [i.path, i.kind, i.recovery]), [['recovery.delta', 'unreachable', -4.5]], 'a typed 5 is out of reach');
  t.equal(withAutoRecovery({ ...typed, levels: { ...typed.levels, warning: '3' } }).recoveryDelta, '5', 'and the form does not move a margin the operator typed');
  const net = withAutoRecovery({ ...cpu, metric: 'field', family: 'net', field: 'rx_bytes', levels: { ...cpu.levels, warning: '100000000', critical: '' } });
  t.equal(net.recoveryDelta, '10000000', 'bytes per second recover a tenth of the threshold back, in bytes per second');
  t.equal(withMetric(load, 'agent_silent').recoveryDelta, '', 'agent silence takes no margin');
  t.end();
});

// --- end to end ------------------------------------------------------------------------------------------

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

/** The texts of the rule form's SMS preview, once it has them. */
async function previewTexts(page: Page): Promise<string> {
  const form = page.locator('[data-testid=rule-form]');
  await form.locator('[data-testid=preview-en] .sms-text').first().waitFor({ timeout: 10_000 });
  return (await form.locator('[data-testid=sms-preview] .sms-text').allTextContents()).join('\n');
}

void t.test('rules on checks and a load rule through the form, against the real appliance', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01.example');
  const smtp = await app.api<CheckView>('/api/v1/checks', { type: 'port', name: 'smtp relay', agentId: web.agentId, host: '127.0.0.1', port: 25, interval: 60 });
  const probe = await app.api<CheckView>('/api/v1/checks', { type: 'probe-tcp', name: 'appliance http', host: '127.0.0.1', port: app.httpPort, interval: 30 });

  const browser = await launchChromium(t);
  const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
  await page.goto(`${app.url}/#view=rules`);
  await page.locator('[data-testid=rule-row]').first().waitFor();
  const form = page.locator('[data-testid=rule-form]');
  const rulesNamed = async (name: string): Promise<Rule[]> => (await app.api<Rule[]>('/api/v1/rules')).filter((r) => r.name === name);

  // --- S7: the shipped "Agent silent" waits a minute, shown and edited as the rule's duration ---
  const silentRow = page.locator('[data-testid=rule-row][data-rule-id=default-agent-silent]');
  t.match(await silentRow.textContent(), /1 min/, 'the list shows the shipped rule\'s minute');
  await silentRow.locator('[data-testid=rule-edit]').click();
  t.equal(await form.locator('[data-testid=rule-for]').inputValue(), '60', 'its form shows it as the rule\'s duration');
  t.match(await form.locator('[data-field="forS"] .field-hint').textContent(), /^An agent back within 1 min \(a restart, a network blip\) is not alerted/, 'and says what the duration is for');
  await form.locator('[data-testid=rule-for]').fill('30');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  const silent = await waitFor('the edited duration', async () => {
    const r = await app.api<Rule>('/api/v1/rules/default-agent-silent');
    return r.forS === 30 ? r : undefined;
  });
  t.equal(silent.builtin, true, 'still the shipped rule, with the operator\'s duration');

  // --- check_state: one server's check, CRITICAL as a disaster, UNKNOWN as a warning ---
  await page.locator('[data-testid=rule-new]').click();
  await form.locator('[data-testid=rule-name]').fill('SMTP down');
  await form.locator('[data-testid=rule-metric]').selectOption('check_state');
  t.equal(await form.locator('[data-testid=rule-level-warning]').count(), 0, 'a check_state rule has no thresholds to type');
  t.equal(await form.locator('[data-testid=rule-recovery-delta]').count(), 0, 'nor a recovery');
  await form.locator('[data-testid=rule-scope]').selectOption('agent');
  await form.locator('[data-testid=rule-agent]').selectOption(web.agentId);
  await form.locator(`[data-testid=rule-check] option[value="${smtp.id}"]`).waitFor({ state: 'attached' });
  t.equal(await form.locator(`[data-testid=rule-check] option[value="${probe.id}"]`).count(), 0, 'the server\'s checks are offered, not the probe about nobody');
  t.match(await form.locator(`[data-testid=rule-check] option[value="${smtp.id}"]`).textContent(), /smtp relay · Port · web-01\.example/, 'each by name, type and where it runs');
  await form.locator('[data-testid=rule-check]').selectOption(smtp.id);
  await form.locator('[data-testid=rule-check-sev-critical]').selectOption('disaster');
  await form.locator('[data-testid=rule-check-sev-unknown]').selectOption('warning');
  await form.locator('[data-testid=rule-for]').fill('120');
  t.match(await form.locator('[data-field="metric.checkId"] .field-hint').textContent(), /every 1 min: .* 3 runs in a row/, 'the duration reads as runs of that check');
  const statePreview = await previewTexts(page);
  t.match(statePreview, /\[DISASTER\] web-01\.example smtp relay CRITICAL: /, 'the preview names the check and alerts at the grade the rule gives CRITICAL');
  await shot(page, 'rule-form-check-state.png');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  const stateRow = page.locator('[data-testid=rule-row]', { hasText: 'SMTP down' });
  await stateRow.waitFor();
  await page.locator('[data-testid=rule-row]', { hasText: 'Check state: smtp relay' }).waitFor();
  t.match(await stateRow.textContent(), /CRITICAL → Disaster/, 'the list names the check, and shows the state and its grade');
  const [stored] = await rulesNamed('SMTP down');
  t.same(
    stored && { metric: stored.metric, comparison: stored.comparison, levels: stored.levels, recovery: stored.recovery, forS: stored.forS, scope: stored.scope },
    { metric: { kind: 'check_state', checkId: smtp.id, severities: { warning: 'warning', critical: 'disaster', unknown: 'warning' } }, comparison: '>=', levels: {}, recovery: undefined, forS: 120, scope: { kind: 'agent', agentId: web.agentId } },
    'the API has the rule as the form described it',
  );

  // edit: the form shows what is stored; WARNING then raises nothing
  await stateRow.locator('[data-testid=rule-edit]').click();
  t.equal(await form.locator('[data-testid=rule-metric]').inputValue(), 'check_state', 'the edit form opens on the check state');
  await form.locator(`[data-testid=rule-check] option[value="${smtp.id}"]`).waitFor({ state: 'attached' });
  t.same(
    [await form.locator('[data-testid=rule-check]').inputValue(), ...(await Promise.all(['warning', 'critical', 'unknown'].map((s) => form.locator(`[data-testid=rule-check-sev-${s}]`).inputValue())))],
    [smtp.id, 'warning', 'disaster', 'warning'],
    'with its check and the grade of each state',
  );
  await form.locator('[data-testid=rule-check-sev-warning]').selectOption('');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  const edited = await waitFor('the edited rule', async () => {
    const [r] = await rulesNamed('SMTP down');
    return r?.metric.kind === 'check_state' && r.metric.severities?.warning === undefined ? r : undefined;
  });
  t.same(edited.metric, { kind: 'check_state', checkId: smtp.id, severities: { critical: 'disaster', unknown: 'warning' } }, 'the edit is stored');

  // --- check_perf: the probe's response time; the appliance's refusal of a missing label shows beside it ---
  await page.locator('[data-testid=rule-new]').click();
  await form.locator('[data-testid=rule-name]').fill('HTTP slow');
  await form.locator('[data-testid=rule-metric]').selectOption('check_perf');
  await form.locator(`[data-testid=rule-check] option[value="${probe.id}"]`).waitFor({ state: 'attached' });
  await form.locator('[data-testid=rule-check-type]').selectOption('probe-tcp');
  t.equal(await form.locator(`[data-testid=rule-check] option[value="${smtp.id}"]`).count(), 0, 'the type narrows the list');
  await form.locator('[data-testid=rule-check]').selectOption(probe.id);
  await form.locator('[data-testid=rule-level-warning]').fill('0.5');
  await form.locator('[data-testid=rule-level-critical]').fill('1');
  t.equal(await form.locator('[data-testid=rule-recovery-delta]').inputValue(), '0.05', 'the margin is a tenth of the threshold, in seconds');
  await form.locator('[data-testid=rule-save]').click();
  const labelError = form.locator('[data-testid=field-error][data-field="metric.label"]');
  await labelError.waitFor();
  t.match(await labelError.textContent(), /perfdata label/, 'the appliance\'s problem shows under the label field');
  await form.locator('[data-testid=rule-check-label]').fill('time');
  t.equal(await labelError.count(), 0, 'and goes when the field is edited');
  await form.locator('[data-testid=rule-comparison]').selectOption('>');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  await page.locator('[data-testid=rule-row]', { hasText: 'HTTP slow' }).waitFor();
  const [perf] = await rulesNamed('HTTP slow');
  t.same(
    perf && { metric: perf.metric, comparison: perf.comparison, levels: perf.levels, recovery: perf.recovery },
    { metric: { kind: 'check_perf', checkId: probe.id, label: 'time' }, comparison: '>', levels: { warning: 0.5, critical: 1 }, recovery: { delta: 0.05 } },
    'the perfdata rule is stored with its label, levels and margin',
  );
  await page.locator('[data-testid=rule-row]', { hasText: 'HTTP slow' }).locator('[data-testid=rule-edit]').click();
  t.same(
    [await form.locator('[data-testid=rule-metric]').inputValue(), await form.locator('[data-testid=rule-check-label]').inputValue(), await form.locator('[data-testid=rule-level-warning]').inputValue()],
    ['check_perf', 'time', '0.5'],
    'editing it shows its values',
  );
  await form.locator('[data-testid=rule-cancel]').click();

  // --- the load rule: a margin on the load's scale, an impossible one refused beside the field ---
  await page.locator('[data-testid=rule-new]').click();
  await form.locator('[data-testid=rule-name]').fill('Load high');
  await form.locator('[data-testid=rule-metric]').selectOption('load1_per_core');
  t.same(
    [await form.locator('[data-testid=rule-level-warning]').inputValue(), await form.locator('[data-testid=rule-recovery-delta]').inputValue()],
    ['2', '0.2'],
    'choosing load starts at its usual threshold and a margin on its scale (not 90 and 5)',
  );
  await form.locator('[data-testid=rule-level-warning]').fill('0.5');
  await form.locator('[data-testid=rule-level-critical]').fill('');
  t.equal(await form.locator('[data-testid=rule-recovery-delta]').inputValue(), '0.05', 'the margin follows the threshold: "> 0.5" recovers at 0.45');
  t.match(await form.locator('[data-testid=rule-recovery-at]').textContent(), /Warning resolves at ≤ 0\.45/, 'the form says where the alert resolves');
  const loadPreview = await previewTexts(page);
  t.match(loadPreview, /load\/core 0\.55 \(>0\.5\)/, 'the preview fires on the load\'s scale');
  t.notMatch(loadPreview, /(^|[\s(])[-−]\d/m, 'and shows no negative value');

  await form.locator('[data-testid=rule-recovery-delta]').fill('5');
  const recoveryError = form.locator('[data-testid=field-error][data-field="recovery.delta"]');
  await recoveryError.waitFor();
  t.match(await recoveryError.textContent(), /resolve only at ≤ -4\.5.*never below 0.*at most 0\.5/, `the impossible margin is explained beside the field: "${await recoveryError.textContent()}"`);
  await form.locator('[data-testid=preview-invalid]').waitFor();
  t.notMatch((await form.locator('[data-testid=sms-preview]').textContent()) ?? '', /(^|[\s(])[-−]\d/, 'the preview shows no negative load');
  await shot(page, 'rule-form-load-recovery.png');
  await form.locator('[data-testid=rule-save]').click();
  await form.locator('[data-testid=rule-save]:not([disabled])').waitFor();
  t.ok(await form.isVisible(), 'the form stays open');
  t.same(await rulesNamed('Load high'), [], 'and nothing is saved');

  // the appliance refuses it as well, naming the field; a reachable margin saves
  const body = { name: 'Load high', metric: { kind: 'derived', name: 'load1_per_core' }, comparison: '>', levels: { warning: 0.5 }, recovery: { delta: 5 }, forS: 60, scope: { kind: 'all' }, enabled: true };
  const refused = await app.fetch('/api/v1/rules', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  t.equal(refused.status, 400, 'POST /rules with a margin of 5 is refused');
  const problems = ((await refused.json()) as { error: { problems: string[] } }).error.problems;
  t.match(problems, [/^recovery\.delta: .*never reaches/], 'naming recovery.delta and why');

  await form.locator('[data-testid=rule-recovery-delta]').fill('0.1');
  t.equal(await recoveryError.count(), 0, 'a reachable margin clears the message');
  await form.locator('[data-testid=rule-save]').click();
  await form.waitFor({ state: 'detached' });
  const [load] = await rulesNamed('Load high');
  t.same(load && { levels: load.levels, recovery: load.recovery }, { levels: { warning: 0.5 }, recovery: { delta: 0.1 } }, 'and saves');

  t.same(pageErrors, [], 'no script errors on the page');
  t.same(cspViolations, [], 'nothing the Content-Security-Policy refuses');
});
