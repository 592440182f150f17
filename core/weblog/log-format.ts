// Access-log formats (S11): a format string in Apache's `LogFormat` syntax (`%h %l %u %t "%r" %>s
// %b`) or nginx's `log_format` syntax (`$remote_addr - $remote_user [$time_local] "$request" …`),
// or one of the named presets, is compiled once into a list of fields and the literal text that
// ends each one, and from those into one regular expression that cannot backtrack (linePattern):
// the agent parses every line of a busy web server in V8's interpreter, where one match run as
// machine code costs less than a walk of `indexOf` calls (docs/benchmarks.md, the web-log
// benchmark).
//
// Pure: the appliance compiles a source's format to refuse a bad one (400 naming the token) and
// the agent compiles it to parse.

/** What a field of a log line means; `skip` is read past and dropped. */
export type LogField =
  | 'client' | 'user' | 'time' | 'request' | 'method' | 'url' | 'protocol' | 'status' | 'bytes'
  | 'referrer' | 'agent' | 'vhost' | 'duration_us' | 'duration_ms' | 'duration_s' | 'skip';

export interface CompiledFormat {
  /**
   * 'json' parses each line as a JSON object (see JSON_KEYS); 'w3c' is the W3C extended format
   * (IIS), whose `#Fields:` lines say which fields follow, separated by spaces
   */
  kind: 'text' | 'json' | 'w3c';
  /** literal text before the first field */
  head: string;
  fields: readonly LogField[];
  /** literal text after each field (the last one may be '' = to the end of the line) */
  tails: readonly string[];
  /** fields present, for the aggregator (e.g. whether latency percentiles exist) */
  has: ReadonlySet<LogField>;
  /** `fields` as FIELD_CODES, what the parser switches on (a jump, not a string comparison a case) */
  codes: readonly number[];
  /** a text format as one regular expression (linePattern), null for 'json' and 'w3c' */
  pattern: RegExp | null;
  /**
   * `pattern` for a run of whole lines (LogParser.parseText): sticky, no field crosses the end of
   * its line, and a match runs through its line's '\n'; null for 'json' and 'w3c', and for a
   * format whose literal text holds a line break (no line read from a file can match it)
   */
  runPattern: RegExp | null;
  /** the field code of each of `pattern`'s capture groups (SKIP: a group read past) */
  groups: readonly number[];
}

export class LogFormatError extends Error {
  constructor(readonly token: string, message: string) {
    super(message);
    this.name = 'LogFormatError';
  }
}

/** Longest format string accepted (a real LogFormat is under 300 characters). */
export const MAX_FORMAT_LENGTH = 1024;

export const FORMAT_PRESETS = {
  /** NCSA Common Log Format */
  common: '%h %l %u %t "%r" %>s %b',
  /** NCSA Combined: Common plus Referer and User-Agent */
  combined: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"',
  /** Combined with the virtual host first (Apache's `vhost_combined`) */
  vcombined: '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
  /** nginx's built-in `combined` */
  nginx: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
  /** one JSON object per line (nginx `escape=json`, Caddy, Traefik) */
  json: 'json',
  /** W3C extended (IIS, and logs converted to it): the `#Fields:` header names the fields */
  w3c: 'w3c',
} as const;

export type FormatPreset = keyof typeof FORMAT_PRESETS;

const APACHE_DIRECTIVES: Record<string, LogField> = {
  h: 'client', a: 'client', l: 'skip', u: 'user', t: 'time', r: 'request', s: 'status', '>s': 'status',
  b: 'bytes', B: 'bytes', O: 'bytes', I: 'skip', S: 'skip', m: 'method', U: 'url', q: 'skip', H: 'protocol',
  v: 'vhost', V: 'vhost', p: 'skip', P: 'skip', D: 'duration_us', T: 'duration_s', k: 'skip', X: 'skip',
  L: 'skip', R: 'skip', f: 'skip', A: 'skip', e: 'skip', n: 'skip', o: 'skip', C: 'skip',
};

