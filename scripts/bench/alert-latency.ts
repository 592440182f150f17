// Alert latency benchmark (S7, S12, D4): how long from a problem to the modem starting to send
// its SMS, measured on the built appliance with `--modem sim` (the real driver and serialport
// binding on a socat pty; the simulator's network delays are the realistic ones: 40 ms to the
// `> ` prompt, 1.2 s for +CMGS, status reports after 3 s).
//
// 1. Threshold: `--alerts` times, a fresh agent starts publishing cpu idle 1 % (busy 99 %) once a
//    second, against a rule "cpu busy > 90 % for `--for` s". Measured from the publish of the
//    first breaching sample (it reaches the broker on loopback) to AT+CMGS at the simulator (the
//    command's time stamp in <data-dir>/modem-sim.log), minus the rule's own for-time. Target:
//    p99 under 1 s. Alerts run one after another, each after the modem finished the previous SMS,
//    so this is one alert's latency, not a queue.
// 2. Agent silent: `--silent` real agent processes (dist/agent.js, keepalive `--keepalive` s,
//    interval 1 s) are SIGKILLed one by one (no MQTT DISCONNECT: the broker publishes the last
//    will), and as many are SIGSTOPped (frozen with the socket open, as behind a cut cable: no
//    FIN either); the time to AT+CMGS of their "agent silent" SMS is measured. Target: within
//    1.5× the keepalive, plus the silent rule's own duration. `--for` is the threshold rule's only:
//    the silence is judged by a rule of this run's with `--silent-for` s (default 0: how fast a
//    silence is seen and texted). The shipped "Agent silent" waits 60 s (S7: most silences are over
//    within a minute), so a dead server's SMS comes 60 s later than what `--silent-for 0` measures;
//    `--silent-for 60` measures it as shipped.
//
//   npm run build && node scripts/bench/run.mjs scripts/bench/alert-latency.ts [--alerts 100] [--for 1] [--silent 5] [--silent-for 0] [--keepalive 15]
import { openSync, readSync, closeSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import type { EnrollResponse } from '../../contract/api.js';
import type { SimLogLine } from '../../contract/alerts-api.js';
import { agentTopic } from '../../contract/topics.js';
import type { MetricsBatch } from '../../contract/metrics.js';
import { Cleanup, startAppliance, terminate } from './processes.js';
import { percentile } from './percentile.js';

const TOKEN = 'rackwatch-bench-token';
const CONTACT = '+821011112222';

const { values: opts } = parseArgs({
  options: {
    alerts: { type: 'string', default: '100' },
    for: { type: 'string', default: '1' },
    silent: { type: 'string', default: '5' },
    'silent-for': { type: 'string', default: '0' },
    keepalive: { type: 'string', default: '15' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node scripts/bench/run.mjs scripts/bench/alert-latency.ts [--alerts 100] [--for 1] [--silent 5] [--silent-for 0] [--keepalive 15]\n');
  process.exit(0);
}
const ALERTS = Number(opts.alerts);
const FOR_S = Number(opts.for);
const SILENT = Number(opts.silent);
const SILENT_FOR_S = Number(opts['silent-for']);
const KEEPALIVE_S = Number(opts.keepalive);
const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads <data-dir>/modem-sim.log as it grows. */
class SimLogTail {
  private offset = 0;
  private rest = '';
  readonly lines: SimLogLine[] = [];
  constructor(private readonly file: string) {}

  poll(): void {
    if (!existsSync(this.file)) return;
    const size = statSync(this.file).size;
    if (size <= this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.rest + buf.toString('utf8');
      const parts = text.split('\n');
      this.rest = parts.pop() ?? '';
      for (const p of parts) if (p) this.lines.push(JSON.parse(p) as SimLogLine);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The AT+CMGS of the SMS whose text mentions `about`: the last AT+CMGS before its PDU (a submit
   * is logged once the simulated network answered, with the time its PDU arrived).
   */
  async waitForCmgs(about: string, sinceMs: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      const submit = this.lines.find((l) => l.type === 'submit' && l.at >= sinceMs && l.text.includes(about));
      if (submit) {
        const cmgs = this.lines.filter((l) => l.type === 'command' && l.line.startsWith('AT+CMGS=') && l.at <= submit.at).at(-1);
        if (!cmgs) throw new Error(`no AT+CMGS before the SMS about ${about}`);
        return cmgs.at;
      }
      if (Date.now() > deadline) throw new Error(`no SMS about ${about} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }
}

function summary(values: readonly number[]): { n: number; min: number; median: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, min: s[0] ?? NaN, median: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? NaN };
}

function batch(t: number, idle: number): MetricsBatch {
  return {
    v: 1,
    i: 1,
    s: [
      { t, f: 'cpu', v: { user: 100 - 3.5 - idle, system: 3, iowait: 0.5, steal: 0, idle } },
      { t, f: 'memory', v: { total: 8e9, used: 3e9, available: 5e9, cached: 1e9, swap_total: 1e9, swap_used: 0 } },
    ],
  };
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.exitOnSignals();
  try {
    const { dir: dataDir } = cleanup.tempDir('rw-alat-');
    const app = await startAppliance(cleanup, {
      repoRoot, dataDir, token: TOKEN, nodeArgs: [],
      extraArgs: ['--modem', 'sim', '--timezone', 'UTC', '--sms-rate-limit', '100000', '--silence-grace', '0', '--escalate-after', '86400', '--log-level', 'warn'],
    });
    const base = `http://127.0.0.1:${app.httpPort}/api/v1`;
    const auth = { authorization: `Bearer ${app.apiToken}` };
    const api = async <T>(p: string, body?: unknown): Promise<T> => {
      const res = await fetch(base + p, body === undefined ? { headers: auth } : { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${text}`);
      return JSON.parse(text) as T;
    };
    for (let i = 0; ; i++) {
      const m = await api<{ status: { state: string } | null }>('/modem');
      if (m.status?.state === 'ready') break;
      if (i > 200) throw new Error('the simulated modem did not become ready');
      await sleep(100);
    }
    await api('/contacts', { name: 'On call', phone: CONTACT, language: 'en', severities: ['critical'] });
    await api('/rules', {
      name: 'bench cpu', metric: { kind: 'derived', name: 'cpu_busy_pct' }, comparison: '>', levels: { critical: 90 },
      forS: FOR_S, scope: { kind: 'all' }, enabled: true,
    });
    const tail = new SimLogTail(path.join(dataDir, 'modem-sim.log'));
    const put = async (p: string, body: unknown): Promise<void> => {
      const res = await fetch(base + p, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    };
    // part 1 disconnects one agent per alert: the shipped "agent silent" rule would text each
    const silentRule = await api<Record<string, unknown>>('/rules/default-agent-silent');
    await put('/rules/default-agent-silent', { ...silentRule, enabled: false });

    // ---- 1. threshold → AT+CMGS ----
    const beyondFor: number[] = [];
    const fromFiring: number[] = [];
    const clients: MqttClient[] = [];
    cleanup.add('close MQTT clients', () => { for (const c of clients) c.end(true); });
    process.stdout.write(`threshold: ${ALERTS} alerts, rule "cpu busy > 90 % for ${FOR_S} s", one sample per second\n`);
    for (let n = 0; n < ALERTS; n++) {
      const hostname = `bench-${String(n).padStart(3, '0')}`;
      const id = await api<EnrollResponse>('/enroll', { token: TOKEN, hostname });
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`, {
        clientId: id.agentId, username: id.agentId, password: id.secret, keepalive: 60, reconnectPeriod: 0, protocolVersion: 4,
      });
      clients.push(client);
      const topic = agentTopic(id.agentId, 'metrics');
      // a calm sample first, so the series exists before it breaches
      const t0 = Math.floor(Date.now() / 1000);
      await client.publishAsync(topic, JSON.stringify(batch(t0 - 1, 60)), { qos: 1 });
      const firstAt = Date.now();
      let firingAt = firstAt;
      // breaching samples at sample times t0, t0+1, …, t0+FOR_S, one per second of wall time
      for (let k = 0; k <= FOR_S; k++) {
        const due = firstAt + k * 1000;
        if (Date.now() < due) await sleep(due - Date.now());
        if (k === FOR_S) firingAt = Date.now();
        await client.publishAsync(topic, JSON.stringify(batch(t0 + k, 1)), { qos: 1 });
      }
      const cmgsAt = await tail.waitForCmgs(hostname, firstAt, 30_000);
      beyondFor.push(cmgsAt - firstAt - FOR_S * 1000);
      fromFiring.push(cmgsAt - firingAt);
      client.end(true);
      // let the modem finish this SMS (+CMGS after ~1.2 s) before the next alert
      await sleep(1_500);
      if ((n + 1) % 20 === 0) process.stdout.write(`  ${n + 1}/${ALERTS}\n`);
    }

    // ---- 2. agent SIGKILLed → "agent silent" AT+CMGS ----
    // part 2: the silent rule again, for the agents started here only (a group)
    const group = await api<{ id: string }>('/groups', { name: 'silent bench', memberIds: [] });
    await api('/rules', { name: 'bench silent', metric: { kind: 'agent_silent', missedIntervals: 3 }, comparison: '>=', levels: { critical: 1 }, forS: SILENT_FOR_S, scope: { kind: 'group', groupId: group.id }, enabled: true });
    const silentMs: number[] = [];
    const frozenMs: number[] = [];
    process.stdout.write(`agent silent: ${SILENT} agent processes SIGKILLed and ${SILENT} SIGSTOPped (keepalive ${KEEPALIVE_S} s, interval 1 s, rule duration ${SILENT_FOR_S} s)\n`);
    for (let n = 0; n < 2 * SILENT; n++) {
      const freeze = n % 2 === 1;
      const { dir: stateDir } = cleanup.tempDir('rw-alat-agent-');
      const hostname = `silent-${n}`;
      const agent = spawn(process.execPath, [
        path.join(repoRoot, 'dist', 'agent.js'), '--appliance', `http://127.0.0.1:${app.httpPort}`, '--token', TOKEN,
        '--state-dir', stateDir, '--interval', '1', '--keepalive', String(KEEPALIVE_S), '--hostname', hostname,
      ], { stdio: 'ignore' });
      const pid = agent.pid;
      if (pid === undefined) throw new Error('could not start the agent');
      const forget = cleanup.killLater(hostname, pid);
      for (let i = 0; ; i++) {
        const agents = await api<{ id: string; hostname: string; status: string; interval: number | null }[]>('/agents');
        const a = agents.find((x) => x.hostname === hostname);
        if (a?.status === 'online' && a.interval === 1) {
          const joined = await fetch(`${base}/groups/${group.id}/members/${encodeURIComponent(a.id)}`, { method: 'POST', headers: auth });
          if (!joined.ok) throw new Error(`could not add ${hostname} to the group: ${await joined.text()}`);
          break;
        }
        if (i > 300) throw new Error(`${hostname} did not come online`);
        await sleep(100);
      }
      await sleep(3_000);
      const killedAt = Date.now();
      // SIGKILL: the kernel closes the socket (FIN) but no MQTT DISCONNECT is sent, so the broker
      // publishes the last will. SIGSTOP: the process freezes with its socket open (as behind a
      // cut cable): only the missed samples (3 intervals) or the keepalive (1.5×) can tell.
      agent.kill(freeze ? 'SIGSTOP' : 'SIGKILL');
      const cmgsAt = await tail.waitForCmgs(hostname, killedAt, (KEEPALIVE_S * 3 + SILENT_FOR_S) * 1000);
      (freeze ? frozenMs : silentMs).push(cmgsAt - killedAt);
      if (freeze) agent.kill('SIGKILL');
      forget();
      await sleep(1_500);
    }

    await terminate(app, 10_000);
    const th = summary(beyondFor);
    const fi = summary(fromFiring);
    const si = summary(silentMs);
    const fr = summary(frozenMs);
    const f = (x: number): string => x.toFixed(0).padStart(6);
    // the silence is seen within 1.5 keepalives; the rule then waits its duration
    const silentTarget = KEEPALIVE_S * 1500 + SILENT_FOR_S * 1000;
    const lines = [
      '',
      'alert latency (ms)                                      n    min median    p99    max  target',
      `threshold: first breaching sample → AT+CMGS − for  ${String(th.n).padStart(4)} ${f(th.min)} ${f(th.median)} ${f(th.p99)} ${f(th.max)}  p99 < 1000 ${th.p99 < 1000 ? 'MET' : 'MISSED'}`,
      `threshold: firing sample (end of for) → AT+CMGS    ${String(fi.n).padStart(4)} ${f(fi.min)} ${f(fi.median)} ${f(fi.p99)} ${f(fi.max)}`,
      `agent SIGKILL → "agent silent" AT+CMGS            ${String(si.n).padStart(4)} ${f(si.min)} ${f(si.median)} ${f(si.p99)} ${f(si.max)}  max < ${silentTarget} ${si.max < silentTarget ? 'MET' : 'MISSED'}`,
      `agent SIGSTOP (no FIN) → "agent silent" AT+CMGS   ${String(fr.n).padStart(4)} ${f(fr.min)} ${f(fr.median)} ${f(fr.p99)} ${f(fr.max)}  max < ${silentTarget} ${fr.max < silentTarget ? 'MET' : 'MISSED'}`,
      '',
      `RESULT ${JSON.stringify({ forS: FOR_S, silentForS: SILENT_FOR_S, keepaliveS: KEEPALIVE_S, thresholdBeyondForMs: th, firingSampleToCmgsMs: fi, agentSigkillMs: si, agentSigstopMs: fr })}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    const problems = cleanup.runAll();
    if (problems.length) process.stderr.write(`cleanup: ${problems.join('; ')}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`alert-latency: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
