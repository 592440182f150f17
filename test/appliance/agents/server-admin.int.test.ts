// S4 against the REAL built appliance (SQLite file, rrdcached, HTTP): an admin gives a server a
// display name (the host name stays, a restart keeps it, open UIs are told on the stream), moves
// it between groups from its own screen, and reads the retention profile with the storage
// capacity; bad bodies are 400s naming the field, unknown servers or groups 404 / 400, other
// roles are refused, and every change is in the audit log.
import t from 'tap';
import type { AgentDetail, AgentSummary } from '../../../contract/api.js';
import type { GroupView } from '../../../contract/alerts-api.js';
import type { RetentionPreview, RetentionResponse } from '../../../contract/retention-api.js';
import { startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { openStream } from '../../helpers/sse.js';
import { WebSession } from '../../helpers/web-session.js';

interface ErrorBody {
  error: { code: string; message: string; problems?: string[] };
}

async function send(app: RunningAppliance, method: string, pathname: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await app.fetch(pathname, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signedIn(app: RunningAppliance, role: 'operator' | 'viewer'): Promise<WebSession> {
  const password = `a long enough ${role} password`;
  await app.api('/api/v1/users', { username: `${role}1`, password, role });
  const web = new WebSession(app.url);
  await web.login(`${role}1`, password);
  return web;
}

void t.test('server administration', async (t) => {
  const first = await startAppliance(t);
  let app = first;
  const server = await app.api<AgentDetail>('/api/v1/servers', { name: 'web-07', address: '10.0.3.7' });

  await t.test('renaming: the display name is listed beside the host name, and announced on the stream', async (t) => {
    const sse = await openStream(app, '/api/v1/stream');
    t.teardown(() => sse.close());
    const r = await send(app, 'PATCH', `/api/v1/servers/${server.id}`, { displayName: '  Front web (rack 3)  ' });
    t.equal(r.status, 200, JSON.stringify(r.body));
    t.match(r.body, { id: server.id, hostname: 'web-07', displayName: 'Front web (rack 3)' }, 'trimmed; the host name kept');
    t.match((await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === server.id), { hostname: 'web-07', displayName: 'Front web (rack 3)' });
    const event = await waitFor('the agent event', () => sse.events.find((e) => e.event === 'agent' && (e.data as AgentSummary).displayName === 'Front web (rack 3)'), { timeoutMs: 10_000 });
    t.equal((event.data as AgentSummary).hostname, 'web-07', 'open UIs get both names');
  });

  await t.test('a bad name is a 400 naming the field; an unknown server is a 404', async (t) => {
    for (const body of [{ displayName: 'x'.repeat(65) }, { displayName: 'two\nlines' }, { displayName: 7 }, { name: 'wrong field' }]) {
      const r = await send(app, 'PATCH', `/api/v1/servers/${server.id}`, body);
      t.equal(r.status, 400, JSON.stringify(body));
      t.equal((r.body as ErrorBody).error.code, 'RW_ERR_VALIDATION');
      t.match((r.body as ErrorBody).error.problems?.join('\n'), /^(displayName|name): /m, (r.body as ErrorBody).error.problems?.join(' | ') ?? '');
    }
    const unknown = await send(app, 'PATCH', '/api/v1/servers/nosuchserver', { displayName: 'x' });
    t.equal(unknown.status, 404);
    t.equal((unknown.body as ErrorBody).error.code, 'RW_ERR_NOT_FOUND');
    t.equal((await app.api<AgentDetail>(`/api/v1/agents/${server.id}`)).displayName, 'Front web (rack 3)', 'nothing changed');
  });

  let groups: { a: GroupView; b: GroupView };
  await t.test('moving between groups: its groups become exactly the ones given', async (t) => {
    groups = {
      a: await app.api<GroupView>('/api/v1/groups', { name: 'Rack A' }),
      b: await app.api<GroupView>('/api/v1/groups', { name: 'Rack B' }),
    };
    const inA = await send(app, 'PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: [groups.a.id] });
    t.equal(inA.status, 200, JSON.stringify(inA.body));
    t.same(inA.body, { agentId: server.id, groupIds: [groups.a.id] });
    const moved = await send(app, 'PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: [groups.b.id] });
    t.same(moved.body, { agentId: server.id, groupIds: [groups.b.id] });
    const all = await app.api<GroupView[]>('/api/v1/groups');
    t.same(all.find((g) => g.id === groups.a.id)?.memberIds, [], 'out of Rack A');
    t.same(all.find((g) => g.id === groups.b.id)?.memberIds, [server.id], 'in Rack B');
  });

  await t.test('moving: unknown groups are a 400 naming them, an unknown server a 404, a non-list a 400', async (t) => {
    const bad = await send(app, 'PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: [groups.a.id, 'no-such-group'] });
    t.equal(bad.status, 400);
    t.same((bad.body as ErrorBody).error.problems, ['groupIds: no group no-such-group']);
    const notList = await send(app, 'PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: 'rack-a' });
    t.same((notList.body as ErrorBody).error.problems, ['groupIds: must be a list of group ids']);
    t.equal((await send(app, 'PUT', '/api/v1/servers/nosuchserver/groups', { groupIds: [] })).status, 404);
    const all = await app.api<GroupView[]>('/api/v1/groups');
    t.same(all.find((g) => g.id === groups.b.id)?.memberIds, [server.id], 'nothing changed');
  });

  await t.test('retention: the profile\'s archives and the storage capacity; a change previewed, then run in the background (S4)', async (t) => {
    const r = await app.api<RetentionResponse>('/api/v1/retention');
    t.equal(r.profile, 'default');
    t.equal(r.stepS, 5);
    t.same(r.archives.map((a) => [a.rowS, a.keepS, a.cfs.join('/')]), [
      [5, 86_400, 'AVERAGE'], [60, 7 * 86_400, 'AVERAGE/MIN/MAX'], [300, 31 * 86_400, 'AVERAGE/MIN/MAX'], [3600, 400 * 86_400, 'AVERAGE/MIN/MAX'],
    ]);
    t.equal(r.spanS, 400 * 86_400);
    t.equal(r.serversRegistered, 1);
    t.ok(r.serverCapacity >= 1 && r.bytesPerServer > 40e6 && r.freeBytes > 0, `capacity ${r.serverCapacity} servers at ${r.bytesPerServer} bytes`);
    t.equal(r.changeable, true);
    t.equal(r.change, null, 'no change yet');
    t.match(r.howToChange, /PUT \/api\/v1\/retention/);

    const preview = await app.api<RetentionPreview>('/api/v1/retention/preview?profile=bench');
    t.match(preview, { from: 'default', to: 'bench', dropsOlderThanS: 6 * 3600, rawAfterS: 1800, fits: true }, 'the preview says a bench profile drops what is older than 6 hours');
    const unknown = await send(app, 'PUT', '/api/v1/retention', { profile: 'forever' });
    t.equal(unknown.status, 400);
    t.match((unknown.body as ErrorBody).error.problems, [/^profile: must be one of default, bench/]);
    t.equal((await send(app, 'GET', '/api/v1/retention/preview?profile=forever')).status, 400);
    const same = await send(app, 'PUT', '/api/v1/retention', { profile: 'default' });
    t.equal(same.status, 400);
    t.match((same.body as ErrorBody).error.message, /profile: the retention is default already/);

    const put = await send(app, 'PUT', '/api/v1/retention', { profile: 'bench' });
    t.equal(put.status, 202);
    t.match(put.body, { from: 'default', to: 'bench' });
    await waitFor('the change done', async () => (await app.api<RetentionResponse>('/api/v1/retention')).change?.state === 'done', { timeoutMs: 30_000 });
    const after = await app.api<RetentionResponse>('/api/v1/retention');
    t.equal(after.profile, 'bench');
    t.match(after.change, { from: 'default', to: 'bench', failed: 0 });
    t.equal(after.change?.filesDone, after.change?.filesTotal);
  });

  await t.test('operators move servers but neither rename them nor read the retention; viewers do none of it', async (t) => {
    const operator = await signedIn(app, 'operator');
    t.equal((await operator.request('PATCH', `/api/v1/servers/${server.id}`, { displayName: 'x' })).status, 403);
    t.equal((await operator.request('GET', '/api/v1/retention')).status, 403);
    t.equal((await operator.request('PUT', '/api/v1/retention', { profile: 'default' })).status, 403);
    t.equal((await operator.request('GET', '/api/v1/retention/preview?profile=default')).status, 403);
    t.equal((await operator.request('PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: [groups.a.id] })).status, 200);
    const viewer = await signedIn(app, 'viewer');
    t.equal((await viewer.request('PUT', `/api/v1/servers/${server.id}/groups`, { groupIds: [] })).status, 403);
    t.equal((await viewer.request('PATCH', `/api/v1/servers/${server.id}`, { displayName: 'y' })).status, 403);
  });

  await t.test('every change is audited with what it replaced', async (t) => {
    const audit = await app.api<{ entries: { action: string; before?: unknown; after?: unknown }[] }>('/api/v1/audit');
    const renamed = audit.entries.find((e) => e.action === 'server.renamed');
    t.match(renamed, { before: { hostname: 'web-07' }, after: { displayName: 'Front web (rack 3)' } });
    const moves = audit.entries.filter((e) => e.action === 'server.groups_set');
    t.equal(moves.length, 3, 'two by the admin, one by the operator');
    t.match(moves.find((e) => JSON.stringify(e.after).includes(groups.b.id) && !JSON.stringify(e.after).includes(groups.a.id)), { before: [groups.a.id] });
  });

  await t.test('a restart keeps the display name; null takes it away', async (t) => {
    await first.stop();
    app = await startAppliance(t, { dataDir: first.dataDir });
    t.equal((await app.api<AgentDetail>(`/api/v1/agents/${server.id}`)).displayName, 'Front web (rack 3)');
    const cleared = await send(app, 'PATCH', `/api/v1/servers/${server.id}`, { displayName: null });
    t.equal(cleared.status, 200);
    t.notOk((cleared.body as AgentDetail).displayName, 'the host name is shown again');
    t.notOk((await app.api<AgentSummary[]>('/api/v1/agents')).find((a) => a.id === server.id)?.displayName);
  });
});
