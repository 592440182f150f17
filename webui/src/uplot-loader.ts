// uPlot fetched and evaluated on its own (S9, S14: no main-thread task over 50 ms). Imported with
// the page's other modules, its evaluation was a large part of the page's first task (the module
// graph is evaluated in one task: 66 ms on the CPU with 8 panels open, the first render's only
// task over 50 ms on a quiet machine), while a chart needs it only once its data has come, after
// the session, the server list and the series requests. Asked for when this module is evaluated,
// so it is fetched beside the page's first requests and evaluated in a task of its own.
import type uPlot from 'uplot';

export type UplotClass = typeof uPlot;

let loaded: UplotClass | null = null;
let pending: Promise<UplotClass> | null = null;

/** uPlot once it has loaded, else null (then `loadUplot` says when). */
export function uplotNow(): UplotClass | null {
  return loaded;
}

/** uPlot, fetched once; a failed fetch (a lost connection) is tried again at the next call. */
export function loadUplot(): Promise<UplotClass> {
  pending ??= import('uplot').then(
    (m) => (loaded = m.default),
    (e: unknown) => {
      pending = null;
      throw e;
    },
  );
  return pending;
}

loadUplot().catch(() => undefined);
