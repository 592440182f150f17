// Alerting administration (appliance/alerting/alert-admin.ts; S4, S7, S8) on the alerting core in
// virtual time (test/appliance/alerting/support/alerting-rig.ts): each write reaches SQLite and
// the engine's evaluation at once: a deleted rule's open alerts resolve as 'rule-withdrawn', a
// saved group scopes rules to its members, and mutes are listed with the server's host name.
import t from 'tap';
import { slugId } from '../../../appliance/alerting/alert-admin.js';
import { S, T0, contact, cpu, rig, rule, texts } from './support/alerting-rig.js';

void t.test('a deleted rule takes its open alerts with it at once, as rule-withdrawn', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.admin.saveRule(rule(0));
  r.engine.onBatch('a1', cpu(S, 1));
  t.equal(r.engine.openAlerts().length, 1, 'firing');
  t.equal(r.admin.deleteRule('cpu-test'), true);
  t.same(r.engine.openAlerts(), [], 'resolved without waiting for the minute sweep');
  const resolved = r.events.filter((e) => e.name === 'alert' && (e.data as { kind: string }).kind === 'resolved');
  t.equal((resolved[0]?.data as { alert: { resolution: string } } | undefined)?.alert.resolution, 'rule-withdrawn');
  t.equal(r.admin.getRule('cpu-test'), null);
  t.equal(r.admin.deleteRule('cpu-test'), false, 'a second delete finds nothing');
  r.engine.onBatch('a1', cpu(S + 5, 1));
  t.same(r.engine.openAlerts(), [], 'and the rule is no longer evaluated');
  t.end();
});

void t.test('a saved rule is listed and evaluated from the next batch; a shipped rule stays builtin, a new one cannot claim to be', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  t.equal(r.admin.getRule('default-cpu-busy'), null, 'the rig deleted the shipped CPU rule');
  const shipped = r.admin.getRule('default-memory-used');
  if (!shipped) throw new Error('the shipped memory rule expected');
  t.equal(shipped.builtin, true);
  t.equal(r.admin.saveRule({ ...shipped, builtin: false, forS: 600 }).builtin, true, 'edited, still builtin');
  t.equal(r.admin.getRule('default-memory-used')?.forS, 600);
  t.equal(r.admin.saveRule({ ...rule(0), builtin: true }).builtin, false, 'a new rule is not builtin');
  t.ok(r.admin.listRules().some((x) => x.id === 'cpu-test'), 'listed');
  r.engine.onBatch('a1', cpu(S, 1));
  t.equal(r.engine.openAlerts()[0]?.ruleId, 'cpu-test', 'evaluated');
  t.end();
});

void t.test('contacts are saved, listed and deleted; the engine texts a contact from the next alert on', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.admin.saveRule(rule(0));
  t.same(r.admin.listContacts(), []);
  const kim = contact('kim', '+821011112222');
  t.same(r.admin.saveContact(kim), kim);
  t.same(r.admin.listContacts(), [kim]);
  r.engine.onBatch('a1', cpu(S, 1));
  t.match(texts(r, '+821011112222'), [/^\[CRIT\] web-01 /]);
  t.equal(r.admin.deleteContact('kim'), true);
  t.equal(r.admin.deleteContact('kim'), false);
  t.same(r.admin.listContacts(), []);
  t.end();
});

void t.test('a group is saved with its members, shows their worst health, scopes rules to them, and refuses unknown agents', (t) => {
  const r = rig(t);
  for (const [id, hostname] of [['a1', 'web-01'], ['a2', 'web-02'], ['a3', 'db-01']] as const) {
    r.agents.add(id, hostname, 'online', T0);
    // group members are rows of the agents table (a foreign key)
    r.db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run(id, hostname, 'x', T0);
  }
  t.throws(() => r.admin.saveGroup({ id: 'web', name: 'Web' }, ['a1', 'nobody']), { code: 'RW_ERR_NOT_FOUND' }, 'an unknown member');
  t.equal(r.admin.group('web'), null, 'and nothing saved');
  const view = r.admin.saveGroup({ id: 'web', name: 'Web' }, ['a1', 'a2']);
  t.same(view.memberIds, ['a1', 'a2']);
  t.equal(view.health.level, 'ok');
  r.admin.saveRule({ ...rule(0), scope: { kind: 'group', groupId: 'web' } });
  r.engine.onBatch('a3', cpu(S, 1));
  t.same(r.engine.openAlerts(), [], 'db-01 is not in the group');
  r.engine.onBatch('a2', cpu(S, 1));
  t.equal(r.engine.openAlerts()[0]?.agentId, 'a2', 'web-02 is');
  t.equal(r.admin.listGroups()[0]?.health.level, 'critical', 'the worst member');
  t.same(r.admin.group('web')?.servers.map((s) => s.hostname), ['web-02', 'web-01'], 'members worst first');
  t.same(r.admin.saveGroup({ id: 'web', name: 'Web servers' }).memberIds, ['a1', 'a2'], 'renamed, members kept');
  t.same(r.admin.saveGroup({ id: 'web', name: 'Web servers' }, []).memberIds, [], 'members replaced');
  t.equal(r.admin.deleteGroup('web'), true);
  t.equal(r.admin.deleteGroup('web'), false);
  t.same(r.admin.listGroups(), []);
  t.end();
});

void t.test('a mute is listed with the host name until it expires or is lifted', async (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  t.same(r.admin.mute('a1', 10, 'api'), { agentId: 'a1', hostname: 'web-01', untilMs: T0 + 10 * 60_000, by: 'api' });
  t.same(r.admin.listMutes(), [{ agentId: 'a1', hostname: 'web-01', untilMs: T0 + 10 * 60_000, by: 'api' }]);
  t.equal(r.admin.unmute('a1'), true);
  t.equal(r.admin.unmute('a1'), false, 'not muted any more');
  r.admin.mute('a1', 1, 'api');
  await r.clock.advance(60_000);
  t.same(r.admin.listMutes(), [], 'expired');
});

void t.test('a rule preview names the chosen agent, else the longest host name', (t) => {
  const r = rig(t);
  t.equal(r.admin.previewRule(rule(0), 'en').agentName, 'server-01', 'no agents yet');
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'database-primary', 'online', T0);
  const preview = r.admin.previewRule(rule(0), 'ko');
  t.equal(preview.agentName, 'database-primary');
  t.equal(preview.language, 'ko');
  t.ok(preview.messages.length > 0 && preview.maxParts >= 1);
  t.equal(r.admin.previewRule(rule(0), 'en', 'a1').agentName, 'web-01');
  t.end();
});

void t.test('slugId makes a readable id, with a suffix when it is taken', (t) => {
  t.equal(slugId('Web servers', () => false), 'web-servers');
  t.equal(slugId('  ', () => false), 'item');
  t.match(slugId('Web servers', (id) => id === 'web-servers'), /^web-servers-[0-9a-f]{6}$/);
  t.end();
});
