// B10: what a parent's failure costs with N servers behind it, in the alert engine with a real
// SQLite file and outbox: the probe's CRITICAL run that fires the parent's alert and queues its one
// SMS (counting the servers behind it), then the silence pass in which all N go silent and open
// suppressed (no SMS). Compared with the same parent and no dependants.
//
//   npx tsx scripts/bench/dependants.ts [--dependants 0,500,5000]   (tsx: the alerting core imports packages esbuild leaves external)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentDetail, AgentSummary } from '../../contract/api.js';
import { silentLogger } from '../../core/logger.js';
import { AlertRepository } from '../../appliance/alerting/alert-repository.js';
import { createAlertingCore } from '../../appliance/alerting/alerting-feature.js';
import { DependencyStore } from '../../appliance/alerting/dependencies/dependency-store.js';
import { MuteStore } from '../../appliance/alerting/mute-store.js';
import { SmsOutbox } from '../../appliance/alerting/outbox/sms-outbox.js';
import { openDatabase } from '../../appliance/db/database.js';
import { LiveHub } from '../../appliance/live/live-hub.js';
import { VirtualClock } from '../../test/helpers/virtual-clock.js';

const T0 = Date.UTC(2026, 11, 6, 3, 0);

async function run(n: number): Promise<{ parentMs: number; silenceMs: number; sms: number; suppressed: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-bench-deps-'));
  const db = openDatabase(path.join(dir, 'rackwatch.sqlite'));
  const clock = new VirtualClock(T0);
  const rows = new Map<string, AgentSummary>();
  for (let i = 0; i < n; i++) rows.set(`a${i}`, { id: `a${i}`, hostname: `web-${i}`, status: 'online', lastSeen: T0, interval: 5 });
  const agents = {
    list: () => [...rows.values()],
    detail: (id: string): AgentDetail | null => { const s = rows.get(id); return s ? { ...s, createdAt: T0, inventory: null, latest: [] } : null; },
    isTalking: () => false,
  };
  const repo = new AlertRepository(db);
  const dependencies = new DependencyStore({ db, agentExists: (id) => rows.has(id), groupExists: () => false, checkServers: (id) => (id === 'gw' ? [] : null), groupsOf: () => repo.groupsByAgent() });
  for (const id of rows.keys()) dependencies.set('agent', id, ['gw']);
  const outbox = new SmsOutbox({ db, clock, logger: silentLogger, transport: { isReady: () => false, send: () => Promise.reject(new Error('unused')) } });
  const { engine, admin } = createAlertingCore({
    repo, agents, hub: new LiveHub({ ringSize: 100, bootTimeMs: T0 }), outbox, mutes: new MuteStore(db), clock, logger: silentLogger, dependencies,
    checkName: () => 'gateway', policy: { timeZone: { iana: 'UTC' }, rateLimit: { maxMessages: 100_000, windowMs: 15 * 60_000 } }, options: { silenceGraceMs: 0 },
  });
  engine.start();
  admin.saveContact({ id: 'kim', name: 'kim', phone: '+821011112222', language: 'en', severities: ['critical'], schedule: [], escalationLevel: 0, enabled: true });
  await clock.advance(1_000);
  const definition = { type: 'probe-tcp', name: 'gateway', host: '10.0.0.1', port: 22, interval: 10 } as never;
  let t = performance.now();
  engine.onCheckRun({ checkId: 'gw', name: 'gateway', type: 'probe-tcp', definition, agentId: null, hostname: 'core-sw-1', previous: 'ok', result: { id: 'gw', t: T0 / 1000, state: 'critical', output: 'TCP CRITICAL - refused', perfdata: [], durationMs: 1 } });
  const parentMs = performance.now() - t;
  for (const r of rows.values()) r.status = 'offline';
  t = performance.now();
  await clock.advance(2_000);
  const silenceMs = performance.now() - t;
  const sms = outbox.list({ limit: 100_000 }).length;
  const suppressed = engine.openAlerts().filter((a) => a.quiet?.kind === 'dependency').length;
  engine.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { parentMs, silenceMs, sms, suppressed };
}

const { values } = parseArgs({ options: { dependants: { type: 'string', default: '0,500,5000' } } });
for (const n of values.dependants.split(',').map(Number)) {
  const r = await run(n);
  console.log(`${n} dependants: parent's alert and its SMS queued in ${r.parentMs.toFixed(1)} ms; silence pass with all of them suppressed ${r.silenceMs.toFixed(0)} ms; SMS queued ${r.sms}, suppressed ${r.suppressed}`);
}
