// S19, B4: the remote-write queue's bound reached is an alert the operator sees. The real
// federation feature (its queue on disk, its sender posting to a loopback endpoint that answers
// 503, as an engine that is down would) fills a 1 MiB queue; the oldest samples are dropped and
// the self-watch raises "remote-write queue full" through the real alert engine and SMS outbox at
// once. It resolves when nothing has been dropped for ten minutes (virtual time).
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../core/logger.js';
import type { Sample } from '../../../contract/metrics.js';
import { FederationFeature } from '../../../appliance/federation/federation-feature.js';
import { SelfWatch } from '../../../appliance/health/self-watch.js';
import { contact, rig, texts } from '../alerting/support/alerting-rig.js';

const KIM = '+821011112222';
const MINUTE = 60_000;

/** one stored batch of 40 tcp samples (11 fields each) */
function batch(t0: number): Sample[] {
  return Array.from({ length: 40 }, (_, i) => ({
    t: t0 + i, f: 'tcp', v: { established: 120 + i, syn_sent: 0, syn_recv: 0, fin_wait1: 0, fin_wait2: 1, time_wait: 33, close: 0, close_wait: 0, last_ack: 0, listen: 12, closing: 0 },
  }));
}

void t.test('a remote-write queue at its bound drops its oldest samples and raises a warning the operator is texted', async (t) => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(503).end('down'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;

  const r = rig(t);
  r.admin.saveContact(contact('kim', KIM));
  const federation = new FederationFeature({
    db: r.db, dataDir: t.testdir(), hub: r.hub, clock: r.clock, logger: silentLogger,
    hostnameOf: (id) => id, groups: () => [], openAlerts: () => [],
    timing: { minBackoffMs: 50, maxBackoffMs: 200 },
  });
  federation.start();
  t.teardown(() => federation.stop());
  await federation.update({ remoteWrite: { url, downsampleS: 0, families: null, auth: null, caCertificates: null, caFile: null, queueMaxBytes: 1 << 20, parallelRequests: 1 }, alertmanager: null });

  const watch = new SelfWatch({
    sources: {
      rrdcached: () => ({ ok: true, restarts: 0 }), dataPartition: () => null, clockSynchronised: () => ({ synchronised: true, source: 'chrony' }),
      modem: () => ({ state: 'disabled', signal: null, registration: null, operator: null, sim: null, lastError: null }),
      ingestBacklog: () => 0, eventLoopLagMs: () => 0, remoteWriteDrops: () => federation.queueDrops(),
    },
    clock: r.clock, logger: silentLogger,
  });
  watch.start(r.engine);
  t.teardown(() => watch.stop());
  t.same(watch.conditions(), [], 'nothing to say while the queue has room');

  // stored samples for a 1 MiB queue the endpoint does not take, until it is past its bound (the
  // queue holds compressed requests: a few bytes a sample of these, a few hundred thousand samples)
  for (let i = 0; i < 5000 && federation.view().status.samplesDropped === 0; i++) federation.stored('web-1', batch(1_700_000_000 + i * 40));
  const status = federation.view().status;
  t.ok(status.samplesDropped > 0, `the oldest samples are dropped (${status.samplesDropped})`);
  t.ok(status.queuedBytes <= 1 << 20, 'the queue keeps its bound');
  t.match(status.lastError?.message, /reached its bound of 1048576 bytes/, 'and says why');

  await r.clock.advance(5_000);
  const open = r.engine.openAlerts().filter((a) => a.ruleId === 'self-remote-write-dropped');
  t.match(open, [{ agentId: 'appliance', severity: 'warning' }], 'a warning on the appliance itself, at once');
  t.match(watch.conditions(), [{ rule: 'self-remote-write-dropped', firing: true, problem: `remote-write queue full: ${status.samplesDropped} samples dropped` }]);
  t.match(texts(r, KIM).join('\n'), /remote-write queue full/, 'the operator is texted');

  await r.clock.advance(9 * MINUTE);
  t.equal(r.engine.openAlerts().filter((a) => a.ruleId === 'self-remote-write-dropped').length, 1, 'still open nine minutes later');
  await r.clock.advance(MINUTE + 5_000);
  t.same(r.engine.openAlerts().filter((a) => a.ruleId === 'self-remote-write-dropped'), [], 'resolved after ten minutes without a drop');
});
