// The appliance's probes (S5) run by the scheduler against real servers on loopback and recorded
// through the checks' seam: TCP open, closed, a wrong banner and a server too slow to answer;
// HTTP 200, 500 and a body pattern; HTTPS with a certificate that expires in 5 days; ping of
// 127.0.0.1 through fping, and of an address nothing answers inside a network namespace.
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { CheckRun, CheckRunSink, ProbeDefinitionSource } from '../../../appliance/checks/check-runs.js';
import { ApplianceProbes } from '../../../appliance/checks/probes/appliance-probes.js';
import { parseFpingCounts } from '../../../appliance/checks/probes/fping-batch.js';
import type { CheckResult } from '../../../contract/check-definitions.js';
import type { CheckInput } from '../../../contract/checks-api.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { stamp, TestCa } from '../../helpers/test-ca.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function listen(t: Test, server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Runs each probe once through the scheduler (as the appliance does) and returns the results by id. */
async function runOnce(t: Test, probes: Record<string, CheckInput>, fpingPath?: string): Promise<Map<string, CheckResult>> {
  const results = new Map<string, CheckResult>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => { done = resolve; });
  const sink: CheckRunSink = {
    record(runs: readonly CheckRun[]) {
      for (const r of runs) {
        t.equal(r.agentId, null, `${r.checkId}: recorded as the appliance's run`);
        results.set(r.checkId, r.result);
      }
      if (results.size === Object.keys(probes).length) done();
    },
  };
  const source: ProbeDefinitionSource = {
    probes: () => Object.entries(probes).map(([id, definition]) => ({ id, definition })),
    onProbesChanged: () => () => undefined,
  };
  const scheduler = new ApplianceProbes({ source, sink, clock: systemClock, logger: silentLogger, random: () => 0, ...(fpingPath !== undefined ? { fpingPath } : {}) });
  scheduler.start();
  t.teardown(() => scheduler.stop());
  // the scheduler's timers do not hold the process open (the appliance's sockets do): this does
  const keepAlive = setInterval(() => undefined, 1000);
  await all;
  clearInterval(keepAlive);
  scheduler.stop();
  return results;
}

void t.test('probe-tcp: an open port, a closed one, a wrong banner and a server that answers too late', async (t) => {
  const smtp = await listen(t, net.createServer((s) => s.write('220 mail.example ESMTP\r\n')));
  const wrong = await listen(t, net.createServer((s) => s.write('SSH-2.0-OpenSSH_9.2\r\n')));
  const slow = await listen(t, net.createServer(() => undefined));
  const closed = await closedPort();
  const base = { type: 'probe-tcp', host: '127.0.0.1', interval: 60 } as const;
  const r = await runOnce(t, {
    open: { ...base, name: 'smtp', port: smtp, expect: '^220 ' },
    closed: { ...base, name: 'closed', port: closed },
    banner: { ...base, name: 'wrong banner', port: wrong, expect: '^220 ' },
    slow: { ...base, name: 'slow', port: slow, expect: '^220 ', timeout: 1 },
    // a warning threshold of 0 s on the connect time: any real time is above it
    warned: { ...base, name: 'warned', port: smtp, warn: '0' },
  });
  t.match(r.get('open'), { state: 'ok', output: /^TCP OK - [\d.]+ s response time on 127\.0\.0\.1 port \d+: 220 mail\.example ESMTP$/, perfdata: [{ label: 'time', unit: 's' }] });
  t.match(r.get('closed'), { state: 'critical', output: /connection refused$/, perfdata: [] });
  t.match(r.get('banner'), { state: 'critical', output: /unexpected reply .*SSH-2\.0-OpenSSH_9\.2/ });
  t.match(r.get('slow'), { state: 'critical', output: /no reply within 1 s/ });
  t.match(r.get('warned'), { state: 'warning', output: /^TCP WARNING/ });
});

void t.test('probe-http: 200 with the expected text, a 500, a body without it, an expected 404', async (t) => {
  const port = await listen(t, http.createServer((req, res) => {
    if (req.url === '/broken') res.writeHead(500).end('oops');
    else if (req.url === '/gone') res.writeHead(404).end('not here');
    else res.writeHead(200).end('<h1>Welcome to nginx!</h1>');
  }));
  const base = { type: 'probe-http', interval: 60 } as const;
  const r = await runOnce(t, {
    ok: { ...base, name: 'home', url: `http://127.0.0.1:${port}/`, bodyPattern: 'Welcome to (nginx|apache)' },
    broken: { ...base, name: 'broken', url: `http://127.0.0.1:${port}/broken` },
    text: { ...base, name: 'text', url: `http://127.0.0.1:${port}/`, bodyPattern: '(?i)apache' },
    gone: { ...base, name: 'gone', url: `http://127.0.0.1:${port}/gone`, expectStatus: '200-299,404' },
  });
  t.match(r.get('ok'), { state: 'ok', output: /^HTTP OK: 200 OK - 26 bytes/, perfdata: [{ label: 'time', unit: 's' }, { label: 'size', value: 26, unit: 'B' }] });
  t.match(r.get('broken'), { state: 'critical', output: /status 500 not expected/ });
  t.match(r.get('text'), { state: 'critical', output: /the body did not match/ });
  t.match(r.get('gone'), { state: 'ok', output: /^HTTP OK: 404/ });
});

