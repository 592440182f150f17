// One access log followed on the agent (S11): its new lines (read as `tail -F` does, by the log
// follower the log check uses) parsed in the source's format and counted into the interval's
// aggregate; only the aggregate leaves the server. The read position is kept in the agent's state
// directory, so a restart neither re-reads nor skips lines: after logrotate renamed the file the
// rest of `<path>.1` is read (the follower does that), and after it compressed the renamed file
// (`compress` without `delaycompress`) the rest is read from `<path>.1.gz`, recognised by the
// fingerprint of its first bytes.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Logger } from '../../core/logger.js';
import { WEBLOG_LIMITS, type WeblogInterval } from '../../contract/weblog.js';
import { compileLogFormat, emptyRecord, LogParser, type LogRecord } from '../../core/weblog/log-format.js';
import { fingerprint, HEAD_BYTES, isSameFile, LogFollower, type LogPosition } from '../checks/log-follower.js';
import type { LogPositions } from '../checks/check-runners.js';
import { WeblogAggregator } from './weblog-aggregator.js';

export interface WeblogSourceSpec {
  id: string;
  path: string;
  /** a preset name or a format string (core/weblog/log-format.ts) */
  format: string;
  keepQuery?: boolean;
  /** read a file already there from its start (default: from its end, a 1 GiB log is not a backlog) */
  fromStart?: boolean;
}

export interface WeblogTailDeps {
  positions: LogPositions;
  log: Logger;
  /** bytes read at most per poll (default 16 MiB, ~80,000 lines: a burst is spread over polls) */
  maxBytesPerPoll?: number;
  /** bytes of a compressed rotated file read at most to recover its rest (default 64 MiB) */
  maxRecoverBytes?: number;
}

const DEFAULT_MAX_BYTES_PER_POLL = 16 * 1024 * 1024;
const DEFAULT_MAX_RECOVER_BYTES = 64 * 1024 * 1024;

export class WeblogTail {
  private readonly parser: LogParser;
  private readonly aggregator: WeblogAggregator;
  private follower: LogFollower | null = null;
  private readonly record: LogRecord = emptyRecord();
  private problem: string | null = null;

  constructor(readonly spec: WeblogSourceSpec, private readonly deps: WeblogTailDeps) {
    // the appliance refused a bad format already; a throw here is a programming error
    this.parser = new LogParser(compileLogFormat(spec.format));
    this.aggregator = new WeblogAggregator({ source: spec.id, ...(spec.keepQuery !== undefined ? { keepQuery: spec.keepQuery } : {}) });
  }

  /** Reads the rest of a compressed rotated file if the agent was stopped across a rotation. */
  async start(): Promise<void> {
    const saved = this.deps.positions.get(this.spec.id, this.spec.path);
    if (saved?.head !== undefined && !sameFile(this.spec.path, saved) && !sameFile(`${this.spec.path}.1`, saved)) {
      try {
        await this.recoverCompressed(`${this.spec.path}.1.gz`, saved);
      } catch (error) {
        this.deps.log.warn('cannot read the rest of a compressed rotated log; its last lines are not counted', { source: this.spec.id, path: `${this.spec.path}.1.gz`, error });
      }
    }
    this.follower = new LogFollower({
      path: this.spec.path, position: saved, fromStart: this.spec.fromStart === true,
      maxBytesPerPoll: this.deps.maxBytesPerPoll ?? DEFAULT_MAX_BYTES_PER_POLL, maxLineBytes: WEBLOG_LIMITS.maxLineBytes,
      // each run of lines parsed as it is read: no slice's strings outlive a young collection
      onText: this.addText,
    });
    // the first poll fixes where following starts (the end of a log already there), so that lines
    // written from now on count, however long until the next poll
    this.poll();
  }

  /** Reads what is new (up to the poll budget); true when more is waiting. Never throws. */
  poll(): boolean {
    if (!this.follower) return false;
    let result;
    try {
      result = this.follower.poll();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const reason = `cannot read ${this.spec.path}: ${code}${code === 'EACCES' ? ' (the agent\'s user may not read it)' : ''}`;
      if (this.problem !== reason) this.deps.log.warn('cannot read a web log', { source: this.spec.id, path: this.spec.path, error });
      this.problem = reason;
      return false;
    }
    this.problem = result.position === null ? `${this.spec.path} does not exist (waiting for it)` : null;
    // the batch settles when one of its tables is full (BATCH_KEYS distinct keys) or at the
    // interval's flush, not after every poll: the fewer settles, the fewer offers of the same key to
    // the sketches (docs/benchmarks.md "Web-log analysis"); the garbage a longer-lived batch leaves in
    // the old generation is collected on growth (agent/old-space-collector.ts)
    for (let i = 0; i < result.cutLines; i++) this.aggregator.addCut();
    this.deps.positions.set(this.spec.id, this.spec.path, result.position);
    return result.more;
  }

  /** The interval's aggregate, then a fresh one. */
  flush(t: number, i: number): WeblogInterval {
    return this.aggregator.flush(t, i, this.problem);
  }

  close(): void {
    this.follower?.close();
    this.follower = null;
  }

  /** a run of whole lines (LogFollower's onText) parsed and counted */
  private readonly addText = (text: string): void => {
    this.parser.parseText(text, this.record, this.aggregator);
  };

  private async recoverCompressed(file: string, saved: LogPosition): Promise<void> {
    if (!existsSync(file)) return;
    const limit = this.deps.maxRecoverBytes ?? DEFAULT_MAX_RECOVER_BYTES;
    let seen = 0;
    let head = Buffer.alloc(0);
    let partial = '';
    let lines = 0;
    const stream = createReadStream(file).pipe(createGunzip());
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (head.length < HEAD_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        if (head.length === HEAD_BYTES && fingerprint(head) !== saved.head) return;
      }
      const from = Math.max(0, saved.offset - seen);
      seen += chunk.length;
      if (from >= chunk.length) continue;
      if (seen - saved.offset > limit) break;
      const text = partial + chunk.subarray(from).toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        this.parser.feed(line.length > WEBLOG_LIMITS.maxLineBytes ? line.slice(0, WEBLOG_LIMITS.maxLineBytes) : line, this.record, this.aggregator);
        lines++;
      }
    }
    if (partial) {
      this.parser.feed(partial, this.record, this.aggregator);
      lines++;
    }
    if (lines > 0) this.deps.log.info('read the rest of a compressed rotated log', { source: this.spec.id, path: file, lines });
  }
}

function sameFile(file: string, position: LogPosition): boolean {
  let st;
  try {
    st = statSync(file);
  } catch {
    return false;
  }
  return isSameFile(file, st, position);
}
