// Fuzzing the AT-response path (RES, D4): the tokenizer and the response parsers read whatever
// the serial port delivers (a module's quirks, noise at power-up, a half-written line after a
// brown-out). Real transcripts (test/fixtures/modem/*.json) and real response lines are mutated
// and cut into random chunks. The tokenizer gives the same tokens however the bytes are chunked,
// and only printable lines within MAX_LINE_CHARS; the parsers never throw and give only numbers a
// command can use (safe integers), or nothing.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import {
  parseCmgl, parseCmgr, parseCops, parseCpin, parseCsca, parseCsq, parseNewMessageIndication, parseRegistration, parseRoutedHeader,
} from '../../../gsm/modem/at-parsers.js';
import { AtTokenizer, MAX_LINE_CHARS, type AtToken } from '../../../gsm/modem/at-tokenizer.js';
import { fuzzParams, mutatedText } from '../../helpers/fuzz.js';
import { fixturesDir } from '../../helpers/paths.js';

const modemDir = path.join(fixturesDir, 'modem');
const TRANSCRIPTS = readdirSync(modemDir).filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(readFileSync(path.join(modemDir, f), 'utf8')) as { rx: string }).rx);
const LINES = [
  '+CSQ: 21,99', '+CSQ: 99,99', '+CREG: 0,1', '+CREG: 5', '+CEREG: 2,5,"1A2B","01A2B3C4",7', '+CGREG: 0,2',
  '+COPS: 0,0,"SKTelecom",7', '+COPS: 0', '+CPIN: READY', '+CPIN: SIM PIN', '+CSCA: "+821010000000",145', '+CSCA: "",129',
  '+CMTI: "ME",3', '+CDSI: "SM",7', '+CMT: ,31', '+CMT: "",160', '+CDS: 25', '+CMGR: 1,,31', '+CMGS: 12',
  ...TRANSCRIPTS.flatMap((rx) => rx.split(/\r\n|\r|\n/).filter(Boolean)),
];

function tokenize(chunks: readonly string[]): AtToken[] {
  const tk = new AtTokenizer();
  return chunks.flatMap((c) => tk.push(c));
}

/** Cuts `s` at the given (sorted, deduplicated) offsets. */
function cut(s: string, offsets: readonly number[]): string[] {
  const at = [...new Set(offsets.map((o) => o % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const o of at) {
    out.push(s.slice(from, o));
    from = o;
  }
  out.push(s.slice(from));
  return out;
}

void t.test('the tokenizer: the same tokens for any chunking of mutated transcripts; only printable lines within the bound', (t) => {
  const input = fc.oneof(mutatedText(TRANSCRIPTS, 6), fc.string({ unit: 'binary', maxLength: 600 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')));
  fc.assert(fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), (rx, offsets) => {
    const whole = tokenize([rx]);
    const chunked = tokenize(cut(rx, offsets));
    if (JSON.stringify(chunked) !== JSON.stringify(whole)) throw new Error(`chunking changed the tokens: ${JSON.stringify(chunked)} ≠ ${JSON.stringify(whole)}`);
    for (const tok of whole) {
      if (tok.kind !== 'line') continue;
      if (tok.text.length === 0 || tok.text.length > MAX_LINE_CHARS) throw new Error(`line of ${tok.text.length} chars`);
      if (!/^[\x20-\x7e]+$/.test(tok.text)) throw new Error(`unprintable line ${JSON.stringify(tok.text)}`);
    }
  }), fuzzParams(1_500));
  t.end();
});

const safe = (n: number | undefined): boolean => n === undefined || Number.isSafeInteger(n);

function parseAll(line: string, next: string): void {
  const csq = parseCsq(line);
  if (csq && !(csq.csq === null || (csq.csq >= 0 && csq.csq <= 31))) throw new Error(`csq ${csq.csq}`);
  parseRegistration(line, true);
  parseRegistration(line, false);
  parseCops(line);
  parseCpin(line);
  parseCsca(line);
  const ind = parseNewMessageIndication(line);
  if (ind && !safe(ind.index)) throw new Error(`index ${ind.index}: no AT+CMGR can name it`);
  const routed = parseRoutedHeader(line);
  if (routed && !safe(routed.length)) throw new Error(`length ${routed.length}`);
  const cmgr = parseCmgr([line, next], 1);
  if (cmgr && !(safe(cmgr.stat) && safe(cmgr.length))) throw new Error(`+CMGR ${cmgr.stat},${cmgr.length}`);
  for (const e of parseCmgl([line, next, line, next])) if (!(safe(e.index) && safe(e.stat) && safe(e.length))) throw new Error(`+CMGL ${e.index},${e.stat},${e.length}`);
}

void t.test('the parsers: mutated real response lines never throw and give only safe integers', (t) => {
  fc.assert(fc.property(mutatedText(LINES, 6), mutatedText(LINES, 2), parseAll), fuzzParams(5_000));
  t.end();
});
