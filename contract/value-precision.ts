// How precisely an agent sends a value (D3). RRD files store doubles, but a rate or a percentage
// measured over a few seconds has nowhere near the 17 digits a double prints with: with 6
// significant digits (a relative error below 5 in a million) a payload is ~14 % smaller, and
// every step that turns its numbers into text or back (the agent's JSON, the appliance's
// JSON.parse and rrdcached update lines, rrdcached's strtod) has less to do. Whole numbers (sizes,
// byte and socket counts) are sent exactly.
export const VALUE_SIGNIFICANT_DIGITS = 6;

export function toSentPrecision(value: number): number {
  return Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(VALUE_SIGNIFICANT_DIGITS));
}

/** A sample's values at the precision they are sent with (a new object; unknowns stay null). */
export function valuesToSend(values: Readonly<Record<string, number | null>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const field in values) {
    const v = values[field];
    out[field] = v === null || v === undefined ? null : toSentPrecision(v);
  }
  return out;
}

/**
 * The same, in place: the agent's sampler rounds the samples its collectors hand over (fresh
 * objects at every call), with no copy of each sample per interval (S3: the agent's footprint).
 */
export function roundValuesInPlace(values: Record<string, number | null>): void {
  for (const field of Object.keys(values)) {
    const v = values[field];
    if (v === undefined) values[field] = null;
    else if (v !== null && !Number.isInteger(v)) values[field] = toSentPrecision(v);
  }
}
