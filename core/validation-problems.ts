// Validation problems as "path: message" lines (docs/conventions.md 6): what the API answers with
// (400 RW_ERR_VALIDATION), what a refused agent configuration or a dropped payload is logged as.
// One formatter for zod and zod/mini issues alike, so every problem reads the same everywhere.

/** A parse that either gives the value or says every problem as "path: message". */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The part of a zod (or zod/mini) issue the formatter reads. */
export interface ValidationIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

export interface ProblemWording {
  /** what an empty path is called: the whole body, payload or document (default '(body)') */
  root?: string;
  /** words the problem of an unrecognised key found at `path` (default "unknown setting") */
  unknownKey?: (path: string) => string;
}

/** One "path: message" line per issue; each unknown key is named by its own path. */
export function problemsOf(error: { readonly issues: readonly ValidationIssue[] }, wording: ProblemWording = {}): string[] {
  const root = wording.root ?? '(body)';
  const unknownKey = wording.unknownKey ?? (() => 'unknown setting');
  const out: string[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) out.push(`${at ? `${at}.${key}` : key}: ${unknownKey(at)}`);
    } else {
      out.push(`${at || root}: ${issue.message}`);
    }
  }
  return out;
}

/** The first problem only: for a dropped payload, where one reason is logged and counted. */
export function firstProblem(error: { readonly issues: readonly ValidationIssue[] }, wording: ProblemWording = {}): string {
  return problemsOf({ issues: error.issues.slice(0, 1) }, wording)[0] ?? 'invalid';
}
