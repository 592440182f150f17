// A hand-driven agent for tests that need to publish exact payloads: enrolls through the real
// API, then talks MQTT with mqtt.js like the real agent does.
import mqtt, { type MqttClient } from 'mqtt';
import type { EnrollResponse } from '../../contract/api.js';
import { agentTopic } from '../../contract/topics.js';
import type { MetricsBatch } from '../../contract/metrics.js';
import type { RunningAppliance, Teardownable } from './appliance-harness.js';

export interface Identity {
  agentId: string;
  secret: string;
}

export async function enroll(app: RunningAppliance, hostname: string): Promise<Identity> {
  const r = await app.api<EnrollResponse>('/api/v1/enroll', { token: app.token, hostname });
  return { agentId: r.agentId, secret: r.secret };
}

export async function connectAs(
  t: Teardownable,
  app: RunningAppliance,
  opts: { clientId: string; username?: string; password?: string; keepalive?: number; will?: boolean },
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`, {
    clientId: opts.clientId,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    keepalive: opts.keepalive ?? 30,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    protocolVersion: 4,
    ...(opts.will ? { will: { topic: agentTopic(opts.clientId, 'status'), payload: Buffer.from('offline'), qos: 1 as const, retain: true } } : {}),
  });
  t.teardown(() => client.endAsync(true));
  return client;
}

/** Tries one MQTT connection and closes it: 'connected', or the refusal's message (CONNACK code). */
export async function connectOutcome(port: number, opts: mqtt.IClientOptions): Promise<string> {
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
    await c.endAsync(true);
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  }
}

export function connectAgent(t: Teardownable, app: RunningAppliance, id: Identity): Promise<MqttClient> {
  return connectAs(t, app, { clientId: id.agentId, username: id.agentId, password: id.secret, will: true });
}

/** A valid batch: cpu + memory + one filesystem, at unix second `t`. */
export function sampleBatch(t: number, interval = 1, cpuUser = 12.5): MetricsBatch {
  return {
    v: 1,
    i: interval,
    s: [
      { t, f: 'cpu', v: { user: cpuUser, system: 3, iowait: 0.5, steal: 0, idle: 100 - cpuUser - 3.5 } },
      { t, f: 'memory', v: { total: 8e9, used: 3e9, available: 5e9, cached: 1e9, swap_total: 1e9, swap_used: 0 } },
      { t, f: 'fs', k: '/', v: { size: 1e11, used: 4e10, avail: 6e10, inodes: 1e6, inodes_used: 2e5 } },
    ],
  };
}

export function publishMetrics(client: MqttClient, agentId: string, payload: string | Buffer | MetricsBatch): Promise<unknown> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return client.publishAsync(agentTopic(agentId, 'metrics'), body, { qos: 1 });
}
