// The sampler: one round over every collector, isolating failures; and the batch split.
import t from 'tap';
import { METRICS_LIMITS, metricsBatchSchema, type Sample } from '../../contract/metrics.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Collector } from '../../agent/collectors/collector.js';
import { createSampler, toBatches } from '../../agent/sampler.js';

const loadSample = (t: number): Sample => ({ t, f: 'load', v: { load1: 1, load5: 1, load15: 1 } });

void t.test('a failing collector is logged under its name, once, and the others still run', async (t) => {
  const errors: Record<string, unknown>[] = [];
  const infos: Record<string, unknown>[] = [];
  const log: Logger = {
    ...silentLogger,
    error: (_msg, fields) => { errors.push(fields ?? {}); },
    info: (_msg, fields) => { infos.push(fields ?? {}); },
    child: () => log,
  };
  let broken = true;
  const collectors: Collector[] = [
    { name: 'memory', collect: () => { if (broken) throw new Error('ENOENT /proc/meminfo'); return []; } },
    { name: 'load', collect: (stamp) => [loadSample(stamp)] },
    { name: 'fs', collect: () => Promise.reject(new Error('async failure')) },
  ];
  const sampler = createSampler({ collectors, log });
  t.same(await sampler.sample(10), [loadSample(10)]);
  t.same(await sampler.sample(15), [loadSample(15)]);
  t.match(errors, [
    { collector: 'memory', error: { message: 'ENOENT /proc/meminfo' } },
    { collector: 'fs', error: { message: 'async failure' } },
  ], 'each failure logged once with the collector\'s name, not at every interval');
  broken = false;
  await sampler.sample(20);
  t.match(infos, [{ collector: 'memory' }], 'the recovery is logged');
});

void t.test('samples are split into contract-sized batches', (t) => {
  t.same(toBatches([], 5), [], 'nothing to send: no batch (the contract wants at least one sample)');
  const samples = Array.from({ length: 2500 }, (_, n) => loadSample(1_700_000_000 + n));
  const batches = toBatches(samples, 5);
  t.same(batches.map((b) => b.s.length), [1000, 1000, 500]);
  for (const batch of batches) {
    t.ok(metricsBatchSchema.safeParse(batch).success);
    t.ok(Buffer.byteLength(JSON.stringify(batch)) < METRICS_LIMITS.maxPayloadBytes);
  }
  t.end();
});
