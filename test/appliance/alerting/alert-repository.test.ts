// Alerting in SQLite (migration 2) against a real database file: migrations on an empty database
// and on one at migration 1, rules seeded once, groups, contacts, alert history, policy state
// surviving a reopen.
import path from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { openDatabase, migrate, type Db } from '../../../appliance/db/database.js';
import { MIGRATIONS } from '../../../appliance/db/migrations.js';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { acknowledge, applyTransitions, emptyBook, restoreBook, type AlertContext } from '../../../appliance/alerting/rules/alert-lifecycle.js';
import { decide, emptyPolicyState } from '../../../appliance/alerting/policy/notification-policy.js';
import { type Contact } from '../../../contract/alerting.js';
import type { RuleTransition, SeriesRef } from '../../../appliance/alerting/rules/rule-evaluator.js';
import { DEFAULT_RULE_UPGRADES, DEFAULT_RULES } from '../../../appliance/alerting/rules/rule-types.js';

const T0 = Date.UTC(2025, 2, 3, 5, 2, 0);
const ALERT_TABLES = ['alert_events', 'alert_rules', 'alert_runtime', 'alerts', 'contacts', 'server_group_members', 'server_groups'];

function tables(db: Db): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name);
}

function open(t: Test, file: string): Db {
  const db = openDatabase(file);
  t.teardown(() => db.close());
  return db;
}

function addAgent(db: Db, id: string): void {
  db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run(id, id, 'x', T0);
}

void t.test('migrations apply on an empty database', (t) => {
  const db = open(t, path.join(t.testdir(), 'rackwatch.sqlite'));
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  for (const name of ALERT_TABLES) t.ok(tables(db).includes(name), `${name} exists`);
  t.end();
});

void t.test('migrations apply on a database at migration 1 and keep its agents', (t) => {
  const file = path.join(t.testdir(), 'old.sqlite');
  const old = new Database(file);
  old.exec(MIGRATIONS[0] ?? '');
  old.pragma('user_version = 1');
  old.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run('a1', 'web-01', 'x', T0);
  old.close();

  const db = open(t, file);
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  t.same(db.prepare('SELECT id, hostname FROM agents').all(), [{ id: 'a1', hostname: 'web-01' }]);
  for (const name of ALERT_TABLES) t.ok(tables(db).includes(name), `${name} exists`);
  migrate(db);
  t.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length, 'a second run changes nothing');
  t.end();
});

void t.test('default rules are seeded once; a deleted default stays deleted', (t) => {
  const file = path.join(t.testdir(), 'rules.sqlite');
  const repo = new AlertRepository(open(t, file));
  t.equal(repo.seedDefaultRules(DEFAULT_RULES, T0), DEFAULT_RULES.length);
  t.same(repo.listRules().map((r) => r.id).sort(), DEFAULT_RULES.map((r) => r.id).sort());
  t.ok(repo.deleteRule('default-swap-used'));
  t.equal(repo.seedDefaultRules(DEFAULT_RULES, T0 + 1), 0);
  t.equal(repo.getRule('default-swap-used'), null);

  // a default shipped by a later version reaches an installation seeded before it, once
  const later = { ...DEFAULT_RULES[0]!, id: 'default-later', name: 'Shipped later' };
  t.equal(repo.seedDefaultRules([...DEFAULT_RULES, later], T0 + 2), 1);
  t.same(repo.getRule('default-later'), later);
  t.ok(repo.deleteRule('default-later'));
  t.equal(repo.seedDefaultRules([...DEFAULT_RULES, later], T0 + 3), 0, 'and stays deleted once deleted');
  t.equal(repo.getRule('default-swap-used'), null);

  const custom = { ...DEFAULT_RULES[0]!, id: 'db-cpu', name: 'DB CPU', builtin: false, scope: { kind: 'group' as const, groupId: 'db' } };
  repo.saveRule(custom, T0);
  repo.saveRule({ ...custom, forS: 30 }, T0 + 1);
  t.same(repo.getRule('db-cpu'), { ...custom, forS: 30 });
  t.end();
});

