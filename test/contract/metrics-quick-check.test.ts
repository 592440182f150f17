// The quick acceptance of metrics batches (contract/metrics-quick-check.ts) never accepts what
// the schema and parseMetricsPayload's checks refuse, returns the same data they would, and does
// accept the batches agents really send (else it would only add work).
import t from 'tap';
import fc from 'fast-check';
import { APPLIANCE_FAMILIES } from '../../contract/families.js';
import { checkMetricsBatch, FAMILIES, FAMILY_NAMES, familyFields, METRICS_LIMITS, parseMetricsPayload, type Family } from '../../contract/metrics.js';
import { isCertainlyValidBatch } from '../../contract/metrics-quick-check.js';
import { metricsBatch } from '../../scripts/loadgen.js';

const NOW = 1_800_000_000;
const L = METRICS_LIMITS;

// mostly valid parts, now and then something the contract refuses, so that batches near the
// edge of validity are common
const junk = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.double(), fc.constant(Number.POSITIVE_INFINITY));
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: invalid, weight: 1 });
const intAround = (min: number, max: number): fc.Arbitrary<unknown> =>
  mostly(fc.integer({ min, max }), fc.oneof(fc.integer({ min: min - 3, max: min - 1 }), fc.integer({ min: max + 1, max: max + 3 }), fc.double({ min, max }), junk));

// families the appliance writes itself (check, weblog) are refused in a batch: they stay in the
// mix, among the rare invalid draws, so that the quick path is still reached often
const agentFamilies = FAMILY_NAMES.filter((f) => !APPLIANCE_FAMILIES.has(f));
const family = mostly(fc.constantFrom(...agentFamilies), fc.constantFrom('bogus', 'toString', '__proto__', 'CPU', '', ...APPLIANCE_FAMILIES));
const values = (f: unknown): fc.Arbitrary<unknown> => {
  const names = FAMILY_NAMES.includes(f as Family) ? familyFields(f as Family) : ['user'];
  const field = mostly(fc.constantFrom(...names), fc.constantFrom('toString', 'constructor', 'bogus', '__proto__', '0'));
  const value = mostly(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), fc.integer()), junk);
  return mostly(fc.dictionary(field as fc.Arbitrary<string>, value, { maxKeys: 12 }), junk);
};
/** keeps `key` of an object with probability `p` (fast-check's optional keys are there half the time) */
const sometimes = (p: number): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: 999 }).map((n) => n < p * 1000);
const keepOnly = (o: Record<string, unknown>, keep: Record<string, boolean>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => keep[k] ?? true));
const sample = family.chain((f) => {
  const keyed = FAMILY_NAMES.includes(f as Family) && FAMILIES[f as Family].keyed;
  return fc.tuple(fc.record({
    t: intAround(NOW - L.maxAgeS, NOW + L.maxFutureSkewS),
    f: fc.constant(f),
    k: mostly(fc.string({ minLength: 1, maxLength: 12 }), fc.oneof(fc.constant(''), fc.string({ minLength: L.maxKeyLength - 1, maxLength: L.maxKeyLength + 2 }), junk)),
    v: values(f),
    i: intAround(L.minIntervalS, L.maxIntervalS),
    extra: junk,
  }), fc.record({ k: sometimes(keyed ? 0.97 : 0.03), i: sometimes(0.2), extra: sometimes(0.02) })).map(([o, keep]) => keepOnly(o, keep));
});
const batch = fc.tuple(fc.record({
  v: mostly(fc.constant(1), fc.oneof(fc.constant('1'), fc.constant(2), junk)),
  i: intAround(L.minIntervalS, L.maxIntervalS),
  s: mostly(fc.array(sample, { maxLength: 4 }), junk),
  x: mostly(fc.record({ t: fc.constant(NOW) }), junk),
  extra: junk,
}), fc.record({ x: sometimes(0.03), extra: sometimes(0.03) })).map(([o, keep]) => keepOnly(o, keep));

void t.test('whatever it accepts, the schema and the checks accept, with the same data', (t) => {
  let quick = 0;
  fc.assert(fc.property(fc.oneof(batch, junk), (x) => {
    if (!isCertainlyValidBatch(x, NOW)) return;
    quick++;
    const full = checkMetricsBatch(x, NOW);
    if (!full.ok) throw new Error(`accepted quickly, refused by the schema: ${full.reason}`);
    t.same(full.value, x);
  }), { numRuns: 20_000 });
  // the generator must reach the quick path often, or the property says little
  t.ok(quick > 1000, `${quick} of 20,000 generated batches were accepted quickly`);
  t.end();
});

void t.test('the batches agents send are accepted quickly, and a refused one still gets the schema\'s reason', (t) => {
  for (const agent of [0, 1, 7]) {
    const b = metricsBatch(agent, NOW - 5, 5);
    t.ok(isCertainlyValidBatch(JSON.parse(JSON.stringify(b)), NOW), `load-generator agent ${agent}'s full sample`);
  }
  const stale = metricsBatch(0, NOW - L.maxAgeS - 60, 5);
  t.equal(isCertainlyValidBatch(JSON.parse(JSON.stringify(stale)), NOW), false);
  t.match(parseMetricsPayload(Buffer.from(JSON.stringify(stale)), NOW), { ok: false, reason: /is older than/ });
  const unknownField = { v: 1, i: 5, s: [{ t: NOW, f: 'load', v: { load1: 1, toString: 2 } }] };
  t.match(parseMetricsPayload(Buffer.from(JSON.stringify(unknownField)), NOW), { ok: false, reason: 's.0.v.toString: unknown field of family load' },
    'an inherited property name is no field (the full check used `in` before)');
  t.end();
});
