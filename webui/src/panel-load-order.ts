// Which open server panels load first (S9, S14: the dashboard's first render). A dashboard of 8
// panels shows two or three on screen; the others' detail and series requests (5 a panel) used
// to start together with theirs, queue on the browser's six connections and keep the appliance
// busy while the panels in view waited. Here a panel on screen (IntersectionObserver) loads at
// once; a panel off screen loads when it is scrolled to, or as soon as every panel on screen has
// had its first answers; so an operator scrolling down later still finds them drawn.

type Entry = { release: () => void; seen: boolean; released: boolean; counted: boolean };

const panels = new Map<Element, Entry>();
/** panels on screen whose first load has not ended */
let loadingOnScreen = 0;
let observer: IntersectionObserver | null | undefined;

function free(e: Entry, counted: boolean): void {
  if (e.released) return;
  e.released = true;
  e.counted = counted;
  if (counted) loadingOnScreen++;
  e.release();
}

/** Every panel whose place is known and still waits: nothing on screen is loading any more. */
function freeTheRest(): void {
  if (loadingOnScreen > 0) return;
  for (const e of panels.values()) if (e.seen) free(e, false);
}

function intersection(): IntersectionObserver | null {
  if (observer === undefined) {
    observer = typeof IntersectionObserver === 'function'
      ? new IntersectionObserver((entries) => {
          for (const x of entries) {
            const e = panels.get(x.target);
            if (!e) continue;
            e.seen = true;
            if (x.isIntersecting) free(e, true);
          }
          freeTheRest();
        })
      : null;
  }
  return observer;
}

/**
 * Asks for the panel at `el` to load: `release` is called once, when it may. Answers the function
 * to call when its first load has ended (or it closed), which lets the panels off screen go.
 */
export function awaitLoadTurn(el: Element, release: () => void): () => void {
  const io = intersection();
  const entry: Entry = { release, seen: false, released: false, counted: false };
  panels.set(el, entry);
  if (io) io.observe(el);
  else free(entry, false);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (entry.counted) loadingOnScreen--;
    entry.counted = false;
    panels.delete(el);
    io?.unobserve(el);
    freeTheRest();
  };
}