void t.test('S7: a changed default replaces a stored copy never edited, once; an edited copy (saved by the operator, or different from what was seeded) is left alone', (t) => {
  const upgrade = DEFAULT_RULE_UPGRADES.find((u) => u.id === 'default-agent-silent');
  if (!upgrade) throw new Error('no upgrade');
  const now = DEFAULT_RULES.find((r) => r.id === upgrade.id);
  const oldDefaults = DEFAULT_RULES.map((r) => (r.id === upgrade.id ? upgrade.was : r));
  const dir = t.testdir();
  const seeded = (name: string): AlertRepository => {
    const repo = new AlertRepository(open(t, path.join(dir, `${name}.sqlite`)));
    repo.seedDefaultRules(oldDefaults, T0);
    return repo;
  };

  const untouched = seeded('untouched');
  t.same(untouched.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, T0 + 1), ['default-agent-silent']);
  t.same(untouched.getRule('default-agent-silent'), now, 'now the shipped definition');
  t.same(untouched.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, T0 + 2), [], 'a second start changes nothing');
  t.equal(untouched.getRule('default-cpu-busy')?.forS, 300, 'other defaults untouched');

  // saved by the operator with the old value itself: recorded as edited, so kept
  const chosen = seeded('chosen');
  chosen.saveRule({ ...upgrade.was }, T0 + 1);
  t.same([...chosen.editedDefaults()], ['default-agent-silent'], 'the edit is recorded');
  t.same(chosen.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, T0 + 2), []);
  t.equal(chosen.getRule('default-agent-silent')?.forS, 0);

  // a copy that differs from what was seeded was edited before edits were recorded
  const different = seeded('different');
  different.saveRule({ ...upgrade.was, scope: { kind: 'group', groupId: 'db' } }, T0 + 1);
  const db = open(t, path.join(dir, 'different.sqlite'));
  db.prepare("DELETE FROM alert_runtime WHERE name = 'default-rules-edited'").run();
  t.same(different.editedDefaults(), new Set(), 'as an earlier version left it: no record of the edit');
  t.same(different.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, T0 + 2), []);
  t.match(different.getRule('default-agent-silent'), { forS: 0, scope: { kind: 'group', groupId: 'db' } });

  // deleted: stays deleted
  const deleted = seeded('deleted');
  t.ok(deleted.deleteRule('default-agent-silent'));
  t.same(deleted.upgradeDefaultRules(DEFAULT_RULES, DEFAULT_RULE_UPGRADES, T0 + 2), []);
  t.equal(deleted.getRule('default-agent-silent'), null);

  // an operator's own rule is no default: saving it records nothing
  untouched.saveRule({ ...upgrade.was, id: 'my-silent', name: 'Mine', builtin: false }, T0 + 3);
  t.notOk(untouched.editedDefaults().has('my-silent'));
  t.end();
});

void t.test('groups and membership (S8); removing an agent removes its memberships', (t) => {
  const db = open(t, path.join(t.testdir(), 'groups.sqlite'));
  for (const id of ['a1', 'a2', 'a3']) addAgent(db, id);
  const repo = new AlertRepository(db);
  repo.saveGroup({ id: 'web', name: 'Web servers' }, T0);
  repo.saveGroup({ id: 'db', name: 'Databases' }, T0);
  repo.setGroupMembers('web', ['a1', 'a2']);
  repo.setGroupMembers('db', ['a2', 'a3']);
  t.same(repo.listGroups(), [
    { id: 'db', name: 'Databases', memberIds: ['a2', 'a3'] },
    { id: 'web', name: 'Web servers', memberIds: ['a1', 'a2'] },
  ]);
  t.same(repo.groupsByAgent().get('a2'), ['db', 'web']);
  repo.saveGroup({ id: 'web', name: 'Front' }, T0 + 1);
  t.equal(repo.getGroup('web')?.name, 'Front');
  t.throws(() => repo.setGroupMembers('web', ['ghost']), 'members must be enrolled agents');
  t.same(repo.getGroup('web')?.memberIds, ['a1', 'a2'], 'a failed replacement changes nothing');
  db.prepare('DELETE FROM agents WHERE id = ?').run('a2');
  t.same(repo.getGroup('db')?.memberIds, ['a3']);
  t.ok(repo.deleteGroup('db'));
  t.same(repo.groupsByAgent().get('a3'), undefined);
  t.end();
});

void t.test('contacts round-trip', (t) => {
  const repo = new AlertRepository(open(t, path.join(t.testdir(), 'contacts.sqlite')));
  const kim: Contact = {
    id: 'kim', name: '김철수', phone: '+821011112222', language: 'ko', severities: ['critical', 'disaster'],
    schedule: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }], escalationLevel: 0, enabled: true,
  };
  repo.saveContact(kim);
  repo.saveContact({ ...kim, id: 'park', name: 'Park', language: 'en', escalationLevel: 1, enabled: false, schedule: [] });
  t.same(repo.listContacts().map((c) => c.id), ['kim', 'park']);
  t.same(repo.getContact('kim'), kim);
  repo.saveContact({ ...kim, phone: '+821099998888' });
  t.equal(repo.getContact('kim')?.phone, '+821099998888');
  t.ok(repo.deleteContact('park'));
  t.equal(repo.getContact('park'), null);
  t.end();
});

