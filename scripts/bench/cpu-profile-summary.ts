// Where a process's CPU time goes, from a V8 profile written by `node --cpu-prof` (e.g. the agent
// under agent-footprint.ts with `--agent-node-flags=--cpu-prof --cpu-prof-dir=DIR`): self time
// grouped by source file (through the bundle's source map when there is one: dist/agent.js.map),
// with V8's own buckets ((garbage collector), (program): the interpreter and runtime outside any
// JavaScript function, (idle)) apart. Not a test.
//
//   node scripts/bench/run.mjs scripts/bench/cpu-profile-summary.ts <file.cpuprofile> [--top 25] [--from-s 0]
//
// --from-s: only the samples from that many seconds after the profile's start (leaves start-up out)
// --by-caller: each sample counted for the innermost of the project's own files (agent/, appliance/,
//   core/, contract/) on its stack, so that Node's and the kernel's work (a socket's connect, a write)
//   counts for the code that asked for it; samples with none of them on the stack keep their own
//   place (Node's timers, streams, V8's buckets)
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

const { values: args, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, 'from-s': { type: 'string', default: '0' }, 'by-caller': { type: 'boolean', default: false } }, allowPositionals: true });
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: cpu-profile-summary.ts <file.cpuprofile> [--top 25] [--from-s 0] [--by-caller]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const maps = new Map<string, SourceMap | null>();
const mapOf = (url: string): SourceMap | null => {
  if (!maps.has(url)) {
    let map: SourceMap | null = null;
    try {
      const js = url.startsWith('file://') ? fileURLToPath(url) : url;
      if (existsSync(`${js}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${js}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return maps.get(url) ?? null;
};
const where = (f: CallFrame): string => {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : `(native) ${f.functionName}`;
  if (f.url.startsWith('node:')) return f.url;
  const map = mapOf(f.url);
  const entry = map ? (map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string }) : undefined;
  const source: string | undefined = entry?.originalSource;
  if (!source) return path.basename(f.url);
  const s: string = source.replace(/^.*node_modules\//, 'node_modules/').replace(/^.*\/(agent|appliance|core|contract)\//, '$1/');
  // a dependency counts as a whole
  const parts: string[] = s.split('/');
  return s.startsWith('node_modules/') ? parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/') : s;
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const OWN = /^(agent|appliance|core|contract)\//;
const keyOfNode = new Map<number, string>();
/** the sample's own place, or with --by-caller the innermost of the project's files on its stack */
const keyOf = (node: ProfileNode): string => {
  let key = keyOfNode.get(node.id);
  if (key === undefined) {
    key = where(node.callFrame);
    if (args['by-caller'] && !OWN.test(key) && !key.startsWith('(garbage') && key !== '(idle)' && key !== '(program)') {
      for (let id = parentOf.get(node.id); id !== undefined; id = parentOf.get(id)) {
        const up = where((byId.get(id) as ProfileNode).callFrame);
        if (OWN.test(up)) {
          key = up;
          break;
        }
      }
    }
    keyOfNode.set(node.id, key);
  }
  return key;
};
const selfUs = new Map<string, number>();
let total = 0;
const fromUs = profile.startTime + Number(args['from-s']) * 1e6;
let atUs = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i] as number);
  const dt = profile.timeDeltas[i] ?? 0;
  atUs += dt;
  if (!node || atUs < fromUs) continue;
  const key = keyOf(node);
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  total += dt;
}
const idle = selfUs.get('(idle)') ?? 0;
const busy = total - idle;
const rows = [...selfUs].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(args.top));
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s on the CPU (samples; idle excluded)\n`);
for (const [k, us] of rows) process.stdout.write(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
