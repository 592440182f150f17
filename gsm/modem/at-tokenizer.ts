// Bytes from a modem → AT tokens (pure, no I/O). A modem frames its output as `<CR><LF>text<CR><LF>`
// (ITU-T V.250 §5.7.1, TS 27.007 §4.1), except the SMS input prompt `<CR><LF>> ` of AT+CMGS
// (TS 27.005 §3.5.1), which has no line ending, so a plain line splitter never sees it.
//
// The tokenizer is robust to any chunking (it keeps the partial line between pushes), to echo
// (an echoed `AT…<CR>` is just another line; the session decides it is echo), and to garbage:
// control bytes other than CR/LF and bytes outside printable ASCII are dropped (noise on a UART
// at power-up, the 0x1A/0x1B of an echoed PDU).

export type AtToken =
  | { readonly kind: 'line'; readonly text: string }
  /** The `> ` SMS input prompt, seen at the start of a line. */
  | { readonly kind: 'prompt' };

/** A line longer than this without a terminator is emitted as it is (a +CMGL PDU line is < 400). */
export const MAX_LINE_CHARS = 4096;

const CR = 0x0d;
const LF = 0x0a;
const GT = 0x3e;
const SPACE = 0x20;

export class AtTokenizer {
  #line = '';
  /** True when the next byte starts a new line (after CR/LF, or at the start of the stream). */
  #atLineStart = true;
  /** A `>` seen at the start of a line, waiting for its space. */
  #gt = false;

  /** Consumes one chunk and returns the tokens it completes, in order. */
  push(chunk: Uint8Array | string): AtToken[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    const out: AtToken[] = [];
    for (const b of bytes) this.#byte(b, out);
    return out;
  }

  /** The bytes held back waiting for a line end (for diagnostics). */
  get partial(): string {
    return (this.#gt ? '>' : '') + this.#line;
  }

  /** Forgets the partial line, e.g. after the port was reopened. */
  reset(): void {
    this.#line = '';
    this.#gt = false;
    this.#atLineStart = true;
  }

  #byte(b: number, out: AtToken[]): void {
    if (this.#gt) {
      this.#gt = false;
      if (b === SPACE) {
        out.push({ kind: 'prompt' });
        this.#atLineStart = true; // the PDU we write next is not part of any modem line
        return;
      }
      this.#line = '>'; // a line that merely starts with '>': keep it and go on
    }
    if (b === CR || b === LF) {
      if (this.#line.length > 0) out.push({ kind: 'line', text: this.#line });
      this.#line = '';
      this.#atLineStart = true;
      return;
    }
    if (b === GT && this.#atLineStart && this.#line.length === 0) {
      this.#gt = true;
      return;
    }
    if (b < SPACE || b > 0x7e) return; // garbage or an echoed control byte (0x1A, 0x1B)
    this.#atLineStart = false;
    this.#line += String.fromCharCode(b);
    if (this.#line.length >= MAX_LINE_CHARS) {
      out.push({ kind: 'line', text: this.#line });
      this.#line = '';
    }
  }
}
