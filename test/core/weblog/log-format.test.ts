// Access-log formats (S11): recorded lines of real Apache, nginx and IIS logs (test/fixtures/weblog)
// parse into the fields the web-log aggregate counts; a custom format is given in Apache's or
// nginx's own syntax; a bad format names its token; a line that does not match is refused, not
// guessed at.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { compileLogFormat, emptyRecord, LogFormatError, LogParser, type LogRecord } from '../../../core/weblog/log-format.js';
import { prng } from '../../../core/seeded-random.js';
import { repoRoot } from '../../helpers/paths.js';

function fixture(name: string): string[] {
  return readFileSync(path.join(repoRoot, 'test/fixtures/weblog', name), 'utf8').split('\n').filter((l) => l !== '');
}

function parseAll(format: string, lines: string[]): { records: LogRecord[]; malformed: string[]; comments: number } {
  const parser = new LogParser(compileLogFormat(format));
  const records: LogRecord[] = [];
  const malformed: string[] = [];
  let comments = 0;
  for (const line of lines) {
    const r = emptyRecord();
    const result = parser.parse(line, r);
    if (result === 'ok') records.push(r);
    else if (result === 'malformed') malformed.push(line);
    else comments++;
  }
  return { records, malformed, comments };
}

void t.test('Apache Combined: every recorded line parses, fields as written', (t) => {
  const lines = fixture('apache-combined.log');
  const { records, malformed } = parseAll('combined', lines);
  t.same(malformed, []);
  t.equal(records.length, lines.length);
  t.match(records[0], {
    client: '83.149.9.216', method: 'GET', url: '/presentations/logstash-monitorama-2013/images/kibana-search.png',
    status: 200, bytes: 203023, referrer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/',
  });
  t.match(records[0]?.agent, /^Mozilla\/5\.0 \(Macintosh.*Safari\/537\.36$/);
  const notFound = records.find((r) => r.status === 404);
  t.equal(notFound?.url, '/doc/index.html?org/elasticsearch/action/search/SearchResponse.html', 'the query string is kept by the parser');
  t.equal(records.find((r) => r.url === '/reset.css')?.agent, '', '"-" is no agent');
  t.ok(Number.isNaN(records[0]!.durationMs), 'Combined has no response time');
  t.end();
});

void t.test('the same lines in Common format stop after the byte count', (t) => {
  const { records, malformed } = parseAll('common', fixture('apache-combined.log').map((l) => l.replace(/ "[^"]*" "[^"]*"$/, '')));
  t.same(malformed, []);
  t.equal(records[1]?.bytes, 3638);
  t.equal(records[1]?.referrer, '');
  t.end();
});

void t.test('nginx: built-in combined, a custom log_format with $request_time, $host first, and JSON', (t) => {
  const combined = parseAll('nginx', fixture('nginx-combined.log'));
  t.same(combined.malformed, []);
  t.same(combined.records.map((r) => r.status), [200, 200, 404, 503, 301, 200, 200, 400, 404]);
  t.same(combined.records.map((r) => r.method), ['GET', 'GET', 'GET', 'POST', 'GET', 'GET', 'HEAD', '', 'GET'], 'a request line nginx could not parse has no method');
  t.equal(combined.records[8]?.agent, 'Mozilla/5.0 \\x22quoted\\x22 agent', 'nginx escapes a quote, so the line still splits right');
  t.equal(combined.records[8]?.url, '/%ED%95%9C%EA%B8%80');

  const timed = parseAll('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time', fixture('nginx-request-time.log'));
  t.same(timed.malformed, []);
  t.equal(timed.records[0]?.durationMs, 0, '$request_time is read (0.000 s)');
  t.ok(compileLogFormat('$remote_addr "$request" $status $request_time').has.has('duration_s'));

  const vhost = parseAll('$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"', fixture('nginx-vhost.log'));
  t.same(vhost.malformed, []);
  t.equal(vhost.records[4]?.vhost, 'shop.example');

  const json = parseAll('json', fixture('nginx-json.log'));
  t.same(json.malformed, []);
  t.same(json.records.map((r) => r.status), combined.records.map((r) => r.status), 'JSON lines give the same statuses as the combined log of the same requests');
  t.same(json.records.map((r) => r.url), combined.records.map((r) => r.url), 'and the same URLs (from "request")');
  t.equal(json.records[8]?.agent, 'Mozilla/5.0 "quoted" agent');
  t.equal(json.records[0]?.referrer, 'https://www.google.com/search?q=rack');
  t.end();
});

void t.test('Apache vhost_combined and a LogFormat with %D (microseconds)', (t) => {
  const { records, malformed } = parseAll('vcombined', ['www.example.com:443 203.0.113.9 - - [05/Dec/2026:10:00:00 +0900] "GET /a?b=1 HTTP/2.0" 200 512 "-" "curl/8.5.0"']);
  t.same(malformed, []);
  t.match(records[0], { vhost: 'www.example.com', client: '203.0.113.9', url: '/a?b=1', bytes: 512, agent: 'curl/8.5.0' });
  const timed = parseAll('%h %l %u %t \\"%r\\" %>s %b %D', ['203.0.113.9 - - [05/Dec/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 - 1534']);
  t.equal(timed.records[0]?.durationMs, 1.534, '%D is microseconds');
  t.equal(timed.records[0]?.bytes, 0, '%b writes "-" for no body');
  t.end();
});

void t.test('IIS W3C: the #Fields header decides, and may change mid-file', (t) => {
  const { records, malformed, comments } = parseAll('w3c', fixture('iis-w3c.log'));
  t.same(malformed, []);
  t.equal(comments, 8, 'header lines are neither records nor errors');
  t.equal(records.length, 4);
  t.match(records[0], { method: 'POST', url: '/member/LessonTrack.ashx', client: '172.69.69.207', status: 200, durationMs: 31, referrer: 'https://member.example.com/member/Lesson.aspx?id=125452789' });
  t.match(records[0]?.agent, /^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\)/, '"+" is a space');
  t.equal(records[2]?.referrer, '');
  t.match(records[3], { status: 500, bytes: 5120, durationMs: 4523 }, 'sc-bytes is read after the second header');
  t.end();
});

