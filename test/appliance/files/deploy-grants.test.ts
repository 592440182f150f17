// The deploy right granted per group of servers (S17, SEC; docs/api.md "Deploy grants"), in-process
// with inject on a real SQLite file, API tokens as the callers: an admin grants an operator group
// A; the operator may then make file jobs for A's servers and is refused (403, naming the server
// or group, nothing queued) for anything outside A; sees only their own jobs and those within A;
// the grant and its removal are audited; a removed grant, a deleted group or user takes the right
// away; a token made with a lower role than its owner's carries no grant.
import path from 'node:path';
import t, { type Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { AccountsFeature } from '../../../appliance/accounts/accounts-feature.js';
import { accountRoutes } from '../../../appliance/accounts/routes.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { FileJobRepository } from '../../../appliance/files/file-job-repository.js';
import { FileJobsService } from '../../../appliance/files/file-jobs-service.js';
import { fileRoutes } from '../../../appliance/files/routes.js';
import { UploadStore } from '../../../appliance/files/upload-store.js';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import type { SessionResponse } from '../../../contract/accounts-api.js';
import type { Group } from '../../../contract/alerting.js';
import type { DeployGrant, DeployGrantList, FileJobList, FileJobView } from '../../../contract/files-api.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

interface Fixture {
  app: FastifyInstance;
  db: Db;
  feature: AccountsFeature;
  files: FileJobsService;
  operatorId: number;
  /** API tokens: the admin's, the operator's (operator role), the operator's made as a viewer */
  admin: string;
  operator: string;
  operatorAsViewer: string;
}

function groupsOf(db: Db): Group[] {
  const groups = db.prepare<[], { id: string; name: string }>('SELECT id, name FROM server_groups ORDER BY id').all();
  const members = db.prepare<[string], { agent_id: string }>('SELECT agent_id FROM server_group_members WHERE group_id = ? ORDER BY agent_id');
  return groups.map((g) => ({ ...g, memberIds: members.all(g.id).map((m) => m.agent_id) }));
}

/** Servers a1, a2 in group A (ga), b1 in group B (gb); an admin and an operator. */
async function fixture(t: Test): Promise<Fixture> {
  const dataDir = tempDir(t, 'rw-grants-');
  const db = openDatabase(path.join(dataDir, 'rackwatch.sqlite'));
  const clock = new VirtualClock();
  const feature = new AccountsFeature({ db, dataDir, clock, logger: silentLogger });
  for (const id of ['a1', 'a2', 'b1']) db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, \'\', 0)').run(id, `host-${id}`);
  db.prepare('INSERT INTO server_groups (id, name, created_at) VALUES (\'ga\', \'A\', 0), (\'gb\', \'B\', 0)').run();
  db.prepare('INSERT INTO server_group_members (group_id, agent_id) VALUES (\'ga\', \'a1\'), (\'ga\', \'a2\'), (\'gb\', \'b1\')').run();
  const files = new FileJobsService({
    repo: new FileJobRepository(db), uploads: new UploadStore(dataDir), linkKey: Buffer.alloc(32, 7), origin: () => 'https://appliance.test:8443',
    agentExists: (id) => db.prepare('SELECT 1 FROM agents WHERE id = ?').get(id) !== undefined, hostnameOf: (id) => `host-${id}`,
    groups: () => groupsOf(db), configsChanged: () => Promise.resolve(), hub: new LiveHub({ ringSize: 16, bootTimeMs: 0 }),
    audit: (e) => feature.audit.append(e), clock, logger: silentLogger,
  });
  const app = await createHttpApp({ logger: silentLogger, auth: feature.authenticator(), audit: (e) => feature.audit.append(e) });
  await app.register(accountRoutes, feature.routeDeps());
  await app.register(fileRoutes, { files, grants: feature.deployGrants, clock });
  t.teardown(async () => {
    await app.close();
    db.close();
  });
  const admin = feature.repo.insertUser({ username: 'ada', role: 'admin', passwordHash: 'unused', at: 0 });
  const operator = feature.repo.insertUser({ username: 'olga', role: 'operator', passwordHash: 'unused', at: 0 });
  return {
    app, db, feature, files, operatorId: operator.id,
    admin: feature.tokens.create(admin, 'admin', 'admin').token,
    operator: feature.tokens.create(operator, 'operator', 'operator').token,
    operatorAsViewer: feature.tokens.create(operator, 'as viewer', 'viewer').token,
  };
}

