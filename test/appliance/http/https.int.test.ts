// SEC: HTTPS with the appliance's self-signed certificate, verified by openssl s_client and curl
// against cert.pem and by curl's --pinnedpubkey against the pin; plain HTTP's three modes
// (redirect to the configured address, whatever Host header is sent; serve; off); the install
// command of GET /api/v1/enrollment run for real (into --root), and refused with another pin.
// The real appliance on 127.0.0.1.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { EnrollmentInfo } from '../../../contract/tls-api.js';
import { publicKeyPin } from '../../../core/public-key-pin.js';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { runCommand } from '../../helpers/run-command.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** a pin of no key the appliance has */
const OTHER_PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
/** curl's exit code for "SSL public key does not match pinned public key" */
const CURLE_SSL_PINNEDPUBKEYNOTMATCH = 90;

/** A plain-HTTP request with any Host header and request target (fetch() would not send these). */
function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'connection: close'];
      if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
      // write, not end: a server sees a half-closed socket as an aborted request; `connection:
      // close` makes it close once it has answered
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
    });
    let raw = '';
    socket.on('data', (d: Buffer) => { raw += d.toString(); });
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const parsed: http.IncomingHttpHeaders = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        parsed[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: parsed, body: rest.join('\r\n\r\n') });
    });
  });
}

void t.test('HTTPS with the self-signed certificate made at first start', async (t) => {
  const app = await startAppliance(t);
  const certPath = path.join(app.dataDir, 'tls', 'cert.pem');
  const pin = publicKeyPin(new X509Certificate(readFileSync(certPath)));
  const health = `${app.httpsUrl}/api/v1/health`;

  await t.test('openssl s_client -verify_return_error -CAfile cert.pem verifies it for 127.0.0.1 and shows it', async (t) => {
    const r = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${app.httpsPort}`, '-CAfile', certPath, '-verify_return_error', '-verify_ip', '127.0.0.1', '-showcerts']);
    t.equal(r.code, 0, 'openssl s_client exits 0');
    t.match(r.out, /Verify return code: 0 \(ok\)/);
    t.match(r.out, /subject=.*O = rackwatch appliance/);
    t.match(r.out, '-----BEGIN CERTIFICATE-----');
  });

  await t.test('curl --cacert cert.pem: the API over HTTPS, with HSTS; plain HTTP (served here) without it', async (t) => {
    const r = await runCommand('curl', ['-fsS', '-D', '-', '--cacert', certPath, health]);
    t.equal(r.code, 0, `curl exits 0 ${r.stderr}`);
    t.match(r.stdout, /^HTTP\/1\.1 200/);
    t.match(r.stdout, /strict-transport-security: max-age=31536000/i);
    const plain = await app.fetchAnonymous('/api/v1/health');
    t.equal(plain.status, 200);
    t.equal(plain.headers.get('strict-transport-security'), null);
  });

  await t.test('curl trusting nothing refuses the self-signed certificate', async (t) => {
    const r = await runCommand('curl', ['-fsS', health]);
    t.equal(r.code, 60, 'CURLE_PEER_FAILED_VERIFICATION');
  });

  await t.test('curl --pinnedpubkey: the right pin is served, another pin is refused before any answer', async (t) => {
    const ok = await runCommand('curl', ['-fsS', '-k', '--pinnedpubkey', pin, health]);
    t.equal(ok.code, 0, `curl exits 0 ${ok.stderr}`);
    t.match(ok.stdout, /"status"/);
    const refused = await runCommand('curl', ['-fsS', '-k', '--pinnedpubkey', OTHER_PIN, health]);
    t.equal(refused.code, CURLE_SSL_PINNEDPUBKEYNOTMATCH, refused.stderr.trim());
    t.equal(refused.stdout, '');
  });

  await t.test('GET /api/v1/enrollment gives admins the install command, which installs an agent pinned to the key', async (t) => {
    const info = await app.api<EnrollmentInfo>('/api/v1/enrollment');
    t.same({ ...info, installCommand: '' }, { token: app.token, pin, address: '127.0.0.1', httpsPort: app.httpsPort, mqttsPort: app.mqttsPort, installCommand: '', rotatable: false });
    t.equal(info.installCommand,
      `curl --pinnedpubkey '${pin}' -k -fsS https://127.0.0.1:${app.httpsPort}/install.sh | sudo sh -s -- --token '${app.token}' --pin '${pin}'`);
    t.equal((await app.fetchAnonymous('/api/v1/enrollment')).status, 401, 'not without signing in');

    // the command as an admin pastes it, with `sudo` left out and the files written below --root
    const root = tempDir(t, 'rw-root-');
    const command = info.installCommand.replace('| sudo sh -s --', '| sh -s --') + ` --root ${root} --hostname pinned-01`;
    const run = await runCommand('sh', ['-c', `set -e; ${command}`], { timeoutMs: 60_000 });
    t.equal(run.code, 0, `the install command exits 0 ${run.code === 0 ? '' : run.out}`);
    const unit = readFileSync(path.join(root, 'etc/systemd/system/rackwatch-agent.service'), 'utf8');
    t.match(unit, `Environment=RW_APPLIANCE=https://127.0.0.1:${app.httpsPort}\n`);
    t.match(unit, `Environment=RW_PIN=${pin}\n`, 'the agent pins the same key');
    t.ok(existsSync(path.join(root, 'opt/rackwatch-agent/rackwatch-agent.js')));

    // the same command pinned to another key: curl refuses the appliance, nothing is installed
    const otherRoot = tempDir(t, 'rw-root-');
    const forged = info.installCommand.replaceAll(pin, OTHER_PIN).replace('| sudo sh -s --', '| sh -s --') + ` --root ${otherRoot}`;
    const fetchOnly = await runCommand('sh', ['-c', forged.split(' | ')[0] ?? '']);
    t.equal(fetchOnly.code, CURLE_SSL_PINNEDPUBKEYNOTMATCH, 'fetching install.sh is refused');
    // and a script that was fetched but given another pin downloads nothing
    const script = await runCommand('curl', ['-fsS', '-k', '--pinnedpubkey', pin, `${app.httpsUrl}/install.sh`]);
    const refused = await runCommand('sh', ['-s', '--', '--token', app.token, '--pin', OTHER_PIN, '--root', otherRoot], { input: script.stdout, timeoutMs: 60_000 });
    t.not(refused.code, 0);
    t.match(refused.out, /cannot download/);
    t.notOk(existsSync(path.join(otherRoot, 'opt/rackwatch-agent/rackwatch-agent.js')), 'nothing installed');
  });
});

