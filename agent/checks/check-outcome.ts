// What one run of an agent's check found (S5, S6, S16): its own module, because the runners
// (check-runners.ts) and the checks they run (quota-check.ts …) both use it.
import type { CheckState, Perfdatum } from '../../contract/checks.js';

/** What one run of a check found: the result's body, without its id and time. */
export interface CheckOutcome {
  state: CheckState;
  output: string;
  longOutput: string;
  perfdata: Perfdatum[];
  durationMs: number;
}
