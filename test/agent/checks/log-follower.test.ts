// The log check's follower (S5) on real files: both rotation styles, a deleted file, one that
// appears later, a restart in between (from the persisted position), partial and over-long
// lines, and a big file that is not read all at once.
import { appendFileSync, copyFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogFollower, type LogPoll } from '../../../agent/checks/log-follower.js';
import { tempDir } from '../../helpers/temp-dir.js';

function follower(t: Test, file: string, o: Partial<ConstructorParameters<typeof LogFollower>[0]> = {}): LogFollower {
  const f = new LogFollower({ path: file, ...o });
  t.teardown(() => f.close());
  return f;
}

void t.test('a file there at the start is followed from its end: new lines only, in order', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, 'old 1\nold 2\n');
  const f = follower(t, file);
  t.same(f.poll().lines, [], 'the lines already there are not a backlog');
  appendFileSync(file, 'new 1\nnew 2\n');
  t.same(f.poll().lines, ['new 1', 'new 2']);
  t.same(f.poll().lines, [], 'nothing twice');
  t.end();
});

void t.test('a line is given once it ends; CRLF endings are taken off', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const f = follower(t, file);
  f.poll();
  appendFileSync(file, 'half');
  t.same(f.poll().lines, []);
  appendFileSync(file, ' a line\r\nnext\n');
  t.same(f.poll().lines, ['half a line', 'next']);
  t.end();
});

void t.test('rename-and-create (logrotate): the rest of the old file, then the new one from its start', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'app.log');
  writeFileSync(file, '');
  const f = follower(t, file);
  f.poll();
  appendFileSync(file, 'before\n');
  t.same(f.poll().lines, ['before']);
  appendFileSync(file, 'written just before the rename\n');
  renameSync(file, `${file}.1`);
  writeFileSync(file, 'first of the new file\n');
  const p = f.poll();
  t.same(p.lines, ['written just before the rename', 'first of the new file']);
  t.same(p.events, ['rotated']);
  t.end();
});

void t.test('copytruncate: the file shrinks under the same inode and is read again from 0', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const f = follower(t, file);
  f.poll();
  appendFileSync(file, 'a\nb\n');
  t.same(f.poll().lines, ['a', 'b']);
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  appendFileSync(file, 'c\n');
  const p = f.poll();
  t.same(p.lines, ['c']);
  t.same(p.events, ['truncated']);
  t.end();
});

void t.test('a deleted file: its last lines are read, then it is waited for and read from its start when it comes back', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const f = follower(t, file);
  f.poll();
  appendFileSync(file, 'last words');
  rmSync(file);
  const gone = f.poll();
  t.same(gone.lines, ['last words'], 'an unfinished last line is a line once the file is let go of');
  t.same(gone.events, ['deleted']);
  t.equal(gone.position, null);
  t.same(f.poll().lines, []);
  writeFileSync(file, 'back\n');
  const back = f.poll();
  t.same(back.lines, ['back']);
  t.same(back.events, ['appeared']);
  t.end();
});

void t.test('a file that does not exist yet is read from its start when it appears', (t) => {
  const file = path.join(tempDir(t), 'later.log');
  const f = follower(t, file);
  t.same(f.poll(), { lines: [], events: [], cutLines: 0, more: false, position: null });
  writeFileSync(file, 'one\ntwo\n');
  t.same(f.poll().lines, ['one', 'two']);
  t.end();
});

void t.test('a restart from the persisted position neither re-reads nor skips a line', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const first = follower(t, file);
  first.poll();
  appendFileSync(file, 'seen\nhalf');
  const p = first.poll();
  t.same(p.lines, ['seen']);
  first.close();
  appendFileSync(file, ' done\nwhile down\n');
  const second = follower(t, file, { position: p.position });
  t.same(second.poll().lines, ['half done', 'while down'], 'the unfinished line is read whole after the restart');
  t.end();
});