const APACHE_HEADERS: Record<string, LogField> = { referer: 'referrer', 'user-agent': 'agent', host: 'vhost' };

const NGINX_VARIABLES: Record<string, LogField> = {
  remote_addr: 'client', binary_remote_addr: 'skip', http_x_forwarded_for: 'skip', remote_user: 'user',
  time_local: 'time', time_iso8601: 'time', msec: 'time', request: 'request', request_method: 'method',
  request_uri: 'url', uri: 'url', document_uri: 'url', server_protocol: 'protocol', status: 'status',
  body_bytes_sent: 'bytes', bytes_sent: 'bytes', http_referer: 'referrer', http_user_agent: 'agent',
  host: 'vhost', server_name: 'vhost', http_host: 'vhost', request_time: 'duration_s',
  upstream_response_time: 'skip',
};

/** Compiles a preset name or a format string; throws LogFormatError naming the bad token. */
export function compileLogFormat(format: string): CompiledFormat {
  if (format.length > MAX_FORMAT_LENGTH) throw new LogFormatError(format.slice(0, 40), `a format is at most ${MAX_FORMAT_LENGTH} characters`);
  const preset = (FORMAT_PRESETS as Record<string, string>)[format];
  const text = preset ?? format;
  if (text === 'json') return { kind: 'json', head: '', fields: [], tails: [], has: new Set(JSON_FIELDS), codes: [], pattern: null, runPattern: null, groups: [] };
  if (text === 'w3c') return { kind: 'w3c', head: '', fields: W3C_DEFAULT_FIELDS, tails: [], has: new Set(W3C_DEFAULT_FIELDS), codes: W3C_DEFAULT_FIELDS.map(codeOf), pattern: null, runPattern: null, groups: [] };
  if (text.trim() === '') throw new LogFormatError('', 'the format is empty');
  const parts = text.includes('$') && !/%[>{a-zA-Z]/.test(text) ? splitNginx(text) : splitApache(text);
  return assemble(parts);
}

type Part = { literal: string } | { field: LogField; token: string };

function splitApache(text: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[++i]!;
      literal += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      continue;
    }
    if (c !== '%') {
      literal += c;
      continue;
    }
    const start = i;
    i++;
    if (text[i] === '%') {
      literal += '%';
      continue;
    }
    // modifiers: status conditions ("%400,501{User-agent}i", "%!200s") and < / > (original/final)
    while (i < text.length && /[!0-9,<>]/.test(text[i]!)) i++;
    let arg: string | null = null;
    if (text[i] === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) throw new LogFormatError(text.slice(start), `"${text.slice(start, start + 20)}" has no closing }`);
      arg = text.slice(i + 1, close);
      i = close + 1;
    }
    const letter = text[i];
    if (letter === undefined) throw new LogFormatError(text.slice(start), `"${text.slice(start)}" ends without a directive letter`);
    const token = text.slice(start, i + 1);
    let field: LogField | undefined;
    if (arg !== null && letter === 'i') field = APACHE_HEADERS[arg.toLowerCase()] ?? 'skip';
    else if (arg !== null && letter === 'T') field = arg === 'us' ? 'duration_us' : arg === 'ms' ? 'duration_ms' : 'duration_s';
    else if (arg !== null && 'oCenxtp^'.includes(letter)) field = 'skip';
    else field = APACHE_DIRECTIVES[letter];
    if (!field) throw new LogFormatError(token, `"${token}" is not an Apache LogFormat directive this parser knows`);
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ field, token });
  }
  if (literal) parts.push({ literal });
  return parts;
}

