// Parses what a check program printed, by the monitoring-plugins convention (S6; the
// development guidelines, https://www.monitoring-plugins.org/doc/guidelines.html):
//
//   TEXT OUTPUT | OPTIONAL PERFDATA
//   LONG TEXT LINE 1
//   LONG TEXT LINE N | PERFDATA LINE 2
//   PERFDATA LINE 3
//
// Perfdata items are space-separated `'label'=value[UOM];[warn];[crit];[min];[max]`: the quotes
// are needed only when the label has spaces, and a quote inside one is written twice; trailing
// empty fields may be left out; the value is `U` when it could not be determined. A malformed
// item is skipped and named in `problems` (the rest of the result stands): a plugin with a stray
// space in its perfdata must not turn a CRITICAL into nothing. Pure: no I/O.
import { CHECK_LIMITS, type Perfdatum } from '../../contract/checks.js';

export interface PluginOutput {
  /** the first line's text, trimmed; '(no output)' when the program printed nothing */
  output: string;
  /** the lines after the first (without their perfdata), at most CHECK_LIMITS.longOutputBytes */
  longOutput: string;
  perfdata: Perfdatum[];
  /** malformed perfdata items, and what was cut to fit the bounds */
  problems: string[];
}

const NO_OUTPUT = '(no output)';
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;

export function parsePluginOutput(text: string): PluginOutput {
  const problems: string[] = [];
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  const [first = '', ...rest] = lines;
  const bar = first.indexOf('|');
  let output = (bar >= 0 ? first.slice(0, bar) : first).trim();
  const perfText: string[] = bar >= 0 ? [first.slice(bar + 1)] : [];
  const longLines: string[] = [];
  let inPerf = false;
  for (const line of rest) {
    if (inPerf) {
      perfText.push(line);
      continue;
    }
    const b = line.indexOf('|');
    if (b >= 0) {
      longLines.push(line.slice(0, b));
      perfText.push(line.slice(b + 1));
      inPerf = true;
    } else {
      longLines.push(line);
    }
  }
  if (output === '') output = NO_OUTPUT;
  if ([...output].length > CHECK_LIMITS.outputChars) {
    output = [...output].slice(0, CHECK_LIMITS.outputChars).join('');
    problems.push(`output cut to ${CHECK_LIMITS.outputChars} characters`);
  }
  let longOutput = longLines.join('\n').replace(/\s+$/, '');
  if (Buffer.byteLength(longOutput) > CHECK_LIMITS.longOutputBytes) {
    longOutput = cutToBytes(longOutput, CHECK_LIMITS.longOutputBytes);
    problems.push(`long output cut to ${CHECK_LIMITS.longOutputBytes} bytes`);
  }
  const perfdata: Perfdatum[] = [];
  for (const token of perfdataTokens(perfText.join(' '), problems)) {
    if (perfdata.length === CHECK_LIMITS.perfdata) {
      problems.push(`perfdata beyond ${CHECK_LIMITS.perfdata} items dropped`);
      break;
    }
    const item = parsePerfdatum(token);
    if (typeof item === 'string') problems.push(item);
    else perfdata.push(item);
  }
  return { output, longOutput, perfdata, problems };
}

/** At most `max` bytes of UTF-8, never splitting a character. */
export function cutToBytes(text: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > max) break;
    out += ch;
  }
  return out;
}

interface Token {
  label: string;
  rest: string;
  raw: string;
}

/** Splits perfdata text into label=rest items, honouring quoted labels ('' is a quote). */
function perfdataTokens(text: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i] ?? '')) i++;
    if (i >= n) break;
    const start = i;
    let label = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) {
          problems.push(`perfdata: unterminated quote in ${text.slice(start, start + 40)}`);
          return tokens;
        }
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            label += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        label += text[i];
        i++;
      }
    } else {
      while (i < n && text[i] !== '=' && !/\s/.test(text[i] ?? '')) label += text[i++];
    }
    if (text[i] !== '=') {
      // a word with no "=": skip to the next space
      while (i < n && !/\s/.test(text[i] ?? '')) i++;
      problems.push(`perfdata: "${text.slice(start, i).slice(0, 40)}" is not label=value`);
      continue;
    }
    i++;
    const restStart = i;
    while (i < n && !/\s/.test(text[i] ?? '')) i++;
    tokens.push({ label, rest: text.slice(restStart, i), raw: text.slice(start, i) });
  }
  return tokens;
}

function parsePerfdatum(t: Token): Perfdatum | string {
  const bad = (why: string): string => `perfdata: "${t.raw.slice(0, 60)}": ${why}`;
  if (t.label === '') return bad('empty label');
  if ([...t.label].length > CHECK_LIMITS.labelChars) return bad(`label longer than ${CHECK_LIMITS.labelChars} characters`);
  const [valueUom = '', warn = '', crit = '', min = '', max = ''] = t.rest.split(';');
  let value: number | null;
  let unit: string;
  if (valueUom === 'U' || valueUom.startsWith('U') && !/[0-9]/.test(valueUom)) {
    value = null;
    unit = valueUom.slice(1);
  } else {
    // a decimal comma (a plugin run under a locale that writes one) is read as a point
    const normal = valueUom.includes('.') ? valueUom : valueUom.replace(',', '.');
    const m = NUMBER.exec(normal);
    if (!m) return bad('the value is not a number');
    value = Number(m[0]);
    unit = normal.slice(m[0].length);
  }
  if (!/^[A-Za-z%]{0,8}$/.test(unit)) return bad(`"${unit}" is not a unit of measure`);
  const num = (s: string, what: string): number | null | string => {
    if (s === '') return null;
    const v = s.includes('.') ? s : s.replace(',', '.');
    return NUMBER.test(v) && NUMBER.exec(v)?.[0] === v ? Number(v) : `${what} "${s}" is not a number`;
  };
  const minV = num(min, 'min');
  if (typeof minV === 'string') return bad(minV);
  const maxV = num(max, 'max');
  if (typeof maxV === 'string') return bad(maxV);
  return { label: t.label, value, unit, warn: warn === '' ? null : warn, crit: crit === '' ? null : crit, min: minV, max: maxV };
}
