// SEC: MQTT over TLS with the appliance's self-signed certificate: the same authentication and
// ACL as plain MQTT, verified by mqtt.js, mosquitto_sub and openssl s_client against cert.pem;
// plain MQTT refused with --mqtt-plain off. Loopback only.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort, startAppliance } from '../../helpers/appliance-harness.js';
import { enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { agentTopic } from '../../../contract/topics.js';

function run(cmd: string, args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
    child.stdin?.end(input);
  });
}

async function attempt(url: string, opts: mqtt.IClientOptions): Promise<string> {
  try {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
    await c.endAsync(true);
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  }
}

void t.test('MQTT over TLS', async (t) => {
  const mqttsPort = await freePort();
  const app = await startAppliance(t, { args: ['--mqtts-port', String(mqttsPort)] });
  const certPath = path.join(app.dataDir, 'tls', 'cert.pem');
  const ca = readFileSync(certPath);
  const a = await enroll(app, 'tls-a');
  const url = `mqtts://127.0.0.1:${mqttsPort}`;
  const creds = { clientId: a.agentId, username: a.agentId, password: a.secret };

  await t.test('mqtt.js trusting cert.pem connects, authenticates and publishes a batch that is stored', async (t) => {
    const client = await mqtt.connectAsync(url, { ...creds, ca, reconnectPeriod: 0, protocolVersion: 4 });
    t.teardown(() => client.endAsync(true));
    await publishMetrics(client, a.agentId, sampleBatch(Math.floor(Date.now() / 1000)));
    const detail = await app.api<{ latest: { family: string }[] }>(`/api/v1/agents/${a.agentId}`);
    t.ok(detail.latest.some((l) => l.family === 'cpu'));
  });

  await t.test('the same authentication and ACL: a wrong secret and another agent\'s topic are refused', async (t) => {
    t.match(await attempt(url, { ...creds, password: 'wrong', ca }), /Bad username or password|refused/i);
    const client = await mqtt.connectAsync(url, { ...creds, ca, reconnectPeriod: 0, protocolVersion: 4 });
    const err = await client.subscribeAsync(['rw/v1/#'], { qos: 1 }).then(() => null, (e: unknown) => e as { packet?: { granted?: number[] } });
    t.same(err?.packet?.granted, [128]);
    await client.endAsync(true);
  });

  await t.test('a client that does not trust the certificate is refused in the handshake', async (t) => {
    t.match(await attempt(url, creds), /self.signed|unable to verify|certificate/i);
  });

  await t.test('mosquitto_sub --cafile cert.pem connects and authenticates over TLS', async (t) => {
    const r = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(mqttsPort), '--cafile', certPath, '-V', 'mqttv311',
      '-i', a.agentId, '-u', a.agentId, '-P', a.secret, '-t', agentTopic(a.agentId, 'config'), '-d', '-W', '2']);
    // -d prints the packets: the CONNACK accepts (0) and the SUBACK grants QoS 0 (the ACL's own-config rule)
    t.match(r.out, /received CONNACK \(0\)/, 'CONNACK accepted');
    t.match(r.out, /received SUBACK/);
    t.notMatch(r.out, /Subscribed \(mid: \d+\): 128/);
    const bad = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(mqttsPort), '--cafile', certPath, '-V', 'mqttv311',
      '-i', a.agentId, '-u', a.agentId, '-P', 'wrong', '-t', agentTopic(a.agentId, 'config'), '-d', '-W', '2']);
    t.notMatch(bad.out, /received CONNACK \(0\)/, 'a wrong secret is refused over TLS too');
  });

  await t.test('openssl s_client -verify_return_error -CAfile cert.pem verifies the certificate for 127.0.0.1', async (t) => {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${mqttsPort}`, '-CAfile', certPath, '-verify_return_error', '-verify_ip', '127.0.0.1'], '');
    t.equal(r.code, 0, r.out);
    t.match(r.out, /Verify return code: 0 \(ok\)/);
  });

  await t.test('plain MQTT is still served by default', async (t) => {
    t.equal(await attempt(`mqtt://127.0.0.1:${app.mqttPort}`, creds), 'connected');
  });
});

void t.test('with --mqtt-plain off the plain port is closed and TLS still serves', async (t) => {
  const mqttsPort = await freePort();
  const app = await startAppliance(t, { args: ['--mqtts-port', String(mqttsPort), '--mqtt-plain', 'off'] });
  const ca = readFileSync(path.join(app.dataDir, 'tls', 'cert.pem'));
  const a = await enroll(app, 'tls-only');
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(app.mqttPort, '127.0.0.1', () => { s.destroy(); resolve('open'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  t.equal(refused, 'ECONNREFUSED');
  t.equal(await attempt(`mqtts://127.0.0.1:${mqttsPort}`, { clientId: a.agentId, username: a.agentId, password: a.secret, ca }), 'connected');
});