function splitNginx(text: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '$') {
      literal += c;
      continue;
    }
    const braced = text[i + 1] === '{';
    const nameStart = i + (braced ? 2 : 1);
    let end = nameStart;
    while (end < text.length && /[a-zA-Z0-9_]/.test(text[end]!)) end++;
    const name = text.slice(nameStart, end);
    if (braced && text[end] !== '}') throw new LogFormatError(text.slice(i, end), `"${text.slice(i, end)}" has no closing }`);
    const token = text.slice(i, braced ? end + 1 : end);
    if (!name) throw new LogFormatError(token, `"${token}" names no variable`);
    // nginx variables are open-ended ($http_*, $cookie_*, $upstream_*): unknown ones are read past
    const field = NGINX_VARIABLES[name] ?? 'skip';
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ field, token });
    i = braced ? end : end - 1;
  }
  if (literal) parts.push({ literal });
  return parts;
}

function assemble(parts: Part[]): CompiledFormat {
  let head = '';
  const fields: LogField[] = [];
  const tails: string[] = [];
  let previous: string | null = null;
  for (const part of parts) {
    if ('literal' in part) {
      if (fields.length === 0) head = part.literal;
      else tails[tails.length - 1] = part.literal;
      previous = null;
      continue;
    }
    // two fields with nothing between them cannot be told apart
    if (previous !== null) throw new LogFormatError(part.token, `"${previous}${part.token}": two fields with no text between them cannot be told apart`);
    fields.push(part.field);
    tails.push('');
    previous = part.token;
  }
  if (fields.length === 0) throw new LogFormatError(head, 'the format has no field');
  const codes = fields.map(codeOf);
  return { kind: 'text', head, fields, tails, has: new Set(fields), codes, ...linePattern(head, codes, tails) };
}

/**
 * A text format as one regular expression: V8 runs it as compiled machine code, where the walk of
 * `indexOf` calls it replaces ran in the agent's interpreter (`--no-opt`) at three times the cost
 * a line (docs/benchmarks.md). It matches exactly what that walk matched: each field runs to the
 * first occurrence of the literal after it (`[^c]*c` for a one-character literal; for a longer one
 * `c…` a loop of any character but `c`, or `c` where the rest does not follow, which cannot pass
 * an occurrence: one way to match, and a failed match gives each character back once, so no line,
 * however long, costs more than a few scans per field); the last field,
 * with no literal after it, to the end of the line; text after the last literal is ignored. Fields
 * the aggregate does not use are not captured when that can be avoided (no substring).
 *
 * The same for a run of lines (`runPattern`, LogParser.parseText): no field takes a '\n', the
 * match goes on through the rest of its line and its '\n', and a CR right before that '\n' is not
 * part of the last field (LogFollower takes it off a line). On any one line it matches what
 * `pattern` matches, with the same captures; a format with a line break in its literal text gets
 * none (a line never holds one, a run would).
 */
function linePattern(head: string, codes: readonly number[], tails: readonly string[]): { pattern: RegExp; runPattern: RegExp | null; groups: number[] } {
  const line = patternSource(head, codes, tails, false);
  const breaks = /[\r\n]/.test(head) || tails.some((tail) => /[\r\n]/.test(tail));
  return {
    pattern: new RegExp(`^${line.source}`),
    runPattern: breaks ? null : new RegExp(patternSource(head, codes, tails, true).source, 'y'),
    groups: line.groups,
  };
}

