// Chart drawing work, sliced (S9, S14; the UI benchmark's "no main-thread task over 50 ms"): creating
// a uPlot and handing it new data cost a forced layout and a canvas draw each, and a dashboard of 8
// panels has 32 charts that all mount, or all receive a second's live samples, in one render. Run in
// that render's effects, they made one task of several hundred ms. Here each chart's pending work
// waits in a queue keyed by its element (later work replaces earlier: only the newest data is drawn),
// charts on screen are drawn first, one chart a task, and charts off screen only when the page is
// idle. One a task, not a time budget: uPlot draws in a microtask after the call that asked for it,
// so a budget measured around the call would miss the draw (10-40 ms a chart on this machine).
//
// Why not skip off-screen charts altogether: a scrolled-to panel would show an empty chart for a
// moment, and the kiosk's and tests' "every chart drawn" would never come; idle time is cheap.

/** Off-screen charts wait for idle time, but not longer than this on a page that never idles. */
const IDLE_TIMEOUT_MS = 1_000;

type Job = () => void;

const jobs = new Map<Element, Job>();
const onScreen = new Set<Element>();
let observer: IntersectionObserver | null | undefined;
let taskPosted = false;
let idlePosted = false;

function intersection(): IntersectionObserver | null {
  if (observer === undefined) {
    observer = typeof IntersectionObserver === 'function'
      ? new IntersectionObserver((entries) => {
          for (const e of entries) {
            if (e.isIntersecting) onScreen.add(e.target);
            else onScreen.delete(e.target);
          }
          pump();
        })
      : null;
  }
  return observer;
}

function isOnScreen(el: Element): boolean {
  // without IntersectionObserver every chart counts as on screen: drawn in slices, none deferred
  return observer === null || onScreen.has(el);
}

function runOne(el: Element): void {
  const job = jobs.get(el);
  jobs.delete(el);
  job?.();
}

function nextOnScreen(): Element | undefined {
  for (const el of jobs.keys()) if (isOnScreen(el)) return el;
  return undefined;
}

/** A message is a task of its own with no timer clamp (setTimeout(0) nests to 4 ms). */
const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null;
if (channel) channel.port1.onmessage = () => runOnScreen();

function postTask(): void {
  if (taskPosted) return;
  taskPosted = true;
  if (channel) channel.port2.postMessage(null);
  else setTimeout(runOnScreen, 0);
}

function postIdle(): void {
  if (idlePosted) return;
  idlePosted = true;
  if (typeof requestIdleCallback === 'function') requestIdleCallback(runIdle, { timeout: IDLE_TIMEOUT_MS });
  else setTimeout(runIdle, 50);
}

function runOnScreen(): void {
  taskPosted = false;
  const el = nextOnScreen();
  if (el) runOne(el);
  pump();
}

function runIdle(): void {
  idlePosted = false;
  const el = nextOnScreen() ?? jobs.keys().next().value;
  if (el) runOne(el);
  pump();
}

function pump(): void {
  if (jobs.size === 0) return;
  if (nextOnScreen()) postTask();
  else postIdle();
}

/** Runs `job` for the chart at `el` soon, replacing work still pending for it. */
export function scheduleChartWork(el: Element, job: Job): void {
  const io = intersection();
  if (io && !jobs.has(el)) io.observe(el);
  jobs.set(el, job);
  pump();
}

/** The chart at `el` is gone: its pending work is dropped. */
export function forgetChart(el: Element): void {
  jobs.delete(el);
  onScreen.delete(el);
  observer?.unobserve(el);
}
