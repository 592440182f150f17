// Where things are, for every test: the repository root, the built bundles and the fixtures.
// Tests name these instead of climbing '../..' from their own folder, so a test can move.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = path.join(repoRoot, 'dist');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
