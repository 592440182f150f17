// A synthetic Combined access log for the web-log accuracy test and benchmark (S11): a seeded
// pseudo-random mix in which URLs and visitors follow a Zipf-like law (a few pages and clients
// make most of the traffic, a long tail the rest), with real-looking statuses, sizes, referrers
// and user agents. The generator keeps its own exact counts, so a test compares the parser and
// sketches against a truth that does not come from them.
import { prng } from '../core/seeded-random.js';

export interface GeneratedTruth {
  lines: number;
  bytes: number;
  status: Map<number, number>;
  url: Map<string, number>;
  visitor: Map<string, number>;
}

const STATUSES: [number, number][] = [[200, 0.8], [304, 0.08], [404, 0.05], [301, 0.03], [500, 0.02], [503, 0.01], [206, 0.01]];
const METHODS: [string, number][] = [['GET', 0.9], ['POST', 0.08], ['HEAD', 0.02]];
const REFERRERS = ['-', '-', '-', 'https://www.google.com/search?q=rackwatch', 'https://www.naver.com/', 'https://search.daum.net/search?w=tot&q=x', 'https://example.com/blog/post-1'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/7.88.1',
];

/** a sampler of ranks 0..n-1 with P(rank) ∝ 1 / (rank + 1)^s, by inverting the cumulative sum */
export function zipf(n: number, s: number, next: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cumulative[i] = sum;
  }
  return () => {
    const x = next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function pick<T>(table: [T, number][], x: number): T {
  let acc = 0;
  for (const [value, p] of table) {
    acc += p;
    if (x < acc) return value;
  }
  return table[table.length - 1]![0];
}

export interface GenerateOptions {
  lines: number;
  seed?: number;
  urls?: number;
  visitors?: number;
  /** Unix seconds of the first line; one second passes every `linesPerSecond` lines */
  startS?: number;
  linesPerSecond?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clfTime(s: number): string {
  const d = new Date(s * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Yields Combined-format lines (no newline) and fills `truth` as it goes. */
export function* generateCombinedLog(opts: GenerateOptions, truth: GeneratedTruth): Generator<string> {
  const next = prng(opts.seed ?? 42);
  const url = zipf(opts.urls ?? 5000, 1.1, next);
  const visitor = zipf(opts.visitors ?? 50_000, 0.9, next);
  const start = opts.startS ?? 1_764_547_200;
  const perSecond = opts.linesPerSecond ?? 1000;
  let stamp = '';
  let stampS = -1;
  for (let i = 0; i < opts.lines; i++) {
    const s = start + Math.floor(i / perSecond);
    if (s !== stampS) {
      stampS = s;
      stamp = clfTime(s);
    }
    const v = visitor();
    const client = `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`;
    const u = url();
    const page = `/shop/item/${u}`;
    const query = next() < 0.2 ? `?ref=${Math.floor(next() * 100)}` : '';
    const status = pick(STATUSES, next());
    const bytes = status === 304 ? 0 : 200 + Math.floor(next() * 50_000);
    const method = pick(METHODS, next());
    const referrer = REFERRERS[Math.floor(next() * REFERRERS.length)]!;
    const agent = AGENTS[Math.floor(next() * AGENTS.length)]!;
    truth.lines++;
    truth.bytes += bytes;
    truth.status.set(status, (truth.status.get(status) ?? 0) + 1);
    truth.url.set(page, (truth.url.get(page) ?? 0) + 1);
    truth.visitor.set(client, (truth.visitor.get(client) ?? 0) + 1);
    yield `${client} - - [${stamp}] "${method} ${page}${query} HTTP/1.1" ${status} ${status === 304 ? '-' : bytes} "${referrer}" "${agent}"`;
  }
}

export function emptyTruth(): GeneratedTruth {
  return { lines: 0, bytes: 0, status: new Map(), url: new Map(), visitor: new Map() };
}

/** the k most counted keys of an exact count, most first, ties by key */
export function exactTop(counts: Map<string, number>, k: number): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
}
