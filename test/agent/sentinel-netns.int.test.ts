// S13, B4 in network namespaces this test makes (veth links into one bridge, nothing else; the LAN
// is test/helpers/netns-lan.ts): the appliance, a peer appliance and two sentinel agents each in a
// namespace of their own, and this test process (the webhook receiver, the SMTP relay, the
// sentinels' "own network" target) on the bridge too. The modem simulator runs on a pty the
// sentinels open through the real serialport binding. Cases, in order: the appliance's link taken
// down, the appliance SIGKILLed and started again (an unannounced restart), hung (SIGSTOP) and
// continued: each time one alarm and one recovery per contact through the webhook, SMTP, the modem
// and the peer, with two sentinels agreeing through the peer; the sentinels' own links down: no
// alarm; a restart of the same shape announced with the console's `planned-restart announce`: no
// alarm. sentinel.int.test.ts has the same on loopback with one sentinel and no peer.
import net from 'node:net';
import t, { type Test } from 'tap';
import type { AlertListResponse, OutboxEntry } from '../../contract/alerts-api.js';
import { startPtySimulator } from '../../scripts/modem-sim/pty-simulator.js';
import type { SimMessage } from '../../scripts/modem-sim/sim-log.js';
import { freePort, runConsoleTool, startAgent, startAppliance, waitFor, type RunningAgent, type RunningAppliance } from '../helpers/appliance-harness.js';
import { asRoot, makeLan } from '../helpers/netns-lan.js';
import { startWebhookReceiver, type ReceivedHook as Hook } from '../helpers/webhook-receiver.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const SMS_TO = '+821099998888';
const PEER_CONTACT = '+821012345678';

