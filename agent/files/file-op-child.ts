// The child process a file action (S17) runs in. The agent starts its own bundle again with
// FILE_OP_FLAG, already as the job's account (file-job-runner.ts); the child reads one JSON line on
// stdin (the action, the server's roots, the account), acts, reading a pushed file's bytes from the
// rest of stdin, and prints one JSON line. So the kernel's permission checks for that account
// decide, never the agent's own rights.
import { PassThrough, type Readable } from 'node:stream';
import type { FilePermission } from '../../contract/file-jobs.js';
import type { AllowedRoot, FilesPolicy } from './files-policy.js';
import { runFileOp, type FileOpOutcome, type FileOpRequest } from './file-ops.js';
import type { OsAccount } from './os-accounts.js';

export { FILE_OP_FLAG } from './file-op-flag.js';

/** the first line on the child's stdin */
export interface FileOpHeader {
  req: FileOpRequest;
  roots: { dir: string; may: FilePermission[]; source: string }[];
  account: OsAccount;
}

export const MAX_HEADER_BYTES = 256 * 1024;

/** Splits stdin into the header line and the content after it. */
function readHeader(input: Readable): Promise<{ header: FileOpHeader; rest: Readable }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (buf.length > MAX_HEADER_BYTES) finish(new Error('header line too long'));
        return;
      }
      input.off('data', onData);
      input.pause();
      const rest = new PassThrough();
      rest.write(buf.subarray(nl + 1));
      input.pipe(rest);
      try {
        resolve({ header: JSON.parse(buf.subarray(0, nl).toString('utf8')) as FileOpHeader, rest });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    const finish = (e: Error): void => {
      input.off('data', onData);
      reject(e);
    };
    input.on('data', onData);
    input.once('end', () => finish(new Error('stdin ended before the header line')));
  });
}

/**
 * The runner started this process as the account (setpriv, file-job-runner.ts); checked again here
 * so that a mistake there cannot make an action run as the agent's own user.
 */
export function runningAs(account: OsAccount): string | null {
  const uid = process.getuid?.();
  if (uid === account.uid && uid !== 0) return null;
  return `the file action's helper runs as uid ${uid ?? '?'}, not as ${account.name} (${account.uid}): nothing done`;
}

export async function fileOpChildMain(): Promise<number> {
  let outcome: FileOpOutcome;
  try {
    const { header, rest } = await readHeader(process.stdin);
    const refused = runningAs(header.account);
    if (refused !== null) {
      outcome = { ok: false, reason: refused };
    } else {
      const policy: FilesPolicy = {
        roots: header.roots.map((r): AllowedRoot => ({ dir: r.dir, may: new Set(r.may), source: r.source })),
        accounts: new Map(),
        problems: [],
      };
      outcome = await runFileOp(policy, header.req, header.req.action === 'push' && !header.req.rollback ? rest : null);
    }
  } catch (e) {
    outcome = { ok: false, reason: `the file action's helper failed: ${(e as Error).message}` };
  }
  process.stdout.write(JSON.stringify(outcome) + '\n');
  process.stdin.destroy(); // content the action refused before reading it
  return 0;
}
