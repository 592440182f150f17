// The latest values an agent's detail shows (GET /api/v1/agents/:id): each series' newest sample,
// whatever order batches arrive in and however a series' fields change.
import t from 'tap';
import type { Sample } from '../../../contract/metrics.js';
import { registryWithTwoAgents } from './registry-fixture.js';

const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);

function latestOf(registry: ReturnType<typeof registryWithTwoAgents>['registry'], id: string) {
  return registry.detail(id)?.latest ?? [];
}

void t.test('each series shows its newest sample; an older one delivered late does not replace it', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  const at = (ts: number, user: number, used: number): Sample[] => [
    { f: 'cpu', t: ts, v: { user, system: 1, iowait: 0, steal: 0, idle: 99 - user } },
    { f: 'fs', k: '/', t: ts, v: { size: 1000, used, avail: 1000 - used, inodes: 64, inodes_used: 8 } },
  ];
  registry.recordSamples('a1', { i: 5, s: at(100, 10, 400) });
  registry.recordSamples('a1', { i: 5, s: at(105, 20, 410) });
  registry.recordSamples('a1', { i: 5, s: at(95, 99, 999) }); // a backlog after an outage
  t.same(latestOf(registry, 'a1'), [
    { family: 'cpu', t: 105, values: { user: 20, system: 1, iowait: 0, steal: 0, idle: 79 } },
    { family: 'fs', key: '/', t: 105, values: { size: 1000, used: 410, avail: 590, inodes: 64, inodes_used: 8 } },
  ]);
  t.same(latestOf(registry, 'a2'), [], 'another agent has none');
  t.end();
});

void t.test('a series whose fields change shows exactly the new fields', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  registry.recordSamples('a1', { i: 5, s: [{ f: 'memory', t: 100, v: { total: 1, used: 2, swap_total: 3, swap_used: 4 } }] });
  registry.recordSamples('a1', { i: 5, s: [{ f: 'memory', t: 105, v: { total: 5, used: 6 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'memory', t: 105, values: { total: 5, used: 6 } }], 'a field gone is gone');
  registry.recordSamples('a1', { i: 5, s: [{ f: 'memory', t: 110, v: { total: 7, used: null, cached: 8 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'memory', t: 110, values: { total: 7, used: null, cached: 8 } }], 'a field added is shown, an unknown value as null');
  registry.recordSamples('a1', { i: 5, s: [{ f: 'memory', t: 115, v: { total: 9, used: 10, available: 11 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'memory', t: 115, values: { total: 9, used: 10, available: 11 } }], 'as many fields, but not the same');
  t.end();
});

void t.test('the values shown are not the published batch\'s objects', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  const v = { load1: 1, load5: 2, load15: 3 };
  registry.recordSamples('a1', { i: 5, s: [{ f: 'load', t: 100, v }] });
  v.load1 = 42; // a batch object reused or changed later must not change what is shown
  t.same(latestOf(registry, 'a1')[0]?.values, { load1: 1, load5: 2, load15: 3 });
  t.end();
});
