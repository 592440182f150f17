// `--modem sim` only: mirrors what the in-process modem simulator saw (AT commands and decoded
// SMS-SUBMITs) to <data-dir>/modem-sim.log as JSON lines, so that tests and benchmarks in another
// process can read it, across a SIGKILL and restart of the appliance (each line carries the
// boot time of the process that wrote it). Appends synchronously every `periodMs`.
import { appendFileSync } from 'node:fs';
import type { SimLogLine, SimLogResponse, SimLogSubmit } from '../../contract/alerts-api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { PtySimulator } from './pty-simulator.js';

type SimLog = PtySimulator['log'];

export function submitView(s: SimLog['submits'][number]): SimLogSubmit {
  return {
    at: s.at, to: s.to, text: s.text, encoding: s.encoding, mr: s.mr, udl: s.udl,
    ...(s.concat ? { concat: { ref: s.concat.ref, total: s.concat.total, seq: s.concat.seq } } : {}),
  };
}

export function simLogView(log: SimLog): SimLogResponse {
  return {
    commands: log.commands.map((c) => ({ at: c.at, line: c.line })),
    submits: log.submits.map(submitView),
    messages: log.messages().map((m) => ({ to: m.to, text: m.text, encoding: m.encoding, parts: m.parts.length, complete: m.complete })),
  };
}

export class SimLogFile {
  private commandsWritten = 0;
  private submitsWritten = 0;
  private timer: unknown = null;
  private running = false;
  /** the last append failed (logged once until one succeeds) */
  private failing = false;

  constructor(private readonly deps: { log: SimLog; file: string; clock: Clock; logger: Logger; bootMs: number; periodMs?: number }) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  private tick(): void {
    this.flush();
    if (!this.running) return;
    const handle = this.deps.clock.setTimeout(() => this.tick(), this.deps.periodMs ?? 50);
    handle.unref?.();
    this.timer = handle;
  }

  private flush(): void {
    const { log, bootMs } = this.deps;
    const lines: SimLogLine[] = [];
    const commandsEnd = log.commands.length;
    const submitsEnd = log.submits.length;
    for (let i = this.commandsWritten; i < commandsEnd; i++) {
      const c = log.commands[i];
      if (c) lines.push({ type: 'command', at: c.at, line: c.line, boot: bootMs });
    }
    for (let i = this.submitsWritten; i < submitsEnd; i++) {
      const s = log.submits[i];
      if (s) lines.push({ type: 'submit', boot: bootMs, ...submitView(s) });
    }
    if (lines.length === 0) return;
    try {
      appendFileSync(this.deps.file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    } catch (e) {
      // kept for the next tick (a full disk frees up): a reader counts what reached the modem from this log
      if (!this.failing) this.deps.logger.warn('cannot write the modem simulator log; retrying', { err: e, file: this.deps.file });
      this.failing = true;
      return;
    }
    this.failing = false;
    this.commandsWritten = commandsEnd;
    this.submitsWritten = submitsEnd;
  }
}
