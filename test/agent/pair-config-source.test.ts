// Which appliance's configuration an agent of a standby pair applies (S13, B4; docs/standby.md
// "Agents after a promotion"): the primary's under the highest term, never a standby's, the
// --appliance one at equal terms and when nothing is tagged (a lone appliance).
import t from 'tap';
import { silentLogger } from '../../core/logger.js';
import { PairConfigSource, pairTagOf } from '../../agent/pair-config-source.js';

const config = (revision: number, pair?: { role: string; term: number }): Buffer => Buffer.from(JSON.stringify({ v: 1, revision, collectors: {}, queue: { maxBytes: 1 << 20, maxAgeS: 60 }, ...(pair ? { pair } : {}) }));
const revisionOf = (p: Buffer): number => (JSON.parse(p.toString()) as { revision: number }).revision;

void t.test('the tag is read, and anything else is no tag', (t) => {
  t.same(pairTagOf(config(1, { role: 'primary', term: 3 })), { role: 'primary', term: 3 });
  t.equal(pairTagOf(config(1)), null);
  t.equal(pairTagOf(config(1, { role: 'leader', term: 3 })), null);
  t.equal(pairTagOf(config(1, { role: 'primary', term: -1 })), null);
  t.equal(pairTagOf(Buffer.from('{not json')), null);
  t.end();
});

void t.test("a pair: the primary's configs are applied, the standby's not; after a promotion, the new primary's", (t) => {
  const applied: number[] = [];
  const source = new PairConfigSource((p) => applied.push(revisionOf(p)), silentLogger);
  source.offer('appliance', config(1, { role: 'primary', term: 0 }));
  source.offer('standby', config(2, { role: 'standby', term: 0 }));
  t.same(applied, [1], "the standby's copy is not applied");
  // the standby is promoted: it publishes again under term 1 and is the source from then on
  source.offer('standby', config(3, { role: 'primary', term: 1 }));
  t.equal(source.source, 'standby');
  // the old primary, back, still says primary of term 0: not applied; then it gives way
  source.offer('appliance', config(4, { role: 'primary', term: 0 }));
  source.offer('appliance', config(5, { role: 'standby', term: 1 }));
  source.offer('standby', config(6, { role: 'primary', term: 1 }));
  t.same(applied, [1, 3, 6], 'the new primary, its edit too, and nothing of the old one');
  // roles swap back (the old primary promoted under term 2): its last config at once
  source.offer('appliance', config(7, { role: 'primary', term: 2 }));
  t.same(applied, [1, 3, 6, 7]);
  t.equal(source.source, 'appliance');
  t.end();
});

void t.test('equal terms and lone appliances: --appliance wins; nothing saying primary keeps the current source', (t) => {
  const applied: number[] = [];
  const source = new PairConfigSource((p) => applied.push(revisionOf(p)), silentLogger);
  source.offer('standby', config(1));
  t.same(applied, [], 'an untagged config from the standby link is never applied');
  source.offer('appliance', config(2));
  source.offer('standby', config(3, { role: 'primary', term: 0 }));
  t.same(applied, [2], 'two primaries of equal terms: --appliance');
  source.offer('appliance', config(4, { role: 'standby', term: 0 }));
  source.offer('standby', config(5, { role: 'standby', term: 0 }));
  t.same(applied, [2, 3], 'the standby link is the only primary left: its config applies once, then neither says primary');
  t.end();
});
