// The web UI's first load (S4, S9; docs/benchmarks.md "The web UI's size"): what a browser fetches
// before the dashboard can show (index.html's main.js, every chunk it imports statically, main.css)
// stays within 150 KB gzipped, and the rarely used screens (Walls, Schematic, Statistics, Compare,
// Servers admin, Users, Audit log) are not part of it but chunks of their own, fetched on first use.
// Reads the built dist/webui (npm run build).
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { WEBUI_INDEX, uiTestCanRun } from '../helpers/chromium.js';

const BUDGET_GZIP_BYTES = 150 * 1024;
const assets = path.join(path.dirname(WEBUI_INDEX), 'assets');

/** main.js and the chunks it imports statically, transitively (dynamic import() left out but uPlot's). */
function firstLoadScripts(): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // esbuild's minified static imports: import{…}from"./chunks/x.js" or import"./chunks/x.js"
    for (const m of code.matchAll(/import(?:[^"'()]*?from)?\s*"(\.{1,2}\/[^"]+\.js)"/g)) visit(path.resolve(path.dirname(file), m[1] ?? ''));
  };
  visit(path.join(assets, 'main.js'));
  // uPlot is imported dynamically but asked for as the page starts (webui/src/uplot-loader.ts, S9,
  // S14): the dashboard's charts need it, so it counts
  for (const f of readdirSync(path.join(assets, 'chunks'))) if (/^uPlot\..*\.js$/.test(f)) visit(path.join(assets, 'chunks', f));
  return [...seen];
}

const gz = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;

void t.test('the first load is within 150 KB gzipped and leaves the rarely used screens out', (t) => {
  if (!uiTestCanRun(t)) return t.end();
  const scripts = firstLoadScripts();
  const total = [...scripts, path.join(assets, 'main.css')].reduce((n, f) => n + gz(f), 0);
  t.ok(total <= BUDGET_GZIP_BYTES, `first load ${total} bytes gzipped (${scripts.length} scripts and main.css), budget ${BUDGET_GZIP_BYTES}`);
  const firstLoad = scripts.map((f) => readFileSync(f, 'utf8')).join('\n');
  const chunks = readdirSync(path.join(assets, 'chunks')).map((f) => readFileSync(path.join(assets, 'chunks', f), 'utf8')).join('\n');
  // a test id only each screen renders
  for (const [screen, mark] of [['Statistics', 'stats-results'], ['Compare', 'compare-view'], ['Walls', 'wall-screen'], ['Schematic', 'sch-tile'],
    ['Servers admin', 'rename-input'], ['Users', 'view-users'], ['Audit log', 'view-audit']] as const) {
    t.notOk(firstLoad.includes(`"${mark}"`), `${screen} is not in the first load`);
    t.ok(chunks.includes(`"${mark}"`), `${screen} is a chunk of its own`);
  }
  t.end();
});