function patternSource(head: string, codes: readonly number[], tails: readonly string[], run: boolean): { source: string; groups: number[] } {
  // in a run of lines, a field stops at its line's end as it would at the end of a line alone
  const nl = run ? '\\n' : '';
  let source = escapeRegExp(head);
  const groups: number[] = [];
  let toLineEnd = false;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    const tail = tails[i]!;
    const wanted = code !== SKIP;
    if ((code === STATUS || code === BYTES) && tail !== '' && !/[0-9-]/.test(tail[0]!)) {
      // digits only (bytes also '-'), 1–15 of them, as the parser would refuse anything else: the
      // same lines match, and the parser reads the number with `+` instead of a loop of calls in
      // V8's interpreter. The literal after it starts with neither, so the digits cannot run past
      // its first occurrence (and there is no other way to match)
      source += code === STATUS ? '([0-9]{1,15})' : '(-|[0-9]{1,15})';
      source += escapeRegExp(tail);
      groups.push(code === STATUS ? STATUS_DIGITS : BYTES_DIGITS);
    } else if (tail === '') {
      // the last field (assemble refuses two fields with nothing between them)
      if (wanted) {
        source += run ? '((?:[^\\r\\n]|\\r(?!\\n))*)' : '([\\s\\S]*)';
        groups.push(code);
        toLineEnd = true;
      }
    } else if (tail.length === 1) {
      source += wanted ? `([^${escapeRegExp(tail)}${nl}]*)` : `[^${escapeRegExp(tail)}${nl}]*`;
      source += escapeRegExp(tail);
      if (wanted) groups.push(code);
    } else {
      // up to the first occurrence of the literal: any character but its first, or its first
      // where the rest does not follow; the loop cannot pass an occurrence, so there is one way
      // to match and none to backtrack into, and a field read past needs no capture
      const first = escapeRegExp(tail[0]!);
      const body = `[^${first}${nl}]*(?:${first}(?!${escapeRegExp(tail.slice(1))})[^${first}${nl}]*)*`;
      source += wanted ? `(${body})` : body;
      source += escapeRegExp(tail);
      if (wanted) groups.push(code);
    }
  }
  if (run) source += toLineEnd ? '\\r?\\n' : '[^\\n]*\\n';
  return { source, groups };
}

/** `text` as a regular expression's literal text, in a character class or out of one */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

// The parser's field codes: small integers, so that `setField` is one jump (the agent runs it in
// V8's interpreter, where a switch on strings compares case after case; docs/benchmarks.md)
const SKIP = 0;
const CLIENT = 1;
const METHOD = 2;
const URL = 3;
const REFERRER = 4;
const AGENT = 5;
const VHOST = 6;
const STATUS = 7;
const BYTES = 8;
const REQUEST = 9;
const DURATION_US = 10;
const DURATION_MS = 11;
const DURATION_S = 12;
// a status or bytes field the pattern matched as digits only (linePattern): read with `+`
const STATUS_DIGITS = 13;
const BYTES_DIGITS = 14;

const FIELD_CODES: Record<LogField, number> = {
  skip: SKIP, user: SKIP, time: SKIP, protocol: SKIP, client: CLIENT, method: METHOD, url: URL, referrer: REFERRER,
  agent: AGENT, vhost: VHOST, status: STATUS, bytes: BYTES, request: REQUEST, duration_us: DURATION_US,
  duration_ms: DURATION_MS, duration_s: DURATION_S,
};

function codeOf(field: LogField): number {
  return FIELD_CODES[field];
}

/** One parsed line; `status` 0 and `bytes` 0 when absent; durations in milliseconds, NaN when absent. */
export interface LogRecord {
  client: string;
  method: string;
  url: string;
  status: number;
  bytes: number;
  referrer: string;
  agent: string;
  vhost: string;
  durationMs: number;
}

/**
 * a record's "no duration", read from a constant: `Number.NaN` is a property, which V8's
 * interpreter reads into a new heap number each time (each line, when a record is cleared)
 */
const NO_DURATION = Number.NaN;

export function emptyRecord(): LogRecord {
  return { client: '', method: '', url: '', status: 0, bytes: 0, referrer: '', agent: '', vhost: '', durationMs: Number.NaN };
}

/** JSON-lines keys read, first found wins (nginx `escape=json` names, then common alternatives). */
const JSON_KEYS = {
  client: ['remote_addr', 'client', 'client_ip', 'ip'],
  method: ['request_method', 'method'],
  url: ['request_uri', 'uri', 'url', 'path'],
  request: ['request'],
  status: ['status', 'status_code'],
  bytes: ['body_bytes_sent', 'bytes_sent', 'bytes', 'size'],
  referrer: ['http_referer', 'referer', 'referrer'],
  agent: ['http_user_agent', 'user_agent', 'agent'],
  vhost: ['host', 'server_name', 'vhost'],
  durationS: ['request_time', 'duration'],
} as const;

