// What every component needs from the page: the language (with its translator and formatters),
// the shared live stream, and who is signed in with what their role allows (SEC). Passed through one Preact context instead of module globals, so a
// component can be rendered with any language and any stream.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { SessionResponse } from '../../contract/accounts-api.js';
import type { Permission } from '../../contract/permissions.js';
import type { Lang, Translate } from './i18n.js';
import type { Formatters } from './locale-format.js';
import type { LiveStream } from './live-stream.js';

export interface UiContextValue {
  lang: Lang;
  t: Translate;
  fmt: Formatters;
  stream: LiveStream;
  /** the signed-in user; null on the sign-in and setup screens */
  user: SessionResponse['user'];
  /**
   * Whether the user's role has a permission: a control whose request the appliance would refuse
   * (403) is not offered, and data the role may not read (phone numbers) is not asked for.
   */
  can: (permission: Permission) => boolean;
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
