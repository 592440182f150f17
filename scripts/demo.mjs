// Demo: the appliance (data under ./var, listening on 127.0.0.1 unless RW_LISTEN says otherwise)
// plus one agent on loopback that enrolls with the appliance's token. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.RW_DATA_DIR ?? path.join(root, 'var');
const httpPort = process.env.RW_HTTP_PORT ?? '8080';
const env = { ...process.env, RW_DATA_DIR: dataDir, RW_HTTP_PORT: httpPort, RW_LISTEN: process.env.RW_LISTEN ?? '127.0.0.1' };

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
  agent = spawn(process.execPath, [path.join(root, 'dist/agent.js')], {
    env: { ...process.env, RW_APPLIANCE: `http://127.0.0.1:${ready.httpPort}`, RW_TOKEN: token, RW_STATE_DIR: path.join(dataDir, 'agent') },
    stdio: 'inherit',
  });
  console.log(`\nrackwatch demo: open http://127.0.0.1:${ready.httpPort}/ (Ctrl-C stops)\n`);
});
const stop = () => {
  agent?.kill('SIGTERM');
  appliance.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
appliance.on('exit', (code) => {
  agent?.kill('SIGTERM');
  process.exitCode = code ?? 1;
});
