// Distinct counting in fixed memory (S11: unique visitors per interval): HyperLogLog (Flajolet,
// Fusy, Gandouet, Meunier 2007) with the small-range correction (linear counting while many
// registers are empty). With 2^12 registers (4 KiB) the standard error is 1.04 / √4096 ≈ 1.6 %.
// The 32-bit hash saturates only far above any interval's visitors (~10^8 distinct).

const PRECISION = 12;
const REGISTERS = 1 << PRECISION;
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** code units addMany hashes from one copy (16 KiB) */
const UNIT_BUFFER = 8192;

export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(REGISTERS);

export class HyperLogLog {
  private readonly registers = new Uint8Array(REGISTERS);
  /** addMany's copy of its values' code units, and the same memory as bytes to write them into */
  private readonly units = new Uint16Array(UNIT_BUFFER);
  private readonly unitBytes = Buffer.from(this.units.buffer);

  add(value: string): void {
    const h = hash32(value);
    const index = h >>> (32 - PRECISION);
    // rank of the first 1 bit in the remaining bits (1-based), capped when they are all 0
    const rest = (h << PRECISION) | (1 << (PRECISION - 1));
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  /**
   * `add` for each of the first `n` of `values`, with the same hash: their UTF-16 code units copied
   * into one array (UNIT_BUFFER at a time) and read from it, where `hash32` calls `charCodeAt` for
   * each, which in V8's interpreter (the agent's --no-opt) is the cost of a hash (S11,
   * docs/benchmarks.md). A value longer than the buffer goes through `add`.
   */
  addMany(values: readonly string[], n: number): void {
    const units = this.units;
    const registers = this.registers;
    let k = 0;
    while (k < n) {
      let end = k;
      let length = 0;
      while (end < n && length + values[end]!.length <= UNIT_BUFFER) length += values[end++]!.length;
      if (end === k) {
        this.add(values[k++]!);
        continue;
      }
      this.unitBytes.write(values.slice(k, end).join(''), 0, 'utf16le');
      let at = 0;
      for (; k < end; k++) {
        const stop = at + values[k]!.length;
        let h = FNV_OFFSET;
        for (; at < stop; at++) {
          h ^= units[at]!;
          h = Math.imul(h, FNV_PRIME);
        }
        h = fmix32(h);
        const index = h >>> (32 - PRECISION);
        const rank = Math.clz32((h << PRECISION) | (1 << (PRECISION - 1))) + 1;
        if (rank > registers[index]!) registers[index] = rank;
      }
    }
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (ALPHA * REGISTERS * REGISTERS) / sum;
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }

  clear(): void {
    this.registers.fill(0);
  }
}

/** FNV-1a over UTF-16 code units, then MurmurHash3's finaliser so that every bit avalanches. */
export function hash32(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h) >>> 0;
}

/** MurmurHash3's finaliser (signed 32-bit in and out) */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
