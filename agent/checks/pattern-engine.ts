// The patterns of the agent's checks (S5: a port check's expected reply, a process check's command
// line, a log check's patterns). A literal one (no RE2 metacharacter, at most `^` before and `$`
// after: `^220`, `^SSH-`, `Connected`; not `+OK` nor `SSH-2.0`) is matched with string operations, as RE2
// would match it; any other goes to RE2 (core/linear-pattern.ts), whose engine, re2js, is loaded
// the first time a check needs it: loaded and used it costs the agent ~2 MB of RSS
// (docs/benchmarks.md "The agent's footprint"), which most configurations, expecting banners,
// never need.
import type * as LinearPatterns from '../../core/linear-pattern.js';
import type { LinearPattern } from '../../core/linear-pattern.js';

/** RE2's metacharacters: a source with none of them (past the anchors) is a literal */
const META = /[\\.+*?()|[\]{}^$]/;

let compileRe2: typeof LinearPatterns.compileLinearPattern | null = null;

/**
 * The literal `source` as a pattern, or null when it is not one. RE2 without flags anchors `^`
 * and `$` at the text's start and end (not at lines), which is what these test.
 */
export function literalPattern(source: string): LinearPattern | null {
  const start = source.startsWith('^');
  const end = source.length > (start ? 1 : 0) && source.endsWith('$');
  const text = source.slice(start ? 1 : 0, end ? -1 : undefined);
  if (META.test(text)) return null;
  const test = start && end ? (s: string) => s === text
    : start ? (s: string) => s.startsWith(text)
      : end ? (s: string) => s.endsWith(text)
        : (s: string) => s.includes(text);
  return { source, test };
}

export function patternEngineLoaded(): boolean {
  return compileRe2 !== null;
}

export async function loadPatternEngine(): Promise<void> {
  compileRe2 ??= (await import('../../core/linear-pattern.js')).compileLinearPattern;
}

/** Compiles `source`: literal, or through RE2, which must have been loaded (loadPatternEngine). */
export function compilePattern(source: string): LinearPattern | { error: string } {
  const literal = literalPattern(source);
  if (literal) return literal;
  if (!compileRe2) throw new Error('the RE2 engine is not loaded (loadPatternEngine)');
  return compileRe2(source);
}