void t.test('lines that do not match are refused, never half-read', (t) => {
  const lines = [
    '',
    'not a log line at all',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" abc 3 "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 3 "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 99 3 "-" "-"',
    // the status and the bytes are digits only (the bytes may be '-'), at most 15 of them
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 12x "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 -1 "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200  "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 2e2 3 "-" "-"',
    `127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 ${'9'.repeat(16)} "-" "-"`,
  ];
  t.equal(parseAll('combined', lines).malformed.length, lines.length);
  t.equal(parseAll('json', ['{', '[]', '{"status":"x"}', 'null']).malformed.length, 4);
  t.equal(parseAll('w3c', ['2026-11-30 00:00:01 10.0.0.1 GET']).malformed.length, 1);
  t.end();
});

void t.test('a field ends at the first occurrence of the text after it: a line is not re-read another way to make it match', (t) => {
  // the request ends at its first `" `; read on to the next one, "2x0" would be part of it and
  // the rest would look like a whole line
  const tricky = '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 2x0 "x" 200 5 "-" "curl/8.5.0"';
  t.same(parseAll('combined', [tricky]).malformed, [tricky]);
  // a long line of spaces and words without its last quote is refused (the backtracking this
  // rules out would try every way to split it)
  const unended = `127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 5 "-" "${'a b '.repeat(10_000)}`;
  t.equal(parseAll('combined', [unended]).malformed.length, 1);
  t.end();
});

void t.test('a bad format names its token', (t) => {
  const bad: [string, string][] = [
    ['%h %Z', '%Z'],
    ['%h %{Referer', '%{Referer'],
    ['%h %', '%'],
    ['$remote_addr$status', '$status'],
    ['%h%>s', '%>s'],
    ['$ ', '$'],
    ['${host x', '${host'],
    ['', ''],
    ['just text', 'just text'],
  ];
  for (const [format, token] of bad) {
    try {
      compileLogFormat(format);
      t.fail(`"${format}" was accepted`);
    } catch (e) {
      t.ok(e instanceof LogFormatError, `"${format}" → LogFormatError`);
      t.equal((e as LogFormatError).token, token, `"${format}" names "${token}"`);
    }
  }
  t.throws(() => compileLogFormat('%h '.repeat(400)), LogFormatError, 'over 1,024 characters');
  t.doesNotThrow(() => compileLogFormat('$remote_addr [$time_local] "$request" $status $cookie_session'), 'unknown nginx variables are read past');
  t.end();
});

/** what a sink receives, in order: each record (copied) or the malformed line */
function sinkOf(): { got: (LogRecord | string)[]; add: (r: LogRecord) => void; addMalformed: (line: string) => void } {
  const got: (LogRecord | string)[] = [];
  return { got, add: (r) => got.push({ ...r }), addMalformed: (line) => got.push(line) };
}