const JSON_FIELDS: LogField[] = ['client', 'method', 'url', 'status', 'bytes', 'referrer', 'agent', 'vhost', 'duration_s'];

/** W3C field names (IIS's) → what they mean; others are read past */
const W3C_FIELDS: Record<string, LogField> = {
  date: 'time', time: 'time', 'cs-method': 'method', 'cs-uri-stem': 'url', 'cs-username': 'user', 'c-ip': 'client',
  'cs(user-agent)': 'agent', 'cs(referer)': 'referrer', 'cs(referrer)': 'referrer', 'sc-status': 'status',
  'time-taken': 'duration_ms', 'sc-bytes': 'bytes', 'cs-host': 'vhost', 'cs-version': 'protocol',
};

/** IIS's default field list, used until a `#Fields:` line says otherwise */
const W3C_DEFAULT_FIELDS: LogField[] = w3cFields('date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken');

function w3cFields(list: string): LogField[] {
  return list.trim().split(/\s+/).map((name) => W3C_FIELDS[name.toLowerCase()] ?? 'skip');
}

export type ParseResult = 'ok' | 'malformed' | 'comment';

/** Where parsed lines go (the web-log aggregate): each line's record, or the line when it does not match. */
export interface LogRecordSink {
  add(record: LogRecord): void;
  addMalformed(line: string): void;
}

/** Parses the lines of one log, in order (a W3C log's `#Fields:` lines change what follows). */
export class LogParser {
  private w3c: number[];

  constructor(readonly format: CompiledFormat) {
    this.w3c = [...format.codes];
  }

  /** Parses `line` into `out` (reused by the caller: no allocation per line beyond the substrings). */
  parse(line: string, out: LogRecord): ParseResult {
    if (this.format.kind !== 'w3c') return parseLogLine(this.format, line, out) ? 'ok' : 'malformed';
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) this.w3c = w3cFields(line.slice(8)).map(codeOf);
      return 'comment';
    }
    return parseW3cLine(this.w3c, line, out) ? 'ok' : 'malformed';
  }

  /** Parses `line` into `out` and hands it to `sink`: the record, or the line that does not match (a W3C comment: neither). */
  feed(line: string, out: LogRecord, sink: LogRecordSink): void {
    const result = this.parse(line, out);
    if (result === 'ok') sink.add(out);
    else if (result === 'malformed') sink.addMalformed(line);
  }

  /**
   * Parses a run of whole lines, each ended by '\n' (a CR right before it is not part of the line,
   * as LogFollower takes it off), into `sink` as `feed` would one line at a time. A text format is
   * matched along the run by its sticky `runPattern`, line after line: no string a line and no
   * call to find where it ends, in the agent's interpreter (S11, docs/benchmarks.md).
   */
  parseText(text: string, out: LogRecord, sink: LogRecordSink): void {
    const pattern = this.format.runPattern;
    const length = text.length;
    let at = 0;
    if (pattern === null) {
      while (at < length) {
        const end = lineEnd(text, at);
        this.feed(lineOf(text, at, end), out, sink);
        at = end + 1;
      }
      return;
    }
    const groups = this.format.groups;
    pattern.lastIndex = 0;
    while (at < length) {
      const match = pattern.exec(text);
      if (match === null) {
        const end = lineEnd(text, at);
        sink.addMalformed(lineOf(text, at, end));
        at = end + 1;
        pattern.lastIndex = at;
        continue;
      }
      const next = pattern.lastIndex;
      // cleared inline, as parseLogLine does (a call costs about as much in the interpreter)
      out.client = ''; out.method = ''; out.url = ''; out.status = 0; out.bytes = 0;
      out.referrer = ''; out.agent = ''; out.vhost = ''; out.durationMs = NO_DURATION;
      if (readGroups(groups, match, out)) sink.add(out);
      else sink.addMalformed(lineOf(text, at, next - 1));
      at = next;
    }
    // the last line's fields are views of `text`: they would keep the whole run alive until the next
    clearRecord(out);
  }
}

