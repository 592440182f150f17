import { statSync } from 'node:fs';

/** A file's size, 0 when it does not exist (a WAL between checkpoints). */
export function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