void t.test('a run of lines parses as its lines one at a time, whatever the format and line endings (S11: the agent reads runs)', (t) => {
  const combined = fixture('apache-combined.log');
  const lines = [
    ...combined,
    ...fixture('nginx-combined.log'),
    '',
    'not a log line at all',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 99 3 "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 12x "-" "-"',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 2x0 "x" 200 5 "-" "curl/8.5.0"',
    // a field may not run on into the next line to find the text that ends it
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 5 "-" "unended',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET /unended HTTP/1.1',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 5 "-" "a CR\rinside" and after',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 5 "-" "a CR at the end"\r',
    '127.0.0.1 200 a last field to the end\r',
    '127.0.0.1 200',
    '127.0.0.1 999 1.5',
    '127.0.0.1 - - [05/Dec/2026:20:13:51 +0000] "GET / HTTP/1.1" 200 -',
    ...combined.map((l) => l.replace(/ "[^"]*" "[^"]*"$/, '')),
    'www.example.com:443 203.0.113.9 - - [05/Dec/2026:10:00:00 +0900] "GET /a?b=1 HTTP/2.0" 200 512 "-" "curl/8.5.0"',
  ];
  const formats = [
    'combined', 'common', 'nginx', 'vcombined',
    '%h %>s %{User-agent}i',
    '$remote_addr $status $request_time',
    '%h %l %u %t \\"%r\\" %>s %b',
    '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" and after',
    // a literal line break: no line matches it, one at a time or in a run
    '%h\\n%>s',
  ];
  for (const format of formats) {
    for (const ending of ['\n', '\r\n']) {
      const oneByOne = sinkOf();
      const byLine = new LogParser(compileLogFormat(format));
      // each line as LogFollower hands one over: without its '\n' and one CR before it
      for (const line of lines) byLine.feed((line + ending).slice(0, -1).replace(/\r$/, ''), emptyRecord(), oneByOne);
      const run = sinkOf();
      new LogParser(compileLogFormat(format)).parseText(lines.map((l) => l + ending).join(''), emptyRecord(), run);
      t.same(run.got, oneByOne.got, `${format}, lines ended by ${JSON.stringify(ending)}`);
    }
  }
  t.end();
});

void t.test('a run of JSON or W3C lines parses as its lines one at a time', (t) => {
  for (const [format, name] of [['json', 'nginx-json.log'], ['w3c', 'iis-w3c.log']] as const) {
    const lines = [...fixture(name), 'garbage'];
    const oneByOne = sinkOf();
    const byLine = new LogParser(compileLogFormat(format));
    for (const line of lines) byLine.feed(line, emptyRecord(), oneByOne);
    const run = sinkOf();
    new LogParser(compileLogFormat(format)).parseText(lines.map((l) => `${l}\r\n`).join(''), emptyRecord(), run);
    t.same(run.got, oneByOne.got, format);
    t.equal(run.got.filter((g) => typeof g === 'string').length, 1, `${format}: only the garbage line is malformed`);
  }
  t.end();
});

void t.test('a request is split into its method (to the first space) and URL (to the last), whatever it holds', (t) => {
  // what the parser has always made of a request field: nothing of either without a space
  const expected = (request: string): [string, string] => {
    const space = request.indexOf(' ');
    if (space < 0) return ['', ''];
    const last = request.lastIndexOf(' ');
    return [request.slice(0, space), request.slice(space + 1, last > space ? last : request.length)];
  };
  const random = prng(11);
  const letters = [' ', ' ', '"', 'G', 'E', '/', '?', '|', 'é'];
  const requests = ['GET / HTTP/1.1', 'GET /a b c HTTP/1.1', 'GET', 'GET ', ' ', '', '  ', 'GET  HTTP/1.1', 'GET /x ', '"GET" /"q" "H"'];
  for (let i = 0; i < 3000; i++) requests.push(Array.from({ length: Math.floor(random() * 14) }, () => letters[Math.floor(random() * letters.length)]).join(''));
  // the request ended by a literal of two characters (`" `) or of one (`|`)
  const formats: [string, (request: string) => string, string][] = [
    ['combined', (r) => `203.0.113.9 - - [05/Dec/2026:10:00:00 +0900] "${r}" 200 5 "-" "curl/8.5.0"`, '" '],
    ['%h %r|%>s', (r) => `203.0.113.9 ${r}|200`, '|'],
  ];
  let checked = 0;
  for (const [format, lineOf, tail] of formats) {
    const parser = new LogParser(compileLogFormat(format));
    for (const request of requests) {
      // a request holding its field's end is another line (the field ends at its first occurrence)
      if (request.includes(tail)) continue;
      const line = lineOf(request);
      const record = emptyRecord();
      const run = sinkOf();
      parser.parseText(`${line}\n`, emptyRecord(), run);
      if (parser.parse(line, record) !== 'ok' || run.got.length !== 1 || typeof run.got[0] === 'string') {
        t.fail(`${format}: ${JSON.stringify(request)} was refused`);
        continue;
      }
      const [method, url] = expected(request);
      if (record.method !== method || record.url !== url || (run.got[0] as LogRecord).method !== method || (run.got[0] as LogRecord).url !== url) {
        t.same([record.method, record.url], [method, url], `${format}: ${JSON.stringify(request)}`);
      }
      checked++;
    }
  }
  t.ok(checked > 3000, `${checked} requests split as expected`);
  t.end();
});
