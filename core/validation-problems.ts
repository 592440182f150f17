// zod's issues as the "path: message" problems the API answers with (400 RW_ERR_VALIDATION,
// STYLE.md 6): one line per problem, an unknown key named by its own path.
import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** `unknownKey` words the problem of an unrecognised key at `path` (default: "unknown setting"). */
export function problemsOf(error: z.ZodError, unknownKey: (path: string) => string = () => 'unknown setting'): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${at ? `${at}.${key}` : key}: ${unknownKey(at)}`);
    } else {
      out.push(`${at || '(body)'}: ${issue.message}`);
    }
  }
  return out;
}
