// STYLE.md 3: the alerting domain is pure. Only the repository may touch the database; no other
// module of appliance/alerts imports Node built-ins, SQLite, the serial port or the network
// (zod, for input schemas, is pure).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../appliance/alerts');

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(dir, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

void t.test('pure alerting modules import only other pure modules and the contract', (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'alert-repository.ts');
  t.ok(files.length >= 8);
  for (const file of files) {
    for (const spec of importsOf(file)) {
      const allowed = spec.startsWith('./') || spec.startsWith('../../contract/') || spec === '../sms/index.js' || spec === 'zod';
      t.ok(allowed, `${file} imports ${spec}`);
      t.not(spec, './alert-repository.js', `${file} does not reach the repository`);
    }
  }
  t.end();
});