function call(f: Fixture, token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<LightMyRequestResponse> {
  return f.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

const mkdir = (targets: { agentIds?: string[]; groupIds?: string[] }): object => ({ targets, action: 'mkdir', path: '/srv/www/new', runAs: 'www-data' });
const error = (res: LightMyRequestResponse): { code: string; message: string } => res.json<{ error: { code: string; message: string } }>().error;
const jobCount = (db: Db): number => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM file_jobs').get()?.n ?? 0;

void t.test('an operator granted group A deploys to A\'s servers only; the grant audited; removed, the right goes', async (t) => {
  const f = await fixture(t);
  const grantsUrl = `/api/v1/users/${f.operatorId}/deploy-groups`;

  const before = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a1'] }));
  t.same([before.statusCode, error(before).code], [403, 'RW_ERR_FORBIDDEN'], 'no grant: refused as before');

  t.equal((await call(f, f.operator, 'PUT', grantsUrl, { groupIds: ['ga'] })).statusCode, 403, 'an operator cannot grant themselves');
  const bad = await call(f, f.admin, 'PUT', grantsUrl, { groupIds: 'ga' });
  t.equal(bad.statusCode, 400, 'a malformed body');
  t.match(error(bad).message, /groupIds/, 'names the bad field');
  const noGroup = await call(f, f.admin, 'PUT', grantsUrl, { groupIds: ['ga', 'nope'] });
  t.same([noGroup.statusCode, error(noGroup).code], [404, 'RW_ERR_NOT_FOUND']);
  t.match(error(noGroup).message, /nope/, 'names the unknown group');
  t.equal((await call(f, f.admin, 'PUT', '/api/v1/users/999/deploy-groups', { groupIds: ['ga'] })).statusCode, 404, 'an unknown user');

  const granted = await call(f, f.admin, 'PUT', grantsUrl, { groupIds: ['ga'] });
  t.equal(granted.statusCode, 200, 'granted');
  t.same(granted.json<DeployGrant>(), { userId: f.operatorId, username: 'olga', role: 'operator', groupIds: ['ga'] });
  t.same((await call(f, f.admin, 'GET', '/api/v1/deploy-grants')).json<DeployGrantList>().grants, [{ userId: f.operatorId, username: 'olga', role: 'operator', groupIds: ['ga'] }]);
  const grantAudit = f.feature.audit.query({ action: 'files.deploy_groups_set' }).entries;
  t.match(grantAudit, [{ actor: 'ada', before: { groupIds: [] }, after: { username: 'olga', groupIds: ['ga'] } }], 'the grant audited: who, whom, before and after');

  const session = (await call(f, f.operator, 'GET', '/api/v1/auth/session')).json<SessionResponse>();
  t.same([session.user?.permissions.includes('files:deploy'), session.user?.deployGroupIds], [true, ['ga']], 'the session shows the right and its groups (the Files tab)');

  const inA = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a1'] }));
  t.equal(inA.statusCode, 201, 'made');
  t.same(inA.json<FileJobView>().targets.map((x) => x.agentId), ['a1'], 'a server of A: allowed');
  const groupA = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ groupIds: ['ga'] }));
  t.same([groupA.statusCode, groupA.json<FileJobView>().targets.map((x) => x.agentId)], [201, ['a1', 'a2']], 'the granted group itself');
  t.match(f.feature.audit.query({ action: 'files.job_made' }).entries[0], { actor: 'olga', after: { createdBy: 'olga', runAs: 'www-data', targets: [{ agentId: 'a1' }, { agentId: 'a2' }] } }, 'the job audited with the user, the account and the servers');

  const jobs = jobCount(f.db);
  const outside = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a1', 'b1'] }));
  t.same([outside.statusCode, error(outside).code], [403, 'RW_ERR_FORBIDDEN'], 'a server outside A: refused');
  t.match(error(outside).message, /b1 \(host-b1\)/, 'naming the server');
  t.notMatch(error(outside).message, /a1/, 'and only it');
  const groupB = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ groupIds: ['gb'] }));
  t.same([groupB.statusCode, error(groupB).code], [403, 'RW_ERR_FORBIDDEN'], 'a group not granted: refused');
  t.match(error(groupB).message, /group gb/, 'naming the group');
  t.equal(jobCount(f.db), jobs, 'nothing queued');

  // the admin's jobs: one within A, one on B
  const adminInA = (await call(f, f.admin, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a2'] }))).json<FileJobView>();
  const adminOnB = (await call(f, f.admin, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['b1'] }))).json<FileJobView>();
  const listed = (await call(f, f.operator, 'GET', '/api/v1/jobs')).json<FileJobList>().jobs.map((j) => j.id);
  t.same(listed, [adminInA.id, groupA.json<FileJobView>().id, inA.json<FileJobView>().id], 'listed: their own jobs and those all within A');
  t.equal((await call(f, f.admin, 'GET', '/api/v1/jobs')).json<FileJobList>().jobs.length, 4, 'an admin sees every job');
  t.equal((await call(f, f.operator, 'GET', `/api/v1/jobs/${adminOnB.id}`)).statusCode, 403, 'a job on B cannot be read');
  t.equal((await call(f, f.operator, 'GET', `/api/v1/jobs/${adminInA.id}`)).statusCode, 200, 'a job within A can');
  t.equal((await call(f, f.operator, 'POST', `/api/v1/jobs/${adminOnB.id}/rollback`, {})).statusCode, 403, 'nor rolled back');
  t.same([f.files.groupsHold(['ga'], 'a1'), f.files.groupsHold(['ga'], 'b1')], [true, false], 'the stream\'s rule: a file-job event of a server of A, not of B');

  const asViewer = await call(f, f.operatorAsViewer, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a1'] }));
  t.equal(asViewer.statusCode, 403, 'a token the operator made as a viewer carries no grant');

  const removed = await call(f, f.admin, 'PUT', grantsUrl, { groupIds: [] });
  t.same(removed.json<DeployGrant>().groupIds, []);
  t.match(f.feature.audit.query({ action: 'files.deploy_groups_set' }).entries[0], { before: { groupIds: ['ga'] }, after: { groupIds: [] } }, 'the removal audited');
  const after = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['a1'] }));
  t.same([after.statusCode, error(after).code], [403, 'RW_ERR_FORBIDDEN'], 'the grant removed: refused');
  t.equal((await call(f, f.operator, 'GET', '/api/v1/jobs')).statusCode, 403, 'and no listing');
});

void t.test('a grant goes with its group or its user', async (t) => {
  const f = await fixture(t);
  t.equal((await call(f, f.admin, 'PUT', `/api/v1/users/${f.operatorId}/deploy-groups`, { groupIds: ['ga', 'gb'] })).statusCode, 200);
  f.db.prepare('DELETE FROM server_groups WHERE id = ?').run('gb');
  t.same(f.feature.deployGrants.groupsOf(f.operatorId), ['ga'], 'the group deleted: its grant gone');
  const refused = await call(f, f.operator, 'POST', '/api/v1/jobs', mkdir({ agentIds: ['b1'] }));
  t.equal(refused.statusCode, 403, 'its servers out of reach');
  f.db.prepare('DELETE FROM users WHERE id = ?').run(f.operatorId);
  t.same(f.feature.deployGrants.list(), [], 'the user deleted: every grant of theirs gone');
});
