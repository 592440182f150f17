// S20, SEC: the appliance serves the agent installer: /install.sh with its configured HTTPS
// origin and public-key pin (never the request's Host header),
// the bundled agent and its checksum, and a clear 404 when a build lacks them. The routes are
// tested in-process (app.inject) against a directory of known files, then against the REAL built appliance.
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../../core/logger.js';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import { installerRoutes, PIN_PLACEHOLDER, URL_PLACEHOLDER } from '../../../appliance/installer/routes.js';
import { ROOT, startAppliance, type Teardownable } from '../../helpers/appliance-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SCRIPT = `#!/bin/sh\nset -eu\nAPPLIANCE="${URL_PLACEHOLDER}"\nPIN='${PIN_PLACEHOLDER}'\ncurl -fsSL "${URL_PLACEHOLDER}/agent/rackwatch-agent.js" -o /tmp/a.js\n`;
const ORIGIN = 'https://mon.example.net:8443';
const PIN = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** A GET in-process (app.inject: no port), with any Host header (fetch() would not send a bad one). */
async function rawGet(app: FastifyInstance, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; bytes: Buffer; type: string | undefined; json<T>(): T }> {
  const res = await app.inject({ method: 'GET', url: pathname, headers });
  return { status: res.statusCode, body: res.body, bytes: res.rawPayload, type: res.headers['content-type'] as string | undefined, json: <T>() => res.json<T>() };
}

async function serve(t: Teardownable, distDir: string): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger: silentLogger });
  await app.register(installerRoutes, { distDir, origin: () => ORIGIN, pin: () => PIN });
  t.teardown(() => app.close());
  return app;
}

