// The built agent (dist/agent.js, as installed) started for a test against a broker on loopback:
// an identity for that broker in its state directory, its output kept, stopped by SIGTERM at the
// end of the test. And the polling wait those tests share.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { distDir } from './paths.js';
import { tempDir } from './temp-dir.js';
import { untappedNode } from './untapped-node.js';

export const AGENT_BIN = path.join(distDir, 'agent.js');

export interface RunningAgent { child: ChildProcess; output: () => string; exited: Promise<number | null> }

/** an unprivileged user to run the agent as (tests run as root, the installed agent does not) */
export interface AgentUser { uid: number; gid: number }

/** nobody:nogroup, as Debian numbers them */
export const NOBODY: AgentUser = { uid: 65534, gid: 65534 };

export function startBuiltAgent(t: Test, o: { agentId: string; stateDir: string; mqttPort: number; args: string[]; user?: AgentUser }): RunningAgent {
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const identity = path.join(o.stateDir, 'identity.json');
  writeFileSync(identity, JSON.stringify({ agentId: o.agentId, secret: 's', mqttPort: o.mqttPort }), { mode: 0o600 });
  const argv = [AGENT_BIN, '--appliance', 'http://127.0.0.1:9', '--state-dir', o.stateDir, ...o.args];
  let [command, rest] = untappedNode([]);
  if (o.user) {
    // its state is its own, as the installer makes it; setpriv (util-linux) drops root and every
    // supplementary group before node starts. The bundle is copied where any user may read it (as
    // /opt/rackwatch-agent is): the checkout may sit under a 0700 directory (a CI clone in mktemp's).
    // `env -i`: tap's processinfo adds its loader, a file in that checkout, to every child's
    // NODE_OPTIONS, which the unprivileged node could not load.
    chownSync(o.stateDir, o.user.uid, o.user.gid);
    chownSync(identity, o.user.uid, o.user.gid);
    const opt = tempDir(t, 'rw-agent-opt-');
    chmodSync(opt, 0o755);
    const bundle = path.join(opt, 'agent.js');
    copyFileSync(AGENT_BIN, bundle);
    argv[0] = bundle;
    command = 'env';
    rest = ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, 'setpriv', `--reuid=${o.user.uid}`, `--regid=${o.user.gid}`, '--clear-groups', process.execPath];
  }
  argv.unshift(...rest);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  return { child, output: () => output, exited };
}

/** Polls `probe` until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
