// Two primaries in a standby pair (S13, B4; docs/standby.md "Two primaries"), on real SQLite files
// and the real redundancy settings, the two pair services talking through each other's heartbeat
// and snapshot (the HTTP routes are the integration test's): after a promotion the old primary,
// hearing the new one, makes itself the standby and copies its configuration; two primaries of
// equal terms both keep sending and both say so, until one is promoted over the other; at no time
// do both hold their SMS; a PUT of the settings does not set the term.
import t, { type Test } from 'tap';
import path from 'node:path';
import { PAIR_PROOF_HEADER } from '../../../contract/pair.js';
import { silentLogger } from '../../../core/logger.js';
import type { FetchLike } from '../../../core/pinned-fetch.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { configVersion } from '../../../appliance/pair/config-snapshot.js';
import { PairService } from '../../../appliance/pair/pair-service.js';
import { RedundancyService } from '../../../appliance/sentinel/redundancy-service.js';
import { RedundancyStore } from '../../../appliance/sentinel/redundancy-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const SECRET = 'a-shared-secret-of-the-pair';
const GRACE_S = 10;

interface Side {
  name: string;
  db: Db;
  redundancy: RedundancyService;
  pair: PairService;
  /** the network between the two: false, this side answers nothing */
  up: boolean;
  demotions: string[];
}

function openDb(t: Test, name: string): Db {
  const d = openDatabase(path.join(tempDir(t, 'rw-pair2-'), `${name}.sqlite`));
  t.teardown(() => d.close());
  return d;
}

/** Two appliances "https://a" and "https://b" whose requests reach each other's pair service. */
async function twoSides(t: Test, clock: VirtualClock, roles: { a: 'primary' | 'standby'; b: 'primary' | 'standby' }): Promise<{ a: Side; b: Side }> {
  const sides: Record<string, Side> = {};
  const fetchTo = (peer: string): FetchLike => (url, init) => {
    const side = sides[peer];
    if (!side?.up) return Promise.reject(new Error(`connect ECONNREFUSED ${peer}`));
    const u = new URL(url);
    const json = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    if (u.pathname.endsWith('/pair/heartbeat')) return Promise.resolve(json(side.pair.heartbeat(u.searchParams.get('nonce') ?? '')));
    const proof = new Headers(init.headers).get(PAIR_PROOF_HEADER) ?? '';
    return Promise.resolve(json(side.pair.snapshot(u.searchParams.get('challenge') ?? '', proof)));
  };
  for (const [name, peer] of [['a', 'b'], ['b', 'a']] as const) {
    const db = openDb(t, name);
    const side: Side = { name, db, up: true, demotions: [], redundancy: null as unknown as RedundancyService, pair: null as unknown as PairService };
    side.redundancy = new RedundancyService({
      store: new RedundancyStore(db), agentExists: () => true, secretHashOf: () => null, defaultName: name,
      configsChanged: () => Promise.resolve(), clock, logger: silentLogger, pairChanged: () => side.pair.configure(),
    });
    side.pair = new PairService({
      db, clock, logger: silentLogger, name: `https://${name}`, pair: () => side.redundancy.pairConfig(),
      setRole: (role, by, term) => side.redundancy.setPairRole(role, by, term), setTerm: (term) => side.redundancy.setPairTerm(term),
      onDemoted: (p, own, theirs) => side.demotions.push(`${p} ${own}→${theirs}`),
      onCopied: () => Promise.resolve(), onTakeOver: () => undefined, onHoldChanged: () => undefined, fetch: fetchTo(peer),
    });
    sides[name] = side;
    const put = await side.redundancy.set({ sentinels: [], pair: { role: roles[name], peer: `https://${peer}`, secret: SECRET, graceS: GRACE_S } }, 'admin');
    if (!put.ok) throw new Error(put.problems.join('; '));
    side.pair.start();
    t.teardown(() => side.pair.stop());
  }
  const { a, b } = sides;
  if (!a || !b) throw new Error('two sides');
  return { a, b };
}

const holding = (s: Side): boolean => s.pair.smsHold() !== null;

