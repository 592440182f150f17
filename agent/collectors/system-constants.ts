// The two kernel constants /proc numbers are expressed in: the page size (RSS in pages) and
// USER_HZ (CPU times in clock ticks). Node has no sysconf(); the kernel hands both to every
// process in its auxiliary vector, /proc/self/auxv (AT_PAGESZ, AT_CLKTCK), which costs one read
// and no child process (`getconf`). 64 KiB pages are common on ARM64 servers, so 4096 is not
// assumed; if auxv cannot be read, the usual values are.
import { readFileSync } from 'node:fs';

const AT_NULL = 0;
const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

export interface SystemConstants {
  pageSize: number;
  ticksPerSecond: number;
}

/** Parses an auxiliary vector (pairs of native words: type, value). */
export function parseAuxv(auxv: Buffer, wordBytes: 4 | 8, littleEndian: boolean): Partial<SystemConstants> {
  const found: Partial<SystemConstants> = {};
  const word = (offset: number): number => {
    if (wordBytes === 4) return littleEndian ? auxv.readUInt32LE(offset) : auxv.readUInt32BE(offset);
    return Number(littleEndian ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset));
  };
  for (let offset = 0; offset + 2 * wordBytes <= auxv.length; offset += 2 * wordBytes) {
    const type = word(offset);
    if (type === AT_NULL) break;
    if (type === AT_PAGESZ) found.pageSize = word(offset + wordBytes);
    if (type === AT_CLKTCK) found.ticksPerSecond = word(offset + wordBytes);
  }
  return found;
}

let cached: SystemConstants | null = null;

export function systemConstants(): SystemConstants {
  if (cached) return cached;
  let found: Partial<SystemConstants> = {};
  try {
    const wordBytes = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(process.arch) ? 8 : 4;
    found = parseAuxv(readFileSync('/proc/self/auxv'), wordBytes, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);
  } catch {
    // not Linux, or /proc not mounted: the defaults below
  }
  cached = {
    pageSize: found.pageSize && found.pageSize > 0 ? found.pageSize : 4096,
    ticksPerSecond: found.ticksPerSecond && found.ticksPerSecond > 0 ? found.ticksPerSecond : 100,
  };
  return cached;
}
