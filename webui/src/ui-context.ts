// What every component needs from the page: the language (with its translator and formatters)
// and the shared live stream. Passed through one Preact context instead of module globals, so a
// component can be rendered with any language and any stream.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Lang, Translate } from './i18n.js';
import type { Formatters } from './locale-format.js';
import type { LiveStream } from './live-stream.js';

export interface UiContextValue {
  lang: Lang;
  t: Translate;
  fmt: Formatters;
  stream: LiveStream;
}

export const UiContext = createContext<UiContextValue | null>(null);

export function useUi(): UiContextValue {
  const v = useContext(UiContext);
  if (!v) throw new Error('useUi() outside <UiContext.Provider>');
  return v;
}

/** The current time, refreshed every `everyMs`: for "12 s ago" labels that must keep moving. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
