// B9's cost: what rrdtool's Holt-Winters archives (HWPREDICT, SEASONAL, DEVSEASONAL, DEVPREDICT,
// FAILURES: rrd-layout.ts holtWintersRraDefs) add to rrdcached's CPU and to the files, for N
// agents' cpu and memory files, against the same run without them. rrdcached computes the
// forecast when it writes a file, so the CPU measured is the daemon's own (utime + stime from
// /proc) over the updates and the writes that FLUSHALL forces, both runs with the same samples.
//
//   npx tsx scripts/bench/holt-winters.ts [--agents 100] [--step 5] [--minutes 10]
//
// Each run has its own rrdcached and directory. The samples are written in virtual time (explicit
// timestamps), as fast as the daemon takes them. A third run adds the weekly season as the
// appliance does it (B9): a small file per family at 300 s (weeklyRraDefs), sent every update of
// the family's file too; its µs per update are per sample (both updates of a sample together).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { familyFields, type Family } from '../../contract/metrics.js';
import { RrdcachedSupervisor } from '../../appliance/store/rrdcached-supervisor.js';
import { archives, dsDefs, holtWintersRraDefs, HW_WEEK_STEP_S, rraDefs, rrdFileName, weeklyFileName, weeklyRraDefs } from '../../appliance/store/rrd-layout.js';
import type { UpdateCommand } from '../../appliance/store/rrdcached-client.js';
import { cpuSeconds } from './proc-stats.js';

const { values: args } = parseArgs({ options: { agents: { type: 'string', default: '100' }, step: { type: 'string', default: '5' }, minutes: { type: 'string', default: '10' } } });
const AGENTS = Number(args.agents);
const STEP = Number(args.step);
const MINUTES = Number(args.minutes);
const FAMILIES: readonly Family[] = ['cpu', 'memory'];
const BATCH = 5_000;

interface RunResult {
  cpuS: number;
  bytes: number;
  wallS: number;
  updates: number;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.rrd')) total += statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

type Mode = 'off' | 'daily' | 'weekly';

async function run(mode: Mode): Promise<RunResult> {
  const withHw = mode !== 'off';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `rw-bench-hw-${mode}-`));
  const sup = new RrdcachedSupervisor({ dataDir, clock: systemClock, logger: silentLogger });
  try {
    await sup.start();
    const client = await sup.whenUp(30_000);
    const pid = sup.health().pid;
    if (pid === null) throw new Error('rrdcached has no pid');
    const start = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
    const defs = (family: Family): string[] => {
      const consolidated = archives(STEP, 'default', family).length;
      // the same consolidated archives either way; the Holt-Winters ones only when asked
      const base = rraDefs(STEP, 'default', family).slice(0, consolidated);
      return withHw ? [...base, ...holtWintersRraDefs(STEP, consolidated, family)] : base;
    };
    const files: { file: string; family: Family; weekly?: string }[] = [];
    for (let a = 0; a < AGENTS; a++) {
      for (const family of FAMILIES) {
        const file = rrdFileName(`bench-${a}`, family, undefined, STEP);
        await client.create(file, STEP, start, dsDefs(family, STEP), defs(family));
        if (mode !== 'weekly') {
          files.push({ file, family });
          continue;
        }
        const weekly = weeklyFileName(`bench-${a}`, family);
        await client.create(weekly, HW_WEEK_STEP_S, start, dsDefs(family, HW_WEEK_STEP_S), weeklyRraDefs(family));
        files.push({ file, family, weekly });
      }
    }
    const cpu0 = cpuSeconds(pid) ?? 0;
    const t0 = performance.now();
    let updates = 0;
    let batch: UpdateCommand[] = [];
    for (let t = start + STEP; t <= start + MINUTES * 60; t += STEP) {
      for (const { file, family, weekly } of files) {
        const n = familyFields(family).length;
        const values = Array.from({ length: n }, (_, i) => 10 + i + ((t / STEP) % 7));
        batch.push({ file, t, values });
        updates++;
        if (weekly !== undefined) batch.push({ file: weekly, t, values });
        if (batch.length >= BATCH) {
          await client.updateMany(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await client.updateMany(batch);
    // the forecast is computed as the files are written: have the daemon write each now (FLUSH answers once written)
    for (const { file, weekly } of files) {
      await client.flush(file);
      if (weekly !== undefined) await client.flush(weekly);
    }
    const cpuS = (cpuSeconds(pid) ?? 0) - cpu0;
    const wallS = (performance.now() - t0) / 1000;
    return { cpuS, bytes: dirBytes(path.join(dataDir, 'rrd')), wallS, updates };
  } finally {
    await sup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const off = await run('off');
  const on = await run('daily');
  const week = await run('weekly');
  const mb = (b: number): string => (b / 1e6).toFixed(1);
  console.log(`Holt-Winters archives (B9): ${AGENTS} agents × cpu + memory at a ${STEP} s step, ${MINUTES} min of samples (${on.updates} updates), rrdtool written through rrdcached`);
  console.log('| | rrdcached CPU s | µs per update | files MB | wall s |');
  console.log('|---|---|---|---|---|');
  for (const [name, r] of [['without HW', off], ['with HW', on], ['with HW + weekly file', week]] as const) {
    console.log(`| ${name} | ${r.cpuS.toFixed(2)} | ${((r.cpuS / r.updates) * 1e6).toFixed(1)} | ${mb(r.bytes)} | ${r.wallS.toFixed(1)} |`);
  }
  console.log(`ratio with/without: CPU ×${(on.cpuS / off.cpuS).toFixed(2)}, size ×${(on.bytes / off.bytes).toFixed(2)} (+${mb((on.bytes - off.bytes) / AGENTS)} MB an agent)`);
  console.log(`the weekly file (B9): CPU ×${(week.cpuS / on.cpuS).toFixed(2)} of with HW, +${((week.bytes - on.bytes) / AGENTS / 1e6).toFixed(2)} MB an agent`);
}

await main();