void t.test('installer routes on a directory of known files', async (t) => {
  const dir = tempDir(t, 'rw-inst-');
  writeFileSync(path.join(dir, 'install-agent.sh'), SCRIPT);
  const agent = Buffer.from('#!/usr/bin/env node\nconsole.log("agent");\n'.repeat(1000));
  writeFileSync(path.join(dir, 'agent.js'), agent);
  const app = await serve(t, dir);

  await t.test('install.sh carries the configured HTTPS origin and pin, whatever Host header the request sends', async (t) => {
    const expected = SCRIPT.replaceAll(URL_PLACEHOLDER, ORIGIN).replaceAll(PIN_PLACEHOLDER, PIN);
    for (const host of ['attacker.example.org:8080', '10.6.6.6', 'x";rm -rf /;"', '$(id)', undefined]) {
      const r = await rawGet(app, '/install.sh', host === undefined ? {} : { host, 'x-forwarded-proto': 'http' });
      t.equal(r.status, 200, String(host));
      t.match(r.type, /shellscript/);
      t.equal(r.body, expected, `Host: ${String(host)}`);
    }
  });

  await t.test('the agent bundle and its checksum', async (t) => {
    const res = await rawGet(app, `/agent/rackwatch-agent.js`);
    t.equal(res.status, 200);
    t.same(res.bytes, agent);
    const sum = (await rawGet(app, `/agent/rackwatch-agent.js.sha256`)).body;
    t.equal(sum, `${createHash('sha256').update(agent).digest('hex')}  rackwatch-agent.js\n`, 'in the format sha256sum -c reads');
    t.equal((await rawGet(app, `/agent/rackwatch-agentXjs`)).status, 404, 'a dot in a route is a dot');
  });

  await t.test('the netlink addon of an architecture and its checksum; none for an unknown one', async (t) => {
    const addon = Buffer.from('\x7fELF not really an addon');
    writeFileSync(path.join(dir, 'sock-diag-linux-arm64.node'), addon);
    const res = await rawGet(app, `/agent/sock-diag-linux-arm64.node`);
    t.equal(res.status, 200);
    t.same(res.bytes, addon);
    const sum = (await rawGet(app, `/agent/sock-diag-linux-arm64.node.sha256`)).body;
    t.equal(sum, `${createHash('sha256').update(addon).digest('hex')}  sock-diag-linux-arm64.node\n`);
    const missing = await rawGet(app, `/agent/sock-diag-linux-x64.node`);
    t.equal(missing.status, 404, 'a known architecture not in this build');
    t.match(missing.json<{ error: { message: string } }>().error.message, /npm run build/);
    for (const name of ['sock-diag-darwin-x64.node', 'sock-diag-linux-x64.node.gz', 'sock-diag-..%2Fagent.js']) {
      const other = await rawGet(app, `/agent/${name}`);
      t.equal(other.status, 404, name);
      t.match(other.json<{ error: { message: string } }>().error.message, /no netlink addon for that platform/);
    }
  });

  await t.test('the serialport runtime of an architecture and its checksum (S13, B4); none for an unknown one', async (t) => {
    const archive = Buffer.from('\x1f\x8b not really an archive');
    writeFileSync(path.join(dir, 'serialport-linux-arm64.tar.gz'), archive);
    const res = await rawGet(app, '/agent/serialport-linux-arm64.tar.gz');
    t.equal(res.status, 200);
    t.same(res.bytes, archive);
    t.equal((await rawGet(app, '/agent/serialport-linux-arm64.tar.gz.sha256')).body,
      `${createHash('sha256').update(archive).digest('hex')}  serialport-linux-arm64.tar.gz\n`);
    const missing = await rawGet(app, '/agent/serialport-linux-x64.tar.gz');
    t.equal(missing.status, 404, 'a known architecture not in this build');
    t.match(missing.json<{ error: { message: string } }>().error.message, /the serialport runtime serialport-linux-x64\.tar\.gz is not part of this appliance's build: run `npm run build`/);
    for (const name of ['serialport-darwin-arm64.tar.gz', 'serialport-linux-ia32.tar.gz', 'serialport-linux-x64.tgz', 'serialport-..%2Fagent.js']) {
      const other = await rawGet(app, `/agent/${name}`);
      t.equal(other.status, 404, name);
      t.match(other.json<{ error: { message: string } }>().error.message, /no serialport runtime for that platform/);
    }
  });

  await t.test('a build without the files answers 404 with what to do', async (t) => {
    rmSync(path.join(dir, 'install-agent.sh'));
    rmSync(path.join(dir, 'agent.js'));
    for (const p of ['/install.sh', '/agent/rackwatch-agent.js', '/agent/rackwatch-agent.js.sha256']) {
      const res = await rawGet(app, `${p}`);
      t.equal(res.status, 404, p);
      const body = res.json<{ error: { code: string; message: string } }>();
      t.equal(body.error.code, 'RW_ERR_NOT_FOUND');
      t.match(body.error.message, /npm run build/);
    }
  });
});

void t.test('the real appliance serves the agent it was built with', async (t) => {
  const app = await startAppliance(t);
  const built = readFileSync(path.join(ROOT, 'dist', 'agent.js'));
  const res = await app.fetch('/agent/rackwatch-agent.js');
  t.equal(res.status, 200);
  t.equal(Number(res.headers.get('content-length')), built.length);
  const sum = await (await app.fetch('/agent/rackwatch-agent.js.sha256')).text();
  t.equal(sum.split(' ')[0], createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'));
  for (const target of ['linux-x64', 'linux-arm64', 'linux-arm']) {
    const addon = await app.fetch(`/agent/sock-diag-${target}.node`);
    t.equal(addon.status, 200, `the build ships the netlink addon for ${target}`);
    await addon.arrayBuffer();
  }
  for (const target of ['linux-x64', 'linux-arm64', 'linux-arm']) {
    const archive = await app.fetch(`/agent/serialport-${target}.tar.gz`);
    t.equal(archive.status, 200, `the build ships the serialport runtime for ${target}`);
    const sum = (await (await app.fetch(`/agent/serialport-${target}.tar.gz.sha256`)).text()).split(' ')[0];
    t.equal(sum, createHash('sha256').update(Buffer.from(await archive.arrayBuffer())).digest('hex'), `its checksum (${target})`);
  }
  const script = await app.fetch('/install.sh');
  if (existsSync(path.join(ROOT, 'scripts', 'install-agent.sh'))) {
    t.equal(script.status, 200, 'scripts/install-agent.sh is copied into dist/ by the build');
    const text = await script.text();
    t.notMatch(text, URL_PLACEHOLDER);
    t.notMatch(text, PIN_PLACEHOLDER);
    t.match(text, `APPLIANCE='https://127.0.0.1:${app.httpsPort}'`, 'its configured address and HTTPS port');
  } else {
    t.equal(script.status, 404, 'no scripts/install-agent.sh yet: a clear 404');
  }
});
