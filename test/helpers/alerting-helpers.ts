// Helpers for the alerting end-to-end tests: the appliance runs with `--modem sim`, so its SMS
// go through the real driver and the real serialport binding to the simulator on a socat pty;
// the tests read what the simulated modem received through GET /api/v1/modem/sim-log (live) or
// <data-dir>/modem-sim.log (JSON lines, survives a SIGKILL of the appliance).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Alert, AlertListResponse, Contact, ContactInput, ModemResponse, Rule, RuleInput, SimLogLine, SimLogResponse } from '../../contract/alerts-api.js';
import { waitFor, type RunningAppliance } from './appliance-harness.js';
import { publishMetrics, sampleBatch } from './mqtt-agent.js';

export async function waitForModemReady(app: RunningAppliance): Promise<void> {
  await waitFor('the simulated modem to be ready', async () => (await app.api<ModemResponse>('/api/v1/modem')).status?.state === 'ready', { timeoutMs: 20_000 });
}

export function simLog(app: RunningAppliance): Promise<SimLogResponse> {
  return app.api<SimLogResponse>('/api/v1/modem/sim-log');
}

export type SimMessage = SimLogResponse['messages'][number];

/** Waits for a message (parts joined) to `to` whose text matches. */
export async function waitForSms(app: RunningAppliance, to: string, match: RegExp | ((text: string) => boolean), timeoutMs = 20_000): Promise<SimMessage> {
  const test = typeof match === 'function' ? match : (text: string): boolean => match.test(text);
  return waitFor(`an SMS to ${to} matching ${String(match)}`, async () => (await simLog(app)).messages.find((m) => m.to === to && m.complete && test(m.text)), { timeoutMs });
}

export async function smsTo(app: RunningAppliance, to: string): Promise<SimMessage[]> {
  return (await simLog(app)).messages.filter((m) => m.to === to);
}

/** <data-dir>/modem-sim.log, every process's lines. */
export function simLogFile(dataDir: string): SimLogLine[] {
  const file = path.join(dataDir, 'modem-sim.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SimLogLine);
}

export async function send(app: RunningAppliance, method: 'PUT' | 'DELETE' | 'POST' | 'PATCH', pathname: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await app.fetch(pathname, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

export function createContact(app: RunningAppliance, input: ContactInput): Promise<Contact> {
  return app.api<Contact>('/api/v1/contacts', input);
}

export function createRule(app: RunningAppliance, input: RuleInput): Promise<Rule> {
  return app.api<Rule>('/api/v1/rules', input);
}

/**
 * S7: the shipped "Agent silent" rule's duration, set through the API as an operator would (it
 * waits 60 s as shipped). Answers the rule as stored.
 */
export async function setAgentSilentFor(app: RunningAppliance, forS: number): Promise<Rule> {
  const rule = await app.api<Rule>('/api/v1/rules/default-agent-silent');
  const saved = await send(app, 'PUT', '/api/v1/rules/default-agent-silent', { ...rule, forS });
  if (saved.status !== 200) throw new Error(`PUT /rules/default-agent-silent: ${saved.status} ${JSON.stringify(saved.json)}`);
  return saved.json as Rule;
}

/** A CPU rule for one agent that fires at `critical` after `forS` seconds of cpu busy > 90 %. */
export function cpuRule(agentId: string, forS: number, name = `CPU ${agentId}`): RuleInput {
  return {
    name,
    metric: { kind: 'derived', name: 'cpu_busy_pct' },
    comparison: '>',
    levels: { critical: 90 },
    recovery: { delta: 5 },
    forS,
    scope: { kind: 'agent', agentId },
    enabled: true,
  };
}

export interface CpuFeeder {
  /** cpu idle % of the next batches (busy = 100 − idle); change it at any time */
  idle: number;
  /** what was published so far: each batch's sample time (unix s) and cpu idle %, oldest first */
  readonly sent: { t: number; idle: number }[];
  stop(): void;
}

/** Publishes a batch every second, stamped with the current second, with cpu idle `idle` % until stopped. */
export function cpuFeeder(client: MqttClient, agentId: string, idle = 1): CpuFeeder {
  let stopped = false;
  const feeder: CpuFeeder = {
    idle,
    sent: [],
    stop: (): void => {
      stopped = true;
      clearInterval(timer);
    },
  };
  const tick = (): void => {
    if (stopped) return;
    const t = Math.floor(Date.now() / 1000);
    feeder.sent.push({ t, idle: feeder.idle });
    publishMetrics(client, agentId, sampleBatch(t, 1, 100 - 3.5 - feeder.idle)).catch(() => undefined);
  };
  const timer = setInterval(tick, 1_000);
  tick();
  return feeder;
}

export async function openAlertOf(app: RunningAppliance, agentId: string, state = 'firing'): Promise<Alert> {
  return waitFor(`a ${state} alert on ${agentId}`, async () => {
    const list = await app.api<AlertListResponse>(`/api/v1/alerts?state=${state}&agent=${encodeURIComponent(agentId)}`);
    return list.alerts[0];
  });
}
