// S13, B4 in network namespaces this test makes (veth links into one bridge, nothing else): the
// appliance, a peer appliance and two sentinel agents each in a namespace of their own, and this
// test process (the webhook receiver, the SMTP relay, the sentinels' "own network" target) on
// the bridge too. The modem simulator runs on a pty the sentinels open through the real serialport
// binding. Cases: the appliance's link taken down (the alarm through the webhook, SMTP, the modem
// and the peer, once per contact with two sentinels agreeing through the peer), and the
// sentinels' own links down (no alarm). SIGKILL, SIGSTOP and an announced restart are
// sentinel.int.test.ts's, on loopback.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import type { OutboxEntry } from '../../contract/alerts-api.js';
import { startPtySimulator } from '../../scripts/modem-sim/pty-simulator.js';
import { freePort, startAgent, startAppliance, waitFor, type RunningAgent, type Teardownable } from '../helpers/appliance-harness.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const asRoot = { skip: process.getuid?.() === 0 ? false : 'needs root to create network namespaces' };

interface Hook { event: string; appliance: string; sentinel: string; seen: string }

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: 'pipe' }); };

/**
 * A bridge in a namespace of its own and one namespace per node, each linked to the bridge by a
 * veth pair; this process's side is `root`. Addresses 10.213.<n>.0/24, n from the pid, so that
 * parallel runs (other worktrees) do not meet. Everything is removed in teardown.
 */
function makeLan(tt: Teardownable, nodes: readonly string[]): { addr: (node: string) => string; ns: (node: string) => string; link: (node: string, up: boolean) => void } {
  const tag = String(process.pid % 100_000);
  const net3 = `10.213.${process.pid % 250}`;
  const lan = `rwlan${tag}`;
  const made: string[] = [];
  tt.teardown(() => { for (const n of made.reverse()) { try { ip('netns', 'del', n); } catch { /* gone */ } } });
  ip('netns', 'add', lan);
  made.push(lan);
  ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', lan, 'link', 'set', 'br0', 'up');
  const plug = (i: number, inNs: string | null): void => {
    const here = `rw${tag}h${i}`;
    const there = `rw${tag}b${i}`;
    ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    ip('link', 'set', there, 'netns', lan);
    ip('-n', lan, 'link', 'set', there, 'master', 'br0', 'up');
    if (inNs) {
      ip('link', 'set', here, 'netns', inNs);
      ip('-n', inNs, 'link', 'set', here, 'name', 'eth0');
      ip('-n', inNs, 'addr', 'add', `${net3}.${i + 1}/24`, 'dev', 'eth0');
      ip('-n', inNs, 'link', 'set', 'eth0', 'up');
      ip('-n', inNs, 'link', 'set', 'lo', 'up');
    } else {
      ip('addr', 'add', `${net3}.${i + 1}/24`, 'dev', here);
      ip('link', 'set', here, 'up');
      // deleting the lan namespace deletes this pair with it
    }
  };
  plug(0, null);
  nodes.forEach((node, k) => {
    const ns = `rw${tag}${node}`;
    ip('netns', 'add', ns);
    made.push(ns);
    plug(k + 1, ns);
  });
  const index = (node: string): number => (node === 'root' ? 0 : nodes.indexOf(node) + 1);
  return {
    addr: (node) => `${net3}.${index(node) + 1}`,
    ns: (node) => `rw${tag}${node}`,
    link: (node, up) => ip('-n', `rw${tag}${node}`, 'link', 'set', 'eth0', up ? 'up' : 'down'),
  };
}

