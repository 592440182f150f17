// The TCP check (S5) against real servers on loopback: up, down, a wrong banner, a server that
// never answers, a request and its reply, thresholds on the response time.
import net from 'node:net';
import t, { type Test } from 'tap';
import { probeTcp as probe, type TcpProbeRequest } from '../../core/tcp-probe.js';
import { stateOfValue } from '../../contract/checks.js';

const probeTcp = (r: Omit<TcpProbeRequest, 'stateOfTime'>): ReturnType<typeof probe> => probe({ ...r, stateOfTime: stateOfValue });

async function server(t: Test, onConnection: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer(onConnection);
  const sockets = new Set<net.Socket>();
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return (srv.address() as net.AddressInfo).port;
}

const smtp = (reply: string): boolean => /^220 /.test(reply);

void t.test('an SMTP banner that matches: OK with the response time', async (t) => {
  const port = await server(t, (s) => s.write('220 mail.example ESMTP\r\n'));
  const r = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, expect: smtp });
  t.equal(r.state, 'ok');
  t.match(r.output, /^TCP OK - [\d.]+ s response time on 127\.0\.0\.1 port \d+: 220 mail\.example ESMTP$/);
  t.match(r.perfdata, [{ label: 'time', unit: 's', min: 0, max: 5 }]);
});

void t.test('a closed port is CRITICAL: connection refused, no response time', async (t) => {
  const port = await server(t, () => undefined);
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  t.not(closedPort, port);
  const r = await probeTcp({ host: '127.0.0.1', port: closedPort, timeoutMs: 5000 });
  t.equal(r.state, 'critical');
  t.equal(r.output, `TCP CRITICAL - 127.0.0.1 port ${closedPort}: connection refused`);
  t.same(r.perfdata, []);
});

void t.test('a wrong banner is CRITICAL and says what came', async (t) => {
  const port = await server(t, (s) => s.end('554 go away\r\n'));
  const r = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, expect: smtp });
  t.equal(r.state, 'critical');
  t.match(r.output, /unexpected reply from 127\.0\.0\.1 port \d+: 554 go away$/);
});

void t.test('a server that accepts and never answers: CRITICAL at the timeout', async (t) => {
  const port = await server(t, () => undefined);
  const r = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 300, expect: smtp });
  t.equal(r.state, 'critical');
  t.match(r.output, /no reply within 0\.3 s/);
});

void t.test('bytes sent, and the reply they bring checked (an HTTP status line)', async (t) => {
  const port = await server(t, (s) => s.once('data', (req) => {
    s.end(req.toString().startsWith('GET / HTTP/1.0') ? 'HTTP/1.0 200 OK\r\n\r\n' : 'HTTP/1.0 400 Bad Request\r\n\r\n');
  }));
  const ok = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, send: 'GET / HTTP/1.0\r\n\r\n', expect: (r) => /^HTTP\/1\.[01] 200/.test(r) });
  t.equal(ok.state, 'ok');
  const bad = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, send: 'HEAD / HTTP/1.0\r\n\r\n', expect: (r) => /^HTTP\/1\.[01] 200/.test(r) });
  t.equal(bad.state, 'critical');
  t.match(bad.output, /400 Bad Request/);
});

void t.test('thresholds on the response time give WARNING and CRITICAL', async (t) => {
  const port = await server(t, () => undefined);
  // '~:0' alerts on any time above 0 s, so the state is the threshold's whatever the machine's speed
  const warn = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, warn: '~:0' });
  t.equal(warn.state, 'warning');
  t.match(warn.perfdata, [{ warn: '~:0', crit: null }]);
  const crit = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, warn: '~:0', crit: '~:0' });
  t.equal(crit.state, 'critical');
  const ok = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, warn: '5', crit: '10' });
  t.equal(ok.state, 'ok');
});

void t.test('a reply that never matches is read only up to its bound', async (t) => {
  const port = await server(t, (s) => s.write('x'.repeat(100_000)));
  const r = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 5000, expect: smtp, maxReplyBytes: 1024 });
  t.equal(r.state, 'critical');
  t.match(r.output, /1024 bytes read/);
});
