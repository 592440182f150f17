// Statistics of one server over one year (S10): how long GET /stats's computation takes (the
// store's reads through rrdcached and the figures), against a baseline measured in the same run:
// a plain `rrdtool fetch` of the same file and range (the AVERAGE rows alone, in a process of its
// own, as any rrdtool-based tool reads them). The target: under 500 ms.
//
//   npx tsx scripts/bench/stats.ts [--runs 20] [--step 60]
//
// The year is written first with rrdtool itself (a file laid out as the store lays out a cpu
// series at that step: rrd-layout.ts), then read back through a real RrdStore and rrdcached.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { familyFields } from '../../contract/metrics.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { dsDefs, rraDefs, rrdFileName } from '../../appliance/store/rrd-layout.js';
import { RrdStore } from '../../appliance/store/rrd-store.js';
import { StatsService } from '../../appliance/stats/stats-service.js';
import { DEFAULT_BUSINESS_HOURS } from '../../appliance/stats/local-hours.js';
import { percentile } from './percentile.js';
import { prng } from './read-back.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' }, step: { type: 'string', default: '60' } } });
const RUNS = Number(args.runs);
const STEP = Number(args.step);
const YEAR = 365 * 86_400;
const AGENT = 'bench-stats';
const UPDATES_PER_CALL = 10_000;

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 0.5);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-bench-stats-'));
  const store = new RrdStore({ dataDir: dir, profile: 'default', clock: systemClock, logger: silentLogger, sampleJournal: 'off' });
  try {
    const to = Math.floor(Date.now() / 1000 / 3600) * 3600;
    const from = to - YEAR;
    const rel = rrdFileName(AGENT, 'cpu', undefined, STEP);
    const file = path.join(dir, 'rrd', rel);
    mkdirSync(path.dirname(file), { recursive: true });
    execFileSync('rrdtool', ['create', file, '--start', String(from - STEP), '--step', String(STEP), ...dsDefs('cpu', STEP), ...rraDefs(STEP, 'default', 'cpu')]);
    const fields = familyFields('cpu').length;
    const rand = prng(42);
    const wrote = performance.now();
    let batch: string[] = [];
    for (let t = from + STEP; t <= to; t += STEP) {
      const busy = 20 + 60 * rand();
      batch.push([t, busy * 0.7, busy * 0.2, busy * 0.05, 0, 100 - busy].slice(0, fields + 1).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v))).join(':'));
      if (batch.length === UPDATES_PER_CALL) {
        execFileSync('rrdtool', ['update', file, ...batch]);
        batch = [];
      }
    }
    if (batch.length) execFileSync('rrdtool', ['update', file, ...batch]);
    console.log(`wrote a year of ${STEP} s rows of cpu (${(YEAR / STEP).toLocaleString('en')} updates) with rrdtool in ${((performance.now() - wrote) / 1000).toFixed(1)} s`);

    await store.start();
    const stats = new StatsService({ store, hostnameOf: () => 'bench', timeZone: 'Asia/Seoul', businessHours: () => DEFAULT_BUSINESS_HOURS });
    const measure = async (fn: () => unknown): Promise<number[]> => {
      await fn(); // warm: the file in the page cache, the code compiled
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await fn();
        ms.push(performance.now() - t0);
      }
      return ms;
    };
    const baseline = await measure(() => execFileSync('rrdtool', ['fetch', file, 'AVERAGE', '-s', String(from), '-e', String(to)], { maxBuffer: 64 << 20 }));
    const reads = await measure(async () => {
      for (const cf of ['AVERAGE', 'MIN', 'MAX'] as const) await store.consolidated(AGENT, 'cpu', undefined, from, to, cf);
    });
    const all = await measure(() => stats.compute({ agents: [AGENT], family: 'cpu', from, to, hours: 'all' }));
    const business = await measure(() => stats.compute({ agents: [AGENT], family: 'cpu', from, to, hours: 'business' }));
    const sample = await stats.compute({ agents: [AGENT], family: 'cpu', from, to, hours: 'all' });
    const src = sample.servers[0]?.sources;
    const row = (name: string, ms: number[]): string => {
      const m = median(ms);
      return `| ${name} | ${m.toFixed(1)} | ${percentile([...ms].sort((a, b) => a - b), 0.9).toFixed(1)} | ${(m / median(baseline)).toFixed(2)} |`;
    };
    console.log(`\none server, one year (${new Date(from * 1000).toISOString().slice(0, 10)} … ${new Date(to * 1000).toISOString().slice(0, 10)}), ${RUNS} runs each; figures from ${src?.avg.cf} ${src?.avg.stepS} s, ${src?.min.cf} ${src?.min.stepS} s, ${src?.max.cf} ${src?.max.stepS} s\n`);
    console.log('| what | median ms | p90 ms | × baseline |');
    console.log('|---|---|---|---|');
    console.log(row('baseline: `rrdtool fetch` AVERAGE, same file and range (a process)', baseline));
    console.log(row('the reads alone: FETCH AVERAGE, MIN, MAX through rrdcached', reads));
    console.log(row('statistics, all hours (AVERAGE + MIN + MAX through rrdcached, 5 fields)', all));
    console.log(row('statistics, business hours (Asia/Seoul)', business));
    const worst = Math.max(median(all), median(business));
    console.log(`\ntarget < 500 ms: ${worst < 500 ? 'met' : 'NOT met'} (${worst.toFixed(1)} ms)`);
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
