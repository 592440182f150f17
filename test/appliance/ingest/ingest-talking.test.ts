// An agent whose publishes wait under backpressure is talking, not silent (S19 with the
// agent-silent rule): through the real Ingest, registry, repository and a SQLite file, with a
// store that answers only when the test lets it.
import t from 'tap';
import { silentLogger } from '../../../core/logger.js';
import { Ingest, type SampleSink } from '../../../appliance/ingest/ingest.js';
import { registryWithTwoAgents } from '../agents/registry-fixture.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);

class HeldSink implements SampleSink {
  readonly held: (() => void)[] = [];
  write(): Promise<{ updated: number; rejected: number }> {
    return new Promise((resolve) => this.held.push(() => resolve({ updated: 1, rejected: 0 })));
  }
}

void t.test('a publish waiting for a write slot or for its store keeps its agent talking until it settles, stored or dropped', async (t) => {
  const { clock, registry } = registryWithTwoAgents(t, T0);
  const sink = new HeldSink();
  const ingest = new Ingest({ sink, registry, clock, logger: silentLogger, maxConcurrentWrites: 1 });
  const batch = (tS: number): Buffer => Buffer.from(JSON.stringify({ v: 1, i: 5, s: [{ t: tS, f: 'load', v: { load1: 1, load5: 1, load15: 1 } }] }));
  const S = T0 / 1000;

  t.equal(registry.isTalking('a1'), false, 'nothing arrived yet');
  const first = ingest.handleMetrics('a1', batch(S));
  const second = ingest.handleMetrics('a1', batch(S + 5)); // waits for the only write slot
  const bad = ingest.handleMetrics('a2', Buffer.from('not json'));
  t.equal(registry.isTalking('a1'), true, 'a1 is talking while its publishes wait');
  t.equal(registry.isTalking('a2'), true, 'a2 too: its malformed publish waits for the slot like any other');
  await Promise.resolve();
  sink.held.shift()?.();
  t.equal(await first, true);
  t.equal(registry.isTalking('a1'), true, 'a1\'s second publish is being stored');
  t.equal(registry.isTalking('a2'), true, 'a2\'s still waits for the slot');
  while (sink.held.length === 0) await new Promise((r) => setImmediate(r));
  sink.held.shift()?.();
  t.equal(await second, true);
  t.equal(registry.isTalking('a1'), false, 'every publish of a1 settled');
  t.equal(await bad, false, 'the malformed one is dropped');
  t.equal(registry.isTalking('a2'), false, 'and settles a2');
});
