// The HTTP(S) check (S5) against real servers on loopback: status, body pattern, a refused and a
// silent server, and an HTTPS server whose certificate expires in 5 days.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import t, { type Test } from 'tap';
import { probeHttp as probe, type HttpProbeRequest } from '../../core/http-probe.js';
import { stateOfValue } from '../../contract/checks.js';
import { stamp, TestCa } from '../helpers/test-ca.js';
import { tempDir } from '../helpers/temp-dir.js';

const probeHttp = (r: Omit<HttpProbeRequest, 'stateOfTime'>): ReturnType<typeof probe> => probe({ ...r, stateOfTime: stateOfValue });

async function listen(t: Test, server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

const site = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  if (req.url === '/broken') {
    res.writeHead(500).end('oops');
  } else if (req.url === '/silent') {
    // never answers
  } else {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Welcome to nginx!</h1>');
  }
};

void t.test('HTTP: a page that answers 200 with the expected text is OK, with time and size', async (t) => {
  const port = await listen(t, http.createServer(site));
  const r = await probeHttp({ url: `http://127.0.0.1:${port}/`, timeoutMs: 5000, bodyMatch: (b) => b.includes('Welcome to nginx') });
  t.equal(r.state, 'ok');
  t.match(r.output, /^HTTP OK: 200 OK - 26 bytes in [\d.]+ s$/);
  t.match(r.perfdata, [{ label: 'time', unit: 's' }, { label: 'size', value: 26, unit: 'B' }]);
  t.equal(r.certDaysLeft, null);
});

void t.test('HTTP: a 500, a body without the text, a refused port and a silent server are CRITICAL', async (t) => {
  const port = await listen(t, http.createServer(site));
  const broken = await probeHttp({ url: `http://127.0.0.1:${port}/broken`, timeoutMs: 5000 });
  t.equal(broken.state, 'critical');
  t.match(broken.output, /status 500 not expected/);
  const text = await probeHttp({ url: `http://127.0.0.1:${port}/`, timeoutMs: 5000, bodyMatch: (b) => b.includes('Apache') });
  t.equal(text.state, 'critical');
  t.match(text.output, /the body did not match/);
  const silent = await probeHttp({ url: `http://127.0.0.1:${port}/silent`, timeoutMs: 300 });
  t.equal(silent.state, 'critical');
  t.match(silent.output, /no answer within 0\.3 s/);
  const closed = http.createServer();
  const closedPort = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as net.AddressInfo).port)));
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await probeHttp({ url: `http://127.0.0.1:${closedPort}/`, timeoutMs: 5000 });
  t.equal(refused.state, 'critical');
  t.match(refused.output, /connection refused/);
  t.equal((await probeHttp({ url: 'ftp://127.0.0.1/', timeoutMs: 1000 })).state, 'unknown');
});

void t.test('HTTPS: a certificate that expires in 5 days is WARNING under 30 days and CRITICAL under 7', async (t) => {
  const ca = new TestCa(tempDir(t));
  const root = ca.root('probe-root');
  const leaf = ca.issue(root, '127.0.0.1', 'leaf', { san: 'IP:127.0.0.1', end: stamp(Date.now() + 5 * 86_400_000 + 3_600_000) });
  const port = await listen(t, https.createServer({ key: leaf.key, cert: leaf.cert }, site));
  const url = `https://127.0.0.1:${port}/`;
  const warn = await probeHttp({ url, timeoutMs: 5000, ca: root.cert, certWarnDays: 30, certCritDays: 7 - 5 });
  t.equal(warn.certDaysLeft, 5);
  t.equal(warn.state, 'warning');
  t.match(warn.output, /certificate valid 5 more days$/);
  t.match(warn.perfdata[2], { label: 'cert_days', value: 5, warn: '30:', crit: '2:' });
  const crit = await probeHttp({ url, timeoutMs: 5000, ca: root.cert, certWarnDays: 30, certCritDays: 7 });
  t.equal(crit.state, 'critical');
  const fine = await probeHttp({ url, timeoutMs: 5000, ca: root.cert, certWarnDays: 3, certCritDays: 1 });
  t.equal(fine.state, 'ok');
  const untrusted = await probeHttp({ url, timeoutMs: 5000 });
  t.equal(untrusted.state, 'critical', 'a certificate no trusted CA signed');
  t.match(untrusted.output, /does not verify/);
  const internal = await probeHttp({ url, timeoutMs: 5000, verifyTls: false, certWarnDays: 30 });
  t.equal(internal.certDaysLeft, 5, 'an internal service: unverified, its days still counted');
  t.equal(internal.state, 'warning');
});