void t.test('alerts and their history; open alerts and the next id survive a reopen', (t) => {
  const file = path.join(t.testdir(), 'alerts.sqlite');
  const repo = new AlertRepository(open(t, file));
  const series: SeriesRef = { ruleId: 'default-fs-used', agentId: 'a1', key: '/var' };
  const rule = DEFAULT_RULES.find((r) => r.id === 'default-fs-used')!;
  const ctx = (): AlertContext => ({ rule, agentName: 'web-01', cause: { fullestFs: { mount: '/var', usedPct: 96 } } });
  const base = { series, sampleTMs: null, value: 96 };
  const transitions: RuleTransition[] = [
    { ...base, atMs: T0, kind: 'pending', severity: 'critical', threshold: 95 },
    { ...base, atMs: T0 + 60_000, kind: 'fired', severity: 'critical', threshold: 95 },
  ];
  const first = applyTransitions(emptyBook(), transitions, ctx);
  repo.recordEvents(first.events);
  const ack = acknowledge(first.book, 1, 'kim', T0 + 120_000);
  if (!ack.ok) return t.fail('ack');
  repo.recordEvents([ack.event]);
  const other = applyTransitions(ack.book, [{ ...base, series: { ...series, agentId: 'a2' }, atMs: T0, kind: 'fired', severity: 'critical', threshold: 95 }], ctx);
  repo.recordEvents(other.events);
  const resolved = applyTransitions(other.book, [{ ...base, series: { ...series, agentId: 'a2' }, atMs: T0 + 300_000, value: 80, kind: 'resolved', from: 'critical', reason: 'recovered', threshold: 94 }], ctx);
  repo.recordEvents(resolved.events);

  t.same(repo.eventsOf(1).map((e) => [e.kind, e.state, e.at, e.by]), [
    ['pending', 'pending', T0, undefined],
    ['fired', 'firing', T0 + 60_000, undefined],
    ['acknowledged', 'acknowledged', T0 + 120_000, 'kim'],
  ]);
  t.same(repo.openAlerts().map((a) => [a.id, a.state]), [[1, 'acknowledged']]);
  t.same(repo.getAlert(1)?.cause, { fullestFs: { mount: '/var', usedPct: 96 } });
  t.same(repo.alertHistory().map((a) => a.id), [2, 1], 'newest first');
  t.same(repo.alertHistory({ agentId: 'a2' }).map((a) => a.id), [2]);
  t.same(repo.alertHistory({ states: ['resolved'] }).map((a) => a.id), [2]);
  t.same(repo.alertHistory({ beforeId: 2 }).map((a) => a.id), [1]);

  const reopened = new AlertRepository(open(t, file));
  const book = restoreBook(reopened.openAlerts(), reopened.highestAlertId());
  t.equal(book.nextId, 3);
  t.equal(book.open.size, 1);

  t.equal(reopened.pruneResolvedBefore(T0 + 400_000, T0 + 400_000), 1);
  t.same(reopened.eventsOf(2), [], 'its events go with it');
  t.equal(reopened.highestAlertId(), 2, 'ids are not reused after pruning');
  t.end();
});

void t.test('the notification policy state survives a reopen', (t) => {
  const file = path.join(t.testdir(), 'policy.sqlite');
  const repo = new AlertRepository(open(t, file));
  t.equal(repo.loadPolicyState(), null);
  const lee: Contact = { id: 'lee', name: 'Lee', phone: '+821033334444', language: 'en', severities: ['critical'], schedule: [], escalationLevel: 0, enabled: true };
  const rule = DEFAULT_RULES[0]!;
  const fired = applyTransitions(emptyBook(), [{ series: { ruleId: rule.id, agentId: 'a1' }, atMs: T0, sampleTMs: null, value: 99, kind: 'fired', severity: 'critical', threshold: 95 }], () => ({ rule, agentName: 'web-01', cause: {} }));
  const decision = decide({
    events: fired.events,
    contacts: [lee],
    state: emptyPolicyState(),
    nowMs: T0,
    config: { timeZone: { utcOffsetMinutes: 540 }, rateLimit: { maxMessages: 5, windowMs: 600_000 }, escalateAfterMs: 900_000 },
  });
  repo.savePolicyState(decision.state, T0);
  t.same(new AlertRepository(open(t, file)).loadPolicyState(), decision.state);
  t.end();
});
