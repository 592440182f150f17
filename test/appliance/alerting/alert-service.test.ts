// The alerting runtime (appliance/alert-service.ts) in virtual time, with a real SQLite file, the
// real repository, live hub and outbox (its worker not started: the queued SMS are the output):
// per-batch evaluation, escalation timers, acknowledgement, the silence grace, SMS commands,
// mutes, and a restart that keeps an open alert firing without firing it again.
import path from 'node:path';
import t, { type Test } from 'tap';
import type { AgentDetail, AgentSummary } from '../../../contract/api.js';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { MetricsBatch } from '../../../contract/metrics.js';
import { silentLogger } from '../../../core/logger.js';
import { AlertService, type AgentDirectory } from '../../../appliance/alerting/alert-service.js';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import type { Contact } from '../../../contract/alerting.js';
import type { Rule } from '../../../contract/alerting.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { LiveHub, type HubEvent } from '../../../appliance/live/live-hub.js';
import { MuteStore } from '../../../appliance/alerting/mute-store.js';
import { SmsOutbox } from '../../../appliance/alerting/outbox/sms-outbox.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);
const ESCALATE_MS = 5 * 60_000;

class Agents implements AgentDirectory {
  readonly rows = new Map<string, AgentSummary>();
  readonly talking = new Set<string>();
  add(id: string, hostname: string, status: AgentStatus, lastSeen: number | null): void {
    this.rows.set(id, { id, hostname, status, lastSeen, interval: 5 });
  }
  list(): AgentSummary[] {
    return [...this.rows.values()];
  }
  detail(id: string): AgentDetail | null {
    const s = this.rows.get(id);
    return s ? { ...s, createdAt: T0, inventory: null, latest: [] } : null;
  }
  isTalking(id: string): boolean {
    return this.talking.has(id);
  }
}

interface Rig {
  db: Db;
  clock: VirtualClock;
  agents: Agents;
  hub: LiveHub;
  outbox: SmsOutbox;
  service: AlertService;
  events: HubEvent[];
}

function rig(t: Test, options: { file?: string; clock?: VirtualClock; agents?: Agents; graceMs?: number } = {}): Rig {
  const db = openDatabase(options.file ?? path.join(t.testdir(), 'rackwatch.sqlite'));
  const clock = options.clock ?? new VirtualClock(T0);
  const agents = options.agents ?? new Agents();
  const hub = new LiveHub({ ringSize: 100, bootTimeMs: T0 });
  const events: HubEvent[] = [];
  hub.subscribe((e) => events.push(e));
  // a modem that never gets ready: what would be sent stays queued for the test to read
  const outbox = new SmsOutbox({ db, clock, logger: silentLogger, transport: { isReady: () => false, send: () => Promise.reject(new Error('unused')) } });
  const service = new AlertService({
    repo: new AlertRepository(db), agents, hub, outbox, mutes: new MuteStore(db), clock, logger: silentLogger,
    policy: { timeZone: { iana: 'UTC' }, escalateAfterMs: ESCALATE_MS, rateLimit: { maxMessages: 100, windowMs: 15 * 60_000 } },
    options: { silenceGraceMs: options.graceMs ?? 30_000 },
  });
  service.start();
  // the shipped CPU rule (info above 80 % for 5 min) would open pending alerts of its own here
  service.deleteRule('default-cpu-busy');
  t.teardown(() => {
    service.stop();
    db.close();
  });
  return { db, clock, agents, hub, outbox, service, events };
}

const contact = (id: string, phone: string, level = 0, language: 'en' | 'ko' = 'en'): Contact => ({
  id, name: id, phone, language, severities: ['warning', 'critical', 'disaster'], schedule: [], escalationLevel: level, enabled: true,
});

const rule = (forS: number): Rule => ({
  id: 'cpu-test', name: 'CPU test', metric: { kind: 'derived', name: 'cpu_busy_pct' }, comparison: '>', levels: { critical: 90 },
  recovery: { delta: 5 }, forS, scope: { kind: 'all' }, enabled: true,
});

const cpu = (tS: number, idle: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t: tS, f: 'cpu', v: { user: 100 - idle, system: 0, iowait: 0, steal: 0, idle } }] });
const mem = (tS: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t: tS, f: 'memory', v: { total: 100, used: 10, available: 90, cached: 0, swap_total: 0, swap_used: 0 } }] });

