// Remote write over TLS with a CA file (S19, B8), against the REAL built appliance: a loopback
// https receiver whose certificate a test CA (openssl) signed is trusted through `caFile`, the
// CA's PEM file on the appliance, and samples arrive; without it the endpoint is not trusted (the
// failure said, the samples kept queued). A path that cannot be read, a file too big for a CA
// bundle, a file with no certificate, and both caFile and caCertificates are 400 naming the field.
import t from 'tap';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { nowS } from '../../helpers/stored-samples.js';
import { TestCa } from '../../helpers/test-ca.js';
import { decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';
import type { FederationResponse } from '../../../contract/federation-api.js';
import type { ValidationErrorBody } from '../../../contract/alerts-api.js';

async function put(app: RunningAppliance, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await app.fetch('/api/v1/federation', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

void t.test('an https endpoint signed by the company CA is trusted through its CA file', async (t) => {
  const dir = t.testdir();
  const ca = new TestCa(dir);
  const root = ca.root('company-root');
  const leaf = ca.issue(root, 'metrics.example', 'leaf', { san: 'IP:127.0.0.1' });
  let samples = 0;
  const receiver = https.createServer({ key: leaf.key, cert: leaf.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      samples += decodeWriteRequest(Buffer.concat(chunks)).reduce((a, s) => a + s.samples.length, 0);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => receiver.close(resolve)));
  const url = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/write`;

  const app = await startAppliance(t);
  const big = path.join(dir, 'big.pem');
  writeFileSync(big, '-----BEGIN CERTIFICATE-----\n' + 'A'.repeat(70_000));
  const empty = path.join(dir, 'empty.pem');
  writeFileSync(empty, 'no certificate here\n');
  const refused: [string, unknown, RegExp][] = [
    ['a missing file', { url, caFile: path.join(dir, 'nope.pem') }, /^remoteWrite\.caFile: cannot read .*nope\.pem: ENOENT$/],
    ['a directory', { url, caFile: dir }, /^remoteWrite\.caFile: cannot read .*: not a regular file$/],
    ['a file too big', { url, caFile: big }, /^remoteWrite\.caFile: .*big\.pem is 70028 bytes, more than 65536/],
    ['a file without a certificate', { url, caFile: empty }, /^remoteWrite\.caFile: .*holds no PEM certificate/],
    ['a relative path', { url, caFile: 'ca.pem' }, /^remoteWrite\.caFile: must be an absolute path$/],
    ['both', { url, caFile: root.certPath, caCertificates: root.cert }, /^remoteWrite\.caFile: give caFile or caCertificates, not both$/],
  ];
  for (const [what, remoteWrite, problem] of refused) {
    const r = await put(app, { remoteWrite });
    t.equal(r.status, 400, `${what}: 400`);
    t.match((r.json as ValidationErrorBody).error.problems, [problem], what);
  }
  const alertmanager = await put(app, { alertmanager: { url: 'https://127.0.0.1:9/', caFile: path.join(dir, 'nope.pem') } });
  t.match((alertmanager.json as ValidationErrorBody).error.problems, [/^alertmanager\.caFile: cannot read/], 'the Alertmanager\'s CA file too');

  const id = await enroll(app, 'tls-host');
  const client = await connectAgent(t, app, id);
  // without the CA: the receiver's certificate is not trusted, the samples wait
  t.equal((await put(app, { remoteWrite: { url } })).status, 200);
  await publishMetrics(client, id.agentId, sampleBatch(nowS() - 20));
  const untrusted = await waitFor('the refused handshake', async () => {
    const v = await app.api<FederationResponse>('/api/v1/federation');
    return v.status.lastError && v.status.queuedSamples > 0 ? v : null;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.match(untrusted.status.lastError?.message, /cannot reach the endpoint: .*(self-signed|unable to get|certificate)/i, 'the TLS failure is said');
  t.equal(samples, 0, 'nothing was sent to an endpoint not trusted');

  // with the CA file (same URL: the queue is kept) everything waiting goes
  const ok = await put(app, { remoteWrite: { url, caFile: root.certPath } });
  t.equal(ok.status, 200);
  t.match(ok.json, { remoteWrite: { caFile: root.certPath, caCertificates: null } }, 'the path is shown back, the PEM text not filled in');
  await publishMetrics(client, id.agentId, sampleBatch(nowS() - 10));
  const done = await waitFor('the samples over TLS', async () => {
    const v = await app.api<FederationResponse>('/api/v1/federation');
    return v.status.queuedSamples === 0 && v.status.samplesSent > 0 ? v : null;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  t.equal(samples, done.status.samplesSent, 'both batches arrived over TLS, trusted through the CA file');
  t.ok(samples >= 2, `${samples} samples`);
});
