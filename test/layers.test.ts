// docs/conventions.md, "Layers": core/ and contract/ are the ground and import nothing above them;
// gsm/ (the modem's AT engine and the PDU codec) stands on them and serves agent/ and appliance/;
// agent/ and appliance/ never import each other; webui/ imports only contract/ and core/; nothing
// the product ships imports scripts/; no module takes part in an import cycle. Pure domain folders
// import no I/O, and the SMS path (D4, S13) imports no network module, so an alert reaches the
// modem with the LAN down. One walk over every source file's imports checks all of it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { importGraph, fastTierViolations, findCycles, layerViolations, undeclaredPackages, type ImportEdge } from './helpers/import-graph.js';
import { repoRoot } from './helpers/paths.js';

const graph = importGraph();

void t.test('the source tree has files in every layer', (t) => {
  for (const top of ['core', 'contract', 'gsm', 'appliance', 'agent', 'webui', 'scripts']) {
    t.ok(graph.files.some((f) => f.startsWith(`${top}/`)), `${top}/ is walked`);
  }
  t.end();
});

void t.test('no import crosses a layer the wrong way', (t) => {
  const problems = layerViolations(graph.edges);
  t.same(problems.map(describe), [], 'forbidden imports');
  t.end();
});

void t.test('no module takes part in an import cycle', (t) => {
  const cycles = findCycles(graph.edges);
  t.same(cycles.map((c) => c.join(' → ')), [], 'import cycles');
  t.end();
});

void t.test('every imported package is declared in package.json', (t) => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  t.same(undeclaredPackages(graph.edges, declared).map((e) => `${e.from} imports '${e.spec}'`), [], 'undeclared packages');
  t.same(undeclaredPackages([{ from: 'scripts/x.ts', to: 'left-pad', spec: 'left-pad/sub' }], declared).length, 1, 'an undeclared one is caught');
  t.end();
});

void t.test('fast-tier tests start no process, socket or browser', (t) => {
  t.same(fastTierViolations(graph.edges).map(describe), [], 'fast tests that need the integration tier');
  t.equal(fastTierViolations([
    { from: 'test/x.test.ts', to: 'node:child_process', spec: 'node:child_process' },
    { from: 'test/y.test.ts', to: 'test/helpers/appliance-harness.ts', spec: './helpers/appliance-harness.js' },
    { from: 'test/z.int.test.ts', to: 'node:net', spec: 'node:net' },
  ]).length, 2, 'a fast test with a child process or the appliance harness is caught; an integration test is not');
  t.end();
});

void t.test('the checker itself refuses a forbidden import and a cycle', (t) => {
  // the rules above would pass on an empty graph; this proves they bite
  const planted: ImportEdge[] = [
    { from: 'contract/api.ts', to: 'appliance/alerting/rules/rule-types.ts', spec: '../appliance/alerting/rules/rule-types.js' },
    { from: 'appliance/ingest.ts', to: 'scripts/modem-sim/main.ts', spec: '../scripts/modem-sim/main.js' },
    { from: 'webui/src/app.tsx', to: 'appliance/config.ts', spec: '../../appliance/config.js' },
    { from: 'agent/main.ts', to: 'appliance/config.ts', spec: '../appliance/config.js' },
    { from: 'gsm/sms/pdu-submit.ts', to: 'node:net', spec: 'node:net' },
    { from: 'gsm/modem/at-session.ts', to: 'appliance/config.ts', spec: '../../appliance/config.js' },
    { from: 'appliance/alerting/rules/rule-evaluator.ts', to: 'node:fs', spec: 'node:fs' },
  ];
  t.equal(layerViolations(planted).length, planted.length, 'every planted import is refused');
  t.same(findCycles([
    { from: 'a/x.ts', to: 'a/y.ts', spec: './y.js' },
    { from: 'a/y.ts', to: 'a/x.ts', spec: './x.js' },
  ]), [['a/x.ts', 'a/y.ts', 'a/x.ts']]);
  t.end();
});

function describe(e: ImportEdge & { rule: string }): string {
  return `${e.from} imports '${e.spec}': ${e.rule}`;
}
