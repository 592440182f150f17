// The bytes of uploaded files (S17) under <data>/files, one file per upload named by its id
// (0600). An upload is streamed to a temporary name with a running SHA-256 and byte count: past
// FILE_JOB_LIMITS.fileBytes, or past the room left for uploads, it is stopped there and removed,
// so a bound is enforced while the bytes arrive, never after they were all taken in.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statSync, type ReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RwError } from '../../contract/errors.js';
import { FILE_JOB_LIMITS } from '../../contract/file-jobs.js';

export interface StoredBytes {
  id: string;
  size: number;
  sha256: string;
}

export const newId = (): string => randomBytes(12).toString('base64url');

export class UploadStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
  }

  pathOf(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RwError('RW_ERR_NOT_FOUND', `no file ${id}`);
    return path.join(this.dir, id);
  }

  /**
   * Streams `body` to disk. `roomBytes`: what the uploads may still take; a body past it is
   * refused with RW_ERR_FILES_FULL, one past the file bound with RW_ERR_FILE_TOO_LARGE.
   */
  async write(body: Readable, roomBytes: number): Promise<StoredBytes> {
    const id = newId();
    const temp = path.join(this.dir, `.${id}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const limit = FILE_JOB_LIMITS.fileBytes;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) return done(new RwError('RW_ERR_FILE_TOO_LARGE', `the file is larger than ${limit} bytes (${limit / 1024 / 1024} MiB): upload stopped`));
        if (size > roomBytes) return done(new RwError('RW_ERR_FILES_FULL'));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // the request is piped in rather than put in the pipeline: a refusal stops reading it without
    // destroying its socket, so the answer (413, 507) still reaches the client
    body.pipe(count);
    try {
      await pipeline(count, createWriteStream(temp, { mode: 0o600, flags: 'wx' }));
      await rename(temp, path.join(this.dir, id));
    } catch (e) {
      body.unpipe(count);
      body.pause();
      await rm(temp, { force: true });
      throw e;
    }
    return { id, size, sha256: hash.digest('hex') };
  }

  open(id: string): ReadStream {
    return createReadStream(this.pathOf(id));
  }

  sizeOnDisk(id: string): number | null {
    try {
      return statSync(this.pathOf(id)).size;
    } catch {
      return null;
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }
}
