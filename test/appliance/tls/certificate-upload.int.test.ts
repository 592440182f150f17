// SEC: an admin uploads a certificate (PUT /api/v1/tls/certificate): a CA, an intermediate and a
// server certificate made with openssl here; once accepted, HTTPS and MQTT over TLS both present
// it without a restart (openssl s_client, curl --cacert and mosquitto_sub --cafile trusting the
// test CA), it is stored 0600 and served again after a restart; a certificate issued for the
// appliance's current key keeps the pin; bad uploads are refused with "path: message"
// problems and change nothing. The real appliance on 127.0.0.1.
import t from 'tap';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { TlsInfo, TlsUploadResponse } from '../../../contract/tls-api.js';
import { startAppliance, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { enroll } from '../../helpers/mqtt-agent.js';
import { runCommand } from '../../helpers/run-command.js';
import { TestCa } from '../../helpers/test-ca.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { agentTopic } from '../../../contract/topics.js';

async function upload(app: RunningAppliance, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await app.fetch('/api/v1/tls/certificate', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}

/** openssl s_client's verdict on the certificate served at `port`, trusting only `caFile`. */
async function verifies(port: number, caFile: string): Promise<{ ok: boolean; subject: string; out: string }> {
  const r = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', '-verify_ip', '127.0.0.1']);
  const ok = r.code === 0 && /Verify return code: 0 \(ok\)/.test(r.out);
  return { ok, subject: /^subject=(.*)$/m.exec(r.out)?.[1] ?? '', out: ok ? 'verified' : r.out };
}

void t.test('an uploaded certificate', async (t) => {
  const app = await startAppliance(t);
  const dir = tempDir(t, 'rw-ca-');
  const ca = new TestCa(dir);
  const root = ca.root('Test Root');
  const inter = ca.issue(root, 'Test Intermediate', 'ca');
  const before = await app.api<TlsInfo>('/api/v1/tls');
  t.equal(before.selfSigned, true, 'first: the self-signed certificate');
  t.ok(before.names.includes('IP Address:127.0.0.1'));

  await t.test('bad uploads are refused with what is wrong, and change nothing', async (t) => {
    const good = ca.issue(inter, 'good', 'leaf', { san: 'IP:127.0.0.1' });
    const otherInter = ca.issue(root, 'Other Intermediate', 'ca');
    const cases: [string, unknown, RegExp][] = [
      ['expired', (() => { const c = ca.issue(inter, 'expired', 'leaf', { san: 'IP:127.0.0.1', start: '200101000000Z', end: '210101000000Z' }); return { certificate: c.cert + inter.cert, key: c.key }; })(), /^certificate: expired on 2021-01-01/],
      ['another key', { certificate: good.cert + inter.cert, key: otherInter.key }, /^key: does not belong to the certificate/],
      ['a broken chain', { certificate: good.cert + otherInter.cert, key: good.key }, /^certificate: not issued by chain\[1\]/],
      ['not PEM', { certificate: 'hello', key: good.key }, /^certificate: no PEM certificate/],
      ['not a key', { certificate: good.cert, key: 'nope' }, /^key: not a readable unencrypted private key/],
      ['another name', (() => { const c = ca.issue(inter, 'elsewhere', 'leaf', { san: 'DNS:elsewhere.example' }); return { certificate: c.cert + inter.cert, key: c.key }; })(), /^certificate: does not name 127\.0\.0\.1.*it names DNS:elsewhere\.example/],
      ['a client certificate', (() => { const c = ca.issue(inter, 'client', 'leaf', { san: 'IP:127.0.0.1', eku: 'clientAuth' }); return { certificate: c.cert, key: c.key }; })(), /^certificate: not for TLS servers/],
      ['no certificate', { key: good.key }, /certificate/],
      ['a certificate for another key, without the key', { certificate: good.cert + inter.cert }, /^certificate: is not for the appliance's current key/],
    ];
    for (const [what, body, problem] of cases) {
      const r = await upload(app, body);
      t.equal(r.status, 400, what);
      const error = r.json.error as { code: string; problems: string[] };
      t.equal(error.code, 'RW_ERR_VALIDATION', what);
      t.ok(error.problems.some((p) => problem.test(p)), `${what}: ${error.problems.join(' | ')}`);
    }
    t.same(await app.api<TlsInfo>('/api/v1/tls'), before, 'the self-signed certificate is still served');
  });

  await t.test('a certificate issued for the appliance\'s own key: uploaded without the key, the pin stays', async (t) => {
    const own = ca.issue(inter, 'own-key', 'leaf', { san: 'IP:127.0.0.1,DNS:localhost', keyPath: path.join(app.dataDir, 'tls', 'key.pem') });
    const r = await upload(app, { certificate: own.cert + inter.cert });
    t.equal(r.status, 200, r.status === 200 ? 'accepted' : JSON.stringify(r.json));
    t.match(r.json, { pin: before.pin, previousPin: before.pin, pinChanged: false, selfSigned: false });
    t.notOk('notice' in r.json);
  });

  const leaf = ca.issue(inter, 'rack.test', 'leaf', { san: 'IP:127.0.0.1,DNS:rack.test' });
  const caFile = root.certPath;

  await t.test('a certificate with its own key: accepted, with a notice that pinned agents must be re-pinned', async (t) => {
    const r = await upload(app, { certificate: leaf.cert + inter.cert, key: leaf.key });
    t.equal(r.status, 200, r.status === 200 ? 'accepted' : JSON.stringify(r.json));
    const answer = r.json as unknown as TlsUploadResponse;
    t.equal(answer.pinChanged, true);
    t.equal(answer.previousPin, before.pin);
    t.not(answer.pin, before.pin);
    t.match(answer.notice, /re-pinned/);
    t.match(answer, { subject: 'CN=rack.test', issuer: 'CN=Test Intermediate', selfSigned: false, names: ['IP Address:127.0.0.1', 'DNS:rack.test'] });
    t.same(answer.chain.map((c) => c.subject), ['CN=Test Intermediate']);
    const { previousPin: _p, pinChanged: _c, notice: _n, ...served } = answer;
    t.same(await app.api<TlsInfo>('/api/v1/tls'), served, 'GET /api/v1/tls reports the same');
    for (const f of ['key.pem', 'cert.pem']) t.equal(statSync(path.join(app.dataDir, 'tls', f)).mode & 0o777, 0o600, `${f} is 0600`);
  });

  await t.test('HTTPS serves it at once: openssl s_client and curl trusting only the test CA', async (t) => {
    const v = await verifies(app.httpsPort, caFile);
    t.ok(v.ok, v.out);
    t.equal(v.subject, 'CN = rack.test');
    const r = await runCommand('curl', ['-fsS', '--cacert', caFile, `${app.httpsUrl}/api/v1/health`]);
    t.equal(r.code, 0, `curl exits 0 ${r.stderr}`);
  });

  await t.test('MQTT over TLS serves it at once: openssl s_client and mosquitto_sub --cafile', async (t) => {
    const v = await verifies(app.mqttsPort, caFile);
    t.ok(v.ok, v.out);
    const a = await enroll(app, 'upload-01');
    const r = await runCommand('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(app.mqttsPort), '--cafile', caFile, '-V', 'mqttv311',
      '-i', a.agentId, '-u', a.agentId, '-P', a.secret, '-t', agentTopic(a.agentId, 'config'), '-d', '-W', '2']);
    t.match(r.out, /received CONNACK \(0\)/, 'mosquitto_sub: CONNACK accepted');
  });

  await t.test('after a restart the uploaded certificate is still served', async (t) => {
    await app.stop();
    const again = await startAppliance(t, { dataDir: app.dataDir });
    const v = await verifies(again.httpsPort, caFile);
    t.ok(v.ok, v.out);
    t.equal((await again.api<TlsInfo>('/api/v1/tls')).subject, 'CN=rack.test');
  });
});
