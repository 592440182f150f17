// Number, size, rate and date formatting for one locale (Korean or English), for labels, tables
// and chart axes. Intl objects are built once per locale, each at its first use: building them is
// slow and charts call the formatters for every tick and every cursor move. The functions need no
// `this`, so views may pass them around detached.

export interface Formatters {
  locale: string;
  /** plain number with at most `maxFraction` fraction digits */
  number: (v: number, maxFraction?: number) => string;
  /** v in percent points (0…100), e.g. 42.5 → "42.5%" */
  percent: (v: number | null | undefined) => string;
  /** bytes in binary units (KiB, MiB…), as memory and filesystem tools print them */
  bytes: (v: number | null | undefined) => string;
  /** bits per second in decimal units (kbps, Mbps…), as network equipment is rated */
  bitsPerSec: (v: number | null | undefined) => string;
  /** absolute date and time of a unix-ms instant */
  dateTime: (ms: number) => string;
  /** "12 seconds ago" / "12초 전"; an instant ahead of `nowMs` (an agent's clock running fast) reads as now */
  relative: (ms: number, nowMs: number) => string;
  /** tick labels of a time axis; `incrS` is the tick spacing uPlot chose, in seconds */
  axisTime: (splitsS: number[], incrS: number) => string[];
}

const NONE = '–';
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const BIT_UNITS = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];

const cache = new Map<string, Formatters>();

export function formattersFor(locale: string): Formatters {
  const hit = cache.get(locale);
  if (hit) return hit;
  const made = makeFormatters(locale);
  cache.set(locale, made);
  return made;
}

/**
 * One Intl object, built on its first use or by `warm` (S9, S14): the page's first task built all
 * eleven of a locale at the app's first render, ~25 ms on the CPU of its 60 (the first number and
 * date formats load ICU's data for the locale, 5–35 ms each; the others take well under 1 ms).
 */
function lazy<T>(build: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= build());
}

/** Builds each group of Intl objects in a task of its own, one after the other. */
function warm(groups: readonly (readonly (() => unknown)[])[]): void {
  const [first, ...rest] = groups;
  if (!first) return;
  setTimeout(() => {
    for (const build of first) build();
    warm(rest);
  }, 0);
}

function makeFormatters(locale: string): Formatters {
  const numberFormats = [0, 1, 2, 3].map((d) => lazy(() => new Intl.NumberFormat(locale, { maximumFractionDigits: d })));
  const percentFormat = lazy(() => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }));
  const dateTimeFormat = lazy(() => new Intl.DateTimeFormat(locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }));
  const seconds = lazy(() => new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }));
  const minutes = lazy(() => new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
  const days = lazy(() => new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric' }));
  const months = lazy(() => new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short' }));
  const dayMinutes = lazy(() => new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
  const yearDays = lazy(() => new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'numeric', day: 'numeric' }));
  const rtf = lazy(() => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  // built soon, each group in a task of its own, rather than by the render that first needs one
  // (the server list's numbers, a panel's times): that render stays one render's work. The first
  // of each kind loads ICU's data (24–51 ms on the CPU for the first number format on this
  // machine, loaded): it goes alone
  const [first, ...otherNumbers] = numberFormats;
  warm([[first ?? percentFormat], [...otherNumbers, percentFormat], [rtf], [dateTimeFormat], [seconds, minutes, days, months, dayMinutes, yearDays]]);

  const number = (v: number, maxFraction = 1): string =>
    (numberFormats[Math.max(0, Math.min(3, maxFraction))] ?? numberFormats[0]!)().format(v);

  // three significant digits at most: "1.23 GiB", "12.3 GiB", "123 GiB"
  const scaled = (v: number, base: number, units: string[]): string => {
    let i = 0;
    let x = Math.abs(v);
    while (x >= base && i < units.length - 1) {
      x /= base;
      i++;
    }
    const digits = x >= 100 || i === 0 ? 0 : x >= 10 ? 1 : 2;
    return `${number(Math.sign(v) * x, digits)} ${units[i] ?? ''}`;
  };

  return {
    locale,
    number,
    percent: (v) => (v == null || !Number.isFinite(v) ? NONE : percentFormat().format(v / 100)),
    bytes: (v) => (v == null || !Number.isFinite(v) ? NONE : scaled(v, 1024, BYTE_UNITS)),
    bitsPerSec: (v) => (v == null || !Number.isFinite(v) ? NONE : scaled(v, 1000, BIT_UNITS)),
    dateTime: (ms) => dateTimeFormat().format(ms),
    relative: (ms, nowMs) => {
      const s = Math.min(0, Math.round((ms - nowMs) / 1000));
      const abs = Math.abs(s);
      if (abs < 5) return rtf().format(0, 'second');
      if (abs < 60) return rtf().format(s, 'second');
      if (abs < 3600) return rtf().format(Math.round(s / 60), 'minute');
      if (abs < 36 * 3600) return rtf().format(Math.round(s / 3600), 'hour');
      return rtf().format(Math.round(s / 86400), 'day');
    },
    axisTime: (splitsS, incrS) => {
      // the short form for the tick spacing; a longer one when the short one repeats ("00:00"
      // every midnight of a week, one month twice on a year's axis)
      const forms = incrS < 60 ? [seconds, dateTimeFormat] : incrS < 86400 ? [minutes, dayMinutes] : incrS < 28 * 86400 ? [days, yearDays] : [months, yearDays];
      return distinctLabels(splitsS, forms.map((f) => (t: number) => f().format(t * 1000)));
    },
  };
}

/** The first form whose labels of these ticks are all different (else the last form's). */
export function distinctLabels(ticks: readonly number[], forms: readonly ((t: number) => string)[]): string[] {
  let labels: string[] = [];
  for (const form of forms) {
    labels = ticks.map(form);
    if (new Set(labels).size === labels.length) return labels;
  }
  return labels;
}

/**
 * Tick increments for byte axes: round numbers of binary units, so that ticks read 20 GiB, 40 GiB
 * rather than the decimal steps uPlot picks by default (which print as 18.6 GiB, 37.3 GiB).
 */
export const BYTE_AXIS_INCREMENTS: number[] = (() => {
  const out: number[] = [];
  for (let k = 0; k <= 5; k++) for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) out.push(m * 1024 ** k);
  return out;
})();
