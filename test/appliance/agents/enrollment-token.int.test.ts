// S3, SEC: an admin reads and rotates the enrollment token. The old token stops enrolling at once,
// the new one enrolls, a restart keeps it, agents already enrolled keep their secrets; operators
// and viewers are refused; a token set with --enroll-token is the configuration's to change.
import t from 'tap';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { WebSession } from '../../helpers/web-session.js';
import type { EnrollmentInfo } from '../../../contract/tls-api.js';

const enroll = (app: { fetchAnonymous: (p: string, i?: RequestInit) => Promise<Response> }, token: string, hostname: string): Promise<Response> =>
  app.fetchAnonymous('/api/v1/enroll', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, hostname }) });

void t.test('rotating the enrollment token', async (t) => {
  const first = await startAppliance(t, { enrollToken: null });
  const before = await first.api<EnrollmentInfo>('/api/v1/enrollment');
  t.equal(before.token, first.token, 'GET /enrollment shows the token in force');
  t.equal(before.rotatable, true);
  t.match(before.installCommand, `--token '${before.token}'`, 'the install command holds it');
  t.equal((await enroll(first, before.token, 'early-01')).status, 201, 'the token enrolls');

  const rotated = await first.fetch('/api/v1/enrollment/token', { method: 'POST' });
  t.equal(rotated.status, 204);
  const after = await first.api<EnrollmentInfo>('/api/v1/enrollment');
  t.not(after.token, before.token, 'a new token');
  t.match(after.installCommand, `--token '${after.token}'`, 'the install command holds the new one');
  t.equal((await enroll(first, before.token, 'late-01')).status, 401, 'the old token is refused');
  t.equal((await enroll(first, after.token, 'late-02')).status, 201, 'the new one enrolls');

  const audit = await first.api<{ entries: { action: string; after?: unknown }[] }>('/api/v1/audit');
  const entry = audit.entries.find((e) => e.action === 'enrollment.token.rotated');
  t.ok(entry, 'the rotation is audited');
  t.notMatch(JSON.stringify(audit), after.token, 'the audit log holds no token');

  for (const role of ['operator', 'viewer'] as const) {
    const password = `a long enough ${role} password`;
    await first.api('/api/v1/users', { username: `${role}1`, password, role });
    const web = new WebSession(first.url);
    t.equal((await web.login(`${role}1`, password)).status, 200);
    t.equal((await web.request('POST', '/api/v1/enrollment/token')).status, 403, `${role}: refused`);
    t.equal((await web.request('GET', '/api/v1/enrollment')).status, 403, `${role}: no token`);
  }

  await first.stop();
  const again = await startAppliance(t, { dataDir: first.dataDir, enrollToken: null });
  t.equal((await again.api<EnrollmentInfo>('/api/v1/enrollment')).token, after.token, 'a restart keeps the rotated token');
  t.equal((await enroll(again, before.token, 'late-03')).status, 401);
});

void t.test('a token set with --enroll-token is not rotated here', async (t) => {
  const app = await startAppliance(t);
  t.equal((await app.api<EnrollmentInfo>('/api/v1/enrollment')).rotatable, false);
  const res = await app.fetch('/api/v1/enrollment/token', { method: 'POST' });
  t.equal(res.status, 409);
  t.equal(((await res.json()) as { error: { code: string } }).error.code, 'RW_ERR_CONFLICT');
  t.equal((await enroll(app, app.token, 'still-01')).status, 201, 'the configured token still enrolls');
});
