// The console's two faces (D5): a full screen drawn with @clack/prompts for a VT100-class terminal
// (each screen redrawn from the top, cut to the terminal's rows and columns, wide Korean characters
// counted as two), and plain numbered lines for a dumb terminal (TERM=dumb), read with
// node:readline. The screens (console-app.ts) are written once against ConsoleUi.
import { isCancel, selectKey, text as askText, type Option } from '@clack/prompts';
import stringWidth from 'fast-string-width';
import readline from 'node:readline';

export interface MenuOption<K extends string> {
  key: K;
  label: string;
}

export interface ConsoleUi {
  /** shows a screen: a title line and a body (list rows cut to the width, or with `wrap` messages wrapped) */
  screen(title: string, body: readonly string[], opts?: { wrap?: boolean }): void;
  /** null: cancelled (Esc, Ctrl-C, end of input) or aborted by `signal` */
  choose<K extends string>(message: string, options: readonly MenuOption<K>[], signal?: AbortSignal): Promise<K | null>;
  /** null: cancelled */
  ask(message: string, opts?: { placeholder?: string; initial?: string }): Promise<string | null>;
  /** the next menu's option count, so that screen() leaves room for it */
  reserve?(options: number): void;
  close(): void;
}

/** `line` cut to `columns` display columns (a wide character counts two). */
export function fitWidth(line: string, columns: number): string {
  if (stringWidth(line) <= columns) return line;
  let out = '';
  let width = 0;
  for (const ch of line) {
    const w = stringWidth(ch);
    if (width + w > columns - 1) break;
    out += ch;
    width += w;
  }
  return out + '…';
}

/** `line` broken into lines of at most `columns` display columns, at spaces where it can. */
export function wrapWidth(line: string, columns: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of line.split(/(?<= )/)) {
    if (stringWidth(current + word) <= columns) {
      current += word;
      continue;
    }
    if (current.trim() !== '') out.push(current.trimEnd());
    current = '';
    // a word wider than the screen is cut where it must be
    for (const ch of word) {
      if (stringWidth(current + ch) > columns) {
        out.push(current);
        current = '';
      }
      current += ch;
    }
  }
  if (current.trim() !== '' || out.length === 0) out.push(current.trimEnd());
  return out;
}

/** The body cut to `rows` lines, the last one saying how many were left out. */
export function fitRows(body: readonly string[], rows: number): string[] {
  if (body.length <= rows) return [...body];
  const kept = body.slice(0, Math.max(0, rows - 1));
  return [...kept, `… (+${body.length - kept.length})`];
}

export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { columns?: number; rows?: number };
}

/** Rows left for a screen's body on a terminal of `rows` rows, under the title and above a menu of
 * `options` options (clack draws the message, the options, a blank line and leaves the cursor on
 * the next). */
export function bodyRows(rows: number, options: number): number {
  return Math.max(1, rows - 1 - (options + 3));
}

export class FullScreenUi implements ConsoleUi {
  private lastOptions = 10;

  constructor(private readonly term: Terminal) {}

  private get columns(): number {
    return this.term.output.columns ?? 80;
  }

  private get rows(): number {
    return this.term.output.rows ?? 24;
  }

  screen(title: string, body: readonly string[], opts: { wrap?: boolean } = {}): void {
    const out = this.term.output;
    readline.cursorTo(out, 0, 0);
    readline.clearScreenDown(out);
    // the title, then as much of the body as leaves room for the menu that follows
    const room = bodyRows(this.rows, this.lastOptions);
    const rows = opts.wrap ? body.flatMap((l) => wrapWidth(l, this.columns)) : body;
    const lines = [title, ...fitRows(rows, room)].map((l) => fitWidth(l, this.columns));
    out.write(lines.join('\n') + '\n');
  }

  /** The screens call this before screen() so the body leaves room for the menu. */
  reserve(options: number): void {
    this.lastOptions = options;
  }

  async choose<K extends string>(message: string, options: readonly MenuOption<K>[], signal?: AbortSignal): Promise<K | null> {
    const picked = await selectKey<K>({
      message, options: options.map((o) => ({ value: o.key, label: fitWidth(o.label, this.columns - 6) }) as Option<K>),
      withGuide: false, input: this.term.input as NodeJS.ReadStream, output: this.term.output as NodeJS.WriteStream,
      ...(signal ? { signal } : {}),
    });
    this.holdKeys();
    return isCancel(picked) ? null : picked;
  }

  async ask(message: string, opts: { placeholder?: string; initial?: string } = {}): Promise<string | null> {
    const value = await askText({
      message, withGuide: false, input: this.term.input as NodeJS.ReadStream, output: this.term.output as NodeJS.WriteStream,
      ...(opts.placeholder ? { placeholder: opts.placeholder } : {}), ...(opts.initial ? { initialValue: opts.initial } : {}),
    });
    this.holdKeys();
    return isCancel(value) ? null : value;
  }

  /** clack leaves raw mode after each prompt: a key typed before the next one would be echoed and
   * lost in the line buffer; in raw mode it waits, unechoed, for the next prompt */
  private holdKeys(): void {
    const input = this.term.input as NodeJS.ReadStream;
    if (input.isTTY) input.setRawMode(true);
  }

  close(): void {
    const input = this.term.input as NodeJS.ReadStream;
    if (input.isTTY) input.setRawMode(false);
  }
}

/** TERM=dumb (or a pipe): no cursor movement at all, one line per thing, answers typed and Enter. */
export class LineUi implements ConsoleUi {
  private readonly rl: readline.Interface;
  private closed = false;

  constructor(private readonly term: Terminal) {
    this.rl = readline.createInterface({ input: term.input, output: term.output, terminal: false });
    this.rl.on('close', () => { this.closed = true; });
  }

  screen(title: string, body: readonly string[]): void {
    this.term.output.write(['', `== ${title} ==`, ...body].join('\n') + '\n');
  }

  async choose<K extends string>(message: string, options: readonly MenuOption<K>[], signal?: AbortSignal): Promise<K | null> {
    this.term.output.write(`${message}: ${options.map((o) => `[${o.key}] ${o.label}`).join('  ')}\n`);
    for (;;) {
      const answer = await this.question('> ', signal);
      if (answer === null) return null;
      const picked = options.find((o) => o.key === answer.trim());
      if (picked) return picked.key;
      this.term.output.write(`? ${options.map((o) => o.key).join(' ')}\n`);
    }
  }

  ask(message: string, opts: { placeholder?: string } = {}): Promise<string | null> {
    return this.question(`${message}${opts.placeholder ? ` (${opts.placeholder})` : ''}: `);
  }

  close(): void {
    this.rl.close();
  }

  private question(prompt: string, signal?: AbortSignal): Promise<string | null> {
    if (this.closed || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onClose = (): void => resolve(null);
      const onAbort = (): void => {
        this.rl.off('line', onLine);
        this.rl.off('close', onClose);
        this.term.output.write('\n');
        resolve(null);
      };
      const onLine = (line: string): void => {
        this.rl.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
      this.term.output.write(prompt);
      this.rl.once('line', onLine);
      this.rl.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
