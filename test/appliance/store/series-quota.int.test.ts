// RES (docs/bounds.md, docs/storage.md): an agent's RRD files are capped. One metrics message with
// 1,000 distinct filesystem keys, sent by the real agent session to the built appliance (real
// rrdcached): the files within the quota are made and their samples stored, the rest refused and
// counted; the batch is acknowledged; the agent is told by its retained notice and logs it once,
// not per batch; an info alert is raised on that agent.
import t from 'tap';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { HealthResponse } from '../../../contract/api.js';
import type { AlertListResponse } from '../../../contract/alerts-api.js';
import type { MetricsBatch } from '../../../contract/metrics.js';
import { systemClock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { DiskQueue } from '../../../agent/disk-queue.js';
import { createSession } from '../../../agent/session.js';
import { DEFAULT_FILES_PER_AGENT } from '../../../appliance/store/series-quota.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { enroll } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KEYS = 1000;

function thousandKeyBatch(t: number): MetricsBatch {
  return {
    v: 1, i: 5,
    s: [
      { t, f: 'cpu', v: { user: 1, system: 1, iowait: 0, steal: 0, idle: 98 } },
      ...Array.from({ length: KEYS }, (_, n) => ({ t, f: 'fs' as const, k: `/mnt/m${n}`, v: { size: 100, used: 1, avail: 99, inodes: 10, inodes_used: 1 } })),
    ],
  };
}

void t.test('1,000 new series in one message: the quota is kept, the rest refused, the agent told once, an alert raised', async (t) => {
  // the bench retention: ~30 KB a file instead of megabytes, same code path
  const app = await startAppliance(t, { args: ['--retention', 'bench'] });
  const id = await enroll(app, 'many-mounts');
  const warnings: string[] = [];
  const log: Logger = {
    debug: () => undefined, info: () => undefined, error: () => undefined,
    warn: (msg) => { warnings.push(msg); },
    child: () => log,
  };
  const queue = new DiskQueue({ dir: tempDir(t), bounds: { maxBytes: 4 * 1024 * 1024, maxAgeS: 3600 }, clock: systemClock, log });
  t.teardown(() => queue.close());
  const session = createSession({
    applianceUrl: new URL(app.url), identity: { agentId: id.agentId, secret: id.secret, mqttPort: app.mqttPort },
    inventory: () => ({
      v: 1, hostname: 'many-mounts', os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1', arch: 'x64' },
      cpu: { model: 'test', cores: 1 }, memoryBytes: 1, interfaces: [], filesystems: [], agentVersion: '0.1.0', interval: 5,
    }),
    queue, keepaliveS: 15, clock: systemClock, log, stopTimeoutMs: 2000,
  });
  session.start();
  t.teardown(() => session.stop());

  const nowS = Math.floor(Date.now() / 1000);
  queue.append(thousandKeyBatch(nowS - 5));
  session.kick();
  await waitFor('the batch to be acknowledged', () => session.delivered === 1, { timeoutMs: 60_000 });
  const files = readdirSync(path.join(app.dataDir, 'rrd', id.agentId)).filter((n) => n.endsWith('.rrd'));
  t.equal(files.length, DEFAULT_FILES_PER_AGENT, `exactly the quota of ${DEFAULT_FILES_PER_AGENT} files was made`);
  t.ok(files.includes('cpu.5s.rrd'), 'the first series of the batch is among them');

  const health = await app.api<HealthResponse>('/api/v1/health');
  const refused = KEYS + 1 - DEFAULT_FILES_PER_AGENT;
  t.equal(health.refusals.seriesQuotaSamples, refused, `the ${refused} samples beyond it are counted as refused`);
  t.equal(health.counters.rrdUpdates, DEFAULT_FILES_PER_AGENT, 'and the ones within it stored');

  await waitFor('the agent to log the notice', () => warnings.some((w) => w.startsWith('the appliance refused some samples')));
  t.match(warnings.find((w) => w.startsWith('the appliance refused some samples')), new RegExp(`quota of RRD files.*${DEFAULT_FILES_PER_AGENT} of ${DEFAULT_FILES_PER_AGENT} files, ${refused} new series refused`));

  const alerts = await waitFor('the alert', async () => {
    const list = await app.api<AlertListResponse>(`/api/v1/alerts?state=open&agent=${id.agentId}`);
    return list.alerts.length > 0 ? list.alerts : null;
  });
  t.match(alerts, [{ severity: 'info', agentId: id.agentId, metric: { kind: 'series_quota' }, cause: { seriesQuota: { maxFiles: DEFAULT_FILES_PER_AGENT, files: DEFAULT_FILES_PER_AGENT } } }]);

  // the next batch: the known series are stored again, the new ones refused again; the agent,
  // reconnecting in between (its retained notice comes again), does not log it again
  await session.stop();
  session.start();
  queue.append(thousandKeyBatch(nowS));
  session.kick();
  await waitFor('the second batch to be acknowledged', () => session.delivered === 2, { timeoutMs: 60_000 });
  const after = await app.api<HealthResponse>('/api/v1/health');
  t.equal(after.refusals.seriesQuotaSamples, 2 * refused, 'refused again and counted');
  t.equal(after.counters.rrdUpdates, 2 * DEFAULT_FILES_PER_AGENT, 'the series within the quota stored again');
  t.equal(warnings.filter((w) => w.startsWith('the appliance refused some samples')).length, 1, 'the agent logged the notice once');
});
