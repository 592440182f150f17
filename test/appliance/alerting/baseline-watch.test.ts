// B9: the baseline watch's bounded work per tick (docs/bounds.md): at most maxSeriesPerTick series
// read a tick, the others in turn at the next ticks; at most maxConversionsPerTick files given
// their archives a tick; only the covered family's file of each covered server is read, from
// where the last read ended; steps still learning reach the engine as nothing. The rrdcached side
// is a table of rows here (the live reading through a real rrdcached is baseline-live.int.test.ts).
import t from 'tap';
import type { Rule } from '../../../contract/alerting.js';
import type { Family } from '../../../contract/families.js';
import { systemClock, type Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { BaselineWatch } from '../../../appliance/alerting/baseline-watch.js';
import type { BaselinePoint } from '../../../appliance/alerting/rules/baseline-observations.js';
import type { FetchCf, FetchResult } from '../../../appliance/store/rrdcached-client.js';
import type { ArchivesOutcome } from '../../../appliance/store/baseline-archives.js';

const NOW_S = 1_800_000_000;
const STEP = 5;
const clock: Clock = { ...systemClock, now: () => NOW_S * 1000 };

const rule: Rule = {
  id: 'cpu-unusual', name: 'cpu unusual', metric: { kind: 'baseline', name: 'cpu_busy_pct' }, comparison: '>',
  levels: { warning: 3 }, recovery: { delta: 1 }, forS: 0, scope: { kind: 'all' }, enabled: true,
};

function setup(agents: string[], opts: { needsArchives?: Set<string>; sinceS?: number } = {}) {
  const fetched: { file: string; cf: FetchCf; fromS: number }[] = [];
  const converted: string[] = [];
  const judged = new Map<string, BaselinePoint[]>();
  const watch = new BaselineWatch({
    engine: {
      baselineTargets: () => agents.map((agentId) => ({ rule, agentId })),
      onBaselinePoints: (_ruleId, agentId, points) => judged.set(agentId, [...(judged.get(agentId) ?? []), ...points]),
    },
    store: {
      // each server has cpu at 1 s (no forecast possible) and 5 s, memory and a filesystem
      filesOf: (agentId) => Promise.resolve([`${agentId}/cpu.1s.rrd`, `${agentId}/cpu.5s.rrd`, `${agentId}/memory.5s.rrd`, `${agentId}/fs.5s.%2F.rrd`]),
      fetch: (file, cf, fromS, toS): Promise<FetchResult> => {
        fetched.push({ file, cf, fromS });
        const rows = [];
        // idle 90 % everywhere; forecast idle 90 ± 1, a step at 20 % busy at the end (then one newer step)
        for (let ts = fromS + STEP; ts <= toS; ts += STEP) {
          const spike = ts === toS - STEP;
          rows.push({ t: ts, values: [cf === 'AVERAGE' ? (spike ? 80 : 90) : cf === 'HWPREDICT' ? 90 : 1] });
        }
        return Promise.resolve({ start: fromS, end: toS, step: STEP, dsNames: ['idle'], rows });
      },
    },
    archives: {
      ensure: (agentId: string, rel: string, _family: Family, _step: number, mayConvert: boolean): Promise<ArchivesOutcome> => {
        if (opts.needsArchives?.has(agentId)) {
          if (!mayConvert) return Promise.resolve({ kind: 'deferred' });
          opts.needsArchives.delete(agentId);
          converted.push(rel);
          return Promise.resolve({ kind: 'ready', sinceS: NOW_S, converted: true, weekly: null });
        }
        return Promise.resolve({ kind: 'ready', sinceS: opts.sinceS ?? NOW_S - 10 * 86_400, converted: false, weekly: null });
      },
    },
    clock, logger: silentLogger, maxSeriesPerTick: 2, maxConversionsPerTick: 1,
  });
  return { watch, fetched, converted, judged };
}

void t.test('two series a tick, taken in turn, from the cpu file at 5 s only', async (t) => {
  const { watch, fetched, judged } = setup(['a', 'b', 'c', 'd', 'e']);
  const readers = async (): Promise<string[]> => {
    fetched.length = 0;
    await watch.tick();
    return [...new Set(fetched.map((f) => f.file))];
  };
  t.same(await readers(), ['a/cpu.5s.rrd', 'b/cpu.5s.rrd']);
  t.same(await readers(), ['c/cpu.5s.rrd', 'd/cpu.5s.rrd']);
  t.same(await readers(), ['e/cpu.5s.rrd', 'a/cpu.5s.rrd'], 'round the list');
  t.same(new Set(fetched.map((f) => f.cf)), new Set(['AVERAGE', 'HWPREDICT', 'DEVPREDICT']), 'the stored value, the forecast and its deviation');
  const a = judged.get('a') ?? [];
  t.ok(a.some((p) => Math.round(p.value) === 10), 'busy 20 % against a usual 10 ± 1 is judged 10 deviations');
  t.ok(a.every((p) => p.tMs < NOW_S * 1000), 'the newest step waits for its forecast (the next update)');
  const again = fetched.filter((f) => f.file === 'a/cpu.5s.rrd');
  t.equal(again[0]?.fromS, NOW_S - STEP, 'a series is read again from its last judged step, not 15 min back');
});

void t.test('one rewrite a tick: the other file waits, then gets its archives; a file learning since now judges nothing', async (t) => {
  const { watch, converted, judged } = setup(['a', 'b'], { needsArchives: new Set(['a', 'b']) });
  const first = await watch.tick();
  t.same(converted, ['a/cpu.5s.rrd']);
  t.equal(first.converted, 1);
  await watch.tick();
  t.same(converted, ['a/cpu.5s.rrd', 'b/cpu.5s.rrd'], 'the next tick takes the next');
  t.same([...judged.values()].flat(), [], 'nothing judged while the archives learn');
});
