// Walls and the schematic map over HTTP (S9, S21), in-process against a real SQLite file: a wall
// is saved, read by id and by name, changed and removed; bad bodies are 400s naming the field
// (unknown host names and schematic placements that cannot stand in their rack too), an unknown
// wall 404, a taken name and the bound on walls 409, a viewer's change 403 (and an operator's
// schematic change: it is admin's), every change audited; both survive reopening the database.
import t from 'tap';
import type { Test } from 'tap';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import type { ChangeEntry } from '../../../appliance/http/change-audit.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { wallRoutes } from '../../../appliance/walls/routes.js';
import { WallsFeature } from '../../../appliance/walls/walls-feature.js';
import { WALL_LIMITS, type Schematic, type Wall } from '../../../contract/walls-api.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { tempDir } from '../../helpers/temp-dir.js';

const HOSTS: Record<string, string> = { a1: 'web-01', a2: 'web-02', a3: 'db-01' };

interface Fixture {
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  audit: ChangeEntry[];
}

async function fixture(t: Test, dbFile = path.join(tempDir(t), 'rackwatch.sqlite')): Promise<Fixture> {
  const db = openDatabase(dbFile);
  t.teardown(() => db.close());
  const walls = new WallsFeature({
    db, clock: new VirtualClock(Date.UTC(2026, 0, 5, 9)),
    hostExists: (name) => Object.values(HOSTS).some((h) => h.toLowerCase() === name.toLowerCase()),
    agentExists: (id) => id in HOSTS,
  });
  const audit: ChangeEntry[] = [];
  const app = await createHttpApp({
    logger: silentLogger, audit: (e) => audit.push(e),
    auth: fixedAuthenticator({ rw_viewer: { username: 'val', role: 'viewer' }, rw_operator: { username: 'olga', role: 'operator' }, rw_admin: { username: 'ada', role: 'admin' } }),
  });
  await app.register(wallRoutes, { walls });
  t.teardown(() => app.close());
  return {
    audit,
    call: (method, url, body, token = 'rw_operator') => app.inject({
      method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    }),
  };
}

function problems(res: LightMyRequestResponse): string[] {
  return res.json<{ error: { code: string; problems?: string[] } }>().error.problems ?? [];
}

const WEB_WALL = { name: 'Web tier', range: '1h', panels: [{ host: 'web-01', family: 'cpu' }, { host: 'WEB-02', family: 'memory' }] };

void t.test('a wall is saved, read by id and by name, changed and removed; every change audited', async (t) => {
  const f = await fixture(t);
  const created = await f.call('POST', '/api/v1/walls', WEB_WALL);
  t.equal(created.statusCode, 201, created.body);
  const wall = created.json<Wall>();
  t.match(wall, { name: 'Web tier', range: '1h', columns: null, panels: WEB_WALL.panels });
  t.match(wall.id, /^w-[0-9a-f]{12}$/);
  t.same((await f.call('GET', `/api/v1/walls/${wall.id}`, undefined, 'rw_viewer')).json(), wall, 'a viewer reads it by id');
  t.same((await f.call('GET', `/api/v1/walls/${encodeURIComponent('web TIER')}`, undefined, 'rw_viewer')).json(), wall, 'and by its name, any letter case');
  t.same((await f.call('GET', '/api/v1/walls', undefined, 'rw_viewer')).json(), { walls: [wall] });

  const changed = await f.call('PUT', `/api/v1/walls/${wall.id}`, { name: 'Web', columns: 4, panels: [{ host: 'db-01', family: 'disk' }] });
  t.equal(changed.statusCode, 200, changed.body);
  t.match(changed.json<Wall>(), { id: wall.id, name: 'Web', range: 'live', columns: 4, panels: [{ host: 'db-01', family: 'disk' }] }, 'the whole definition replaced, defaults filled in');
  t.equal((await f.call('DELETE', '/api/v1/walls/Web')).statusCode, 204, 'removed by name');
  t.equal((await f.call('GET', `/api/v1/walls/${wall.id}`)).statusCode, 404);
  t.same(f.audit.map((e) => [e.action, e.actor]), [['wall.created', 'olga'], ['wall.changed', 'olga'], ['wall.removed', 'olga']]);
  t.match(f.audit[1]?.before, { name: 'Web tier' }, 'a change records what it replaced');
});

