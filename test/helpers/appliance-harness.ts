// Test harness: starts the REAL built appliance (dist/appliance.js) and agents (dist/agent.js) as
// child processes on 127.0.0.1 with free ports and a temporary data dir, and tears them down with
// the test. `npm test` builds dist/ first.
import { spawn, type ChildProcess } from 'node:child_process';

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminApiToken } from '../../scripts/first-admin.js';
import { repoRoot } from './paths.js';
import { tempDir } from './temp-dir.js';
import { untappedNode } from './untapped-node.js';

export const ROOT = repoRoot;
export const APPLIANCE_BIN = path.join(ROOT, 'dist', 'appliance.js');
export const AGENT_BIN = path.join(ROOT, 'dist', 'agent.js');
export const TEST_TOKEN = 'test-enroll-token';
const execFileAsync = promisify(execFile);

/** The subset of tap's Test this harness needs. */
export interface Teardownable {
  teardown(fn: () => unknown): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface ManagedProcess {
  proc: ChildProcess;
  /** everything the process wrote (stdout + stderr), for assertions and failure reports */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

function manage(t: Teardownable, cmd: string, args: string[], env: NodeJS.ProcessEnv, netns?: string): ManagedProcess {
  // `ip netns exec` enters the namespace and execs the command: the pid is the command's own
  const proc = netns ? spawn('ip', ['netns', 'exec', netns, cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let alive = true;
  void exited.then(() => { alive = false; });
  const stop = async (graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    if (alive) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    }
    return exited;
  };
  const m: ManagedProcess = {
    proc,
    output: () => out,
    exited,
    stop,
    kill: async () => {
      if (alive) proc.kill('SIGKILL');
      await exited;
    },
  };
  t.teardown(() => stop());
  return m;
}

export interface ApplianceOptions {
  dataDir?: string;
  httpPort?: number;
  mqttPort?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** false: leave first-start setup undone (no admin, no API token); default: set up as TEST_ADMIN */
  setup?: boolean;
  /** null: no --enroll-token, the appliance makes (and keeps) its own; default: TEST_TOKEN */
  enrollToken?: string | null;
  /** run inside this network namespace (made by the test), listening on `host` */
  netns?: string;
  /** the address it listens on and is reached at (default 127.0.0.1) */
  host?: string;
  /** node's own options before the bundle (a benchmark's `--cpu-prof`) */
  nodeArgs?: string[];
}

export interface RunningAppliance extends ManagedProcess {
  dataDir: string;
  /** plain HTTP (served like HTTPS: the harness starts with --http-plain serve unless args say otherwise) */
  httpPort: number;
  mqttPort: number;
  /** HTTPS and MQTT over TLS, on ports the appliance chose (its ready line) */
  httpsPort: number;
  mqttsPort: number;
  /** http://127.0.0.1:<httpPort> */
  url: string;
  /** https://127.0.0.1:<httpsPort> (its certificate: <dataDir>/tls/cert.pem) */
  httpsUrl: string;
  /** the enrollment token at start (with `enrollToken: null`, the one the appliance made) */
  token: string;
  /** an admin API token (empty with `setup: false`), sent by `api` and `fetch` */
  apiToken: string;
  /** GET (or POST with body) JSON from the API as admin; throws on a non-2xx status with the body in the message */
  api<T>(pathname: string, body?: unknown): Promise<T>;
  /** fetch against the appliance with the admin API token (unless init sets authorization) */
  fetch(pathname: string, init?: RequestInit): Promise<Response>;
  /** fetch with no credentials at all */
  fetchAnonymous(pathname: string, init?: RequestInit): Promise<Response>;
}

/** Runs `rackwatch <args>` (the console tool) and returns its stdout, trimmed. */
export async function runConsoleTool(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(...untappedNode([APPLIANCE_BIN, ...args]), { timeout: 30_000 });
  return stdout.trim();
}

export async function startAppliance(t: Teardownable, opts: ApplianceOptions = {}): Promise<RunningAppliance> {
  const dataDir = opts.dataDir ?? tempDir(t, 'rw-app-');
  // a free port found here can be taken by a parallel test before the appliance binds it: with
  // ports of our own choosing, such a start is tried again on others
  const ownPorts = opts.httpPort === undefined && opts.mqttPort === undefined;
  for (let attempt = 1; ; attempt++) {
    const httpPort = opts.httpPort ?? (await freePort());
    const mqttPort = opts.mqttPort ?? (await freePort());
    try {
      return await startApplianceOn(t, dataDir, httpPort, mqttPort, opts);
    } catch (error) {
      if (!(ownPorts && attempt < 3 && /EADDRINUSE/.test((error as Error).message))) throw error;
    }
  }
}

async function startApplianceOn(t: Teardownable, dataDir: string, httpPort: number, mqttPort: number, opts: ApplianceOptions): Promise<RunningAppliance> {
  const m = manage(t, ...untappedNode([
    ...(opts.nodeArgs ?? []), APPLIANCE_BIN, '--data-dir', dataDir, '--http-port', String(httpPort), '--mqtt-port', String(mqttPort),
    '--listen', opts.host ?? '127.0.0.1', ...(opts.enrollToken === null ? [] : ['--enroll-token', opts.enrollToken ?? TEST_TOKEN]),
    // HTTPS and MQTT over TLS on any free port, so that appliances of parallel tests do not meet
    // on 8443 and 8883; plain HTTP serves the API, so tests can use fetch() without a CA
    ...(opts.args?.includes('--mqtts-port') ? [] : ['--mqtts-port', '0']),
    ...(opts.args?.includes('--https-port') ? [] : ['--https-port', '0']),
    ...(opts.args?.includes('--http-plain') ? [] : ['--http-plain', 'serve']), ...(opts.args ?? []),
  ]), opts.env ?? {}, opts.netns);
  const ready = await Promise.race([
    // a start that hangs says where: its log so far goes with the timeout. 60 s: with a load
    // average of 25 on 2 cores, starts with --modem sim took 15–25 s and some passed 30 s.
    waitFor('the appliance ready line', () => /^rackwatch ready (\{.*\})$/m.exec(m.output())?.[1], { timeoutMs: 60_000, intervalMs: 50 })
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}; its output so far:\n${m.output()}`); }),
    m.exited.then((r): never => { throw new Error(`appliance exited (${r.code ?? r.signal}) before ready:\n${m.output()}`); }),
  ]);
  const { httpsPort, mqttsPort } = JSON.parse(ready) as { httpsPort: number; mqttsPort: number };
  const url = `http://${opts.host ?? '127.0.0.1'}:${httpPort}`;
  const apiToken = opts.setup === false ? '' : await adminApiToken({ baseUrl: url, dataDir, binary: APPLIANCE_BIN, name: 'test harness' });
  const doFetch = (pathname: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (apiToken && !headers.has('authorization')) headers.set('authorization', `Bearer ${apiToken}`);
    return fetch(url + pathname, { ...init, headers });
  };
  return {
    ...m,
    dataDir, httpPort, mqttPort, httpsPort, mqttsPort, url, httpsUrl: `https://${opts.host ?? '127.0.0.1'}:${httpsPort}`, apiToken,
    token: opts.enrollToken === null ? readFileSync(path.join(dataDir, 'enroll-token'), 'utf8').trim() : (opts.enrollToken ?? TEST_TOKEN),
    fetch: doFetch,
    fetchAnonymous: (pathname, init) => fetch(url + pathname, init),
    api: async <T>(pathname: string, body?: unknown): Promise<T> => {
      const res = await doFetch(pathname, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

export interface AgentOptions {
  stateDir?: string;
  interval?: number;
  keepalive?: number;
  hostname?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** run inside this network namespace (made by the test) */
  netns?: string;
  /** the agent bundle to run (default AGENT_BIN): a copy any account may read, for file jobs' children (S17) */
  bin?: string;
}

export interface RunningAgent extends ManagedProcess {
  stateDir: string;
}

export function startAgent(t: Teardownable, appliance: { url: string; token: string }, opts: AgentOptions = {}): RunningAgent {
  const stateDir = opts.stateDir ?? tempDir(t, 'rw-agent-');
  const m = manage(t, ...untappedNode([
    opts.bin ?? AGENT_BIN, '--appliance', appliance.url, '--token', appliance.token, '--state-dir', stateDir,
    '--interval', String(opts.interval ?? 1), '--keepalive', String(opts.keepalive ?? 15),
    ...(opts.hostname ? ['--hostname', opts.hostname] : []), ...(opts.args ?? []),
  ]), opts.env ?? {}, opts.netns);
  return { ...m, stateDir };
}
