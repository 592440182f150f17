// S17 end to end: the built appliance and two built agents on loopback. A file uploaded to the
// appliance is pushed to servers through their retained config, fetched by each agent over HTTPS
// with a signed link (the appliance's pinned key, as for MQTT over TLS) and written as the
// account the server's files.d maps the admin to (nobody). Checked as a user would notice them:
// the file's content, owner and mode; a dry run's plan; an agent stopped while the job was made
// runs it when it comes back; a rollback restores the previous version; a role without
// `files:deploy` is refused; a stored file changed on the appliance is refused by the agent's
// checksum; forged, expired and misused links are refused; states arrive on the stream (for
// files:deploy only) and the outcome in the audit log; an operator an admin granted a group
// (in the Users screen) sees only that group's servers in Files, deploys there and is refused
// elsewhere (S17, deploy grants). docs/api.md "Files", docs/agent.md.
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import t from 'tap';
import type { FileJobView, UploadedFile } from '../../../contract/files-api.js';
import { publicKeyPin } from '../../../core/public-key-pin.js';
import { signedPath } from '../../../appliance/files/signed-link.js';
import { AGENT_BIN, startAgent, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { openStream } from '../../helpers/sse.js';
import { isRoot } from '../../helpers/small-filesystem.js';
import { launchChromium, signedInPage, uiTestCanRun } from '../../helpers/chromium.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { WebSession } from '../../helpers/web-session.js';

const NOBODY = 65534;
const FINAL = new Set(['done', 'failed', 'skipped']);

async function upload(app: RunningAppliance, content: string, name: string): Promise<UploadedFile> {
  const res = await app.fetch(`/api/v1/files?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: content });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`upload: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as UploadedFile;
}

/** The job once each of its servers finished. */
function finished(app: RunningAppliance, id: string, timeoutMs = 30_000): Promise<FileJobView> {
  return waitFor(`job ${id} to finish`, async () => {
    const j = await app.api<FileJobView>(`/api/v1/jobs/${id}`);
    return j.targets.every((x) => FINAL.has(x.state)) ? j : null;
  }, { timeoutMs, intervalMs: 100 });
}

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

void t.test('fleet file jobs from the appliance to its agents', { skip: isRoot() ? false : 'the agents switch to the account nobody: needs root' }, async (t) => {
  const app = await startAppliance(t);
  const pin = publicKeyPin(new X509Certificate(readFileSync(path.join(app.dataDir, 'tls', 'cert.pem'))));
  // the server's tree: a root owned by nobody, files.d letting any rackwatch admin act as nobody there
  const dir = tempDir(t, 'rw-files-e2e-');
  chmodSync(dir, 0o755);
  const www = path.join(dir, 'www');
  mkdirSync(www);
  chownSync(www, NOBODY, NOBODY);
  const filesDir = path.join(dir, 'files.d');
  mkdirSync(filesDir);
  writeFileSync(path.join(filesDir, 'web.conf'), `root ${www} push mkdir move rmdir rollback\naccount role:admin nobody\naccount user:olga nobody\n`);
  // the bundle where the account's child can read it, as in /opt (a checkout may sit in a 0700 dir)
  mkdirSync(path.join(dir, 'opt'), { mode: 0o755 });
  const bin = path.join(dir, 'opt', 'agent.js');
  copyFileSync(AGENT_BIN, bin);
  const agentArgs = ['--pin', pin, '--files-dir', filesDir];
  const stateB = tempDir(t, 'rw-agent-b-');
  const agentA = startAgent(t, app, { hostname: 'files-a', bin, args: agentArgs });
  let agentB = startAgent(t, app, { hostname: 'files-b', bin, args: agentArgs, stateDir: stateB });
  const ids = await waitFor('both agents online', async () => {
    const list = await app.api<{ id: string; hostname: string; status: string }[]>('/api/v1/agents');
    const a = list.find((x) => x.hostname === 'files-a' && x.status === 'online');
    const b = list.find((x) => x.hostname === 'files-b' && x.status === 'online');
    return a && b ? { a: a.id, b: b.id } : null;
  }, { timeoutMs: 60_000 });
  const admin = await openStream(app, '/api/v1/stream');
  t.teardown(() => admin.close());
  const viewerToken = (await app.api<{ token: string }>('/api/v1/tokens', { name: 'files viewer', role: 'viewer' })).token;
  const operatorToken = (await app.api<{ token: string }>('/api/v1/tokens', { name: 'files operator', role: 'operator' })).token;
  const viewerStream = await openStream({ url: app.url, apiToken: viewerToken }, '/api/v1/stream');
  t.teardown(() => viewerStream.close());

  const conf = path.join(www, 'app.conf');
  const v1 = await upload(app, 'listen 80\n', 'app.conf');
  t.same([v1.size, v1.sha256], [10, sha256('listen 80\n')], 'the upload: its size and SHA-256');

  await t.test('a push: content, owner and mode as asked, on the stream and in the audit log', async (t) => {
    const made = await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.a] }, action: 'push', path: conf, mode: '0640', fileId: v1.id, runAs: 'nobody' });
    t.same(made.targets.map((x) => [x.hostname, x.state]), [['files-a', 'queued']]);
    const job = await finished(app, made.id);
    t.same(job.targets.map((x) => [x.state, x.reason]), [['done', null]], JSON.stringify(job.targets));
    const st = statSync(conf);
    t.same([readFileSync(conf, 'utf8'), st.uid, st.gid, (st.mode & 0o777).toString(8)], ['listen 80\n', NOBODY, NOBODY, '640']);
    const states = admin.events.filter((e) => e.event === 'file-job' && (e.data as { jobId: string }).jobId === made.id).map((e) => (e.data as { state: string }).state);
    t.same(states, ['queued', 'running', 'done'], 'each state on the stream');
    t.notOk(viewerStream.events.some((e) => e.event === 'file-job'), 'a viewer\'s stream carries no file job');
    const audit = await app.api<{ entries: { actor: string; action: string; target: string; after: { sha256: string; runAs: string; servers: { hostname: string; state: string }[] } }[] }>(`/api/v1/audit?action=files.job_finished`);
    const outcome = audit.entries.find((e) => e.target === made.id);
    t.match(outcome, { actor: 'admin', after: { sha256: v1.sha256, runAs: 'nobody', servers: [{ hostname: 'files-a', state: 'done' }] } }, 'the outcome audited');
    const madeEntry = (await app.api<{ entries: { target: string | null; after: { id: string; file: { sha256: string }; runAs: string } }[] }>('/api/v1/audit?action=files.job_made')).entries.find((e) => e.after.id === made.id);
    t.match(madeEntry?.after, { runAs: 'nobody', file: { sha256: v1.sha256 } }, 'the job audited with its account and digest');
  });

  await t.test('a dry run says what would happen and writes nothing', async (t) => {
    const f = await upload(app, 'listen 80\n', 'new.conf');
    const made = await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.a, ids.b] }, action: 'push', path: path.join(www, 'new.conf'), fileId: f.id, runAs: 'nobody', dryRun: true });
    const job = await finished(app, made.id);
    t.same(job.targets.map((x) => [x.state, x.plan]), [ids.a, ids.b].map(() => ['done', [`would write 10 bytes to ${path.join(www, 'new.conf')}, mode 0644: a new file`]]));
    t.notOk(existsSync(path.join(www, 'new.conf')));
    // the real push after it: a dry run leaves the upload for it; the push, once done, deletes it
    const push = await finished(app, (await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.a] }, action: 'push', path: path.join(www, 'new.conf'), fileId: f.id, runAs: 'nobody' })).id);
    t.same([push.targets[0]?.state, readFileSync(path.join(www, 'new.conf'), 'utf8')], ['done', 'listen 80\n']);
    await waitFor('the upload deleted once no job needs it', () => !existsSync(path.join(app.dataDir, 'files', f.id)));
  });

  await t.test('a server away while the job is made runs it when it comes back', async (t) => {
    await agentB.stop();
    await waitFor('agent b offline', async () => (await app.api<{ status: string }>(`/api/v1/agents/${ids.b}`)).status === 'offline');
    const f = await upload(app, 'for b\n', 'b.conf');
    const made = await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.b] }, action: 'push', path: path.join(www, 'b.conf'), fileId: f.id, runAs: 'nobody' });
    t.equal((await app.api<FileJobView>(`/api/v1/jobs/${made.id}`)).targets[0]?.state, 'queued', 'queued while the server is away');

    // meanwhile, its links: a signed one works; forged, expired or for another agent do not (403)
    const key = Buffer.from(readFileSync(path.join(app.dataDir, 'file-link.key'), 'utf8').trim(), 'base64url');
    const nowS = Math.floor(Date.now() / 1000);
    const good = signedPath(key, { fileId: f.id, jobId: made.id, agentId: ids.b, exp: nowS + 300 });
    const res = await app.fetchAnonymous(good);
    t.same([res.status, await res.text()], [200, 'for b\n'], 'the signed link serves the file');
    const refused = async (p: string): Promise<[number, string]> => {
      const r = await app.fetchAnonymous(p);
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    };
    t.same(await refused(good.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`)), [403, 'RW_ERR_SIGNED_URL'], 'a forged signature');
    t.same(await refused(signedPath(key, { fileId: f.id, jobId: made.id, agentId: ids.b, exp: nowS - 1 })), [403, 'RW_ERR_SIGNED_URL'], 'an expired link');
    t.same(await refused(good.replace(`agent=${ids.b}`, `agent=${ids.a}`)), [403, 'RW_ERR_SIGNED_URL'], 'the link of another agent');
    t.same(await refused(signedPath(key, { fileId: f.id, jobId: made.id, agentId: ids.a, exp: nowS + 300 })), [403, 'RW_ERR_SIGNED_URL'], 'signed, but not a server of the job');

    agentB = startAgent(t, app, { hostname: 'files-b', bin, args: agentArgs, stateDir: stateB });
    const job = await finished(app, made.id, 60_000);
    t.same(job.targets.map((x) => [x.state, x.reason]), [['done', null]]);
    t.equal(readFileSync(path.join(www, 'b.conf'), 'utf8'), 'for b\n');
  });

  await t.test('a rollback restores the version the push replaced', async (t) => {
    const v2 = await upload(app, 'listen 8080\n', 'app.conf');
    const push = await finished(app, (await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.a] }, action: 'push', path: conf, mode: '0640', fileId: v2.id, runAs: 'nobody' })).id);
    t.same([push.targets[0]?.state, readFileSync(conf, 'utf8')], ['done', 'listen 8080\n']);
    const rb = await app.api<FileJobView>(`/api/v1/jobs/${push.id}/rollback`, {});
    t.same([rb.rollbackOf, rb.targets.map((x) => x.agentId)], [push.id, [ids.a]]);
    const done = await finished(app, rb.id);
    t.same([done.targets[0]?.state, readFileSync(conf, 'utf8')], ['done', 'listen 80\n'], 'the previous content is back');
  });

  await t.test('the Files screen: choose a server, upload, dry run, push, watch its state live, roll back', async (t) => {
    if (!uiTestCanRun(t)) return;
    const browser = await launchChromium(t);
    const { page, pageErrors, cspViolations } = await signedInPage(browser, app.url);
    await page.goto(`${app.url}/#view=files`);
    await page.getByTestId('files-form').waitFor();
    const upload = path.join(dir, 'ui.conf');
    writeFileSync(upload, 'from the screen\n');
    const target = path.join(www, 'ui.conf');
    await page.getByTestId('files-agent-files-a').check();
    await page.getByTestId('files-action').selectOption('push');
    await page.getByTestId('files-path').fill(target);
    await page.getByTestId('files-mode').fill('0600');
    await page.getByTestId('files-runAs').fill('nobody');
    await page.getByTestId('files-file').setInputFiles(upload);
    // a dry run first (the form's default): the server's plan arrives on the stream
    await page.getByTestId('files-submit').click();
    const row = page.getByTestId('files-target-files-a');
    await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
    t.match(await row.textContent(), /would write 16 bytes/, 'the plan shown');
    t.notOk(existsSync(target), 'a dry run writes nothing');
    // then for real
    await page.getByTestId('files-dryRun').uncheck();
    await page.getByTestId('files-submit').click();
    await page.getByTestId('files-message').filter({ hasText: /Job .* made/ }).waitFor();
    await page.locator('[data-testid="files-target-files-a"][data-state="done"]').filter({ hasText: 'wrote 16 bytes' }).waitFor({ timeout: 30_000 });
    const st = statSync(target);
    t.same([readFileSync(target, 'utf8'), st.uid, (st.mode & 0o777).toString(8)], ['from the screen\n', NOBODY, '600'], 'pushed from the screen');
    // a second push replaces it; its rollback button brings the first back
    const upload2 = path.join(dir, 'ui-2.conf');
    writeFileSync(upload2, 'second\n');
    await page.getByTestId('files-file').setInputFiles(upload2);
    await page.getByTestId('files-submit').click();
    await waitFor('the second push written', () => existsSync(target) && readFileSync(target, 'utf8') === 'second\n', { timeoutMs: 30_000 });
    const jobs = await app.api<{ jobs: FileJobView[] }>('/api/v1/jobs');
    const second = jobs.jobs.find((j) => j.path === target && !j.dryRun && j.targets[0]?.state === 'done');
    await page.getByTestId(`files-rollback-${second?.id ?? ''}`).click();
    await waitFor('the rollback from the screen', () => readFileSync(target, 'utf8') === 'from the screen\n', { timeoutMs: 30_000 });
    t.pass('rolled back from the screen');
    t.same([pageErrors, cspViolations], [[], []], 'no page error, nothing the CSP refused');
  });

  await t.test('an operator granted a group (Users screen) deploys to its servers only (S17)', async (t) => {
    const password = 'a long enough passphrase for olga';
    const olga = await app.api<{ id: number }>('/api/v1/users', { username: 'olga', role: 'operator', password });
    const group = await app.api<{ id: string }>('/api/v1/groups', { name: 'web-a', memberIds: [ids.a] });
    const grantsOf = async (): Promise<string[]> => (await app.api<{ grants: { userId: number; groupIds: string[] }[] }>('/api/v1/deploy-grants')).grants.find((g) => g.userId === olga.id)?.groupIds ?? [];
    const ui = uiTestCanRun(t);
    const browser = ui ? await launchChromium(t) : null;
    if (browser) {
      const { page } = await signedInPage(browser, app.url);
      await page.goto(`${app.url}/#view=users`);
      // the box shows the stored grant: it is ticked once the appliance has answered the PUT
      await page.locator('[data-testid=user-row][data-username=olga] [data-testid=user-deploy-web-a]').click();
      await waitFor('the grant stored', async () => (await grantsOf()).includes(group.id));
    } else {
      await app.fetch(`/api/v1/users/${olga.id}/deploy-groups`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groupIds: [group.id] }) });
    }
    t.same(await grantsOf(), [group.id], 'granted');
    const grantAudit = (await app.api<{ entries: { actor: string; after: { username: string; groupIds: string[] } }[] }>('/api/v1/audit?action=files.deploy_groups_set')).entries[0];
    t.match(grantAudit, { actor: 'admin', after: { username: 'olga', groupIds: [group.id] } }, 'the grant audited');

    const web = new WebSession(app.url);
    t.equal((await web.login('olga', password)).status, 200);
    const session = await web.session();
    t.ok(session.user?.permissions.includes('files:deploy'), 'the session allows the Files tab');
    const job = (agentIds: string[], dir: string): Promise<Response> => web.request('POST', '/api/v1/jobs', { targets: { agentIds }, action: 'mkdir', path: path.join(www, dir), runAs: 'nobody' });
    const refused = await job([ids.b], 'olga-b');
    t.equal(refused.status, 403, 'a server outside the group: refused');
    t.match(await refused.text(), ids.b, 'naming it');
    const allowed = await job([ids.a], 'olga-a');
    t.equal(allowed.status, 201, 'a server of the group: allowed');
    const done = await finished(app, ((await allowed.json()) as FileJobView).id);
    t.same([done.targets[0]?.state, existsSync(path.join(www, 'olga-a')), statSync(path.join(www, 'olga-a')).uid], ['done', true, NOBODY], 'made as the account files.d maps olga to');
    t.notOk(existsSync(path.join(www, 'olga-b')));
    t.match((await app.api<{ entries: { actor: string; target: string }[] }>('/api/v1/audit?action=files.job_finished')).entries.find((e) => e.target === done.id), { actor: 'olga' }, 'her job\'s outcome audited under her name');

    if (browser) {
      const { page, pageErrors } = await signedInPage(browser, app.url, { username: 'olga', password });
      await page.goto(`${app.url}/#view=files`);
      await page.getByTestId('files-form').waitFor();
      // the form shows before the server list has loaded: wait for her server, then look for the other
      await page.getByTestId('files-agent-files-a').waitFor({ timeout: 15_000 });
      t.equal(await page.getByTestId('files-agent-files-a').count(), 1, 'the Files screen offers her group\'s server');
      t.equal(await page.getByTestId('files-agent-files-b').count(), 0, 'and not the other');
      t.same(pageErrors, [], 'no page error');
    }

    await app.fetch(`/api/v1/users/${olga.id}/deploy-groups`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groupIds: [] }) });
    t.equal((await job([ids.a], 'olga-a2')).status, 403, 'the grant removed: refused');
  });

  await t.test('a stored file changed on the appliance is refused by the agent\'s checksum', async (t) => {
    const f = await upload(app, 'genuine\n', 'x.conf');
    writeFileSync(path.join(app.dataDir, 'files', f.id), 'tampered');
    const job = await finished(app, (await app.api<FileJobView>('/api/v1/jobs', { targets: { agentIds: [ids.a] }, action: 'push', path: path.join(www, 'x.conf'), fileId: f.id, runAs: 'nobody' })).id);
    t.equal(job.targets[0]?.state, 'failed');
    t.match(job.targets[0]?.reason, /checksum mismatch/);
    t.notOk(existsSync(path.join(www, 'x.conf')), 'nothing written');
  });

  await t.test('a role without files:deploy is refused (403)', async (t) => {
    for (const token of [operatorToken, viewerToken]) {
      const auth = { authorization: `Bearer ${token}` };
      const post = await app.fetch('/api/v1/jobs', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ targets: { agentIds: [ids.a] }, action: 'mkdir', path: path.join(www, 'd'), runAs: 'nobody' }) });
      const up = await app.fetch('/api/v1/files', { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: 'x' });
      const list = await app.fetch('/api/v1/jobs', { headers: auth });
      t.same([post.status, up.status, list.status], [403, 403, 403]);
    }
    t.notOk(existsSync(path.join(www, 'd')));
  });

  await t.test('an upload declared past 100 MiB is refused before its body is read (413)', async (t) => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${app.url}/api/v1/files`, {
        method: 'POST', headers: { authorization: `Bearer ${app.apiToken}`, 'content-type': 'application/octet-stream', 'content-length': String(100 * 1024 * 1024 + 1) },
      }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024));
    });
    t.same([answer.status, (JSON.parse(answer.body) as { error: { code: string } }).error.code], [413, 'RW_ERR_FILE_TOO_LARGE']);
  });
  void agentA;
});
