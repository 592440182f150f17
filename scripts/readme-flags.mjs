// `npm run readme`: rewrites the README's flag tables from the option specs (scripts/readme-flags.ts).
// Node 20 cannot run TypeScript, so the module is bundled with esbuild first, in memory.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundled = await build({
  entryPoints: [path.join(root, 'scripts', 'readme-flags.ts')],
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
});
const code = bundled.outputFiles[0]?.text ?? '';
const { withFlagTables } = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const file = path.join(root, 'README.md');
const before = readFileSync(file, 'utf8');
const after = withFlagTables(before);
if (after === before) console.log('README.md: flag tables already up to date');
else {
  writeFileSync(file, after);
  console.log('README.md: flag tables rewritten');
}
