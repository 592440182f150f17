// The appliance's MQTT broker (appliance/broker/mqtt-broker.ts: authentication, ACL, the
// packet-size guard) with ingest reduced to validation (parseMetricsPayload, no rrdcached), for
// the guard's benchmark (packet-guard.ts): `--guard off` leaves the sockets unchecked. Every
// agent id is let in. Run as its own process so that its CPU is measured apart from the load.
// Prints `guarded-broker ready {"port":…}` on stdout and stops on SIGTERM / SIGINT.
//
//   node scripts/bench/run.mjs scripts/bench/guarded-broker.ts --guard on|off [--port 0]
import { parseArgs } from 'node:util';
import { MqttBroker, type MqttBrokerDeps } from '../../appliance/broker/mqtt-broker.js';
import { parseMetricsPayload } from '../../contract/metrics.js';
import { silentLogger } from '../../core/logger.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, guard: { type: 'string', default: 'on' } },
    strict: true,
  });
  let bad = 0;
  const ingest = {
    counters: { messagesIn: 0 },
    handleMetrics: (_agentId: string, payload: Buffer): Promise<boolean> => {
      const check = parseMetricsPayload(payload, Math.floor(Date.now() / 1000));
      if (!check.ok) bad++;
      return Promise.resolve(check.ok);
    },
    handleInventory: () => true,
    handleStatus: () => true,
  };
  const broker = new MqttBroker({
    host: values.host, port: Number(values.port), logger: silentLogger,
    ingest: ingest as unknown as MqttBrokerDeps['ingest'],
    registry: { setStatus: () => undefined } as unknown as MqttBrokerDeps['registry'],
    verifyAgent: () => Promise.resolve(true),
    maxConnectionsPerAddress: 1_000_000,
    ...(values.guard === 'off' ? { packetLimits: null } : {}),
  });
  await broker.start();
  process.stdout.write(`guarded-broker ready ${JSON.stringify({ port: broker.port })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  if (bad > 0) process.stderr.write(`guarded-broker: ${bad} payloads did not validate\n`);
  await broker.stop();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`guarded-broker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
