// The fuzzing helpers (RES): how many cases a fuzz test runs, and mutation arbitraries that take a
// corpus of real inputs (payloads agents send, AT transcripts, PDUs from the fixtures) and damage
// them the way a bad link, a buggy agent or an attacker would: flipped bits, bytes replaced by
// boundary values, bytes inserted, deleted or duplicated, the input cut short or spliced with
// another. fast-check shrinks a failing case to a minimal input, which becomes a regression test.
//
// In CI each fuzz test runs its `ciRuns` (the whole set adds < 30 s to the suite); `npm run fuzz`
// sets FUZZ_RUNS for a long run (docs/development.md#fuzzing). FUZZ_SEED replays a run.
import fc from 'fast-check';

/** The number of cases: FUZZ_RUNS when set (a long run), else the CI default. */
export function fuzzRuns(ciRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : ciRuns;
}

/** fast-check parameters: the run count, and FUZZ_SEED to replay a failure. */
export function fuzzParams(ciRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(ciRuns), ...(Number.isInteger(seed) ? { seed } : {}) };
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x1a, 0x1b, 0x22, 0x2c, 0x30, 0x3e, 0x5c, 0x7b, 0x7d];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; other: number };

const position = fc.nat({ max: 1_000_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }) }),
  // a long run of digits: numbers past 2^53, counts and lengths nobody expects
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(fc.integer({ min: 0x30, max: 0x39 }), { minLength: 1, maxLength: 24 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('splice' as const), at: position, other: fc.nat() }),
);

function apply(input: Uint8Array, m: Mutation, corpus: readonly Uint8Array[]): Uint8Array {
  const b = [...input];
  const at = b.length === 0 ? 0 : m.at % (b.length + 1);
  switch (m.kind) {
    case 'flip':
      if (at < b.length) b[at] = (b[at] ?? 0) ^ (1 << m.bit);
      break;
    case 'set':
      if (at < b.length) b[at] = m.byte;
      break;
    case 'insert':
      b.splice(at, 0, ...m.bytes);
      break;
    case 'delete':
      b.splice(at, m.length);
      break;
    case 'duplicate':
      b.splice(at, 0, ...b.slice(at, at + m.length));
      break;
    case 'truncate':
      b.length = at;
      break;
    case 'splice': {
      const other = corpus[m.other % corpus.length] ?? new Uint8Array();
      return Uint8Array.from([...b.slice(0, at), ...other.slice(at)]);
    }
  }
  return Uint8Array.from(b);
}

/** A corpus input with 1–`maxMutations` mutations (and, now and then, none: the corpus itself must pass). */
export function mutatedBytes(corpus: readonly Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  if (corpus.length === 0) throw new Error('mutatedBytes needs a corpus');
  return fc.tuple(fc.nat({ max: corpus.length - 1 }), fc.array(mutation, { minLength: 0, maxLength: maxMutations }))
    .map(([i, ms]) => ms.reduce((acc, m) => apply(acc, m, corpus), corpus[i] as Uint8Array));
}

/** The same over text (latin1: one char per byte), for line- and hex-based inputs. */
export function mutatedText(corpus: readonly string[], maxMutations = 4): fc.Arbitrary<string> {
  return mutatedBytes(corpus.map((s) => Buffer.from(s, 'latin1')), maxMutations).map((b) => Buffer.from(b).toString('latin1'));
}

/** Hex strings (PDUs) damaged nibble by nibble as well as byte by byte: the result may have odd length or non-hex characters. */
export function mutatedHex(corpus: readonly string[], maxMutations = 4): fc.Arbitrary<string> {
  const nibble = fc.tuple(fc.nat(), fc.constantFrom(...'0123456789ABCDEFabcdefgG \n'));
  const byNibble = fc.tuple(fc.nat({ max: corpus.length - 1 }), fc.array(nibble, { minLength: 1, maxLength: maxMutations })).map(([i, ns]) => {
    const chars = [...(corpus[i] ?? '')];
    for (const [at, c] of ns) if (chars.length > 0) chars[at % chars.length] = c;
    return chars.join('');
  });
  return fc.oneof(byNibble, mutatedText(corpus, maxMutations));
}