void t.test('bad walls are 400s naming the field; unknown ones 404; taken names and the bound 409; viewers 403', async (t) => {
  const f = await fixture(t);
  const bad = async (body: unknown, field: RegExp): Promise<void> => {
    const res = await f.call('POST', '/api/v1/walls', body);
    t.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80));
    t.match(problems(res).join('\n'), field);
  };
  await bad({ ...WEB_WALL, name: '' }, /^name: /);
  await bad({ ...WEB_WALL, name: 'x'.repeat(WALL_LIMITS.nameChars + 1) }, /^name: .*at most 64/);
  await bad({ ...WEB_WALL, name: 'tab\there' }, /^name: .*control/);
  await bad({ ...WEB_WALL, range: '2h' }, /^range: must be one of live/);
  await bad({ ...WEB_WALL, columns: 13 }, /^columns: /);
  await bad({ ...WEB_WALL, panels: [{ host: 'web-01', family: 'gpu' }] }, /^panels\.0\.family: must be one of cpu/);
  await bad({ ...WEB_WALL, panels: [{ host: 'web-01', family: 'cpu' }, { host: 'nope-9', family: 'cpu' }] }, /^panels\.1\.host: no server named nope-9/);
  await bad({ ...WEB_WALL, panels: Array.from({ length: WALL_LIMITS.panels + 1 }, () => ({ host: 'web-01', family: 'cpu' })) }, /^panels: at most 200/);
  await bad({ ...WEB_WALL, colour: 'red' }, /^colour: unknown/);
  await bad('nonsense', /^\(body\): /);

  t.equal((await f.call('GET', '/api/v1/walls/w-000000000000')).statusCode, 404);
  t.equal((await f.call('PUT', '/api/v1/walls/nope', WEB_WALL)).statusCode, 404);
  t.equal((await f.call('DELETE', '/api/v1/walls/nope')).statusCode, 404);
  t.equal((await f.call('POST', '/api/v1/walls', WEB_WALL, 'rw_viewer')).statusCode, 403, 'a viewer saves no wall');
  const mine = (await f.call('POST', '/api/v1/walls', { ...WEB_WALL, name: 'Mine' })).json<Wall>();
  t.equal((await f.call('PUT', `/api/v1/walls/${mine.id}`, WEB_WALL, 'rw_viewer')).statusCode, 403, 'nor changes one');
  t.equal((await f.call('DELETE', `/api/v1/walls/${mine.id}`, undefined, 'rw_viewer')).statusCode, 403, 'nor removes one');
  t.equal((await f.call('DELETE', `/api/v1/walls/${mine.id}`)).statusCode, 204);
  t.equal((await f.call('GET', '/api/v1/walls', undefined, 'nobody')).statusCode, 401);

  t.equal((await f.call('POST', '/api/v1/walls', WEB_WALL)).statusCode, 201);
  const twin = await f.call('POST', '/api/v1/walls', { ...WEB_WALL, name: 'WEB TIER' });
  t.equal(twin.statusCode, 409, 'a name is taken once, whatever its letter case');
  const other = (await f.call('POST', '/api/v1/walls', { ...WEB_WALL, name: 'Other' })).json<Wall>();
  t.equal((await f.call('PUT', `/api/v1/walls/${other.id}`, WEB_WALL)).statusCode, 409, 'nor renamed onto another');
  t.equal((await f.call('PUT', `/api/v1/walls/${other.id}`, { ...WEB_WALL, name: 'Other' })).statusCode, 200, 'a wall keeps its own name');
  for (let i = 2; i < WALL_LIMITS.walls; i++) {
    const r = await f.call('POST', '/api/v1/walls', { name: `wall ${i}`, panels: [] });
    if (r.statusCode !== 201) t.fail(`wall ${i}: ${r.body}`);
  }
  const over = await f.call('POST', '/api/v1/walls', { name: 'one too many', panels: [] });
  t.equal(over.statusCode, 409, `at most ${WALL_LIMITS.walls} walls`);
  t.match(over.json(), { error: { code: 'RW_ERR_CONFLICT' } });
});

