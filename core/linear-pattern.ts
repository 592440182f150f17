// Regular expressions from operators (a log check's patterns, a port check's expected reply, a
// process check's command line, a probe's body text; S5) run in linear time: RE2's syntax and
// guarantees through re2js, a pure-JavaScript port of RE2 (no native build for the board). A
// JavaScript RegExp such as (a+)+b takes tens of seconds on 28 characters; RE2 refuses the
// features that make that possible (backreferences, lookaround) at compile time instead.
import { RE2JS } from 're2js';

export interface LinearPattern {
  readonly source: string;
  /** true when the pattern matches somewhere in `text` */
  test(text: string): boolean;
}

/** Compiles `source` (RE2 syntax; `(?i)` for case-insensitive), or says why it cannot. */
export function compileLinearPattern(source: string): LinearPattern | { error: string } {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (e) {
    return { error: `not a pattern this appliance runs (RE2 syntax: no backreferences or lookaround): ${(e as Error).message}` };
  }
  return { source, test: (text) => compiled.matcher(text).find() };
}
