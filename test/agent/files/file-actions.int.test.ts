// S17 on the server's side: what files.d allows, paths resolved beneath a root without following
// links, and each action run in a child process as the job's operating-system account, so that the
// kernel decides (EACCES reported, nothing written). Real files in a temp tree, real accounts of
// this machine (nobody, daemon), real child processes.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { AgentFileJob } from '../../../contract/file-jobs.js';
import { runFileJob, type FileJobRunnerOptions } from '../../../agent/files/file-job-runner.js';
import { parsePolicyText, readFilesPolicy } from '../../../agent/files/files-policy.js';
import { lexicalPath } from '../../../agent/files/path-beneath.js';
import { build } from 'esbuild';
import { isRoot } from '../../helpers/small-filesystem.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CHILD_SOURCE = fileURLToPath(new URL('../../../agent/files/file-op-main.ts', import.meta.url));
const NOBODY = 65534;

void t.test('files.d: roots with their operations and who may act as whom; what is not understood is said, never fatal', async (t) => {
  const problems: string[] = [];
  const st = parsePolicyText([
    '# the web root',
    'root /srv/www push mkdir   # trailing comment',
    'root srv/relative push',
    'root / push',
    'root /srv/x chmod',
    'root /srv/y',
    'account user:kim www-data deploy',
    'account role:admin root',
    'account kim www-data',
    'allow everything',
  ].join('\n'), 'app.conf', problems);
  t.same(st.map((s) => s.kind === 'root' ? [s.dir, [...s.may], s.source] : [s.principal, s.accounts, s.source]), [
    ['/srv/www', ['push', 'mkdir'], 'app.conf:2'],
    ['user:kim', ['www-data', 'deploy'], 'app.conf:7'],
  ]);
  t.same(problems, [
    'app.conf:3: root needs an absolute directory',
    'app.conf:4: the whole file system cannot be a root',
    'app.conf:5: unknown operation chmod (known: push, mkdir, move, rmdir, rmdir-recursive, rollback)',
    'app.conf:6: root /srv/y allows no operation',
    'app.conf:8: root is never an account a job runs as',
    'app.conf:9: account needs user:NAME or role:NAME first',
    'app.conf:10: unknown statement "allow" (root or account)',
  ]);
  const none = await readFilesPolicy(path.join(tempDir(t), 'missing'));
  t.same([none.roots.length, none.accounts.size], [0, 0], 'no files.d: nothing is allowed');
});

void t.test('paths: absolute only, ".." refused rather than resolved, "." and repeated slashes dropped', (t) => {
  t.same(lexicalPath('/srv//www/./a.conf'), { abs: '/srv/www/a.conf' });
  t.same(lexicalPath('/srv/www/../../etc/shadow'), { reason: '/srv/www/../../etc/shadow: ".." is not allowed in a path' });
  t.same(lexicalPath('srv/www'), { reason: 'srv/www: not an absolute path' });
  t.same(lexicalPath('/srv/\0x'), { reason: 'the path contains a NUL byte' });
  t.end();
});

interface Tree {
  dir: string;
  www: string;
  opts: FileJobRunnerOptions;
}

/**
 * The child bundled once, as the agent ships it (one file): started through tsx, each action
 * cost seconds of transpiling on a loaded machine.
 */