void t.test('rotated while the agent was down: the rest of the old file is found as .1, then the new file', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const first = follower(t, file);
  first.poll();
  appendFileSync(file, 'seen\n');
  const { position } = first.poll();
  first.close();
  appendFileSync(file, 'written while down\n');
  renameSync(file, `${file}.1`);
  writeFileSync(file, 'new file\n');
  const p = follower(t, file, { position }).poll();
  t.same(p.lines, ['written while down', 'new file']);
  t.ok(p.events.includes('rotated'));
  t.end();
});

void t.test('a big file that appears is read a bounded amount per poll; `more` says there is more', (t) => {
  const file = path.join(tempDir(t), 'big.log');
  const f = follower(t, file, { maxBytesPerPoll: 64 * 1024 });
  f.poll();
  const line = `${'x'.repeat(99)}\n`;
  writeFileSync(file, line.repeat(10_000)); // 1 MB
  let polls = 0;
  let lines = 0;
  let p: LogPoll;
  do {
    p = f.poll();
    polls++;
    lines += p.lines.length;
    t.ok(p.lines.length * line.length <= 64 * 1024 + line.length, 'each poll reads at most its budget');
  } while (p.more && polls < 100);
  t.equal(lines, 10_000, 'every line, once');
  t.ok(polls >= 16, `read over ${polls} polls`);
  t.end();
});

void t.test('a line longer than maxLineBytes is cut and counted', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  const f = follower(t, file, { maxLineBytes: 10 });
  f.poll();
  writeFileSync(file, `${'y'.repeat(50)}\nshort\n`);
  const p = f.poll();
  t.same(p.lines, ['yyyyyyyyyy', 'short']);
  t.equal(p.cutLines, 1);
  t.end();
});

/** lines as a caller of `onText` takes them: split at each '\n', a CR before it taken off */
function linesOfRuns(runs: string[]): string[] {
  return runs.flatMap((run) => {
    if (!run.endsWith('\n')) throw new Error(`a run that does not end with a whole line: ${JSON.stringify(run.slice(-20))}`);
    return run.slice(0, -1).split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  });
}

void t.test('runs of lines (onText, S11) hold the same lines as one at a time, across reads, long and cut lines', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'access.log');
  writeFileSync(file, '');
  // short and long lines, CRLF and a CR inside, lines across the 16 KiB runs and the 4 KiB reads,
  // lines of 16-64 KiB (a run of their own) and over 64 KiB (cut), and a multi-byte character
  const content = [
    ...Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat((i * 37) % 300)}${i % 7 === 0 ? '\r' : ''}`),
    `é ${'y'.repeat(20_000)}`, 'after', `${'z'.repeat(70_000)}\r`, 'cr\rinside', '', '€ last',
  ].join('\n') + '\nunended';
  const options = { fromStart: true, maxBytesPerPoll: 4096, maxLineBytes: 64 * 1024 };
  const byLine = follower(t, file, options);
  const runs: string[] = [];
  const byRun = follower(t, file, { ...options, onText: (text: string) => runs.push(text) });
  writeFileSync(file, content);
  const lines: string[] = [];
  let cutByLine = 0;
  let cutByRun = 0;
  for (let p = byLine.poll(); ; p = byLine.poll()) {
    lines.push(...p.lines);
    cutByLine += p.cutLines;
    if (!p.more) break;
  }
  for (let p = byRun.poll(); ; p = byRun.poll()) {
    t.same(p.lines, [], 'no line is collected when runs are handed over');
    cutByRun += p.cutLines;
    if (!p.more) break;
  }
  t.equal(lines.length, 3006, 'every ended line');
  t.same(linesOfRuns(runs), lines, 'the same lines, in order');
  t.equal(cutByRun, cutByLine, 'the same cut lines');
  t.equal(cutByRun, 1);
  t.ok(runs.every((run) => Buffer.byteLength(run) <= 16 * 1024 || run.indexOf('\n') === run.length - 1), 'a run is at most 16 KiB, or one longer line');
  runs.length = 0;
  appendFileSync(file, ' now\n');
  byRun.poll();
  t.same(linesOfRuns(runs), ['unended now'], 'an unended line comes once it ends');
  t.end();
});