async function startWebhookReceiver(tt: Teardownable, host: string): Promise<{ url: string; hooks: Hook[] }> {
  const hooks: Hook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => { hooks.push(JSON.parse(body) as Hook); res.writeHead(204).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  tt.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://${host}:${(server.address() as net.AddressInfo).port}/alarm`, hooks };
}

void t.test('in network namespaces: the appliance\'s link down alarms once per contact through every channel; a sentinel cut off keeps quiet', asRoot, async (t) => {
  const lan = makeLan(t, ['app', 'peer', 's1', 's2']);
  const root = lan.addr('root');
  const hook = await startWebhookReceiver(t, root);
  const smtp = await startSmtpSink(t, root);
  // the sentinels' own network check: a TCP listener on this side of the bridge
  const ownNet = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => ownNet.listen(0, root, resolve));
  t.teardown(() => new Promise<void>((resolve) => ownNet.close(() => resolve())));
  const ownPort = (ownNet.address() as net.AddressInfo).port;
  const modem = await startPtySimulator({ model: { delays: { replyMs: 5, promptMs: 20, sendMs: 100, reportMs: 300, bootMs: 200, simReadyMs: 50 } }, boot: 'ready' });
  t.teardown(() => modem.stop());

  const [app, peer] = await Promise.all([
    startAppliance(t, { netns: lan.ns('app'), host: lan.addr('app'), httpPort: await freePort(), mqttPort: await freePort() }),
    startAppliance(t, { netns: lan.ns('peer'), host: lan.addr('peer'), httpPort: await freePort(), mqttPort: await freePort(), args: ['--modem', 'sim'] }),
  ]);
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
      { type: 'modem', device: modem.path, to: ['+821099998888'] },
    ],
  };
  const saved = await app.fetch('/api/v1/redundancy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  t.equal(saved.status, 200, 'the modem and peer channels are accepted');
  await Promise.all(sentinels.map((s) => waitFor('a sentinel watching', () => /watching the appliance as a sentinel/.test(s.output()), { timeoutMs: 30_000 })));

  await t.test('the appliance\'s link down: one alarm per contact, through webhook, SMTP, modem and the peer', async (t) => {
    lan.link('app', false);
    const alarm = await waitFor('the webhook alarm', () => hook.hooks.find((h) => h.event === 'alarm'), { timeoutMs: 40_000 });
    t.equal(alarm.appliance, 'rack-a');
    await waitFor('the alarm mail', () => smtp.mails.find((m) => /응답 없음/.test(m.subject)), { timeoutMs: 30_000 });
    const sms = await waitFor('the alarm SMS through the modem', () => modem.log.messages().find((m) => m.to === '+821099998888' && m.complete), { timeoutMs: 60_000 });
    t.match(sms.text, /rack-a/, 'the SMS names the appliance');
    t.equal(sms.encoding, 'ucs2', 'Korean text, as UCS2');
    // the second sentinel has told the peer too, and the peer said who was first
    await Promise.all(sentinels.map((s) => waitFor('each sentinel reporting to the peer', () => /alarm sent.*"channel":"peer"/.test(s.output()), { timeoutMs: 40_000 })));
    const peerSms = await waitFor('the peer texting its contact', async () =>
      (await peer.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((m) => m.to === '+821012345678'), { timeoutMs: 30_000 });
    t.match(peerSms.text, /rack-a/, 'the peer texted its own contact about rack-a');
    // a few more ticks: nothing more arrives
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    t.equal(hook.hooks.filter((h) => h.event === 'alarm').length, 1, 'one webhook alarm with two sentinels');
    t.equal(smtp.mails.filter((m) => /응답 없음/.test(m.subject)).length, 1, 'one mail');
    t.equal(modem.log.messages().filter((m) => m.to === '+821099998888').length, 1, 'one SMS');
    const alerts = JSON.stringify(await peer.api('/api/v1/alerts?state=open'));
    t.equal(alerts.match(/"ruleId":"sentinel-alarm"/g)?.length, 1, 'the peer holds one alert for the outage');

    lan.link('app', true);
    await waitFor('the webhook recovery', () => hook.hooks.find((h) => h.event === 'recovery'), { timeoutMs: 60_000 });
    await waitFor('the peer resolving its alert', async () => !/"ruleId":"sentinel-alarm"/.test(JSON.stringify(await peer.api('/api/v1/alerts?state=open'))), { timeoutMs: 30_000 });
    t.equal(hook.hooks.filter((h) => h.event === 'recovery').length, 1, 'one recovery');
  });

  await t.test('the sentinels\' own links down: no alarm', async (t) => {
    await Promise.all(sentinels.map((s) => waitFor('the session back', () => /answers again/.test(s.output()), { timeoutMs: 30_000 })));
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
});
