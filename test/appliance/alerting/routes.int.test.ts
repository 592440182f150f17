// The alerting API (docs/api.md "Alerting API") against the built appliance without a modem: rules
// with validation and SMS preview, contacts, groups with their worst status, the server list
// filter (S8), alerts with history and acknowledgement, mutes, and what needs a modem.
import t from 'tap';
import { TEST_ADMIN } from '../../helpers/web-session.js';
import type { AuditEntry, AuditPage } from '../../../contract/accounts-api.js';
import type { HealthResponse } from '../../../contract/api.js';
import type {
  AlertDetail, AlertListResponse, Contact, NoiseReport, GroupDetail, GroupView, ModemResponse, Mute, Rule, RulePreviewResponse, ServerHealth,
  ValidationErrorBody,
} from '../../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { cpuRule, send } from '../../helpers/alerting-helpers.js';

void t.test('alerting API', async (t) => {
  const app = await startAppliance(t);
  const a = await enroll(app, 'web-01');
  const b = await enroll(app, 'web-02');
  const ca = await connectAgent(t, app, a);
  await connectAgent(t, app, b);

  await t.test('rules: the defaults are seeded; a bad rule is refused with every problem as "path: message"', async (t) => {
    const rules = await app.api<Rule[]>('/api/v1/rules');
    t.same(rules.filter((r) => r.builtin).map((r) => r.id).sort(), ['default-agent-silent', 'default-check-critical', 'default-cpu-busy', 'default-disk-health', 'default-fs-used', 'default-load-per-core', 'default-memory-used', 'default-swap-used']);
    const bad = await send(app, 'POST', '/api/v1/rules', { ...cpuRule(a.agentId, 10), levels: { warning: 95, critical: 90 }, forS: -1 });
    t.equal(bad.status, 400);
    const body = bad.json as ValidationErrorBody;
    t.equal(body.error.code, 'RW_ERR_VALIDATION');
    t.match(body.error.problems, [/^forS: /]);
    const semantic = await send(app, 'POST', '/api/v1/rules', { ...cpuRule(a.agentId, 10), levels: { warning: 95, critical: 90 } });
    t.same((semantic.json as ValidationErrorBody).error.problems, ["levels.critical: must be above levels.warning (95) for a '>' rule"]);
    const scope = await send(app, 'POST', '/api/v1/rules', cpuRule('no-such-agent', 10));
    t.same((scope.json as ValidationErrorBody).error.problems, ['scope.agentId: no agent no-such-agent']);
    const shape = await send(app, 'POST', '/api/v1/rules', { name: 'x', metric: { kind: 'derived', name: 'nope' } });
    t.equal(shape.status, 400);
    t.ok((shape.json as ValidationErrorBody).error.problems.length >= 3, 'every problem at once');
  });

  await t.test('rules on checks (S5): created through the API with their preview; one with levels is refused naming the field', async (t) => {
    const body = { name: 'nginx down', metric: { kind: 'check_state', checkId: 'nginx', severities: { critical: 'disaster' } }, comparison: '>=', levels: {}, forS: 0, scope: { kind: 'all' }, enabled: true };
    const created = await send(app, 'POST', '/api/v1/rules', body);
    t.equal(created.status, 201);
    const preview = await app.api<RulePreviewResponse>(`/api/v1/rules/${(created.json as Rule).id}/preview?lang=en`);
    t.match(preview.messages[0]?.text, /nginx port 443 CRITICAL: 10\.0\.0\.5 port 443: connection refused/);
    const bad = await send(app, 'POST', '/api/v1/rules', { ...body, name: 'nginx levels', levels: { critical: 1 } });
    t.equal(bad.status, 400);
    t.match((bad.json as ValidationErrorBody).error.problems, [/^levels: a check_state rule takes its grades from metric\.severities/]);
    const noLabel = await send(app, 'POST', '/api/v1/rules', { ...body, name: 'nginx perf', metric: { kind: 'check_perf', checkId: 'nginx' }, comparison: '>', levels: { warning: 1 } });
    t.equal(noLabel.status, 400);
    t.match((noLabel.json as ValidationErrorBody).error.problems, [/^metric\.label/]);
    t.equal((await send(app, 'DELETE', `/api/v1/rules/${(created.json as Rule).id}`)).status, 204);
  });

  await t.test('rules: create, read, update, preview and delete', async (t) => {
    const created = await send(app, 'POST', '/api/v1/rules', cpuRule(a.agentId, 0, 'CPU web-01'));
    t.equal(created.status, 201);
    const rule = created.json as Rule;
    t.equal(rule.id, 'cpu-web-01', 'id from the name');
    t.equal((await send(app, 'POST', '/api/v1/rules', { ...cpuRule(a.agentId, 0), id: rule.id })).status, 409);
    const updated = await send(app, 'PUT', `/api/v1/rules/${rule.id}`, { ...cpuRule(a.agentId, 0, 'CPU web-01'), levels: { warning: 80, critical: 90 } });
    t.equal(updated.status, 200);
    t.same((await app.api<Rule>(`/api/v1/rules/${rule.id}`)).levels, { warning: 80, critical: 90 });
    const ko = await app.api<RulePreviewResponse>(`/api/v1/rules/${rule.id}/preview?lang=ko`);
    t.same(ko.messages.map((m) => m.kind), ['fired', 'escalated', 'escalation', 'resolved']);
    t.ok(ko.messages.every((m) => m.segments.encoding === 'ucs2' && m.segments.parts >= 1));
    t.equal(ko.maxParts, Math.max(...ko.messages.map((m) => m.segments.parts)));
    const en = await app.api<RulePreviewResponse>(`/api/v1/rules/${rule.id}/preview?lang=en&agent=${b.agentId}`);
    t.equal(en.agentName, 'web-02');
    t.match(en.messages[0]?.text ?? '', /^\[CRIT\] web-02 cpu 91% \(>90\)/);
    t.equal((await app.fetch(`/api/v1/rules/${rule.id}/preview?lang=fr`)).status, 400);
    const unsaved = await app.api<RulePreviewResponse>('/api/v1/rules/preview?lang=en', { ...cpuRule(a.agentId, 60), name: 'unsaved' });
    t.equal(unsaved.messages.length, 3, 'one grade: no "escalated" message');
    const temp = await app.api<Rule>('/api/v1/rules', { ...cpuRule(a.agentId, 0), name: 'temporary' });
    t.equal((await send(app, 'DELETE', `/api/v1/rules/${temp.id}`)).status, 204);
    t.equal((await app.fetch(`/api/v1/rules/${temp.id}`)).status, 404);
  });

  await t.test('contacts: a national number is stored as E.164; a bad one is refused', async (t) => {
    const c = await app.api<Contact>('/api/v1/contacts', { name: 'Park Jisoo', phone: '010-1234-5678', language: 'ko', severities: ['warning', 'critical'] });
    t.same(c, { id: 'park-jisoo', name: 'Park Jisoo', phone: '+821012345678', language: 'ko', severities: ['warning', 'critical'], schedule: [], escalationLevel: 0, enabled: true });
    const bad = await send(app, 'POST', '/api/v1/contacts', { name: 'X', phone: '12345', language: 'fr', severities: [] });
    t.equal(bad.status, 400);
    const problems = (bad.json as ValidationErrorBody).error.problems;
    t.ok(problems.some((p) => p.startsWith('phone: ')));
    t.ok(problems.some((p) => p.startsWith('language: ')));
    const put = await send(app, 'PUT', '/api/v1/contacts/park-jisoo', { schedule: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }] });
    t.equal(put.status, 200);
    t.equal((put.json as Contact).schedule.length, 1);
    t.equal((await send(app, 'PUT', '/api/v1/contacts/park-jisoo', { schedule: [{ days: [9], start: '25:00', end: '18:00' }] })).status, 400);
    t.equal((await send(app, 'DELETE', '/api/v1/contacts/park-jisoo')).status, 204);
    t.same(await app.api<Contact[]>('/api/v1/contacts'), []);
  });

  await t.test('groups take the worst status of their members; the server list filters by status, severity and group', async (t) => {
    const g = await app.api<GroupView>('/api/v1/groups', { name: 'Web servers', memberIds: [a.agentId] });
    t.equal(g.id, 'web-servers');
    t.equal(g.health.level, 'ok');
    t.equal((await send(app, 'POST', '/api/v1/groups', { name: 'Web servers' })).status, 409, 'names are unique');
    const added = await send(app, 'POST', `/api/v1/groups/${g.id}/members/${b.agentId}`);
    t.same((added.json as GroupView).memberIds.sort(), [a.agentId, b.agentId].sort());
    t.equal((await send(app, 'PUT', `/api/v1/groups/${g.id}/members`, { memberIds: ['nobody'] })).status, 400);

    // web-01 busy: the rule (critical > 90, for 0 s) fires at once
    await publishMetrics(ca, a.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1, 95.5));
    await waitFor('the alert', async () => (await app.api<AlertListResponse>('/api/v1/alerts?state=firing')).alerts.length === 1);
    const groups = await app.api<GroupView[]>('/api/v1/groups');
    t.equal(groups[0]?.health.level, 'critical', 'the worst member');
    t.equal(groups[0]?.health.byLevel.critical, 1);
    const detail = await app.api<GroupDetail>(`/api/v1/groups/${g.id}`);
    t.same(detail.servers.map((s) => s.hostname), ['web-01', 'web-02'], 'worst first');

    const critical = await app.api<ServerHealth[]>('/api/v1/servers?severity=critical');
    t.same(critical.map((s) => s.hostname), ['web-01']);
    t.same((await app.api<ServerHealth[]>('/api/v1/servers?minSeverity=warning')).map((s) => s.hostname), ['web-01']);
    t.same((await app.api<ServerHealth[]>('/api/v1/servers?severity=ok&status=online')).map((s) => s.hostname), ['web-02']);
    t.same((await app.api<ServerHealth[]>(`/api/v1/servers?group=${g.id}&q=02`)).map((s) => s.hostname), ['web-02']);
    t.equal((await app.fetch('/api/v1/servers?status=sleeping')).status, 400);
    const removed = await send(app, 'DELETE', `/api/v1/groups/${g.id}/members/${a.agentId}`);
    t.equal((removed.json as GroupView).health.level, 'ok');
    t.equal((await send(app, 'DELETE', `/api/v1/groups/${g.id}`)).status, 204);
  });

  await t.test('alerts: list, detail with history, acknowledge once', async (t) => {
    const list = await app.api<AlertListResponse>(`/api/v1/alerts?state=open&agent=${a.agentId}`);
    const alert = list.alerts[0];
    if (!alert) throw new Error('no alert');
    t.equal(alert.state, 'firing');
    t.same(alert.cause.fullestFs, { mount: '/', usedPct: 40 });
    // the signed-in user's name is recorded, never a name the body claims
    const acked = await app.api<AlertDetail>(`/api/v1/alerts/${alert.id}/ack`, { by: 'someone-else' });
    t.equal(acked.alert.state, 'acknowledged');
    t.equal(acked.alert.ackedBy, TEST_ADMIN.username);
    t.same(acked.history.map((h) => h.kind), ['fired', 'acknowledged']);
    const again = await send(app, 'POST', `/api/v1/alerts/${alert.id}/ack`);
    t.equal(again.status, 409);
    t.equal((again.json as ValidationErrorBody).error.code, 'RW_ERR_CONFLICT');
    t.equal((await app.fetch('/api/v1/alerts/99999')).status, 404);
    t.equal((await app.fetch('/api/v1/alerts/abc')).status, 404);
    t.same((await app.api<AlertListResponse>('/api/v1/alerts?state=resolved')).alerts, []);
  });

  await t.test('mutes through the API', async (t) => {
    const m = await send(app, 'POST', `/api/v1/servers/${b.agentId}/mute`, { minutes: 10 });
    t.equal(m.status, 201);
    t.equal((m.json as Mute).hostname, 'web-02');
    t.same((await app.api<Mute[]>('/api/v1/mutes')).map((x) => x.agentId), [b.agentId]);
    t.equal((await send(app, 'POST', `/api/v1/servers/${b.agentId}/mute`, { minutes: 0 })).status, 400);
    t.equal((await send(app, 'DELETE', `/api/v1/servers/${b.agentId}/mute`)).status, 204);
    t.same(await app.api<Mute[]>('/api/v1/mutes'), []);
  });

  await t.test('the audit log (SEC): each change with who, from where, before and after; a refused one not at all', async (t) => {
    const entries = (await app.api<AuditPage>('/api/v1/audit?limit=1000')).entries;
    const of = (action: string): AuditEntry[] => entries.filter((e) => e.action === action);
    const ack = of('alert.acknowledged');
    t.equal(ack.length, 1, 'the acknowledgement once: the second (409) changed nothing');
    t.equal(ack[0]?.actor, TEST_ADMIN.username);
    t.equal(ack[0]?.address, '127.0.0.1');
    t.match(ack[0]?.before, { state: 'firing' });
    t.match(ack[0]?.after, { alert: { state: 'acknowledged', ackedBy: TEST_ADMIN.username } });
    const contactUpdate = of('contact.updated')[0];
    t.equal(contactUpdate?.target, 'park-jisoo');
    t.match(contactUpdate?.before, { phone: '+821012345678', schedule: [] });
    t.match(contactUpdate?.after, { schedule: [{ start: '09:00', end: '18:00' }] });
    t.match(of('contact.deleted')[0]?.before, { name: 'Park Jisoo' });
    t.equal(of('server.muted')[0]?.target, b.agentId);
    t.match(of('server.unmuted')[0]?.before, { agentId: b.agentId, by: TEST_ADMIN.username });
    t.same(of('POST /api/v1/rules/preview'), [], 'a preview changes nothing and is not audited');
    t.ok(of('rule.created').length >= 1 && of('rule.deleted').length >= 1);
  });

  await t.test('the noise report (S12): a range of the alerts so far; a bad range is refused naming the parameter', async (t) => {
    const report = await app.api<NoiseReport>('/api/v1/alerts/noise');
    t.equal(report.toMs - report.fromMs, 7 * 86_400_000, 'the last week when no range is given');
    t.ok(report.alertsPerRule.some((r) => r.fired > 0), 'the alerts fired by the tests above are counted');
    for (const [query, words] of [['from=20&to=10', /from must be before to/], ['from=0&to=8000000000', /^from: the range may span at most 92 days/], ['from=abc', /^from must be a whole number/]] as const) {
      const res = await app.fetch(`/api/v1/alerts/noise?${query}`);
      t.equal(res.status, 400, query);
      t.match(((await res.json()) as ValidationErrorBody).error.message, words);
    }
  });

  await t.test('without a modem: health says disabled and a test SMS is refused with 503', async (t) => {
    const health = await app.api<HealthResponse>('/api/v1/health');
    t.equal(health.modem.state, 'disabled');
    t.same(health.sms, { queued: 0, sent: 0, failed: 0, alarm: null });
    const modem = await app.api<ModemResponse>('/api/v1/modem');
    t.equal(modem.mode, 'none');
    t.equal(modem.status, null);
    const res = await send(app, 'POST', '/api/v1/sms/test', { to: '010-1234-5678', text: 'hello' });
    t.equal(res.status, 503);
    t.equal((res.json as ValidationErrorBody).error.code, 'RW_ERR_MODEM_DISABLED');
    t.equal((await send(app, 'POST', '/api/v1/sms/test', { to: 'abc', text: '' })).status, 400);
    t.equal((await app.fetch('/api/v1/modem/sim-log')).status, 404, 'no simulator hooks without --modem sim');
  });
});