void t.test('--http-plain redirect: 308 to the configured address, except what agents of older installs need', async (t) => {
  const app = await startAppliance(t, { setup: false, args: ['--http-plain', 'redirect', '--public-address', 'rackwatch.test'] });
  const origin = `https://rackwatch.test:${app.httpsPort}`;

  await t.test('a page or API request goes to HTTPS at --public-address, whatever Host header was sent', async (t) => {
    for (const host of ['evil.example:8080', '127.0.0.1', 'x";id;"']) {
      const r = await rawRequest(app.httpPort, 'GET', '/servers?q=web', { host });
      t.equal(r.status, 308, host);
      t.equal(r.headers.location, `${origin}/servers?q=web`, host);
    }
    const api = await rawRequest(app.httpPort, 'POST', '/api/v1/auth/login', { host: 'x' }, '{}');
    t.equal(api.status, 308, 'a POST keeps its method and body through a 308');
    t.equal(api.headers.location, `${origin}/api/v1/auth/login`);
    const absolute = await rawRequest(app.httpPort, 'GET', 'http://evil.example/a/b?c=1', { host: 'evil.example' });
    t.equal(absolute.headers.location, `${origin}/a/b?c=1`, 'an absolute-form target keeps only its path');
    const schemeRelative = await rawRequest(app.httpPort, 'GET', '//evil.example/x', { host: 'a' });
    t.equal(schemeRelative.headers.location, `${origin}/x`, 'a //host target cannot move the redirect elsewhere');
  });

  await t.test('enrollment and the installer are still served over plain HTTP, with the configured address', async (t) => {
    const wrong = await rawRequest(app.httpPort, 'POST', '/api/v1/enroll', { host: 'a' }, JSON.stringify({ token: 'wrong-token', hostname: 'old-01' }));
    t.equal(wrong.status, 401);
    t.match(wrong.body, 'RW_ERR_ENROLL_TOKEN');
    const enrolled = await rawRequest(app.httpPort, 'POST', '/api/v1/enroll', { host: 'a' }, JSON.stringify({ token: app.token, hostname: 'old-01' }));
    t.equal(enrolled.status, 201, enrolled.body);
    const pin = publicKeyPin(new X509Certificate(readFileSync(path.join(app.dataDir, 'tls', 'cert.pem'))));
    t.match(JSON.parse(enrolled.body), { mqtt: { port: app.mqttPort, tlsPort: app.mqttsPort, pin } }, 'the answer carries the MQTTS port and the pin');
    const script = await rawRequest(app.httpPort, 'GET', '/install.sh', { host: 'attacker.example:8080' });
    t.equal(script.status, 200);
    t.match(script.body, `APPLIANCE='${origin}'`, 'the configured address, not the Host header');
    t.notMatch(script.body, 'attacker.example');
    t.match(script.body, `PIN='${pin}'`);
    const agent = await rawRequest(app.httpPort, 'GET', '/agent/rackwatch-agent.js.sha256', { host: 'a' });
    t.equal(agent.status, 200);
  });

  await t.test('the self-signed certificate names --public-address: curl verifies https://rackwatch.test', async (t) => {
    const r = await runCommand('curl', ['-fsS', '--cacert', path.join(app.dataDir, 'tls', 'cert.pem'),
      '--resolve', `rackwatch.test:${app.httpsPort}:127.0.0.1`, `${origin}/api/v1/health`]);
    t.equal(r.code, 0, `curl exits 0 ${r.stderr}`);
  });
});

void t.test('--http-plain off: no plain HTTP listener; HTTPS serves', async (t) => {
  const app = await startAppliance(t, { setup: false, args: ['--http-plain', 'off'] });
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(app.httpPort, '127.0.0.1', () => { s.destroy(); resolve('open'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  t.equal(refused, 'ECONNREFUSED');
  const r = await runCommand('curl', ['-fsS', '--cacert', path.join(app.dataDir, 'tls', 'cert.pem'), `${app.httpsUrl}/api/v1/health`]);
  t.equal(r.code, 0, `curl exits 0 ${r.stderr}`);
});