/** where the line starting at `at` ends (its '\n', or the end of a text that does not end with one) */
function lineEnd(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end < 0 ? text.length : end;
}

/** text[start, end) without a CR at its end, as LogFollower hands a line over */
function lineOf(text: string, start: number, end: number): string {
  return text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
}

function clearRecord(out: LogRecord): void {
  out.client = ''; out.method = ''; out.url = ''; out.status = 0; out.bytes = 0;
  out.referrer = ''; out.agent = ''; out.vhost = ''; out.durationMs = NO_DURATION;
}

function parseW3cLine(codes: readonly number[], line: string, out: LogRecord): boolean {
  clearRecord(out);
  let pos = 0;
  for (let i = 0; i < codes.length; i++) {
    let end = line.indexOf(' ', pos);
    if (end < 0) {
      if (i !== codes.length - 1) return false;
      end = line.length;
    }
    const code = codes[i]!;
    // W3C writes a space inside a value as '+' and an absent value as '-'
    if (code === AGENT || code === REFERRER) {
      const value = dash(line.slice(pos, end));
      if (code === AGENT) out.agent = value.replaceAll('+', ' ');
      else out.referrer = value;
    } else if (!setField(code, line, pos, end, out)) {
      return false;
    }
    pos = end + 1;
  }
  return out.status !== 0;
}

/**
 * Parses a line of a text or JSON format into `out`. Returns false for a line that does not
 * match the format: the caller counts and samples it. (A W3C log needs a LogParser.)
 */
export function parseLogLine(format: CompiledFormat, line: string, out: LogRecord): boolean {
  if (format.kind === 'json') {
    clearRecord(out);
    return parseJsonLine(line, out);
  }
  if (format.kind === 'w3c') return parseW3cLine(format.codes, line, out);
  // a text format: the record cleared inline, without clearRecord (in V8's interpreter, the
  // agent's --no-opt, a call costs about as much as the work of a field; docs/benchmarks.md)
  out.client = ''; out.method = ''; out.url = ''; out.status = 0; out.bytes = 0;
  out.referrer = ''; out.agent = ''; out.vhost = ''; out.durationMs = NO_DURATION;
  const match = (format.pattern as RegExp).exec(line);
  return match !== null && readGroups(format.groups, match, out);
}

/**
 * The captures of a text format's match into `out` (cleared by the caller); false when a field
 * holds what its kind refuses (a status outside 100–999, bytes that are not a number).
 */
function readGroups(groups: readonly number[], match: RegExpExecArray, out: LogRecord): boolean {
  for (let g = 0; g < groups.length; g++) {
    const code = groups[g]!;
    if (code === SKIP) continue;
    const value = match[g + 1]!;
    switch (code) {
      case CLIENT: out.client = value; break;
      case URL: out.url = value; break;
      case REFERRER: out.referrer = value === '-' ? '' : value; break;
      case AGENT: out.agent = value === '-' ? '' : value; break;
      case STATUS_DIGITS: {
        const n = +value;
        if (n < 100 || n > 999) return false;
        out.status = n;
        break;
      }
      case BYTES_DIGITS: if (value !== '-') out.bytes = +value; break;
      case STATUS: {
        // nearly always three digits: read inline; anything else as digits() reads it
        let n = -1;
        if (value.length === 3) {
          const a = value.charCodeAt(0) - 48;
          const b = value.charCodeAt(1) - 48;
          const c = value.charCodeAt(2) - 48;
          if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) n = a * 100 + b * 10 + c;
        } else {
          n = digits(value, 0, value.length);
        }
        if (n < 100 || n > 999) return false;
        out.status = n;
        break;
      }
      case BYTES: {
        if (value === '-') break;
        const length = value.length;
        if (length === 0 || length > 15) return false;
        let n = 0;
        for (let i = 0; i < length; i++) {
          const d = value.charCodeAt(i) - 48;
          if (d < 0 || d > 9) return false;
          n = n * 10 + d;
        }
        out.bytes = n;
        break;
      }
      case REQUEST: {
        // "GET /path?q HTTP/1.1" → method and url, as splitRequest (inline)
        const space = value.indexOf(' ');
        if (space < 0) break;
        out.method = value.slice(0, space);
        const second = value.lastIndexOf(' ');
        out.url = value.slice(space + 1, second > space ? second : value.length);
        break;
      }
      default: if (!setField(code, value, 0, value.length, out)) return false;
    }
  }
  return true;
}