void t.test('the schematic: racks and placements saved whole, checked, kept across a reopening; admin only', async (t) => {
  const file = path.join(tempDir(t), 'rackwatch.sqlite');
  const f = await fixture(t, file);
  t.same((await f.call('GET', '/api/v1/schematic', undefined, 'rw_viewer')).json(), { racks: [], placements: [], updatedAt: null }, 'empty before the first save');
  const layout = {
    racks: [{ name: 'R1', units: 42 }, { name: 'R2' }],
    placements: [{ agentId: 'a1', rack: 'R1', unit: 40, height: 2 }, { agentId: 'a2', rack: 'R1', unit: 1 }],
  };
  t.equal((await f.call('PUT', '/api/v1/schematic', layout, 'rw_operator')).statusCode, 403, 'where servers stand is the admin\'s to say');
  const saved = await f.call('PUT', '/api/v1/schematic', layout, 'rw_admin');
  t.equal(saved.statusCode, 200, saved.body);
  t.match(saved.json<Schematic>(), { racks: [{ name: 'R1', units: 42 }, { name: 'R2', units: 42 }], placements: [{ agentId: 'a1', unit: 40, height: 2 }, { agentId: 'a2', unit: 1, height: 1 }] });
  t.equal(f.audit.at(-1)?.action, 'schematic.changed');

  const bad = async (body: unknown, field: RegExp): Promise<void> => {
    const res = await f.call('PUT', '/api/v1/schematic', body, 'rw_admin');
    t.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 100));
    t.match(problems(res).join('\n'), field);
  };
  const R1 = [{ name: 'R1', units: 10 }];
  await bad({ racks: [{ name: 'R1', units: 61 }], placements: [] }, /^racks\.0\.units: /);
  await bad({ racks: [{ name: 'R1' }, { name: 'R1' }], placements: [] }, /^racks\.1\.name: .*twice/);
  await bad({ racks: R1, placements: [{ agentId: 'zz', rack: 'R1', unit: 1 }] }, /^placements\.0\.agentId: no server zz/);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R9', unit: 1 }] }, /^placements\.0\.rack: no rack named R9/);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R1', unit: 10, height: 2 }] }, /^placements\.0\.unit: units 10–11 do not fit rack R1 of 10 units/);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R1', unit: 3, height: 3 }, { agentId: 'a2', rack: 'R1', unit: 5 }] }, /^placements\.1\.unit: unit 5 of rack R1 is taken by server a1/);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R1', unit: 1 }, { agentId: 'a1', rack: 'R1', unit: 2 }] }, /^placements\.1\.agentId: .*placed twice/);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R1', unit: 0 }] }, /^placements\.0\.unit: /);
  await bad({ racks: R1 }, /^placements: /);
  await bad({ racks: Array.from({ length: 101 }, (_, i) => ({ name: `R${i}` })), placements: [] }, /^racks: /);
  await bad({ racks: [{ name: 'x'.repeat(65) }], placements: [] }, /^racks\.0\.name: /);
  await bad({ racks: R1, placements: [{ agentId: 'a1', rack: 'R1', unit: 1, height: 11 }] }, /^placements\.0\.height: /);

  const again = await fixture(t, file);
  t.match((await again.call('GET', '/api/v1/schematic', undefined, 'rw_viewer')).json<Schematic>(), { placements: [{ agentId: 'a1', rack: 'R1', unit: 40 }, { agentId: 'a2' }] }, 'the map read back from the file');
});
