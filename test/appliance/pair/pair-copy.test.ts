// The standby pair's parts that need no network (S13, B4; docs/standby.md), on real SQLite files:
// the configuration version moves with any edit of a copied thing and with nothing else; a copy
// brings the primary's rows (deleting what it no longer has, keeping the standby's own state); the
// heartbeat and the copy's proof hold only with the shared secret; the standby refuses edits of
// copied things and holds its SMS within the grace period of its last hearing of the primary.
import t, { type Test } from 'tap';
import path from 'node:path';
import type { PairConfig } from '../../../contract/pair.js';
import { silentLogger } from '../../../core/logger.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { applySnapshot, configVersion, readSnapshot } from '../../../appliance/pair/config-snapshot.js';
import { configProof, signHeartbeat, verifyHeartbeat } from '../../../appliance/pair/pair-signature.js';
import { PairService } from '../../../appliance/pair/pair-service.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const SECRET = 'a-shared-secret-of-the-pair';

function db(t: Test, name: string): Db {
  const d = openDatabase(path.join(tempDir(t, 'rw-pair-'), `${name}.sqlite`));
  t.teardown(() => d.close());
  return d;
}

const addAgent = (d: Db, id: string, host: string): void => {
  d.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, 1)').run(id, host, `scrypt$hash-of-${id}`);
};

void t.test('the configuration version moves with edits of copied things only', (t) => {
  const d = db(t, 'primary');
  const v0 = configVersion(d);
  addAgent(d, 'a1', 'web-01');
  const v1 = configVersion(d);
  t.ok(v1 > v0, 'an enrolled agent moves it');
  d.prepare('UPDATE agents SET last_seen = 5, inventory = ? WHERE id = ?').run('{}', 'a1');
  t.equal(configVersion(d), v1, "an agent's last-seen time and inventory do not");
  d.prepare("INSERT INTO contacts (id, name, phone, language, severities, schedule) VALUES ('c1', 'Kim', '+8210', 'ko', '[]', '{}')").run();
  t.ok(configVersion(d) > v1, 'a contact does');
  t.end();
});

void t.test("a copy brings the primary's rows, removes what it no longer has and keeps the standby's own state", (t) => {
  const primary = db(t, 'primary');
  const standby = db(t, 'standby');
  addAgent(primary, 'a1', 'web-01');
  addAgent(primary, 'a2', 'db-01');
  primary.prepare("INSERT INTO server_groups (id, name, created_at) VALUES ('g1', 'web', 1)").run();
  primary.prepare("INSERT INTO server_group_members (group_id, agent_id) VALUES ('g1', 'a1')").run();
  addAgent(standby, 'stale', 'old-01');

  const first = applySnapshot(standby, readSnapshot(primary));
  t.equal(first.deleted, 1, "the standby's own agent is gone");
  t.same(standby.prepare('SELECT id, hostname, secret_hash FROM agents ORDER BY id').all(), [
    { id: 'a1', hostname: 'web-01', secret_hash: 'scrypt$hash-of-a1' }, { id: 'a2', hostname: 'db-01', secret_hash: 'scrypt$hash-of-a2' },
  ], 'the agents, with their secret hashes');
  t.equal(configVersion(standby), configVersion(primary), "the standby is at the primary's version");

  // the standby's own state on a copied row: its last-seen time stays through the next copy
  standby.prepare('UPDATE agents SET last_seen = 42 WHERE id = ?').run('a1');
  primary.prepare("UPDATE agents SET hostname = 'web-01b' WHERE id = 'a1'").run();
  primary.prepare("DELETE FROM agents WHERE id = 'a2'").run();
  applySnapshot(standby, readSnapshot(primary));
  t.same(standby.prepare('SELECT id, hostname, last_seen FROM agents').all(), [{ id: 'a1', hostname: 'web-01b', last_seen: 42 }]);
  t.same(standby.prepare('SELECT group_id, agent_id FROM server_group_members').all(), [{ group_id: 'g1', agent_id: 'a1' }]);

  const wrong = readSnapshot(primary);
  wrong.tables.agents = { columns: ['id'], rows: [['x']] };
  t.throws(() => applySnapshot(standby, wrong), /columns/, 'a snapshot of another shape is refused');
  t.same(standby.prepare('SELECT id FROM agents').all(), [{ id: 'a1' }], '…and changes nothing');
  t.end();
});