function setField(code: number, line: string, start: number, end: number, out: LogRecord): boolean {
  switch (code) {
    case CLIENT: out.client = line.slice(start, end); return true;
    case METHOD: out.method = line.slice(start, end); return true;
    case URL: out.url = line.slice(start, end); return true;
    // '-' (absent) is read without a substring
    case REFERRER: out.referrer = isDash(line, start, end) ? '' : line.slice(start, end); return true;
    case AGENT: out.agent = isDash(line, start, end) ? '' : line.slice(start, end); return true;
    case VHOST: out.vhost = line.slice(start, end); return true;
    case STATUS: {
      const n = digits(line, start, end);
      if (n < 100 || n > 999) return false;
      out.status = n;
      return true;
    }
    case BYTES: {
      if (isDash(line, start, end)) return true;
      const n = digits(line, start, end);
      if (n < 0) return false;
      out.bytes = n;
      return true;
    }
    case REQUEST: return splitRequest(line, start, end, out);
    case DURATION_US: return duration(line.slice(start, end), 0.001, out);
    case DURATION_MS: return duration(line.slice(start, end), 1, out);
    case DURATION_S: return duration(line.slice(start, end), 1000, out);
    default: return true;
  }
}

function isDash(line: string, start: number, end: number): boolean {
  return end - start === 1 && line.charCodeAt(start) === 45; // '-'
}

/** "GET /path?q HTTP/1.1" → method and url; a request line of garbage (a TLS hello) keeps both empty */
function splitRequest(line: string, start: number, end: number, out: LogRecord): boolean {
  const space = line.indexOf(' ', start);
  if (space < 0 || space >= end) return true;
  out.method = line.slice(start, space);
  const second = line.lastIndexOf(' ', end - 1);
  out.url = line.slice(space + 1, second > space ? second : end);
  return true;
}

function duration(text: string, toMs: number, out: LogRecord): boolean {
  if (text === '-' || text === '') return true;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) return false;
  out.durationMs = n * toMs;
  return true;
}

function dash(text: string): string {
  return text === '-' ? '' : text;
}

/** the decimal integer in line[start, end), -1 when it is not one (or longer than 15 digits) */
function digits(line: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function parseJsonLine(line: string, out: LogRecord): boolean {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const get = (keys: readonly string[]): unknown => {
    for (const k of keys) if ((o as Record<string, unknown>)[k] !== undefined) return (o as Record<string, unknown>)[k];
    return undefined;
  };
  const text = (keys: readonly string[]): string => {
    const v = get(keys);
    return typeof v === 'string' ? dash(v) : typeof v === 'number' ? String(v) : '';
  };
  const status = Number(get(JSON_KEYS.status));
  if (!Number.isInteger(status) || status < 100 || status > 999) return false;
  out.status = status;
  out.client = text(JSON_KEYS.client);
  out.method = text(JSON_KEYS.method);
  out.url = text(JSON_KEYS.url);
  const request = text(JSON_KEYS.request);
  if (request && (!out.method || !out.url)) splitRequest(request, 0, request.length, out);
  const bytes = Number(get(JSON_KEYS.bytes) ?? 0);
  out.bytes = Number.isFinite(bytes) && bytes >= 0 ? bytes : 0;
  out.referrer = text(JSON_KEYS.referrer);
  out.agent = text(JSON_KEYS.agent);
  out.vhost = text(JSON_KEYS.vhost);
  const seconds = get(JSON_KEYS.durationS);
  if (typeof seconds === 'number' || typeof seconds === 'string') duration(String(seconds), 1000, out);
  return true;
}
