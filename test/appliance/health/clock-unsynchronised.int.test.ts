// D1: the real built appliance started with its system clock behind the last known time in its
// data dir (as a board without a real-time clock comes up after a power cut), with a `chronyc`
// of the test's first on PATH saying it is not synchronised (no network; the time service is
// injectable through PATH). Health reports the clock unsynchronised with the last known time; a
// new alert is stamped no earlier than that time; the web UI's header shows "clock
// unsynchronised" in English and Korean; the console's clock screen says so, with the appliance
// running and after it stopped.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { HealthResponse } from '../../../contract/api.js';
import { ROOT, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { cpuFeeder, cpuRule, createRule, openAlertOf } from '../../helpers/alerting-helpers.js';
import { launchChromium, signedInPage, uiTestCanRun } from '../../helpers/chromium.js';
import { connectAgent, enroll } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startInTmux } from '../../helpers/tmux-terminal.js';

const CONSOLE_BIN = path.join(ROOT, 'dist', 'console.js');
/** the last run's clock was this far ahead of this machine's: the clock "went back" across the restart */
const AHEAD_MS = 60 * 60_000;

/** A directory with a `chronyc` that answers `tracking` as an unsynchronised chronyd does. */
function unsynchronisedChrony(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t, 'rw-chrony-');
  writeFileSync(path.join(dir, 'chronyc'), '#!/bin/sh\nprintf "Reference ID    : 00000000 ()\\nStratum         : 0\\nLeap status     : Not synchronised\\n"\n');
  chmodSync(path.join(dir, 'chronyc'), 0o755);
  return dir;
}

void t.test('started with the clock behind the last known time', async (t) => {
  if (!uiTestCanRun(t)) return;
  const dataDir = tempDir(t, 'rw-app-');
  const lastKnownMs = Date.now() + AHEAD_MS;
  writeFileSync(path.join(dataDir, 'last-known-time'), `${new Date(lastKnownMs).toISOString()}\n`);
  const PATH = `${unsynchronisedChrony(t)}:${process.env.PATH ?? ''}`;
  const app = await startAppliance(t, { dataDir, args: ['--timezone', 'UTC'], env: { PATH } });

  await t.test('health: unsynchronised, with the last known time', async (t) => {
    const health = await app.api<HealthResponse>('/api/v1/health');
    t.match(health.clock, { synchronised: false, source: 'chrony', lastKnownMs, behindAtStart: true });
    t.ok(health.clock.nowMs >= lastKnownMs, 'the appliance time is not below the last known time');
    t.equal(health.status, 'ok', 'an unsynchronised clock is not a fault');
  });

  await t.test('a new alert is stamped no earlier than the last known time', async (t) => {
    const web = await enroll(app, 'web-01');
    const client = await connectAgent(t, app, web);
    await createRule(app, cpuRule(web.agentId, 0, 'CPU busy'));
    const feed = cpuFeeder(client, web.agentId, 1);
    t.teardown(() => feed.stop());
    const alert = await openAlertOf(app, web.agentId);
    t.ok(alert.startedAt >= lastKnownMs, `started ${alert.startedAt - lastKnownMs} ms after the last known time, not an hour before it`);
    t.ok((alert.firedAt ?? 0) >= alert.startedAt);
  });

  await t.test('the web UI marks the clock unsynchronised, in English and Korean', async (t) => {
    const browser = await launchChromium(t);
    const { page, pageErrors } = await signedInPage(browser, app.url);
    await page.goto(`${app.url}/`);
    const mark = page.getByTestId('clock-unsynced');
    await mark.waitFor({ state: 'visible', timeout: 20_000 });
    t.equal(await mark.textContent(), 'Clock unsynchronised');
    t.match(await mark.getAttribute('title'), /not synchronised.*Last known time: \w/);
    await page.getByTestId('lang-ko').click();
    await waitFor('the Korean mark', async () => (await mark.textContent()) === '시계 동기화 안 됨');
    t.pass('shown in Korean');
    t.same(pageErrors, []);
  });

  const consoleEnv = { TERM: 'vt100', LANG: 'en_US.UTF-8', PATH };
  await t.test("the console's clock screen says so", async (t) => {
    const term = await startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', dataDir], { env: consoleEnv });
    await term.waitFor('the status screen with the clock line', /Clock: CLOCK UNSYNCHRONISED/);
    await term.keys('c');
    const rows = await term.waitFor('the clock screen', /Synchronised \(NTP\): NO · CLOCK UNSYNCHRONISED \(according to chrony\)/);
    t.match(rows.join('\n'), new RegExp(`Last known time: ${new Date(lastKnownMs).toISOString().slice(0, 16).replace('T', ' ')}`));
    t.match(rows.join(' ').replace(/\s+/g, ' '), /event times are held at it until the clock passes it/, 'why times stand still (wrapped to the screen)');
    await term.keys('b');
    await term.keys('q');
  });

  await t.test('with the appliance stopped, the console still reads the clock', async (t) => {
    t.same(await app.stop(), { code: 0, signal: null });
    const term = await startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', dataDir], { env: consoleEnv });
    await term.waitFor('the appliance-down status', /APPLIANCE DOWN/);
    await term.keys('c');
    const rows = await term.waitFor('the clock screen', /Synchronised \(NTP\): NO · CLOCK UNSYNCHRONISED \(according to chrony\)/);
    t.match(rows.join('\n'), /Appliance: APPLIANCE DOWN/);
    t.match(rows.join('\n'), /Last known time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'the time the stop saved');
  });
});
