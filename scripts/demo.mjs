// Demo: the appliance (data under ./var, listening on 127.0.0.1 unless RW_LISTEN says otherwise)
// plus one agent on loopback that enrolls with the appliance's token. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.RW_DATA_DIR ?? path.join(root, 'var');
const httpPort = process.env.RW_HTTP_PORT ?? '8080';
const listen = process.env.RW_LISTEN ?? '127.0.0.1';
const wildcard = listen === '0.0.0.0' || listen === '::';
const loopback = /^(127\.|::1$|localhost$)/.test(listen);
// other servers reach this one on the address it listens on, or with a wildcard (or, after a
// restart, loopback) on its first external address: the installer and the certificate name it
const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const publicAddress = process.env.RW_PUBLIC_ADDRESS ?? (wildcard ? (external ?? os.hostname()) : listen);
const env = { ...process.env, RW_DATA_DIR: dataDir, RW_HTTP_PORT: httpPort, RW_LISTEN: listen, RW_PUBLIC_ADDRESS: publicAddress };

// SMS alerts go to the built-in modem simulator unless RW_MODEM names a real modem (or "none")
const modemArgs = process.env.RW_MODEM ? [] : ['--modem', 'sim'];
const appliance = spawn(process.execPath, [path.join(root, 'dist/appliance.js'), ...modemArgs], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let agent = null;
appliance.stdout.on('data', (chunk) => {
  const text = chunk.toString();
  process.stdout.write(text);
  const m = /rackwatch ready (\{.*\})/.exec(text);
  if (!m || agent) return;
  const ready = JSON.parse(m[1]);
  // the appliance keeps a generated token in the data dir; a configured one is not written there
  const token = process.env.RW_ENROLL_TOKEN ?? readFileSync(path.join(dataDir, 'enroll-token'), 'utf8').trim();
  // the pin of the appliance's key (core/public-key-pin.ts): the local agent trusts it alone, as
  // an installed one does
  const spki = new X509Certificate(readFileSync(path.join(dataDir, 'tls', 'cert.pem'))).publicKey.export({ type: 'spki', format: 'der' });
  const pin = `sha256//${createHash('sha256').update(spki).digest('base64')}`;
  agent = spawn(process.execPath, [path.join(root, 'dist/agent.js')], {
    env: { ...process.env, RW_APPLIANCE: `https://127.0.0.1:${ready.httpsPort}`, RW_PIN: pin, RW_TOKEN: token, RW_STATE_DIR: path.join(dataDir, 'agent') },
    stdio: 'inherit',
  });
  console.log(readyBlock(ready.httpsPort, token, pin));
});

// What a first-time user needs, framed so that it stands out of the log lines (the token is
// otherwise one log line among many): the UI's address, the token, and how to add a server.
function readyBlock(port, token, pin) {
  const url = (host) => `https://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const lines = [
    'rackwatch demo is ready',
    '',
    `  web UI            ${url(wildcard || loopback ? '127.0.0.1' : listen)}  (self-signed: the browser asks once)`,
    `  enrollment token  ${token}`,
    ...setupCodeLines(),
    `  TLS key pin       ${pin}`,
    '',
    'A local agent enrolls with this token; this machine appears in the UI shortly.',
    'Next: add another server (with Node.js 20+) by running on it (also in the Add server dialog):',
    `  curl --pinnedpubkey '${pin}' -k -fsS ${url(publicAddress)}install.sh | sudo sh -s -- --token '${token}' --pin '${pin}'`,
    ...(loopback ? ['  (restart the demo with RW_LISTEN=0.0.0.0 first: it listens on loopback only)'] : []),
    'Ctrl-C stops the demo.',
  ];
  // no right-hand border: the install command is wider than 80 columns, and a terminal that wraps
  // it would break a closed frame
  const rule = `+${'-'.repeat(78)}`;
  return ['', rule, ...lines.map((l) => `| ${l}`.trimEnd()), rule, ''].join('\n');
}
// No default password (docs/security.md "First start"): until the first admin exists, the UI
// asks for the one-time setup code the appliance keeps in the data dir.
function setupCodeLines() {
  const file = path.join(dataDir, 'setup-code');
  if (!existsSync(file)) return ['  sign in           with your admin account (forgotten: rackwatch password reset --data-dir var --user NAME)'];
  return [`  setup code        ${readFileSync(file, 'utf8').trim()}   (open the web UI and enter it to create the admin account)`];
}

// Ctrl-C in the terminal reaches the whole process group: the agent and the appliance get their
// own SIGINT and stop by themselves. A second signal from here would cut their clean stop short
// ("second signal while stopping"), so they are signalled only if they are still running a moment
// later (a signal sent to this process alone).
const FORWARD_AFTER_MS = 1_500;
const stop = () => {
  setTimeout(() => {
    for (const child of [agent, appliance]) if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }, FORWARD_AFTER_MS).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
appliance.on('exit', (code) => {
  agent?.kill('SIGTERM');
  process.exitCode = code ?? 1;
});
