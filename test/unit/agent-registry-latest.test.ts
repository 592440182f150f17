// The latest values an agent's detail shows (GET /api/v1/agents/:id): each series' newest sample,
// whatever order batches arrive in and however a series' fields change.
import t from 'tap';
import type { Sample } from '../../contract/metrics.js';
import { registryWithTwoAgents } from './registry-fixture.js';

const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);

function latestOf(registry: ReturnType<typeof registryWithTwoAgents>['registry'], id: string) {
  return registry.detail(id)?.latest ?? [];
}

void t.test('each series shows its newest sample; an older one delivered late does not replace it', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  const at = (ts: number, user: number, used: number): Sample[] => [
    { f: 'cpu', t: ts, v: { user, system: 1, iowait: 0, idle: 99 - user } },
    { f: 'fs', k: '/', t: ts, v: { used, free: 1000 - used, usedPct: used / 10 } },
  ];
  registry.recordSamples('a1', { i: 5, s: at(100, 10, 400) });
  registry.recordSamples('a1', { i: 5, s: at(105, 20, 410) });
  registry.recordSamples('a1', { i: 5, s: at(95, 99, 999) }); // a backlog after an outage
  t.same(latestOf(registry, 'a1'), [
    { family: 'cpu', t: 105, values: { user: 20, system: 1, iowait: 0, idle: 79 } },
    { family: 'fs', key: '/', t: 105, values: { used: 410, free: 590, usedPct: 41 } },
  ]);
  t.same(latestOf(registry, 'a2'), [], 'another agent has none');
  t.end();
});

void t.test('a series whose fields change shows exactly the new fields', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  registry.recordSamples('a1', { i: 5, s: [{ f: 'mem', t: 100, v: { used: 1, free: 2, swapUsed: 3, swapFree: 4 } }] });
  registry.recordSamples('a1', { i: 5, s: [{ f: 'mem', t: 105, v: { used: 5, free: 6 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'mem', t: 105, values: { used: 5, free: 6 } }], 'a field gone is gone');
  registry.recordSamples('a1', { i: 5, s: [{ f: 'mem', t: 110, v: { used: 7, free: null, swapUsed: 8 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'mem', t: 110, values: { used: 7, free: null, swapUsed: 8 } }], 'a field added is shown, an unknown value as null');
  registry.recordSamples('a1', { i: 5, s: [{ f: 'mem', t: 115, v: { used: 9, free: 10, swapFree: 11 } }] });
  t.same(latestOf(registry, 'a1'), [{ family: 'mem', t: 115, values: { used: 9, free: 10, swapFree: 11 } }], 'as many fields, but not the same');
  t.end();
});

void t.test('the values shown are not the published batch\'s objects', (t) => {
  const { registry } = registryWithTwoAgents(t, T0);
  const v = { l1: 1, l5: 2, l15: 3 };
  registry.recordSamples('a1', { i: 5, s: [{ f: 'load', t: 100, v }] });
  v.l1 = 42; // a batch object reused or changed later must not change what is shown
  t.same(latestOf(registry, 'a1')[0]?.values, { l1: 1, l5: 2, l15: 3 });
  t.end();
});