const texts = (r: Rig, to?: string): string[] => r.outbox.list({ limit: 1000 }).filter((e) => !to || e.to === to).map((e) => e.text).reverse();

const S = T0 / 1000;

void t.test('a batch is evaluated against the rules of its families; the alert fires after forS and its SMS is queued', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.service.saveContact(contact('kim', '+821011112222'));
  r.service.saveRule(rule(10));
  r.service.onBatch('a1', mem(S));
  t.same(r.events.filter((e) => e.name === 'alert'), [], 'no rule reads memory above its thresholds: nothing happens');
  r.service.onBatch('a1', cpu(S, 1));
  r.service.onBatch('a1', cpu(S + 5, 1));
  t.same(texts(r), [], 'pending for 5 s of 10');
  r.service.onBatch('a1', cpu(S + 10, 1));
  t.same(r.events.filter((e) => e.name === 'alert').map((e) => (e.data as { kind: string }).kind), ['pending', 'fired']);
  t.match(texts(r, '+821011112222'), [/^\[CRIT\] web-01 cpu 99% \(>90\) 05:00 #1/]);
  r.service.onBatch('a1', cpu(S + 15, 50));
  t.match(texts(r)[1] ?? '', /^\[OK\] web-01 cpu 50%/, 'and its recovery');
  t.end();
});

void t.test('not acknowledged in time, the next level is texted; an acknowledged alert is not escalated', async (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.service.saveContact(contact('kim', '+821011112222', 0));
  r.service.saveContact(contact('lee', '+821033334444', 1, 'ko'));
  r.service.saveRule(rule(0));
  r.service.onBatch('a1', cpu(S, 1));
  r.service.onBatch('a2', cpu(S, 1));
  const [first, second] = r.service.openAlerts().sort((a, b) => a.id - b.id);
  if (!first || !second) throw new Error('two alerts expected');
  await r.clock.advance(60_000);
  const ack = r.service.acknowledge(first.id, 'web');
  t.equal(ack.ok, true);
  t.same(texts(r, '+821033334444'), [], 'level 1 hears nothing yet');
  await r.clock.advance(ESCALATE_MS - 60_000);
  const lee = texts(r, '+821033334444');
  t.equal(lee.length, 1, 'one escalation');
  t.match(lee[0] ?? '', new RegExp(`미확인.*#${second.id}`), `about #${second.id} only`);
  t.match(texts(r, '+821011112222').at(-1) ?? '', new RegExp(`^\\[ACK\\] #${first.id} web-01 .*by web`), 'the acknowledgement is told to those told about it');
  t.same(r.service.acknowledge(first.id, 'web'), { ok: false, reason: 'already-acknowledged' });
});

void t.test('no agent is silent during the start-up grace; an offline agent fires after it, and a status change is judged within a second', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  r.agents.add('a1', 'db-01', 'offline', T0 - 60_000);
  r.agents.add('a2', 'db-02', 'online', T0);
  r.service.saveContact(contact('kim', '+821011112222'));
  await r.clock.advance(29_000);
  t.same(texts(r), [], 'nobody is silent in the grace');
  const row = r.agents.rows.get('a2');
  if (!row) throw new Error('no a2');
  row.lastSeen = r.clock.now(); // db-02 keeps reporting
  await r.clock.advance(2_000);
  t.match(texts(r), [/^\[CRIT\] db-01 offline since 04:59 #1/]);
  await r.clock.advance(1_000); // a periodic check has just run; the next is 2 s away
  // db-02 goes offline (its last will): judged a second after the status event (status changes
  // are judged together), not at the next periodic check
  row.status = 'offline';
  r.hub.publish('status', 'a2', { agentId: 'a2', status: 'offline', at: r.clock.now() });
  await r.clock.advance(999);
  t.equal(texts(r).length, 1, 'not yet: other status changes may come with it');
  await r.clock.advance(1);
  t.match(texts(r)[1] ?? '', /^\[CRIT\] db-02 offline since 05:0[01] #2/);
});

void t.test('an agent whose publishes wait for their acknowledgement (the appliance is behind) is not silent; once they stop, it is', async (t) => {
  const r = rig(t, { graceMs: 0 });
  r.agents.add('a1', 'db-01', 'online', T0);
  r.agents.talking.add('a1');
  r.service.saveContact(contact('kim', '+821011112222'));
  await r.clock.advance(120_000);
  t.same(texts(r), [], 'two minutes without a stored sample, but talking all along: no alert');
  r.agents.talking.delete('a1');
  await r.clock.advance(2_000);
  t.match(texts(r), [/^\[CRIT\] db-01 /], 'silent once nothing of it waits any more');
});

void t.test('SMS commands: an unknown number is ignored, an unknown command gets the help once an hour, MUTE silences a server', async (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01.example.com', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.service.saveContact(contact('kim', '+821011112222'));
  r.service.saveRule(rule(0));
  r.service.onBatch('a1', cpu(S, 1));
  const before = texts(r).length;
  r.service.handleIncomingSms({ from: '+821099990000', text: 'ACK 1', receivedAt: T0 });
  t.equal(texts(r).length, before, 'no answer to a stranger');
  t.equal(r.service.openAlerts()[0]?.state, 'firing', 'and no acknowledgement');

  r.service.handleIncomingSms({ from: '01011112222', text: 'hello?', receivedAt: T0 });
  r.service.handleIncomingSms({ from: '01011112222', text: 'hello??', receivedAt: T0 });
  t.same(texts(r).slice(before), ['[rackwatch] reply ACK <id>, STATUS or MUTE <server> <minutes>'], 'the help, once');

  r.service.handleIncomingSms({ from: '+821011112222', text: 'MUTE web-01 30', receivedAt: T0 });
  t.equal(texts(r).at(-1), '[rackwatch] web-01 muted for 30 min (until 05:30)');
  r.service.handleIncomingSms({ from: '+821011112222', text: 'MUTE db-99 30', receivedAt: T0 });
  t.equal(texts(r).at(-1), '[rackwatch] no server named db-99');
  const count = texts(r).length;
  r.service.onBatch('a1', cpu(S + 5, 50));
  t.equal(r.service.openAlerts().length, 0, 'the alert resolves');
  t.equal(texts(r).length, count, 'but no SMS goes out about the muted server');
  r.service.onBatch('a2', cpu(S + 5, 1));
  t.match(texts(r).at(-1) ?? '', /^\[CRIT\] web-02 /, 'another server is not muted');
  r.service.handleIncomingSms({ from: '+821011112222', text: 'STATUS', receivedAt: r.clock.now() });
  t.equal(texts(r).at(-1), '[rackwatch] 05:00 servers 2, offline 0; alerts: CRIT 1');
  await r.clock.advance(31 * 60_000);
  t.same(r.service.listMutes(), [], 'the mute expires');
});

void t.test('after a restart an open alert keeps firing and is not fired again', (t) => {
  const file = path.join(t.testdir(), 'restart.sqlite');
  const clock = new VirtualClock(T0);
  const agents = new Agents();
  agents.add('a1', 'web-01', 'online', T0);
  {
    const db = openDatabase(file);
    const first = new AlertService({
      repo: new AlertRepository(db), agents, hub: new LiveHub({ ringSize: 10, bootTimeMs: T0 }),
      outbox: new SmsOutbox({ db, clock, logger: silentLogger, transport: null }), mutes: new MuteStore(db), clock, logger: silentLogger,
    });
    first.start();
    first.deleteRule('default-cpu-busy');
    first.saveRule(rule(0));
    first.onBatch('a1', cpu(S, 1));
    t.equal(first.openAlerts()[0]?.state, 'firing');
    first.stop();
    db.close();
  }
  const r = rig(t, { file, clock, agents });
  t.equal(r.service.openAlerts()[0]?.id, 1, 'restored');
  r.service.onBatch('a1', cpu(S + 5, 1));
  t.same(r.events.filter((e) => e.name === 'alert'), [], 'still firing: no second "fired"');
  r.service.onBatch('a1', cpu(S + 10, 50));
  t.same(r.events.filter((e) => e.name === 'alert').map((e) => (e.data as { kind: string }).kind), ['resolved']);
  t.end();
});
