// D4, S13: an alert reaches the modem even when the LAN is down, so nothing between a stored
// batch and the serial port may depend on a network service (no sockets, no DNS, no HTTP, no
// MQTT). The SMS path's modules import only the database, the serial port and pure code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FORBIDDEN = ['node:net', 'node:http', 'node:https', 'node:http2', 'node:dns', 'node:dgram', 'node:tls', 'net', 'http', 'https', 'dns', 'mqtt', 'aedes'];

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

void t.test('the SMS path imports no network module', (t) => {
  const files = [
    'appliance/alert-service.ts',
    'appliance/alerting-stack.ts',
    ...tsFiles('appliance/notify'),
    ...tsFiles('appliance/alerts'),
    ...tsFiles('appliance/sms'),
    ...tsFiles('appliance/modem'),
  ];
  for (const file of files) {
    for (const spec of importsOf(file)) t.notOk(FORBIDDEN.includes(spec), `${file} imports ${spec}`);
  }
  t.end();
});