void t.test('probe-http: an HTTPS device with a self-signed certificate that expires in 5 days', async (t) => {
  const ca = new TestCa(tempDir(t));
  const root = ca.root('device-root');
  const leaf = ca.issue(root, '127.0.0.1', 'leaf', { san: 'IP:127.0.0.1', end: stamp(Date.now() + 5 * 86_400_000 + 3_600_000) });
  const port = await listen(t, https.createServer({ key: leaf.key, cert: leaf.cert }, (_req, res) => res.writeHead(200).end('ok')));
  const base = { type: 'probe-http', interval: 60, url: `https://127.0.0.1:${port}/` } as const;
  const r = await runOnce(t, {
    soon: { ...base, name: 'device', insecure: true, certWarnDays: 14, certCritDays: 3 },
    strict: { ...base, name: 'strict', certWarnDays: 14 },
  });
  t.match(r.get('soon'), { state: 'warning', output: /certificate valid 5 more days/ });
  t.match(r.get('soon')?.perfdata, [{ label: 'time' }, { label: 'size' }, { label: 'cert_days', value: 5, warn: '14:', crit: '3:' }]);
  t.match(r.get('strict'), { state: 'critical', output: /the certificate does not verify/ }, 'without `insecure` a certificate no trusted CA signed fails');
});

void t.test('a bad pattern in a definition makes the probe UNKNOWN, with the reason', async (t) => {
  const r = await runOnce(t, { bad: { type: 'probe-tcp', name: 'bad', host: '127.0.0.1', port: await closedPort(), interval: 60, expect: '(a)\\1' } });
  t.match(r.get('bad'), { state: 'unknown', output: /expect: not a pattern this appliance runs/ });
});

void t.test('probe-ping: 127.0.0.1 answers every echo', async (t) => {
  const r = await runOnce(t, {
    lo: { type: 'probe-ping', name: 'loopback', host: '127.0.0.1', interval: 60, count: 3 },
    strict: { type: 'probe-ping', name: 'strict', host: '127.0.0.1', interval: 60, count: 2, warn: '0' },
    option: { type: 'probe-ping', name: 'option', host: '-h', interval: 60 },
  });
  t.match(r.get('lo'), { state: 'ok', output: /^PING OK - 127\.0\.0\.1: rtt avg [\d.]+ ms, max [\d.]+ ms, loss 0%$/ });
  t.match(r.get('lo')?.perfdata, [{ label: 'rtt_avg', unit: 'ms' }, { label: 'rtt_max', unit: 'ms' }, { label: 'loss', value: 0, unit: '%' }]);
  t.match(r.get('strict'), { state: 'warning' }, 'a warning range of 0 ms on the average round trip');
  t.match(r.get('option'), { state: 'unknown', output: /-h is not a host name or address/ }, 'a host fping would read as an option is refused');
});

void t.test('probe-ping without fping installed is UNKNOWN and says so', async (t) => {
  const r = await runOnce(t, { lo: { type: 'probe-ping', name: 'loopback', host: '127.0.0.1', interval: 60, count: 1 } }, '/nonexistent/fping');
  t.match(r.get('lo'), { state: 'unknown', output: 'PING UNKNOWN - fping is not installed (Debian: apt-get install fping)' });
});

void t.test('fping\'s summary lines are read per host, a lost echo as null', (t) => {
  const counts = parseFpingCounts('127.0.0.1 : 0.041 0.086 -\n::1       : 0.060 0.031 0.02\n10.66.0.1 : - - -\nfoo.invalid: Name or service not known\n');
  t.same(Object.fromEntries(counts), { '127.0.0.1': [0.041, 0.086, null], '::1': [0.06, 0.031, 0.02], '10.66.0.1': [null, null, null] });
  t.end();
});

const asRoot = { skip: process.getuid?.() === 0 ? false : 'needs root to create a network namespace' };

void t.test('probe-ping: an address nothing answers is CRITICAL with 100% loss (in a network namespace)', asRoot, async (t) => {
  const ns = `rwping${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  t.teardown(() => execFileSync('ip', ['netns', 'del', ns]));
  execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  // a route that drops: the echo goes nowhere, as to a host that is down
  execFileSync('ip', ['netns', 'exec', ns, 'ip', 'route', 'add', 'blackhole', '10.66.0.0/16']);
  const wrapper = path.join(tempDir(t), 'fping-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} fping "$@"\n`);
  chmodSync(wrapper, 0o755);
  const r = await runOnce(t, {
    down: { type: 'probe-ping', name: 'down', host: '10.66.0.1', interval: 60, count: 2, timeout: 2 },
    up: { type: 'probe-ping', name: 'up', host: '127.0.0.1', interval: 60, count: 2, timeout: 2 },
  }, wrapper);
  t.match(r.get('down'), { state: 'critical', output: 'PING CRITICAL - 10.66.0.1: no reply to 2 echo requests (100% loss)', perfdata: [{ label: 'loss', value: 100 }] });
  t.match(r.get('up'), { state: 'ok' }, 'the other host of the same fping run still answers');
});
