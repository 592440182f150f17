// Every page on a phone (S4, S9): at 390×844, in Korean and in English, no page is wider than the
// screen (an on-call operator acknowledges from a phone: the Acknowledge button must be on it),
// Korean words are not broken between syllables (word-break: keep-all), and the built-in rules
// carry Korean names in the Korean UI. The REAL built appliance with a hand-driven agent whose CPU
// rule fires; Debian's headless Chromium. Screenshots go to test-artifacts/.
import t from 'tap';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { VIEWS } from '../../webui/src/alerting-model.js';
import { ruleDisplayName } from '../../webui/src/builtin-rule-names.js';
import { startAppliance, type RunningAppliance } from '../helpers/appliance-harness.js';
import { ARTIFACTS, launchChromium, uiTestCanRun } from '../helpers/chromium.js';
import { connectAgent, enroll } from '../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createContact, createRule, openAlertOf } from '../helpers/alerting-helpers.js';
import { TEST_ADMIN, WebSession } from '../helpers/web-session.js';

const PHONE = { width: 390, height: 844 };

void t.test('built-in rule names by id, a renamed one as the operator named it', (t) => {
  t.equal(ruleDisplayName('default-agent-silent', 'Agent silent', 'ko'), '에이전트 응답 없음');
  t.equal(ruleDisplayName('default-agent-silent', 'Agent silent', 'en'), 'Agent silent');
  t.equal(ruleDisplayName('default-agent-silent', 'Our own name', 'ko'), 'Our own name');
  t.equal(ruleDisplayName('cpu-web', 'CPU busy', 'ko'), 'CPU busy', 'an operator\'s rule is never translated');
  t.end();
});

async function phonePage(browser: Browser, app: RunningAppliance, locale: string): Promise<{ page: Page; pageErrors: string[] }> {
  const web = new WebSession(app.url);
  const res = await web.login(TEST_ADMIN.username, TEST_ADMIN.password);
  const session = web.cookies.get('rw_session');
  if (res.status !== 200 || session === undefined) throw new Error(`sign-in failed: HTTP ${res.status}`);
  const context = await browser.newContext({ locale, viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  await context.addCookies([{ name: 'rw_session', value: session, url: app.url }]);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => void d.accept());
  return { page, pageErrors };
}

/** The page's width beyond the screen, and the elements that stick out (to say what to fix). */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const culprits: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > 390.5 && culprits.length < 8) {
        culprits.push(`${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').replace(/ /g, '.')}[${el.getAttribute('data-testid') ?? ''}] right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, culprits };
  });
}

void t.test('every page fits a 390 px phone in Korean and English; Acknowledge is on screen', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const id = await enroll(app, 'phone-web-01.example.internal');
  const client = await connectAgent(t, app, id);
  await createRule(app, cpuRule(id.agentId, 1, 'CPU phone-web-01'));
  const feeder = cpuFeeder(client, id.agentId, 1);
  t.teardown(() => feeder.stop());
  await createContact(app, { name: '김당직', phone: '010-1234-5678', language: 'ko', severities: ['warning', 'critical', 'disaster'] });
  await openAlertOf(app, id.agentId);

  const browser = await launchChromium(t);
  for (const [lang, locale] of [['ko', 'ko-KR'], ['en', 'en-US']] as const) {
    const { page, pageErrors } = await phonePage(browser, app, locale);
    const hashes = [...VIEWS.map((v) => (v === 'dashboard' ? '' : `#view=${v}`)), `#open=${id.agentId}`];
    for (const hash of hashes) {
      await page.goto(`${app.url}/${hash}`);
      await page.locator('[data-testid=nav-tabs]').waitFor({ timeout: 20_000 });
      // the view's data, not its loading line
      await page.waitForFunction(() => document.querySelector('[data-testid=loading], .loading') === null, undefined, { timeout: 20_000 }).catch(() => undefined);
      await page.waitForTimeout(300);
      const name = hash === '' ? 'dashboard' : hash.replace(/^#(view=)?/, '').replace(/=.*/, '');
      const o = await overflow(page);
      t.ok(o.scrollWidth <= PHONE.width && o.innerWidth === PHONE.width, `${lang} ${name}: ${o.scrollWidth} px wide on a ${PHONE.width} px screen (the layout viewport: ${o.innerWidth} px)${o.culprits.length ? `; sticking out: ${o.culprits.join(', ')}` : ''}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `phone-${lang}-${name}.png`), fullPage: true });
      if (hash === '#view=alerts') {
        const ack = page.locator('[data-testid=open-alert] [data-testid=ack-button]').first();
        await ack.waitFor({ timeout: 20_000 });
        const box = await ack.boundingBox();
        t.ok(box !== null && box.x >= 0 && box.x + box.width <= PHONE.width, `${lang}: the Acknowledge button is inside the screen (x ${box?.x ?? '?'}…${box ? box.x + box.width : '?'})`);
      }
      if (hash === '#view=rules' && lang === 'ko') {
        await page.locator('[data-testid=rule-row][data-rule-id=default-agent-silent]').waitFor({ timeout: 20_000 });
        t.equal(await page.locator('[data-testid=rule-row][data-rule-id=default-agent-silent] [data-testid=rule-name-cell]').textContent(), '에이전트 응답 없음', 'a built-in rule\'s Korean name');
      }
    }
    const wordBreak = await page.evaluate(() => getComputedStyle(document.body).wordBreak);
    t.equal(wordBreak, lang === 'ko' ? 'keep-all' : 'normal', `${lang}: Korean breaks between words only`);
    t.same(pageErrors, [], `${lang}: no script errors`);
    await page.context().close();
  }
  feeder.stop();
});
