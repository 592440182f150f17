// An MQTT fixed header (MQTT 3.1.1 §2.2) declaring any remaining length, for tests that send a
// packet's header without (all of) its body.

/** the type-and-flags byte `type`, then `length` as the remaining-length varint */
export function fixedHeader(type: number, length: number): Buffer {
  const out = [type];
  let n = length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
