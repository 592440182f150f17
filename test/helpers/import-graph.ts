// Reads every source file's imports (static, re-exports and dynamic import()) with TypeScript's
// own pre-processor, resolves the relative ones to files, and judges them against the layer rules
// of docs/conventions.md. Used by test/layers.test.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';
import { repoRoot } from './paths.js';

export interface ImportEdge {
  /** importing file, relative to the repository root */
  from: string;
  /** imported file relative to the root, or the bare specifier of a package or built-in */
  to: string;
  /** the specifier as written */
  spec: string;
}

const SOURCE_ROOTS = ['core', 'contract', 'gsm', 'appliance', 'agent', 'webui/src', 'scripts', 'test'];
const SOURCE_EXT = /\.(ts|tsx|mts|mjs)$/;

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts') && !full.includes(`${path.sep}fixtures${path.sep}`)) out.push(full);
  }
}

function resolveRelative(fromAbs: string, spec: string): string {
  const base = path.resolve(path.dirname(fromAbs), spec);
  const stem = base.replace(/\.(js|mjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, path.join(base, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
  return path.relative(repoRoot, hit).split(path.sep).join('/');
}

export function importGraph(): { files: string[]; edges: ImportEdge[] } {
  const abs: string[] = [];
  for (const r of SOURCE_ROOTS) walk(path.join(repoRoot, r), abs);
  const edges: ImportEdge[] = [];
  for (const file of abs) {
    const from = path.relative(repoRoot, file).split(path.sep).join('/');
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      const spec = ref.fileName;
      const to = spec.startsWith('.') ? resolveRelative(file, spec) : spec;
      edges.push({ from, to, spec });
    }
  }
  return { files: abs.map((f) => path.relative(repoRoot, f).split(path.sep).join('/')), edges };
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const NETWORK = new Set(['net', 'http', 'https', 'http2', 'dns', 'dgram', 'tls', 'mqtt', 'aedes']);
const bare = (spec: string): string => spec.replace(/^node:/, '');

/** folders whose modules are pure domain logic (docs/conventions.md 3): no I/O at all */
export const PURE_FOLDERS = [
  'appliance/alerting/rules/',
  'appliance/alerting/policy/',
  'gsm/sms/',
];
/** the SMS path (D4, S13): from a stored sample to the serial port, nothing may need the network
 * (a feature's routes.ts is its HTTP face, not part of the path) */
export const SMS_PATH_FOLDERS = ['appliance/alerting/', 'gsm/'];
/** in pure folders only these files may touch storage (they are the folder's repository) */
const REPOSITORY_FILE = /-repository\.ts$/;

function isFile(to: string): boolean {
  return SOURCE_EXT.test(to);
}

/** the rule an import breaks, or null */
export function ruleBroken(e: ImportEdge): string | null {
  const top = e.from.split('/')[0] ?? '';
  if (isFile(e.to)) {
    const target = e.to.split('/')[0] ?? '';
    if (e.to.startsWith('scripts/') && top !== 'scripts' && top !== 'test') return 'nothing the product ships imports scripts/';
    if ((top === 'core') && target !== 'core') return 'core/ imports only core/';
    if (top === 'contract' && target !== 'contract' && target !== 'core') return 'contract/ imports only contract/ and core/';
    // the modem's AT engine and the PDU codec, shared by the appliance's outbox and a sentinel's modem channel (S12, S13)
    if (top === 'gsm' && !['gsm', 'contract', 'core'].includes(target)) return 'gsm/ imports only gsm/, contract/ and core/';
    if (top === 'webui' && !['webui', 'contract', 'core'].includes(target)) return 'webui/ imports only webui/, contract/ and core/';
    if (top === 'agent' && target === 'appliance') return 'agent/ never imports appliance/';
    if (top === 'appliance' && target === 'agent') return 'appliance/ never imports agent/';
    if ((top === 'appliance' || top === 'agent') && target === 'webui') return 'only the UI imports webui/';
    return null;
  }
  const mod = bare(e.spec);
  const pure = PURE_FOLDERS.some((p) => e.from.startsWith(p)) && !REPOSITORY_FILE.test(e.from);
  if (pure && BUILTINS.has(e.spec)) return 'pure domain modules import no Node built-in';
  if (pure && !['zod'].includes(mod)) return 'pure domain modules import no package but zod';
  if (SMS_PATH_FOLDERS.some((p) => e.from.startsWith(p)) && !e.from.endsWith('/routes.ts') && NETWORK.has(mod)) return 'the SMS path imports no network module';
  // the UI bundle carries contract/ too, so neither may need Node (core/ has Node-only modules the UI never imports)
  if ((top === 'contract' || top === 'webui') && BUILTINS.has(e.spec)) return `${top}/ runs in the browser too: no Node built-in`;
  return null;
}

export function layerViolations(edges: ImportEdge[]): (ImportEdge & { rule: string })[] {
  const out: (ImportEdge & { rule: string })[] = [];
  for (const e of edges) {
    const rule = ruleBroken(e);
    if (rule) out.push({ ...e, rule });
  }
  return out;
}

/** every strongly connected group of files, as one cycle through it (first file repeated at the end) */
export function findCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!isFile(e.to)) continue;
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  // Tarjan's strongly connected components
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do { w = stack.pop()!; onStack.delete(w); group.push(w); } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (group.length > 1 || selfLoop) groups.push(group);
    }
  };
  for (const v of [...next.keys()].sort()) if (!idx.has(v)) visit(v);
  return groups.map((g) => cycleThrough(g, next)).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function cycleThrough(group: string[], next: Map<string, string[]>): string[] {
  const members = new Set(group);
  const start = [...group].sort()[0]!;
  // breadth-first from start back to start inside the group: the shortest cycle through it
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const pathBack = [v];
        while (pathBack[0] !== start) pathBack.unshift(prev.get(pathBack[0]!)!);
        return [...pathBack, start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return [start, start];
}

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'), or null for a built-in. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || BUILTINS.has(spec) || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** Imports of packages package.json does not declare: they work only while another package pulls them in. */
export function undeclaredPackages(edges: ImportEdge[], declared: ReadonlySet<string>): ImportEdge[] {
  return edges.filter((e) => {
    const pkg = packageOf(e.spec);
    return pkg !== null && !declared.has(pkg) && !declared.has(`@types/${pkg}`);
  });
}

/** What a fast-tier test may not reach (docs/architecture.md, "Tests"): processes, sockets, a browser. */
const FAST_TIER_FORBIDDEN = new Set(['child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'dns', 'playwright-core', 'mqtt', 'serialport']);
/** Test helpers that start processes or servers: only integration tests (`*.int.test.ts`) use them. */
const INTEGRATION_HELPERS = /(appliance-harness|chromium|store-fixture|alerting-helpers|mqtt-agent|sse)\.ts$/;

export const isIntegrationTest = (file: string): boolean => file.endsWith('.int.test.ts');

/**
 * Fast-tier tests (`test/**\/*.test.ts` but not `*.int.test.ts`) and the test helpers they import
 * reach no process, socket or browser directly: `npm run test:fast` stays quick and runs anywhere.
 */
export function fastTierViolations(edges: ImportEdge[]): (ImportEdge & { rule: string })[] {
  const byFile = new Map<string, ImportEdge[]>();
  for (const e of edges) {
    const list = byFile.get(e.from) ?? [];
    list.push(e);
    byFile.set(e.from, list);
  }
  const out: (ImportEdge & { rule: string })[] = [];
  for (const file of byFile.keys()) {
    if (!file.startsWith('test/') || !file.endsWith('.test.ts') || isIntegrationTest(file)) continue;
    // the test and the test-local helpers it reaches (not product code, which may open sockets in thin adapter files)
    const seen = new Set<string>([file]);
    const queue = [file];
    while (queue.length) {
      const f = queue.shift()!;
      for (const e of byFile.get(f) ?? []) {
        if (isFile(e.to)) {
          if (INTEGRATION_HELPERS.test(e.to)) out.push({ ...e, from: file, rule: `a fast test uses ${e.to}, which starts processes or servers: name it *.int.test.ts` });
          else if (e.to.startsWith('test/') && !seen.has(e.to)) { seen.add(e.to); queue.push(e.to); }
        } else if (FAST_TIER_FORBIDDEN.has(bare(e.spec))) {
          out.push({ ...e, from: file, rule: `a fast test imports ${e.spec}: name it *.int.test.ts` });
        }
      }
    }
  }
  return out;
}
