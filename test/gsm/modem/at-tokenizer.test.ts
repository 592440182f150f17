// The AT tokenizer: CRLF-framed lines and the `> ` prompt (TS 27.005 §3.5.1) from bytes chunked
// any way the serial driver likes, with echo and garbage.
import t from 'tap';
import { AtTokenizer, MAX_LINE_CHARS, type AtToken } from '../../../gsm/modem/at-tokenizer.js';
import { loadTranscript, TRANSCRIPTS } from './support/fixtures.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function feed(chunks: readonly Buffer[]): AtToken[] {
  const tk = new AtTokenizer();
  return chunks.flatMap((c) => tk.push(c));
}

for (const name of TRANSCRIPTS) {
  void t.test(`${name}: the same tokens whether fed whole, split at every offset, or byte by byte`, (t) => {
    const fx = loadTranscript(name);
    const all = bytes(fx.rx);
    t.same(feed([all]), fx.tokens, 'whole');
    for (let i = 0; i <= all.length; i++) {
      const got = feed([all.subarray(0, i), all.subarray(i)]);
      if (JSON.stringify(got) !== JSON.stringify(fx.tokens)) {
        t.fail(`split at ${i} gives different tokens`, { got, want: fx.tokens });
        return t.end();
      }
    }
    for (let i = 1; i < all.length; i++) {
      for (const j of [i + 1, i + 2, i + 7]) {
        if (j >= all.length) continue;
        const got = feed([all.subarray(0, i), all.subarray(i, j), all.subarray(j)]);
        if (JSON.stringify(got) !== JSON.stringify(fx.tokens)) {
          t.fail(`split at ${i} and ${j} gives different tokens`);
          return t.end();
        }
      }
    }
    t.same(feed([...all].map((b) => Buffer.of(b))), fx.tokens, 'byte by byte');
    t.end();
  });
}

void t.test('the prompt has no line ending and is reported as soon as its space arrives', (t) => {
  const tk = new AtTokenizer();
  t.same(tk.push('\r\n>'), [], 'a lone > waits for its space');
  t.same(tk.push(' '), [{ kind: 'prompt' }]);
  t.equal(tk.partial, '');
  t.end();
});

void t.test('a > that is not followed by a space starts an ordinary line', (t) => {
  t.same(feed([bytes('\r\n>x\r\n')]), [{ kind: 'line', text: '>x' }]);
  t.same(feed([bytes('\r\nA> \r\n')]), [{ kind: 'line', text: 'A> ' }], 'only at the start of a line');
  t.end();
});

void t.test('a prompt right at the start of the stream and after a bare LF is recognised', (t) => {
  t.same(feed([bytes('> ')]), [{ kind: 'prompt' }]);
  t.same(feed([bytes('OK\n> ')]), [{ kind: 'line', text: 'OK' }, { kind: 'prompt' }]);
  t.end();
});

void t.test('garbage bytes and control characters are dropped, empty lines are skipped', (t) => {
  t.same(feed([bytes('\x00\xff\r\r\n\n\x1bO\x07K\r\n\x1a')]), [{ kind: 'line', text: 'OK' }]);
  t.end();
});

void t.test('echo arrives as an ordinary line (the session decides it is echo)', (t) => {
  t.same(feed([bytes('AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n')]), [
    { kind: 'line', text: 'AT+CSQ' }, { kind: 'line', text: '+CSQ: 20,99' }, { kind: 'line', text: 'OK' },
  ]);
  t.end();
});

void t.test('an endless line is cut at MAX_LINE_CHARS instead of growing without bound', (t) => {
  const tokens = feed([bytes('A'.repeat(MAX_LINE_CHARS + 10) + '\r\n')]);
  t.same(tokens.map((x) => (x.kind === 'line' ? x.text.length : -1)), [MAX_LINE_CHARS, 10]);
  t.end();
});

void t.test('reset() forgets a partial line', (t) => {
  const tk = new AtTokenizer();
  tk.push('+CSQ: 1');
  tk.reset();
  t.same(tk.push('OK\r\n'), [{ kind: 'line', text: 'OK' }]);
  t.end();
});
