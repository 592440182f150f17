// The console's side of its requests to root on the board (D1, D5). The console runs as the `tech`
// login, which may not write where systemd-networkd reads nor erase /data; it writes a request
// (console-requests.ts) into `<spool>/requests/`, the one place its group may write, and waits for
// root's answer in `<spool>/<kind>.status` (root-helper.ts, started by a systemd path unit). The
// spool is /run/rackwatch-console on the board (buildroot/README.md, "The console").
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import { writeFileAtomic } from '../../core/private-files.js';
import { isResetToken, parseStatus, renderNetworkRequest, REQUEST_FILES, RESET_TOKEN_FILE, STATUS_FILES, type RequestKind, type RequestStatus } from './console-requests.js';
import { parseNetworkFile } from './network-settings.js';
import type { NetworkTarget } from './network-store.js';

/** RES: how long the console waits for root's answer before it withdraws the request */
export const ANSWER_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
/** the request is read by root only; its group (the console's) may replace it */
const REQUEST_MODE = 0o640;

export interface BoardRequestsDeps {
  /** the spool: `requests/` (the console's group writes), the status files and the reset token (root writes) */
  spool: string;
  clock: Clock;
  timeoutMs?: number;
}

export class BoardRequests {
  constructor(private readonly deps: BoardRequestsDeps) {}

  get spool(): string {
    return this.deps.spool;
  }

  /** Root's answer to the last request of this kind (this boot's), or null. */
  lastStatus(kind: RequestKind): RequestStatus | null {
    const file = path.join(this.deps.spool, STATUS_FILES[kind]);
    return existsSync(file) ? parseStatus(readFileSync(file, 'utf8')) : null;
  }

  /** This boot's factory-reset token, which a reset request must carry. */
  readResetToken(): string {
    const file = path.join(this.deps.spool, RESET_TOKEN_FILE);
    const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (!isResetToken(token)) throw new RwError('RW_ERR_CONFIG', `no reset token in ${file}: is rackwatch-console-init.service done?`);
    return token;
  }

  /** Writes the request and waits for root's answer to it; null when none came in time (the request is withdrawn). */
  async submit(kind: RequestKind, render: (id: string) => string): Promise<RequestStatus | null> {
    const id = randomBytes(8).toString('hex');
    const file = path.join(this.deps.spool, 'requests', REQUEST_FILES[kind]);
    try {
      writeFileAtomic(file, render(id), REQUEST_MODE);
    } catch (e) {
      throw new RwError('RW_ERR_CONFIG', `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): is rackwatch-console-init.service done, and is this login in the group rwconsole?`);
    }
    const deadline = this.deps.clock.now() + (this.deps.timeoutMs ?? ANSWER_TIMEOUT_MS);
    for (;;) {
      const status = this.lastStatus(kind);
      if (status?.id === id) return status;
      if (this.deps.clock.now() >= deadline) break;
      await new Promise<void>((resolve) => this.deps.clock.setTimeout(resolve, POLL_MS));
    }
    // not taken yet: withdrawn, so that it does not act later, unseen
    if (existsSync(file) && readFileSync(file, 'utf8').startsWith(`id=${id}\n`)) rmSync(file, { force: true });
    return null;
  }
}

/** The network settings as root installed them, changed by asking root. */
export function boardNetworkTarget(requests: BoardRequests, file: string): NetworkTarget {
  return {
    file,
    read: () => (existsSync(file) ? readFileSync(file, 'utf8') : null),
    install: async (text) => {
      // the text came from renderNetworkFile (ours, or root's: the same function), so it reads back exactly
      const settings = text === null ? { mode: 'dhcp' as const } : parseNetworkFile(text);
      const status = await requests.submit('network', (id) => renderNetworkRequest(id, settings));
      if (status === null) throw new RwError('RW_ERR_NETWORK_APPLY', `no answer from root within ${ANSWER_TIMEOUT_MS / 1000} s (is rackwatch-console-requests.path active?)`);
      if (status.result === 'refused') throw new RwError('RW_ERR_VALIDATION', `refused by the board: ${status.message}`);
      if (status.result !== 'applied') throw new RwError('RW_ERR_NETWORK_APPLY', status.message);
    },
  };
}
