// What `PRAGMA synchronous = FULL` costs the appliance against NORMAL (RES, docs/storage.md), and
// what PRAGMA quick_check costs at start on a realistic database.
//
//   npx tsx scripts/bench/sqlite-synchronous.ts [--dir /var/lib/rackwatch] [--commits 300] [--agents 10000]
//
// (through tsx, not run.mjs: run.mjs bundles into a temporary directory, from which the native
// better-sqlite3 addon cannot be resolved)
//
// The database is made by the appliance's own openDatabase (its migrations) in --dir (default the
// system's tmp: run it with --dir on the board's data partition for the figure that matters, an SD
// card's fsync is the cost). The commits are the appliance's: a last-seen batch of 100 agents
// (agent-registry.ts, every 5 s), an SMS outbox row, an audit entry; each mode runs the same mix
// in the same run, interleaved in rounds so that the disk's mood is shared. better-sqlite3 is
// synchronous, so a commit's time is event-loop time. Then the database is filled to a realistic
// size (--agents with inventories, five audit entries per agent) and
// quick_check is timed on it, cold (after closing) and warm.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, quickCheck, type Db } from '../../appliance/db/database.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    commits: { type: 'string', default: '300' },
    agents: { type: 'string', default: '10000' },
  },
});
const COMMITS = Number(args.commits);
const AGENTS = Number(args.agents);

const work = mkdtempSync(path.join(args.dir ?? os.tmpdir(), 'rw-bench-sqlite-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function prepare(db: Db): { lastSeen: () => void; outbox: () => void; audit: () => void } {
  const ids = Array.from({ length: 100 }, (_, i) => `a${String(i).padStart(11, '0')}`);
  const insert = db.prepare('INSERT OR IGNORE INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => { for (const id of ids) insert.run(id, `host-${id}`, 'scrypt$x', Date.now()); })();
  const seen = db.prepare('UPDATE agents SET last_seen = ?, interval_s = coalesce(?, interval_s) WHERE id = ?');
  const lastSeen = db.transaction(() => { const now = Date.now(); for (const id of ids) seen.run(now, 5, id); });
  const sms = db.prepare(`INSERT INTO sms_outbox (to_number, contact_id, kind, text, alert_ids, dedupe_key, state, attempts, created_at, updated_at, next_attempt_at)
    VALUES ('+821011112222', NULL, 'fired', '[CRIT] web-01 cpu 99% (>90) 14:02 #12', '[12]', ?, 'queued', 0, ?, ?, ?)`);
  let n = 0;
  const audit = db.prepare("INSERT INTO audit_log (at, actor, address, action, target, before, after) VALUES (?, 'admin', '10.0.0.5', 'rule.update', 'cpu-busy', '{}', '{}')");
  return {
    lastSeen: () => { lastSeen(); },
    outbox: () => { const now = Date.now(); sms.run(`bench-${n++}`, now, now, now); },
    audit: () => { audit.run(Date.now()); },
  };
}

function timeCommits(db: Db, mode: 'NORMAL' | 'FULL', ops: ReturnType<typeof prepare>, rounds: number): number[] {
  db.pragma(`synchronous = ${mode}`);
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const op of [ops.lastSeen, ops.outbox, ops.audit]) {
      const t0 = process.hrtime.bigint();
      op();
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return out;
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const dbFile = path.join(work, 'rackwatch.sqlite');
const db = openDatabase(dbFile);
const ops = prepare(db);
const normal: number[] = [];
const full: number[] = [];
// interleaved in rounds of 10: both modes meet the same disk
for (let r = 0; r < COMMITS / 10; r++) {
  normal.push(...timeCommits(db, 'NORMAL', ops, 10));
  full.push(...timeCommits(db, 'FULL', ops, 10));
}
const line = (name: string, xs: number[]): string => `${name.padEnd(7)} mean ${mean(xs).toFixed(3)} ms  p50 ${pct(xs, 0.5).toFixed(3)} ms  p99 ${pct(xs, 0.99).toFixed(3)} ms  (${xs.length} commits)`;
process.stdout.write(`commit time (${args.dir ?? os.tmpdir()}), the appliance's commits: last-seen batch of 100, an SMS, an audit entry\n`);
process.stdout.write(line('NORMAL', normal) + '\n' + line('FULL', full) + '\n');
process.stdout.write(`ratio FULL/NORMAL (mean): ${(mean(full) / mean(normal)).toFixed(2)}\n`);
// at its busiest the appliance commits about once a second (last-seen every 5 s, visitors every
// 10 s, sessions, alerts): the share of the event loop the extra fsyncs take
process.stdout.write(`event loop taken by FULL at 1 commit/s: ${(mean(full) / 10).toFixed(3)} % (NORMAL ${(mean(normal) / 10).toFixed(3)} %)\n`);

// a realistic database for quick_check
const inventory = JSON.stringify({
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-18-amd64', arch: 'x64' },
  cpu: { model: 'Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz', cores: 24, physicalCores: 12 },
  memory: { total: 68719476736 },
  filesystems: Array.from({ length: 6 }, (_, i) => ({ mount: `/srv/data${i}`, fs: 'ext4', size: 1e12, device: `/dev/sd${'abcdef'[i]}1` })),
  interfaces: Array.from({ length: 4 }, (_, i) => ({ name: `eno${i}`, mac: `00:11:22:33:44:5${i}`, ip4: `10.0.${i}.10`, speed: 1000 })),
});
const addAgent = db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at, inventory) VALUES (?, ?, ?, ?, ?)');
db.pragma('synchronous = NORMAL');
db.transaction(() => {
  for (let i = 0; i < AGENTS; i++) addAgent.run(`b${String(i).padStart(11, '0')}`, `server-${i}.example.com`, `scrypt$1024$8$1$${'s'.repeat(22)}$${'h'.repeat(43)}`, Date.now(), inventory);
})();
const events = db.prepare('INSERT INTO audit_log (at, actor, address, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)');
db.transaction(() => {
  for (let i = 0; i < 50 * AGENTS / 10; i++) events.run(Date.now() - i * 1000, 'admin', '10.0.0.5', 'server.update', `b${i % AGENTS}`, '{"name":"a"}', '{"name":"b"}');
})();
db.pragma('wal_checkpoint(TRUNCATE)');
const warm = quickCheck(db);
db.close();
const sizeMb = statSync(dbFile).size / 1e6;
const cold = openDatabase(dbFile);
const coldCheck = quickCheck(cold);
cold.close();
process.stdout.write(`quick_check on ${sizeMb.toFixed(1)} MB (${AGENTS} agents with inventories, ${5 * AGENTS} audit rows): ${coldCheck.ms.toFixed(0)} ms after reopening (page cache warm from the writes; after a reboot add the read of the file), ${warm.ms.toFixed(0)} ms warm; ok ${coldCheck.ok && warm.ok}\n`);
