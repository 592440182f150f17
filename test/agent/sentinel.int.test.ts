// S13, B4: a sentinel server raises the alarm when the appliance dies. The REAL appliance and the
// REAL built agent on loopback, a webhook receiver (HTTP) and an SMTP sink (TCP) on loopback, and
// a TCP listener standing for the sentinel's own network check. The appliance is killed
// (SIGKILL), hung (SIGSTOP), hung while the sentinel's own network check fails, and killed
// inside an announced planned restart; the alarm comes through both channels only when it must,
// and the recovery when the appliance answers again. A third channel, the sentinel's own modem
// (the modem simulator on a pty, through the real serialport binding), carries the SIGKILL and
// SIGSTOP alarms as SMS.
import { createHmac, scrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { heartbeatText, type RedundancyResponse, type SentinelHeartbeat } from '../../contract/sentinel.js';
import { startPtySimulator } from '../../scripts/modem-sim/pty-simulator.js';
import { freePort, startAgent, startAppliance, waitFor, type RunningAppliance } from '../helpers/appliance-harness.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

/** The sentinel's "own network": a TCP listener it must reach before it alarms. */
async function listen(port: number): Promise<net.Server> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return server;
}
const close = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

const put = async (app: RunningAppliance, pathname: string, body: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await app.fetch(pathname, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() as unknown };
};