void t.test('after a promotion the old primary, back, makes itself the standby and copies the new one', async (t) => {
  const clock = new VirtualClock();
  const { a, b } = await twoSides(t, clock, { a: 'primary', b: 'standby' });
  await clock.advance(5_000);
  t.match(b.pair.status(), { role: 'standby', peerRole: 'primary', peerTerm: 0, holdingSms: true }, 'the standby hears the primary');
  t.match(a.pair.status(), { role: 'primary', peerRole: 'standby', twoPrimaries: false }, 'the primary polls its peer too');

  // the primary goes away; the standby, promoted, is the primary of term 1
  a.up = false;
  await clock.advance(GRACE_S * 1000 + 3_000);
  t.notOk(holding(b), 'the standby sends once the primary has not been heard for the grace period');
  const promoted = b.pair.promote('admin');
  t.match(promoted, { role: 'primary', term: 1, holdingSms: false });
  b.db.prepare("INSERT INTO contacts (id, name, phone, language, severities, schedule) VALUES ('c9', 'Park', '+821055556666', 'ko', '[]', '{}')").run();

  // the old primary returns, still primary with term 0: it hears a primary of term 1 and gives way
  a.up = true;
  let bothHeld = false;
  for (let i = 0; i < 20; i++) {
    await clock.advance(500);
    if (holding(a) && holding(b)) bothHeld = true;
  }
  t.notOk(bothHeld, 'never both holding their SMS');
  t.match(a.pair.status(), { role: 'standby', term: 1, peerRole: 'primary', peerTerm: 1, holdingSms: true, twoPrimaries: false }, 'the old primary is the standby, of the new term, holding');
  t.ok(a.pair.status().demotedAt !== null, 'and says it made itself the standby');
  t.same(a.demotions, ['https://b 0→1']);
  t.match(b.pair.status(), { role: 'primary', term: 1, peerRole: 'standby', holdingSms: false, twoPrimaries: false }, 'the new primary stays, sending');
  t.equal(a.redundancy.pairConfig()?.role, 'standby', 'the demotion is saved with the settings');
  t.equal(configVersion(a.db), configVersion(b.db), "the old primary copied the new one's configuration");
  t.same(a.db.prepare("SELECT name FROM contacts WHERE id = 'c9'").all(), [{ name: 'Park' }], '…with the contact made on it meanwhile');
});

void t.test('two primaries of equal terms both keep sending and say so, until one is promoted over the other', async (t) => {
  const clock = new VirtualClock();
  const { a, b } = await twoSides(t, clock, { a: 'primary', b: 'primary' });
  await clock.advance(5_000);
  for (const s of [a, b]) {
    t.match(s.pair.status(), { role: 'primary', term: 0, peerRole: 'primary', peerTerm: 0, twoPrimaries: true, holdingSms: false }, `${s.name}: two primaries, sending`);
    t.match(s.pair.twoPrimariesFinding(), { problem: `two primaries in the pair: https://${s.name === 'a' ? 'b' : 'a'}`, detail: /both at promotion term 0/ });
  }
  // a PUT of the settings sent back as GET shows them does not set the term
  const shown = a.redundancy.get();
  const put = await a.redundancy.set({ sentinels: [], pair: { ...shown.pair, term: 99 } }, 'admin');
  t.ok(put.ok);
  t.equal(a.redundancy.pairConfig()?.term, 0, "a PUT's term is ignored");

  // the peer goes quiet: after the grace period it is no longer known to be a primary
  b.up = false;
  await clock.advance(GRACE_S * 1000 + 1_000);
  t.equal(a.pair.twoPrimariesFinding(), null, 'a primary not heard for the grace period is not counted');
  b.up = true;
  await clock.advance(5_000);
  t.ok(a.pair.status().twoPrimaries, 'heard again: two primaries again');

  // promoting one of the two raises its term above both: the other gives way
  t.match(b.pair.promote('admin'), { role: 'primary', term: 1 });
  await clock.advance(5_000);
  t.match(a.pair.status(), { role: 'standby', term: 1, holdingSms: true, twoPrimaries: false });
  t.match(b.pair.status(), { role: 'primary', term: 1, holdingSms: false, twoPrimaries: false });
  t.equal(a.pair.twoPrimariesFinding(), null);
  t.equal(b.pair.twoPrimariesFinding(), null, 'resolved on both');
});

void t.test('a standby takes the term of the primary it hears, so that its promotion goes above it', async (t) => {
  const clock = new VirtualClock();
  const { a, b } = await twoSides(t, clock, { a: 'primary', b: 'standby' });
  a.redundancy.setPairRole('primary', 'test', 4);
  await clock.advance(3_000);
  t.equal(b.redundancy.pairConfig()?.term, 4, "the standby keeps the primary's term with its settings");
  t.match(b.pair.promote('admin'), { term: 5 }, 'promoted above it');
  // a promotion of a primary that is alone in its role changes nothing
  await clock.advance(3_000);
  t.match(b.pair.promote('admin'), { role: 'primary', term: 5 });
});
