// Last-seen times reach SQLite at most LAST_SEEN_SAVE_MS behind, not at every flush; a changed
// interval and a shutdown are saved at once. The API shows the live time all along.
import t from 'tap';
import { LAST_SEEN_SAVE_MS } from '../../../appliance/agents/agent-registry.js';
import { AgentRepository } from '../../../appliance/agents/agent-repository.js';
import { registryWithTwoAgents } from './registry-fixture.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);

void t.test('last-seen times are saved when a minute behind, intervals and shutdown at once', async (t) => {
  const { db, clock, registry } = registryWithTwoAgents(t, T0);
  /** what a restarted appliance would read */
  const saved = (id: string): { lastSeen: number | null; intervalS: number | null } => {
    const row = new AgentRepository(db).listing(id);
    return { lastSeen: row?.lastSeen ?? null, intervalS: row?.intervalS ?? null };
  };

  registry.heard('a1');
  registry.flushLastSeen();
  t.equal(saved('a1').lastSeen, T0, 'never saved before: saved at the first flush');

  await clock.advance(5_000);
  registry.heard('a1');
  registry.flushLastSeen();
  t.equal(saved('a1').lastSeen, T0, '5 s later: not written again');
  t.equal(registry.detail('a1')?.lastSeen, T0 + 5_000, 'the API has the live time');

  await clock.advance(LAST_SEEN_SAVE_MS);
  registry.heard('a1');
  registry.flushLastSeen();
  t.equal(saved('a1').lastSeen, T0 + 5_000 + LAST_SEEN_SAVE_MS, 'a minute behind: written');

  registry.recordSamples('a2', { i: 10, s: [{ t: T0 / 1000, f: 'load', v: { load1: 1 } }] });
  registry.heard('a2');
  registry.flushLastSeen();
  t.same(saved('a2'), { lastSeen: T0 + 5_000 + LAST_SEEN_SAVE_MS, intervalS: 10 }, 'a new interval is written at the next flush');

  await clock.advance(2_000);
  registry.heard('a1');
  registry.flushLastSeen(true);
  t.equal(saved('a1').lastSeen, T0 + 7_000 + LAST_SEEN_SAVE_MS, 'at shutdown everything pending is written');
});