void t.test('in network namespaces: the appliance down (link, SIGKILL, SIGSTOP) alarms once per contact through every channel; a sentinel cut off and an announced restart keep quiet', asRoot, async (t) => {
  const lan = makeLan(t, ['app', 'peer', 's1', 's2']);
  const root = lan.addr('root');
  const hook = await startWebhookReceiver(t, { host: root });
  const smtp = await startSmtpSink(t, root);
  // the sentinels' own network check: a TCP listener on this side of the bridge
  const ownNet = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => ownNet.listen(0, root, resolve));
  t.teardown(() => new Promise<void>((resolve) => ownNet.close(() => resolve())));
  const ownPort = (ownNet.address() as net.AddressInfo).port;
  const modem = await startPtySimulator({ model: { delays: { replyMs: 5, promptMs: 20, sendMs: 100, reportMs: 300, bootMs: 200, simReadyMs: 50 } }, boot: 'ready' });
  t.teardown(() => modem.stop());

  const appAt = { netns: lan.ns('app'), host: lan.addr('app'), httpPort: await freePort(), mqttPort: await freePort() };
  const [first, peer] = await Promise.all([
    startAppliance(t, appAt),
    startAppliance(t, { netns: lan.ns('peer'), host: lan.addr('peer'), httpPort: await freePort(), mqttPort: await freePort(), args: ['--modem', 'sim'] }),
  ]);
  let app: RunningAppliance = first;
  const dataDir = app.dataDir;
  const restart = async (): Promise<void> => { app = await startAppliance(t, { ...appAt, dataDir }); };
  // the peer's side: a contact to text, and an operator token the primary hands its sentinels
  await peer.api('/api/v1/contacts', { name: 'On call', phone: '010-1234-5678', language: 'en', severities: ['critical'] });
  const { token: peerToken } = await peer.api<{ token: string }>('/api/v1/tokens', { name: 'sentinels of rack-a', role: 'operator' });

  const sentinels: RunningAgent[] = ['s1', 's2'].map((n) => startAgent(t, app, { netns: lan.ns(n), hostname: `sentinel-${n}`, keepalive: 5 }));
  t.teardown(() => { if (!t.passing()) for (const s of sentinels) t.comment(`sentinel output:\n${s.output().slice(-5000)}`); });
  const ids = await waitFor('both sentinels enrolled', async () => {
    const agents = await app.api<{ id: string; hostname: string }[]>('/api/v1/agents');
    const found = ['sentinel-s1', 'sentinel-s2'].map((h) => agents.find((a) => a.hostname === h)?.id);
    return found.every(Boolean) ? found as string[] : undefined;
  }, { timeoutMs: 60_000 }).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${sentinels.map((s) => s.output().slice(-3000)).join('\n')}`); });

  const settings = {
    sentinels: ids, graceS: 3, ownNetworkCheck: `${root}:${ownPort}`, name: 'rack-a',
    channels: [
      { type: 'peer', url: peer.url, token: peerToken },
      { type: 'webhook', url: hook.url },
      { type: 'smtp', host: root, port: smtp.port, from: 'sentinel@example.net', to: ['oncall@example.net'] },
      { type: 'modem', device: modem.path, to: [SMS_TO] },
    ],
  };
  const saved = await app.fetch('/api/v1/redundancy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  t.equal(saved.status, 200, 'the modem and peer channels are accepted');
  await Promise.all(sentinels.map((s) => waitFor('a sentinel watching', () => /watching the appliance as a sentinel/.test(s.output()), { timeoutMs: 30_000 })));

  /** what each contact has received so far: webhook calls, mails, SMS through the sentinels' modem */
  const received = (): { webhook: number; mail: number; sms: number } => ({
    webhook: hook.hooks.length, mail: smtp.mails.length, sms: modem.log.messages().filter((m) => m.to === SMS_TO).length,
  });
  const peerAlerts = async (): Promise<number> => (await peer.api<AlertListResponse>('/api/v1/alerts')).alerts.filter((a) => a.ruleId === 'sentinel-alarm').length;
  const peerOpen = async (): Promise<boolean> => (await peer.api<AlertListResponse>('/api/v1/alerts?state=open')).alerts.some((a) => a.ruleId === 'sentinel-alarm');
  const peerTexts = async (): Promise<number> => (await peer.api<OutboxEntry[]>('/api/v1/sms/outbox?limit=200')).filter((m) => m.to === PEER_CONTACT).length;
  const sessionsUp = (): Promise<unknown> => waitFor('both sentinels\' MQTT sessions up', async () => {
    const agents = await app.api<{ id: string; status: string }[]>('/api/v1/agents');
    return ids.every((id) => agents.find((a) => a.id === id)?.status === 'online');
  }, { timeoutMs: 40_000 });

  /**
   * One `event` per contact since `before`: the webhook, a mail and an SMS arrive (each the right
   * one), and both sentinels have had the peer's word (so the one that was not first has dropped
   * its own channels); then the counts are exactly one more each.
   */
  const oneEach = async (tt: Test, event: 'alarm' | 'recovery', before: ReturnType<typeof received>, marks: number[]): Promise<{ hook: Hook; sms: SimMessage }> => {
    const mail = event === 'alarm' ? /응답 없음/ : /복구/;
    const sms = event === 'alarm' ? /응답하지 않습니다/ : /다시 응답합니다/;
    const sent = await waitFor(`the ${event} through the webhook`, () => hook.hooks.slice(before.webhook).find((h) => h.event === event), { timeoutMs: 60_000 });
    await waitFor(`the ${event} mail`, () => smtp.mails.slice(before.mail).find((m) => mail.test(m.subject)), { timeoutMs: 30_000 });
    const text = await waitFor(`the ${event} SMS through the modem`, () => modem.log.messages().filter((m) => m.to === SMS_TO).slice(before.sms).find((m) => m.complete && sms.test(m.text)), { timeoutMs: 60_000 });
    tt.match(text.text, /rack-a/, 'the SMS names the appliance');
    await Promise.all(sentinels.map((s, i) => waitFor(`each sentinel's ${event} taken by the peer`, () => new RegExp(`${event} sent.*"channel":"peer"`).test(s.output().slice(marks[i])), { timeoutMs: 40_000 })));
    tt.same(received(), { webhook: before.webhook + 1, mail: before.mail + 1, sms: before.sms + 1 }, `one ${event} per contact with two sentinels: webhook, mail, SMS`);
    return { hook: sent, sms: text };
  };

  await t.test('the appliance\'s link down: one alarm per contact, through webhook, SMTP, modem and the peer', async (t) => {
    let marks = sentinels.map((s) => s.output().length);
    lan.link('app', false);
    const { hook: alarm, sms } = await oneEach(t, 'alarm', received(), marks);
    t.equal(alarm.appliance, 'rack-a');
    t.equal(sms.encoding, 'ucs2', 'Korean text, as UCS2');
    const peerSms = await waitFor('the peer texting its contact', async () =>
      (await peer.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((m) => m.to === PEER_CONTACT), { timeoutMs: 30_000 });
    t.match(peerSms.text, /rack-a/, 'the peer texted its own contact about rack-a');
    t.equal(await peerAlerts(), 1, 'the peer holds one alert for the outage');

    const afterAlarm = received();
    marks = sentinels.map((s) => s.output().length);
    lan.link('app', true);
    await oneEach(t, 'recovery', afterAlarm, marks);
    await waitFor('the peer resolving its alert', async () => !(await peerOpen()), { timeoutMs: 30_000 });
  });

  await t.test('SIGKILL, started again after the grace period (an unannounced restart): one alarm, then one recovery, per contact', async (t) => {
    await sessionsUp();
    const before = received();
    const alertsBefore = await peerAlerts();
    const textsBefore = await peerTexts();
    let marks = sentinels.map((s) => s.output().length);
    await app.kill();
    await oneEach(t, 'alarm', before, marks);
    t.equal(await peerAlerts(), alertsBefore + 1, 'the peer opened one alert for the outage');
    await waitFor('the peer texting its contact once', async () => (await peerTexts()) > textsBefore, { timeoutMs: 30_000 });
    t.equal(await peerTexts(), textsBefore + 1, 'the peer texted its contact once');

    const afterAlarm = received();
    marks = sentinels.map((s) => s.output().length);
    await restart();
    await oneEach(t, 'recovery', afterAlarm, marks);
    await waitFor('the peer resolving its alert', async () => !(await peerOpen()), { timeoutMs: 30_000 });
  });

  await t.test('SIGSTOP (hung): one alarm per contact; SIGCONT: one recovery per contact', async (t) => {
    // the sessions back first: a hung appliance holds them open until their keepalive runs out
    await sessionsUp();
    const before = received();
    const alertsBefore = await peerAlerts();
    let marks = sentinels.map((s) => s.output().length);
    const pid = app.proc.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    t.teardown(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    await oneEach(t, 'alarm', before, marks);
    const alarm = hook.hooks.slice(before.webhook).find((h) => h.event === 'alarm');
    t.match(alarm?.seen, /MQTT session lost since .*heartbeat/, 'both lost: the session after its keepalive, the heartbeat at once');
    t.equal(await peerAlerts(), alertsBefore + 1, 'the peer opened one alert for the outage');

    const afterAlarm = received();
    marks = sentinels.map((s) => s.output().length);
    process.kill(pid, 'SIGCONT');
    await oneEach(t, 'recovery', afterAlarm, marks);
    await waitFor('the peer resolving its alert', async () => !(await peerOpen()), { timeoutMs: 30_000 });
  });

  await t.test('the sentinels\' own links down: no alarm', async (t) => {
    const before = hook.hooks.length;
    const mailsBefore = smtp.mails.length;
    const marks = sentinels.map((s) => s.output().length);
    lan.link('s1', false);
    lan.link('s2', false);
    t.teardown(() => { lan.link('s1', true); lan.link('s2', true); });
    await Promise.all(sentinels.map((s, i) => waitFor('the sentinel holding back', () => /own network check fails too/.test(s.output().slice(marks[i])), { timeoutMs: 40_000 })));
    t.same(hook.hooks.slice(before), [], 'no webhook');
    t.equal(smtp.mails.length, mailsBefore, 'no mail');
  });

  await t.test('a restart announced with the console\'s planned-restart, of the same shape as the SIGKILL one: no alarm', async (t) => {
    // the links are back (the last case's teardown): the sentinels hear the appliance again
    await sessionsUp();
    const before = received();
    const alertsBefore = await peerAlerts();
    const marks = sentinels.map((s) => s.output().length);
    // the update service's way: the file in the data dir, no HTTP; the running appliance's signed heartbeat carries it
    await runConsoleTool(['planned-restart', 'announce', '--data-dir', dataDir, '--minutes', '1', '--reason', 'firmware update']);
    await Promise.all(sentinels.map((s, i) => waitFor('each sentinel learning of the window', () => /announced a planned restart until/.test(s.output().slice(marks[i])), { timeoutMs: 20_000 })));
    await app.kill();
    // as long as the SIGKILL case's outage: past the grace period, seen by both sentinels
    await Promise.all(sentinels.map((s, i) => waitFor('each sentinel keeping quiet', () => /within the announced planned restart/.test(s.output().slice(marks[i])), { timeoutMs: 30_000 })));
    await restart();
    // both sessions up on the new process: from here on no sentinel can count this outage
    await sessionsUp();
    t.same(received(), before, 'no webhook, mail or SMS');
    t.equal(await peerAlerts(), alertsBefore, 'no alert on the peer');
    sentinels.forEach((s, i) => t.notMatch(s.output().slice(marks[i]), /sending the alarm/, `sentinel-s${i + 1} sent no alarm`));
  });
});
