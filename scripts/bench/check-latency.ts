// Check latency (S5): from a watched TCP port closing to its CRITICAL state on the live stream,
// for an agent's port check (the real built agent, dist/agent.js) and for the appliance's own
// probe-tcp, on the built appliance. `--ports` loopback services are watched by one agent check
// (every `--agent-interval` s) and one probe (every `--probe-interval` s) each; in each of
// `--rounds` rounds every service is closed at once (a new connection is then refused), the
// time to each check's CRITICAL `check` event is taken, and the services are opened again and
// seen OK before the next round. Runs = ports × rounds per kind. Target: within the check's
// interval plus 1 s (a check runs once an interval, so the worst case is one interval; the rest
// is delivery).
//
//   npm run build && node scripts/bench/run.mjs scripts/bench/check-latency.ts [--ports 20] [--rounds 5]
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { AgentSummary } from '../../contract/api.js';
import type { CheckStreamEvent } from '../../contract/checks-api.js';
import { Cleanup, freePort, startAppliance } from './processes.js';
import { percentile } from './percentile.js';
import { SseSubscriber } from './sse-subscriber.js';

const TOKEN = 'rackwatch-bench-token';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const { values: opts } = parseArgs({
  options: {
    ports: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    'agent-interval': { type: 'string', default: '5' },
    'probe-interval': { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
const PORTS = Number(opts.ports);
const ROUNDS = Number(opts.rounds);
const AGENT_INTERVAL = Number(opts['agent-interval']);
const PROBE_INTERVAL = Number(opts['probe-interval']);

interface Watched {
  port: number;
  server: net.Server | null;
  agentCheck: string;
  probe: string;
}

function listen(port: number): Promise<net.Server> {
  const server = net.createServer((s) => s.end('220 bench ready\r\n'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function summary(label: string, ms: number[], intervalS: number): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const targetMs = intervalS * 1000 + 1000;
  const p99 = percentile(sorted, 0.99);
  return `${label}: ${sorted.length} runs, median ${(percentile(sorted, 0.5) / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(2)} s; target ≤ ${intervalS} s + 1 s: ${p99 <= targetMs ? 'met' : 'NOT met'} (p99/target ${(p99 / targetMs).toFixed(2)})`;
}

async function main(): Promise<number> {
  if (opts.help) {
    process.stdout.write('check-latency [--ports 20] [--rounds 5] [--agent-interval 5] [--probe-interval 10]\n');
    return 0;
  }
  const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
  const cleanup = new Cleanup();
  try {
    const { dir: dataDir } = cleanup.tempDir('rw-check-latency-');
    const app = await startAppliance(cleanup, { repoRoot, dataDir, token: TOKEN, nodeArgs: [], extraArgs: [] });
    const base = `http://127.0.0.1:${app.httpPort}/api/v1`;
    const auth = { authorization: `Bearer ${app.apiToken}`, 'content-type': 'application/json' };
    const api = async <T>(pathname: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${base}${pathname}`, body === undefined ? { headers: auth } : { method: 'POST', headers: auth, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    // the real agent, whose checks arrive in its config
    const { dir: stateDir } = cleanup.tempDir('rw-check-latency-agent-');
    const agent = spawn(process.execPath, [path.join(repoRoot, 'dist', 'agent.js'), '--appliance', `http://127.0.0.1:${app.httpPort}`, '--token', TOKEN, '--state-dir', stateDir, '--hostname', 'bench-checks'], { stdio: 'ignore' });
    if (agent.pid === undefined) throw new Error('could not start the agent');
    cleanup.killLater('agent', agent.pid);
    let agentId = '';
    for (let i = 0; !agentId; i++) {
      const a = (await api<AgentSummary[]>('/agents')).find((x) => x.hostname === 'bench-checks' && x.status === 'online');
      if (a) agentId = a.id;
      else if (i > 300) throw new Error('the agent did not come online');
      else await sleep(100);
    }

    // the newest state of each check, and who waits for which
    const state = new Map<string, string>();
    const waiters = new Map<string, { want: string; resolve: (atMs: number) => void }>();
    const sse = new SseSubscriber({
      httpPort: app.httpPort, apiToken: app.apiToken, onSample: () => undefined,
      onCheck: (ev: CheckStreamEvent, atMs) => {
        state.set(ev.checkId, ev.instance.state);
        const w = waiters.get(ev.checkId);
        if (w && w.want === ev.instance.state) {
          waiters.delete(ev.checkId);
          w.resolve(atMs);
        }
      },
    });
    await sse.start();
    cleanup.add('stop the stream', () => sse.stop());
    const until = (checkId: string, want: string, timeoutMs: number): Promise<number> => new Promise((resolve, reject) => {
      if (state.get(checkId) === want) {
        resolve(performance.now());
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(checkId);
        reject(new Error(`${checkId} not ${want} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.set(checkId, { want, resolve: (at) => { clearTimeout(timer); resolve(at); } });
    });

    const watched: Watched[] = [];
    for (let i = 0; i < PORTS; i++) {
      const port = await freePort();
      const server = await listen(port);
      const agentCheck = (await api<{ id: string }>('/checks', { agentId, type: 'port', name: `port ${port}`, host: '127.0.0.1', port, expect: '^220', interval: AGENT_INTERVAL })).id;
      const probe = (await api<{ id: string }>('/checks', { type: 'probe-tcp', name: `probe ${port}`, host: '127.0.0.1', port, expect: '^220', interval: PROBE_INTERVAL })).id;
      watched.push({ port, server, agentCheck, probe });
    }
    cleanup.add('close the services', () => { for (const w of watched) w.server?.close(); });
    const settleMs = (Math.max(AGENT_INTERVAL, PROBE_INTERVAL) + 15) * 1000;
    process.stdout.write(`${PORTS} services, each watched by an agent port check every ${AGENT_INTERVAL} s and a probe-tcp every ${PROBE_INTERVAL} s; ${ROUNDS} rounds\n`);

    const agentMs: number[] = [];
    const probeMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(watched.flatMap((w) => [until(w.agentCheck, 'ok', settleMs), until(w.probe, 'ok', settleMs)]));
      // a moment at random within the intervals, so that the close does not fall at the same phase each round
      await sleep(Math.random() * PROBE_INTERVAL * 1000);
      const closedAt = performance.now();
      for (const w of watched) {
        w.server?.close();
        w.server = null;
      }
      const times = await Promise.all(watched.flatMap((w) => [until(w.agentCheck, 'critical', settleMs), until(w.probe, 'critical', settleMs)]));
      times.forEach((at, i) => (i % 2 === 0 ? agentMs : probeMs).push(at - closedAt));
      for (const w of watched) w.server = await listen(w.port);
      process.stdout.write(`  round ${r + 1}/${ROUNDS}\n`);
    }
    process.stdout.write(`\n## Check latency: a watched port closing → CRITICAL on the live stream\n${summary('agent port check', agentMs, AGENT_INTERVAL)}\n${summary('appliance probe-tcp', probeMs, PROBE_INTERVAL)}\n`);
    return 0;
  } finally {
    const problems = cleanup.runAll();
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`check-latency: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
