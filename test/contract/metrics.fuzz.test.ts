// Fuzzing the MQTT payload parsers (RES, S19): what an agent publishes reaches
// parseMetricsPayload (rw/v1/<id>/metrics) and the inventory schema (rw/v1/<id>/inventory) as raw
// bytes. Real payloads (the load generator's batches, which mirror the agent's, and a snapshot
// and an inventory as the agent sends them) are mutated byte by byte; random JSON and random
// bytes too. Whatever comes in, the parser answers ok or a reason, never throws, and what it
// accepts passes the full check again with the same data.
import fc from 'fast-check';
import t from 'tap';
import { inventorySchema, type Inventory } from '../../contract/inventory.js';
import { checkMetricsBatch, parseMetricsPayload, type MetricsBatch } from '../../contract/metrics.js';
import { metricsBatch } from '../../scripts/loadgen.js';
import { fuzzParams, mutatedBytes } from '../helpers/fuzz.js';

const NOW = 1_800_000_000;
const enc = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));

const withSnapshot: MetricsBatch = {
  v: 1, i: 5, s: [],
  x: {
    t: NOW,
    routes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.1', iface: 'eth0', metric: 100, family: 'inet' }],
    top: {
      cpu: [{ pid: 1234, name: 'postgres', user: 'postgres', value: 87.5 }],
      memory: [{ pid: 99, name: 'java', user: 'app', value: 41.2 }],
      io: [{ pid: 7, name: 'rsync', user: 'root', value: 1.5e7 }],
    },
    visitors: [{ remote: '192.0.2.7', remotePort: 51514, localPort: 443 }],
  },
};
const inventory: Inventory = {
  v: 1, hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-18-amd64', arch: 'x64' },
  cpu: { model: 'Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz', cores: 12 }, memoryBytes: 33_554_432_000,
  interfaces: [{ name: 'eth0', mac: '52:54:00:12:34:56', addresses: ['10.0.0.11', 'fe80::5054:ff:fe12:3456'] }],
  filesystems: [{ mount: '/', device: '/dev/vda1', type: 'ext4', sizeBytes: 105_088_212_992 }],
  agentVersion: '0.1.0', interval: 5, queue: { dropped: 0, lastDropAt: null },
};
const METRICS_CORPUS = [...[0, 1, 7, 42].map((a) => enc(metricsBatch(a, NOW - 3, 5))), enc(withSnapshot)];

function checkParser(payload: Uint8Array): void {
  const r = parseMetricsPayload(payload, NOW);
  if (r.ok) {
    const again = checkMetricsBatch(JSON.parse(Buffer.from(payload).toString('utf8')), NOW);
    if (!again.ok) throw new Error(`accepted, but the full check refuses it: ${again.reason}`);
  } else if (typeof r.reason !== 'string' || r.reason.length === 0) {
    throw new Error('refused without a reason');
  }
}

void t.test('the corpus itself is valid: the fuzzer starts from what agents really send', (t) => {
  for (const p of METRICS_CORPUS) t.equal(parseMetricsPayload(p, NOW).ok, true);
  t.equal(inventorySchema.safeParse(inventory).success, true);
  t.end();
});

void t.test('mutated real metrics payloads: ok or a reason, never a throw; what is accepted passes the full check', (t) => {
  let accepted = 0;
  fc.assert(fc.property(mutatedBytes(METRICS_CORPUS), (p) => {
    checkParser(p);
    if (parseMetricsPayload(p, NOW).ok) accepted++;
  }), fuzzParams(1_500));
  t.ok(accepted > 0, `some mutants are still valid (${accepted}), so the checks past JSON.parse are reached`);
  t.end();
});

void t.test('random JSON values and random bytes: ok or a reason, never a throw', (t) => {
  fc.assert(fc.property(fc.oneof(fc.jsonValue().map(enc), fc.uint8Array({ maxLength: 512 })), checkParser), fuzzParams(1_000));
  t.end();
});

void t.test('mutated inventories: the schema answers, never throws', (t) => {
  fc.assert(fc.property(mutatedBytes([enc(inventory)]), (p) => {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(p).toString('utf8'));
    } catch {
      return; // ingest refuses it as "payload is not JSON"
    }
    const r = inventorySchema.safeParse(json);
    if (!r.success && r.error.issues.length === 0) throw new Error('refused without an issue');
  }), fuzzParams(1_000));
  t.end();
});
