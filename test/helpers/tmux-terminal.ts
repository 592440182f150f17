// A real pseudo-terminal for tests of full-screen programs (the console, D5): the program runs in
// a detached tmux session of a fixed size on a tmux server of the test's own (its own socket, so
// parallel tests never meet), keys go in with `send-keys`, the screen comes back with
// `capture-pane`, and every byte the program wrote is kept in a file (`pipe-pane`) for assertions
// on what reached the terminal (no escape codes on TERM=dumb).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor, type Teardownable } from './appliance-harness.js';
import { runCommand } from './run-command.js';
import { tempDir } from './temp-dir.js';

export interface TmuxTerminal {
  /** the visible screen, one string per row (trailing spaces trimmed) */
  screen(): Promise<string[]>;
  /** tmux key names (`Enter`, `Escape`, `C-c`) or single characters */
  keys(...keys: string[]): Promise<void>;
  /** literal text, then Enter */
  type(text: string): Promise<void>;
  /** waits until the screen matches; fails with the last screen in the message */
  waitFor(what: string, match: RegExp | ((rows: string[]) => boolean), timeoutMs?: number): Promise<string[]>;
  /** every byte the program wrote so far */
  raw(): Buffer;
  /** whether the program is still running */
  alive(): Promise<boolean>;
}

export async function startInTmux(t: Teardownable, argv: string[], o: { env?: Record<string, string>; columns?: number; rows?: number } = {}): Promise<TmuxTerminal> {
  const dir = tempDir(t, 'rw-tmux-');
  const socket = path.join(dir, 'tmux.sock');
  const rawFile = path.join(dir, 'raw.out');
  writeFileSync(rawFile, '');
  const tmux = (...args: string[]): ReturnType<typeof runCommand> => runCommand('tmux', ['-S', socket, ...args]);
  // the program's environment goes through env(1), so that TERM is what the test says and not tmux's
  const envArgs = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const go = path.join(dir, 'go');
  // the program starts once the output is piped and remain-on-exit is set: no byte and no last
  // screen is missed
  const command = ['sh', '-c', 'until [ -e "$0" ]; do sleep 0.05; done; exec "$@"', go, 'env', ...envArgs, ...argv].map(quote).join(' ');
  const started = await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'rw', '-x', String(o.columns ?? 80), '-y', String(o.rows ?? 24), command);
  if (started.code !== 0) throw new Error(`tmux new-session failed: ${started.out}`);
  t.teardown(async () => { await tmux('kill-server'); });
  await tmux('set-option', '-t', 'rw', 'remain-on-exit', 'on');
  await tmux('pipe-pane', '-t', 'rw', '-o', `cat >> ${quote(rawFile)}`);
  writeFileSync(go, '');
  const screen = async (): Promise<string[]> => {
    const r = await tmux('capture-pane', '-p', '-t', 'rw');
    return r.stdout.replace(/\n$/, '').split('\n').map((l) => l.trimEnd());
  };
  return {
    screen,
    keys: async (...keys) => {
      for (const k of keys) await tmux('send-keys', '-t', 'rw', k);
    },
    type: async (text) => {
      if (text !== '') await tmux('send-keys', '-t', 'rw', '-l', text);
      await tmux('send-keys', '-t', 'rw', 'Enter');
    },
    waitFor: async (what, match, timeoutMs = 15_000) => {
      const test = typeof match === 'function' ? match : (rows: string[]): boolean => match.test(rows.join('\n'));
      let last: string[] = [];
      try {
        return await waitFor(what, async () => {
          last = await screen();
          return test(last) ? last : null;
        }, { timeoutMs, intervalMs: 100 });
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- the screen ---\n${last.join('\n')}`, { cause: e });
      }
    },
    raw: () => readFileSync(rawFile),
    alive: async () => (await tmux('display-message', '-p', '-t', 'rw', '#{pane_dead}')).stdout.trim() === '0',
  };
}
