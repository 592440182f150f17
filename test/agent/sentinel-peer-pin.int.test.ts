// A sentinel's peer channel pinned to the peer's key (S13, B4; docs/agent.md "Sentinel"): a local
// HTTPS server with the appliance's own kind of self-signed certificate (appliance/tls/self-signed.ts)
// stands for the peer. "Send a test alarm through every channel" through the real channel code:
// the right pin reaches the peer with the token; a wrong pin fails with a result that says so and
// the server never sees a request (so no token); without a pin the self-signed certificate is not
// trusted. The contract refuses a pin that is not one, and a pin on an http:// peer.
import https from 'node:https';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { agentSentinelSchema, peerChannelSchema, type ChannelTestResult } from '../../contract/sentinel.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { loadOrCreateSelfSigned } from '../../appliance/tls/self-signed.js';
import { sendThrough } from '../../agent/sentinel/alarm-channels.js';
import { SentinelWatch } from '../../agent/sentinel/sentinel-watch.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/appliance-harness.js';

const TOKEN = 'rw_peer-token-0123456789';

interface Peer {
  url: string;
  pin: string;
  /** the authorization headers of the requests that reached the peer */
  seen: string[];
}

async function selfSignedPeer(t: Test, name: string): Promise<Peer> {
  const dataDir = tempDir(t, `rw-peer-${name}-`);
  const files = await loadOrCreateSelfSigned({ dataDir, names: ['127.0.0.1', 'localhost'], nowMs: Date.now() });
  const seen: string[] = [];
  const server = https.createServer({ key: files.key, cert: files.cert }, (req, res) => {
    seen.push(req.headers.authorization ?? '');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ first: true, firstBy: 'web-01' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.equal(readFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'utf8').includes('BEGIN CERTIFICATE'), true, `${name}: the appliance's self-signed certificate`);
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, pin: files.pin, seen };
}

void t.test('the peer channel trusts the pinned key alone and sends the token to nothing else', async (t) => {
  const peer = await selfSignedPeer(t, 'peer');
  const other = await selfSignedPeer(t, 'other');
  t.not(peer.pin, other.pin);
  const config = agentSentinelSchema.parse({
    appliance: 'rack-a', graceS: 60, ownNetworkCheck: null,
    channels: [
      { type: 'peer', url: peer.url, token: TOKEN, pin: peer.pin },
      { type: 'peer', url: peer.url, token: TOKEN, pin: other.pin },
      { type: 'peer', url: peer.url, token: TOKEN },
    ],
    test: { id: 'ab'.repeat(12), requestedAtMs: Date.now() },
  });
  let results: ChannelTestResult[] | null = null;
  const watch = new SentinelWatch({
    clock: systemClock, log: silentLogger, sentinelName: 'web-01',
    mqttConnected: () => true,
    heartbeat: () => Promise.resolve({ ok: true, plannedRestartUntilMs: null, status: 'ok' }),
    ownNetwork: () => Promise.resolve({ ok: true, detail: 'answers' }),
    send: (channel, alarm) => sendThrough(channel, alarm, { clock: systemClock, log: silentLogger }),
    reportTest: (_id, r) => {
      results = r;
      return Promise.resolve();
    },
  });
  t.teardown(() => watch.apply(null));
  watch.apply(config);
  const got = await waitFor('the test results', () => results, { timeoutMs: 30_000, intervalMs: 50 });
  t.match(got[0], { index: 0, type: 'peer', ok: true, error: null }, 'the right pin: the peer took the test alarm');
  t.match(got[1], { index: 1, type: 'peer', ok: false, error: new RegExp(`^peer ${peer.url.replace(/\./g, '\\.')}: .*public key ${peer.pin.replace(/[+/]/g, '\\$&')} is not the pinned ${other.pin.replace(/[+/]/g, '\\$&')}`) },
    `a wrong pin says so: ${got[1]?.error ?? ''}`);
  t.match(got[2], { index: 2, type: 'peer', ok: false, error: /self-signed|certificate/i }, `no pin: the self-signed certificate is not trusted by CA: ${got[2]?.error ?? ''}`);
  t.same(peer.seen, [`Bearer ${TOKEN}`], 'one request reached the peer, the pinned one: the token went nowhere else');
  t.same(other.seen, []);
});

void t.test('the contract: a pin is sha256// and a key hash, on an https:// peer only', (t) => {
  const pin = `sha256//${'A'.repeat(43)}=`;
  t.ok(peerChannelSchema.safeParse({ type: 'peer', url: 'https://10.0.0.2:8443', token: TOKEN, pin }).success);
  t.ok(peerChannelSchema.safeParse({ type: 'peer', url: 'https://10.0.0.2:8443', token: TOKEN }).success, 'the pin is optional');
  const bad = peerChannelSchema.safeParse({ type: 'peer', url: 'https://10.0.0.2:8443', token: TOKEN, pin: 'sha1//abc' });
  t.match(bad.error?.issues, [{ path: ['pin'], message: /sha256\/\// }], 'not a pin');
  const plain = peerChannelSchema.safeParse({ type: 'peer', url: 'http://10.0.0.2:8080', token: TOKEN, pin });
  t.match(plain.error?.issues, [{ path: ['pin'], message: /https:\/\// }], 'a pin on an http:// peer');
  t.end();
});
