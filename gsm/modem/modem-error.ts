// The coded error of the modem layer (docs/conventions.md 7): an RwError that also says which command
// failed, in which phase, and, for +CMS/+CME errors, the numeric code and its classification.
import { RwError, type ErrorCode } from '../../contract/errors.js';
import { classifyCme, classifyCms, type ModemErrorClassification } from './cms-errors.js';

export type ModemErrorCode = Extract<ErrorCode, `RW_ERR_MODEM_${string}`>;

/** Where a command was when it failed: waiting for the `> ` prompt or for the final result. */
export type CommandPhase = 'prompt' | 'final';

export class ModemError extends RwError {
  /** The command as written, without the CR (a PIN is masked). */
  readonly command: string | undefined;
  readonly phase: CommandPhase | undefined;
  /** Present for RW_ERR_MODEM_CMS and RW_ERR_MODEM_CME. */
  readonly classification: ModemErrorClassification | undefined;
  /** For a failed sendSms: how many parts the modem accepted before this error. */
  readonly partsSent: number | undefined;

  constructor(
    code: ModemErrorCode,
    details: {
      command?: string;
      phase?: CommandPhase;
      classification?: ModemErrorClassification;
      message?: string;
      cause?: unknown;
      partsSent?: number;
    } = {},
  ) {
    const what = details.classification ? ` ${details.classification.kind.toUpperCase()} ${details.classification.code} (${details.classification.meaning})` : '';
    const on = details.command === undefined ? '' : ` on ${details.command}${details.phase === 'prompt' ? ' (waiting for the > prompt)' : ''}`;
    super(code, details.message ?? `${code}${what}${on}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ModemError';
    this.command = details.command;
    this.phase = details.phase;
    this.classification = details.classification;
    this.partsSent = details.partsSent;
  }
}

/** Builds the error for a final result line (`ERROR`, `+CMS ERROR: n`, `+CME ERROR: n`). */
export function errorFromFinal(line: string, command: string, phase: CommandPhase): ModemError {
  const m = /^\+(CMS|CME) ERROR:\s*(\d+)/.exec(line);
  if (m) {
    const code = Number(m[2]);
    return m[1] === 'CMS'
      ? new ModemError('RW_ERR_MODEM_CMS', { command, phase, classification: classifyCms(code) })
      : new ModemError('RW_ERR_MODEM_CME', { command, phase, classification: classifyCme(code) });
  }
  // `+CME ERROR: <text>` (AT+CMEE=2) carries no number; treat it like a plain ERROR.
  return new ModemError('RW_ERR_MODEM_ERROR', { command, phase, message: `RW_ERR_MODEM_ERROR: ${line} on ${command}` });
}

export function isModemError(e: unknown, code?: ModemErrorCode): e is ModemError {
  return e instanceof ModemError && (code === undefined || e.code === code);
}
