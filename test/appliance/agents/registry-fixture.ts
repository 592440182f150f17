// A registry on a real SQLite file with two enrolled agents (a1 web-01, a2 web-02) and a fake clock.
import path from 'node:path';
import type { Test } from 'tap';
import { AgentRegistry } from '../../../appliance/agents/agent-registry.js';
import { AgentRepository } from '../../../appliance/agents/agent-repository.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface RegistryFixture {
  db: Db;
  repo: AgentRepository;
  clock: VirtualClock;
  registry: AgentRegistry;
}

export function registryWithTwoAgents(t: Test, t0Ms: number): RegistryFixture {
  const db = openDatabase(path.join(tempDir(t), 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  const repo = new AgentRepository(db);
  repo.insert('a1', 'web-01', 'x', t0Ms);
  repo.insert('a2', 'web-02', 'x', t0Ms);
  const clock = new VirtualClock(t0Ms);
  const registry = new AgentRegistry({ repo, hub: new LiveHub({ ringSize: 10, bootTimeMs: t0Ms }), clock });
  return { db, repo, clock, registry };
}