void t.test('the heartbeat and the copy hold only with the shared secret', async (t) => {
  const h = signHeartbeat(SECRET, { v: 2, role: 'primary', term: 0, name: 'rack-a', configVersion: 3, challenge: 'c'.repeat(32), nonce: 'n'.repeat(32), atMs: 1 });
  t.ok(verifyHeartbeat(SECRET, h, 'n'.repeat(32)));
  t.notOk(verifyHeartbeat('another-secret-entirely', h, 'n'.repeat(32)), 'another secret');
  t.notOk(verifyHeartbeat(SECRET, h, 'm'.repeat(32)), 'an answer to another nonce (a replay)');
  t.notOk(verifyHeartbeat(SECRET, { ...h, role: 'standby' }, 'n'.repeat(32)), 'a changed field');
  t.notOk(verifyHeartbeat(SECRET, { ...h, term: 7 }, 'n'.repeat(32)), 'a changed term');

  const clock = new VirtualClock();
  let pair: PairConfig | null = { role: 'primary', peer: 'http://10.0.0.3:8080', secret: SECRET, graceS: 10, term: 0 };
  const d = db(t, 'primary');
  const service = new PairService({
    db: d, clock, logger: silentLogger, name: 'rack-a', pair: () => pair, setRole: () => undefined, setTerm: () => undefined,
    onCopied: () => Promise.resolve(), onTakeOver: () => undefined, onHoldChanged: () => undefined,
  });
  const beat = service.heartbeat('ab'.repeat(16));
  if (!beat) throw new Error('no heartbeat');
  t.throws(() => service.snapshot(beat.challenge, configProof('another-secret-entirely', beat.challenge)), { code: 'RW_ERR_PAIR_PROOF' }, 'a proof with another secret');
  const again = service.heartbeat('ab'.repeat(16));
  if (!again) throw new Error('no heartbeat');
  t.equal(service.snapshot(again.challenge, configProof(SECRET, again.challenge)).v, 1, 'the right proof gets the snapshot');
  t.throws(() => service.snapshot(again.challenge, configProof(SECRET, again.challenge)), { code: 'RW_ERR_PAIR_PROOF' }, 'a challenge is good once');
  const late = service.heartbeat('ab'.repeat(16));
  if (!late) throw new Error('no heartbeat');
  await clock.advance(31_000);
  t.throws(() => service.snapshot(late.challenge, configProof(SECRET, late.challenge)), { code: 'RW_ERR_PAIR_PROOF' }, 'a stale challenge');
  pair = null;
  t.equal(service.heartbeat('ab'.repeat(16)), null, 'no pair, no heartbeat');
  t.end();
});

void t.test('the standby refuses edits of copied things and holds its SMS for the grace period', async (t) => {
  const clock = new VirtualClock();
  const pair: PairConfig = { role: 'standby', peer: 'http://10.0.0.2:8080', secret: SECRET, graceS: 10, term: 0 };
  const service = new PairService({
    db: db(t, 'standby'), clock, logger: silentLogger, name: 'rack-b', pair: () => pair, setRole: () => undefined, setTerm: () => undefined,
    onCopied: () => Promise.resolve(), onTakeOver: () => undefined, onHoldChanged: () => undefined,
  });
  service.configure();
  for (const [method, url] of [['POST', '/api/v1/rules'], ['PUT', '/api/v1/groups/g1/members'], ['DELETE', '/api/v1/servers/a1'], ['PATCH', '/api/v1/servers/a1'], ['PUT', '/api/v1/agents/a1/config'], ['POST', '/api/v1/users']] as const) {
    t.match(service.refusal(method, url), { code: 'RW_ERR_PAIR_STANDBY', message: /http:\/\/10\.0\.0\.2:8080/ }, `${method} ${url} refused`);
  }
  for (const [method, url] of [['GET', '/api/v1/rules'], ['POST', '/api/v1/rules/preview'], ['POST', '/api/v1/alerts/1/ack'], ['PUT', '/api/v1/redundancy'], ['POST', '/api/v1/auth/login'], ['POST', '/api/v1/pair/promote']] as const) {
    t.equal(service.refusal(method, url), null, `${method} ${url} allowed`);
  }
  t.ok(service.smsHold(), 'holds from its start for the grace period');
  await clock.advance(10_000);
  t.equal(service.smsHold(), null, 'not heard for the grace period: sends');
  t.end();
});
