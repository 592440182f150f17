// CSRF (SEC), as an attacker would try it: an operator is signed in to the appliance in Chromium
// and opens a page on another site (a different origin on loopback) that posts a form to the
// appliance (create a contact that would receive SMS) and fires a fetch with credentials. Neither
// changes anything: the session cookie is SameSite=Strict (not sent from another site) and a
// change made with the cookie must carry the page's CSRF token, which the other site cannot read.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { launchChromium, uiTestCanRun } from '../helpers/chromium.js';
import { startAppliance } from '../helpers/appliance-harness.js';
import { TEST_ADMIN, WebSession } from '../helpers/web-session.js';

void t.test('a cross-site form post and fetch change nothing while the admin is signed in', async (t) => {
  if (!uiTestCanRun(t)) return;
  const app = await startAppliance(t);
  const target = `${app.url}/api/v1/contacts`;
  // the attacker's site: "localhost" is another site than "127.0.0.1" to the browser
  const evil = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><body>
<form id="f" method="POST" action="${target}" enctype="text/plain">
<input name='{"name":"Mallory","phone":"+447700900123","language":"en","severities":["critical"],"x":"' value='"}'>
</form>
<script>
fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
  body: JSON.stringify({ name: 'Mallory2', phone: '+447700900124', language: 'en', severities: ['critical'] }) })
  .finally(() => document.getElementById('f').submit());
</script></body>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { evil.close(() => resolve()); evil.closeAllConnections(); }));
  const evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;

  const browser = await launchChromium(t);
  const context = await browser.newContext();
  // signed in as the admin, the way the web UI signs in
  const web = new WebSession(app.url);
  t.equal((await web.login(TEST_ADMIN.username, TEST_ADMIN.password)).status, 200);
  await context.addCookies([...web.cookies].map(([name, value]) => ({ name, value, url: app.url, httpOnly: true, sameSite: 'Strict' as const })));
  const signedIn = await context.newPage();
  await signedIn.goto(`${app.url}/api/v1/auth/session`);
  t.match(await signedIn.textContent('body'), '"username":"admin"', 'the browser is signed in');

  const page = await context.newPage();
  const posted = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST' && r.request().resourceType() === 'document');
  await page.goto(evilUrl);
  const answer = await posted;
  t.ok([401, 403].includes(answer.status()), `the form post is refused (${answer.status()})`);
  const contacts = await app.api<{ name: string }[]>('/api/v1/contacts');
  t.same(contacts.map((c) => c.name), [], 'no contact was created by the other site');
});