async function bundledChild(t: Test): Promise<string> {
  const dir = tempDir(t, 'rw-file-op-');
  chmodSync(dir, 0o755); // the accounts run it, as they run the installed agent in /opt
  const out = path.join(dir, 'file-op.mjs');
  await build({ entryPoints: [CHILD_SOURCE], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  return out;
}

/** /tmp/…/www owned by nobody (0755), a policy letting kim act as nobody and daemon there. */
async function tree(t: Test, extraPolicy = ''): Promise<Tree> {
  const dir = tempDir(t, 'rw-files-');
  chmodSync(dir, 0o755); // the accounts must reach the root
  const www = path.join(dir, 'www');
  mkdirSync(www);
  chownSync(www, NOBODY, NOBODY);
  const filesDir = path.join(dir, 'files.d');
  mkdirSync(filesDir);
  writeFileSync(path.join(filesDir, 'web.conf'), `root ${www} push mkdir move rmdir rollback\naccount user:kim nobody daemon\n${extraPolicy}`);
  return { dir, www, opts: { filesDir, child: { command: process.execPath, args: [await bundledChild(t)] } } };
}

let seq = 0;
function job(over: Partial<AgentFileJob>): AgentFileJob {
  return { id: `j${++seq}`, action: 'push', path: '/nowhere', runAs: 'nobody', by: { user: 'kim', role: 'operator' }, dryRun: false, deadline: Math.floor(Date.now() / 1000) + 3600, ...over };
}

function pushOf(content: string | Buffer, over: Partial<AgentFileJob>): [AgentFileJob, () => Readable] {
  const buf = Buffer.from(content);
  return [job({ ...over, action: 'push', file: { url: 'unused', sha256: createHash('sha256').update(buf).digest('hex'), size: buf.length } }), () => Readable.from([buf])];
}

const noTemps = (dir: string): string[] => readdirSync(dir).filter((n) => n.includes('.rackwatch-tmp-'));

void t.test('actions run as the job\'s account: the kernel decides, the server\'s roots and mapping bound them', { skip: isRoot() ? false : 'switching to another account needs root (or CAP_SETUID and CAP_SETGID)' }, async (t) => {
  const { www, opts, dir } = await tree(t);
  const conf = path.join(www, 'app.conf');

  // a push as nobody: content, owner and mode as asked; a second push keeps the first for rollback
  let [j, content] = pushOf('listen 80\n', { path: conf, mode: '0640' });
  let r = await runFileJob(opts, j, content);
  t.same([r.state, r.plan, r.reason], ['done', [`wrote 10 bytes to ${conf}`], undefined]);
  const st = statSync(conf);
  t.same([readFileSync(conf, 'utf8'), st.uid, st.gid, (st.mode & 0o777).toString(8)], ['listen 80\n', NOBODY, NOBODY, '640'], 'content, owner nobody, mode 0640');
  [j, content] = pushOf('listen 8080\n', { path: conf, mode: '0640' });
  t.equal((await runFileJob(opts, j, content)).state, 'done');
  t.equal(readFileSync(conf, 'utf8'), 'listen 8080\n');
  t.equal(readFileSync(path.join(www, '.app.conf.rackwatch-prev'), 'utf8'), 'listen 80\n', 'the replaced version is kept beside it, hidden');
  r = await runFileJob(opts, job({ action: 'push', path: conf, rollback: true }), null);
  t.same([r.state, readFileSync(conf, 'utf8')], ['done', 'listen 80\n'], 'rollback restores the previous file');

  // daemon may be chosen by kim, but cannot write nobody's directory: the kernel says no
  [j, content] = pushOf('x', { path: path.join(www, 'daemon.conf'), runAs: 'daemon' });
  r = await runFileJob(opts, j, content);
  t.same([r.state, r.reason], ['failed', `cannot create a file in ${www}: permission denied (EACCES)`]);
  t.notOk(existsSync(path.join(www, 'daemon.conf')), 'nothing written');
  [j] = pushOf('x', { path: path.join(www, 'daemon.conf'), runAs: 'daemon', dryRun: true });
  r = await runFileJob(opts, j, null);
  t.same([r.state, r.reason], ['failed', `cannot create entries in ${www}: permission denied (EACCES)`], 'a dry run predicts it');

  // an account the server did not map to this user, and a user it did not map at all
  [j, content] = pushOf('x', { path: path.join(www, 'a'), runAs: 'www-data' });
  r = await runFileJob(opts, j, content);
  t.same([r.state, r.reason], ['failed', `this server does not let kim (role operator) act as www-data: see the account lines in ${opts.filesDir}`]);
  [j, content] = pushOf('x', { path: path.join(www, 'a'), by: { user: 'lee', role: 'operator' } });
  t.equal((await runFileJob(opts, j, content)).reason, `this server does not let lee (role operator) act as nobody: see the account lines in ${opts.filesDir}`);

  // outside the roots, "..", a link out of the root: refused with the reason, nothing written
  const outside = path.join(dir, 'outside.conf');
  [j, content] = pushOf('x', { path: outside });
  t.equal((await runFileJob(opts, j, content)).reason, `${outside} is outside every root this server allows`);
  [j, content] = pushOf('x', { path: `${www}/../outside.conf` });
  t.equal((await runFileJob(opts, j, content)).reason, `${www}/../outside.conf: ".." is not allowed in a path`);
  const escape = path.join(dir, 'escape');
  mkdirSync(escape);
  chmodSync(escape, 0o777);
  symlinkSync(escape, path.join(www, 'link'));
  [j, content] = pushOf('x', { path: path.join(www, 'link', 'evil.conf') });
  t.equal((await runFileJob(opts, j, content)).reason, `${path.join(www, 'link')} is a symbolic link: links beneath a root are not followed`);
  t.same(readdirSync(escape), [], 'nothing written through the link');
  t.notOk(existsSync(outside));

  // a checksum that does not match what arrives: refused, no temporary file left
  const bad = job({ action: 'push', path: path.join(www, 'b.conf'), file: { url: 'unused', sha256: '0'.repeat(64), size: 3 } });
  r = await runFileJob(opts, bad, () => Readable.from([Buffer.from('abc')]));
  t.match(r.reason, /^.*b\.conf: checksum mismatch: sha256 ba7816bf[0-9a-f]+, expected 0{64}$/);
  t.notOk(existsSync(path.join(www, 'b.conf')));
  t.same(noTemps(www), [], 'no temporary file left behind');

  // directories: created (with parents), moved, deleted only when empty unless the root allows recursive
  const deep = path.join(www, 'releases', '2026', 'r1');
  t.same((await runFileJob(opts, job({ action: 'mkdir', path: deep, dryRun: true }))).plan, [`would create 3 directories down to ${deep}, mode 0755`]);
  t.notOk(existsSync(deep), 'a dry run writes nothing');
  t.equal((await runFileJob(opts, job({ action: 'mkdir', path: deep }))).state, 'done');
  t.equal(statSync(deep).uid, NOBODY, 'made by the account');
  const moved = path.join(www, 'releases', 'current');
  t.same((await runFileJob(opts, job({ action: 'move', path: path.join(www, 'releases', '2026'), to: moved }))).plan, [`moved ${path.join(www, 'releases', '2026')} to ${moved}`]);
  r = await runFileJob(opts, job({ action: 'rmdir', path: moved }));
  t.same([r.state, r.reason], ['failed', `${moved} is not empty (delete it recursively, if this server's root allows it)`]);
  r = await runFileJob(opts, job({ action: 'rmdir', path: moved, recursive: true }));
  t.match(r.reason, /does not allow rmdir-recursive \(web\.conf:1\)$/, 'recursive needs its own permission');
  t.equal((await runFileJob(opts, job({ action: 'rmdir', path: path.join(moved, 'r1') }))).state, 'done', 'an empty one goes');
  t.same((await runFileJob(opts, job({ action: 'rmdir', path: www }))).reason, `${www} is a root: it cannot be deleted`);

  // a job whose deadline passed while the agent was away
  r = await runFileJob(opts, job({ action: 'mkdir', path: path.join(www, 'late'), deadline: Math.floor(Date.now() / 1000) - 10 }));
  t.equal(r.state, 'skipped');
  t.notOk(existsSync(path.join(www, 'late')));
});
