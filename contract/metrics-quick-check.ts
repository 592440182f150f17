// The quick acceptance of the common metrics batch (samples, no snapshot), checked straight on
// what JSON.parse returned. It says "certainly valid" or "ask the schema": a batch it accepts is
// one that metricsBatchSchema and parseMetricsPayload's own checks accept too (a property test
// holds it to that, test/unit/metrics-quick-check.test.ts), and anything else, snapshots
// included, goes through the schema, which gives the reason. The schema copies every object
// it parses; at 10,000 agents (24,000 samples/s) that parse and its garbage were a seventh of
// the appliance's CPU (window profile of scripts/bench/ingest.ts).
import { APPLIANCE_FAMILIES, FAMILIES, METRICS_LIMITS, type Family } from './families.js';

type JsonObject = Record<string, unknown>;

function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIntIn(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max;
}

/** A family an agent may send (the appliance's own, such as checks' perfdata, go to the schema, which refuses them). */
function isFamily(x: unknown): x is Family {
  return typeof x === 'string' && Object.hasOwn(FAMILIES, x) && !APPLIANCE_FAMILIES.has(x);
}

function sampleIsValid(x: unknown, oldestS: number, newestS: number): boolean {
  if (!isObject(x)) return false;
  for (const key in x) {
    if (key !== 't' && key !== 'f' && key !== 'k' && key !== 'v' && key !== 'i') return false;
  }
  if (!isIntIn(x.t, Math.max(1, oldestS), newestS)) return false;
  const f = x.f;
  if (!isFamily(f)) return false;
  const def = FAMILIES[f];
  if (def.keyed) {
    const k = x.k;
    if (typeof k !== 'string' || k.length < 1 || k.length > METRICS_LIMITS.maxKeyLength) return false;
  } else if ('k' in x) {
    return false;
  }
  if ('i' in x && !isIntIn(x.i, METRICS_LIMITS.minIntervalS, METRICS_LIMITS.maxIntervalS)) return false;
  const v = x.v;
  if (!isObject(v)) return false;
  for (const field in v) {
    if (!Object.hasOwn(def.fields, field)) return false;
    const value = v[field];
    if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) return false;
  }
  return true;
}

/**
 * True when `json` is a metrics batch without a snapshot that passes every check of
 * parseMetricsPayload at `nowS`; false means "not decided here", never "invalid".
 */
export function isCertainlyValidBatch(json: unknown, nowS: number): boolean {
  if (!isObject(json)) return false;
  for (const key in json) {
    if (key !== 'v' && key !== 'i' && key !== 's') return false;
  }
  if (json.v !== 1 || !isIntIn(json.i, METRICS_LIMITS.minIntervalS, METRICS_LIMITS.maxIntervalS)) return false;
  const s = json.s;
  if (!Array.isArray(s) || s.length === 0 || s.length > METRICS_LIMITS.maxSamplesPerBatch) return false;
  const oldestS = nowS - METRICS_LIMITS.maxAgeS;
  const newestS = nowS + METRICS_LIMITS.maxFutureSkewS;
  for (const sample of s) if (!sampleIsValid(sample, oldestS, newestS)) return false;
  return true;
}
