// Notification policy under an alert storm: what one run of decide() costs with N alerts open
// (10,000 agents silent after an outage: the appliance runs it once a second while the silence
// passes open and resolve alerts, and every 30 s besides). decide() copies its state on write; the
// baseline, measured in the same run on the same state, is a deep copy of that state
// (structuredClone), which is what every call cost before. JSON.stringify of the state is shown
// too: a run that changed the state (decide() says so) is saved as that JSON.
//
//   node scripts/bench/run.mjs scripts/bench/alert-storm-policy.ts [--alerts 1000,10000] [--rounds 15]
import { parseArgs } from 'node:util';
import type { Alert } from '../../contract/alerting.js';
import { DEFAULT_POLICY_CONFIG, decide, type PolicyState } from '../../appliance/alerting/policy/notification-policy.js';
import { type Contact } from '../../contract/alerting.js';
import { percentile } from './percentile.js';

const T0 = Date.UTC(2026, 10, 27, 3, 0);

function silentAlert(id: number): Alert {
  return {
    id, ruleId: 'agent-silent', ruleName: 'Agent silent', agentId: `a${id.toString(16).padStart(12, '0')}`, agentName: `rack-${id}`,
    metric: { kind: 'agent_silent', missedIntervals: 3 }, unit: '', comparison: '>', severity: 'critical', state: 'firing', value: 45, threshold: 30,
    cause: {}, startedAt: T0, firedAt: T0,
  };
}

/** n alerts firing, each told to the one contact, escalation due later */
function stormState(n: number): PolicyState {
  const state: PolicyState = { contacts: { c1: { sentAtMs: [T0], held: [] } }, alerts: {} };
  for (let id = 1; id <= n; id++) state.alerts[String(id)] = { alert: silentAlert(id), notified: ['c1'], level: 0, nextEscalationAtMs: T0 + 3_600_000 };
  return state;
}

const CONTACTS: Contact[] = [
  { id: 'c1', name: 'Kim', phone: '+821012345678', language: 'ko', severities: ['critical', 'warning'], schedule: [], escalationLevel: 0, enabled: true },
];

function medianMs(rounds: number, f: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return percentile(times.sort((a, b) => a - b), 0.5);
}

function main(): void {
  const { values } = parseArgs({ options: { alerts: { type: 'string', default: '1000,10000' }, rounds: { type: 'string', default: '15' } }, strict: true });
  const rounds = Number(values.rounds);
  const sizes = values.alerts.split(',').map(Number);
  if (!Number.isInteger(rounds) || rounds < 1 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write('alert-storm-policy: --alerts takes whole numbers ≥ 1 separated by commas, --rounds a whole number ≥ 1\n');
    process.exit(2);
  }
  process.stdout.write('open alerts  decide() ms  deep copy ms (baseline)  decide / deep copy  JSON.stringify ms  JSON MB\n');
  for (const n of sizes) {
    let state = stormState(n);
    const config = { ...DEFAULT_POLICY_CONFIG, timeZone: { iana: 'UTC' } };
    let json = '';
    const decideMs = medianMs(rounds, () => {
      // each call a second later, as the silence passes run: no message is due, nothing changes
      state = decide({ events: [], contacts: CONTACTS, state, nowMs: T0 + 1000, config }).state;
    });
    const copyMs = medianMs(rounds, () => void structuredClone(state));
    const stringifyMs = medianMs(rounds, () => {
      json = JSON.stringify(state);
    });
    process.stdout.write(
      `${String(n).padStart(11)}  ${decideMs.toFixed(1).padStart(11)}  ${copyMs.toFixed(1).padStart(23)}  ${(decideMs / copyMs).toFixed(3).padStart(17)}×  ${stringifyMs.toFixed(1).padStart(17)}  ${(json.length / 1e6).toFixed(2).padStart(7)}\n`,
    );
  }
}

main();