void t.test('a sentinel alarms through a webhook, e-mail and its modem when the appliance dies, and says when it is back', async (t) => {
  const hook = await startWebhookReceiver(t, { token: 'sesame' });
  const smtp = await startSmtpSink(t);
  const modem = await startPtySimulator({ model: { delays: { replyMs: 5, promptMs: 20, sendMs: 100, reportMs: 300, bootMs: 200, simReadyMs: 50 } }, boot: 'ready' });
  t.teardown(() => modem.stop());
  const smsTo = (text: RegExp) => modem.log.messages().filter((m) => m.to === '+821099998888' && m.complete && text.test(m.text));
  const netPort = await freePort();
  let ownNetwork = await listen(netPort);
  t.teardown(() => close(ownNetwork));
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  let app = await startAppliance(t, ports);
  const dataDir = app.dataDir;
  const restart = async (): Promise<void> => { app = await startAppliance(t, { ...ports, dataDir }); };

  // the default keepalive (15 s): a hung appliance must be seen without an operator shortening it
  const agent = startAgent(t, app, { hostname: 'sentinel-01' });
  // what the sentinel said, when something here fails: its log is the story of each wait
  t.teardown(() => { if (!t.passing()) t.comment(`sentinel output:\n${agent.output().slice(-6000)}`); });
  const agentId = await waitFor('the sentinel enrolled', async () =>
    (await app.api<{ id: string; hostname: string }[]>('/api/v1/agents')).find((a) => a.hostname === 'sentinel-01')?.id, { timeoutMs: 30_000 });

  const settings = {
    sentinels: [agentId], graceS: 2, ownNetworkCheck: `127.0.0.1:${netPort}`, name: 'rack-a',
    channels: [
      { type: 'webhook', url: hook.url, method: 'POST', headers: { 'X-Token': 'sesame' } },
      { type: 'smtp', host: '127.0.0.1', port: smtp.port, from: 'sentinel@example.net', to: ['oncall@example.net'] },
      { type: 'modem', device: modem.path, to: ['+821099998888'] },
    ],
  };

  await t.test('the settings: bounded, naming the bad field, the unknown agent, and only for admins', async (t) => {
    const bad = await put(app, '/api/v1/redundancy', { ...settings, graceS: 0 });
    t.equal(bad.status, 400);
    t.match(JSON.stringify(bad.json), /graceS/);
    const unknown = await put(app, '/api/v1/redundancy', { ...settings, sentinels: ['nobody'] });
    t.equal(unknown.status, 400);
    t.match(JSON.stringify(unknown.json), /sentinels\.0: no agent nobody/);
    const badMail = await put(app, '/api/v1/redundancy', { ...settings, channels: [{ type: 'smtp', host: '127.0.0.1', from: 'x', to: ['a@b'] }] });
    t.match(JSON.stringify(badMail.json), /channels\.0\.from/);
    t.equal((await app.fetchAnonymous('/api/v1/redundancy')).status, 401);
    const saved = await put(app, '/api/v1/redundancy', settings);
    t.equal(saved.status, 200, JSON.stringify(saved.json));
    const got = await app.api<RedundancyResponse>('/api/v1/redundancy');
    t.match(got, { sentinels: [agentId], graceS: 2, pair: null, updatedBy: 'admin' });
    await waitFor('the sentinel watching', () => /watching the appliance as a sentinel/.test(agent.output()), { timeoutMs: 20_000 });
  });

  await t.test('the heartbeat is signed with a key only the agent can derive', async (t) => {
    t.equal((await app.fetchAnonymous(`/api/v1/sentinel/heartbeat?agent=${agentId}&nonce=12`)).status, 400, 'a short nonce is refused');
    t.equal((await app.fetchAnonymous('/api/v1/sentinel/heartbeat?agent=nobody&nonce=00112233445566778899')).status, 404);
    const nonce = '00112233445566778899aabbccddeeff';
    const hb = await (await app.fetchAnonymous(`/api/v1/sentinel/heartbeat?agent=${agentId}&nonce=${nonce}`)).json() as SentinelHeartbeat;
    const { secret } = JSON.parse(readFileSync(path.join(agent.stateDir, 'identity.json'), 'utf8')) as { secret: string };
    const [, n, r, p, salt] = hb.kdf.split('$');
    const key = await new Promise<Buffer>((resolve, reject) => scrypt(secret, Buffer.from(salt ?? '', 'base64url'), 32, { N: Number(n), r: Number(r), p: Number(p) }, (e, k) => (e ? reject(e) : resolve(k))));
    t.equal(hb.mac, createHmac('sha256', key).update(heartbeatText(hb)).digest('base64url'), 'the agent\'s secret verifies it');
    t.not(hb.mac, createHmac('sha256', key).update(heartbeatText({ ...hb, plannedRestartUntilMs: Date.now() + 60_000 })).digest('base64url'), 'a forged planned restart does not');
  });

  await t.test('SIGKILL: the alarm through the webhook, by mail and by SMS, then the recovery', async (t) => {
    await app.kill();
    const alarm = await waitFor('the webhook alarm', () => hook.hooks.find((h) => h.event === 'alarm'), { timeoutMs: 30_000 });
    t.equal(alarm.appliance, 'rack-a', 'it names the appliance');
    t.equal(alarm.sentinel, 'sentinel-01');
    t.ok(Date.parse(alarm.since) <= Date.now(), 'since when');
    t.match(alarm.seen, /MQTT session lost since/, 'what the sentinel saw');
    const mail = await waitFor('the alarm mail', () => smtp.mails.find((m) => /응답 없음/.test(m.subject)), { timeoutMs: 30_000 });
    t.same(mail.to, ['oncall@example.net']);
    t.match(mail.text, /Appliance rack-a has not answered since/);
    const sms = await waitFor('the alarm SMS through the sentinel\'s modem', () => smsTo(/응답하지 않습니다/)[0], { timeoutMs: 60_000 });
    t.equal(sms.encoding, 'ucs2', 'Korean, as UCS2');
    t.ok(sms.parts.length > 1, 'a long text in concatenated parts');
    await restart();
    const back = await waitFor('the webhook recovery', () => hook.hooks.find((h) => h.event === 'recovery'), { timeoutMs: 30_000 });
    t.match(back.message, /answers again/);
    await waitFor('the recovery mail', () => smtp.mails.find((m) => /복구/.test(m.subject)), { timeoutMs: 30_000 });
  });

  await t.test('SIGSTOP (hung): the alarm, and the recovery once it runs again', async (t) => {
    // its MQTT session back first: a hung appliance holds the TCP connection open until mqtt.js's
    // keepalive runs out (22.5 s); the sentinel counts the session lost once its packets go unanswered
    await waitFor('the sentinel\'s MQTT session back', async () =>
      (await app.api<{ id: string; status: string }[]>('/api/v1/agents')).find((a) => a.id === agentId)?.status === 'online', { timeoutMs: 30_000 });
    const before = hook.hooks.length;
    const pid = app.proc.pid ?? 0;
    const mark = agent.output().length;
    process.kill(pid, 'SIGSTOP');
    t.teardown(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    const alarm = await waitFor('the alarm for a hung appliance', () => hook.hooks.slice(before).find((h) => h.event === 'alarm'), { timeoutMs: 30_000 });
    t.match(alarm.seen, /MQTT session lost since .*heartbeat/, 'both lost: the session unanswered, the heartbeat at once');
    t.notMatch(agent.output().slice(mark), /connection to the appliance lost/, 'the alarm came while mqtt.js still held the session open (S13, B4: not after 1.5 × keepalive)');
    await waitFor('the second alarm SMS (hung)', () => smsTo(/응답하지 않습니다/)[1], { timeoutMs: 60_000 });
    process.kill(pid, 'SIGCONT');
    await waitFor('the recovery', () => hook.hooks.slice(before).find((h) => h.event === 'recovery'), { timeoutMs: 30_000 });
  });

  await t.test('its own network check failing: no alarm, until it passes again', async (t) => {
    const before = hook.hooks.length;
    await close(ownNetwork);
    const mark = agent.output().length;
    // hung rather than killed: SIGCONT brings it back without the minutes of a restart
    const pid = app.proc.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    t.teardown(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    await waitFor('the sentinel holding back', () => /own network check fails too/.test(agent.output().slice(mark)), { timeoutMs: 30_000 });
    t.same(hook.hooks.slice(before), [], 'no alarm while its own network check fails');
    ownNetwork = await listen(netPort);
    await waitFor('the alarm once its network answers', () => hook.hooks.slice(before).find((h) => h.event === 'alarm'), { timeoutMs: 30_000 });
    process.kill(pid, 'SIGCONT');
    await waitFor('the recovery', () => hook.hooks.slice(before).find((h) => h.event === 'recovery'), { timeoutMs: 30_000 });
  });

  await t.test('an announced planned restart: no alarm', async (t) => {
    const mark = agent.output().length;
    t.equal((await put(app, '/api/v1/planned-restart', { minutes: 1, reason: 'firmware update' })).status, 200);
    await waitFor('the sentinel learning of the window', () => /announced a planned restart until/.test(agent.output().slice(mark)), { timeoutMs: 20_000 });
    const before = hook.hooks.length;
    await app.kill();
    await waitFor('the sentinel keeping quiet', () => /within the announced planned restart/.test(agent.output().slice(mark)), { timeoutMs: 30_000 });
    t.same(hook.hooks.slice(before), [], 'no alarm inside the window');
  });
});
