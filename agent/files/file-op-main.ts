// Runs the file-action child (file-op-child.ts) from source, for tests; the shipped agent runs its
// own bundle with FILE_OP_FLAG instead.
import { fileOpChildMain } from './file-op-child.js';

process.exitCode = await fileOpChildMain();
