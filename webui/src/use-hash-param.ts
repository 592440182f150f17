// One parameter of the page's hash (`#view=pools&pool=p-…`), read and set: a screen's selection
// kept in the URL, so that it can be bookmarked, reloaded and reached with the back button.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { hashParam, hashWith } from './weblog-model.js';

export function useHashParam(name: string): [string | null, (value: string | null) => void] {
  const [value, setValue] = useState(() => hashParam(location.hash, name));
  useEffect(() => {
    const on = (): void => setValue(hashParam(location.hash, name));
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, [name]);
  const set = useCallback((v: string | null) => {
    history.pushState(null, '', `${location.pathname}${location.search}${hashWith(location.hash, name, v)}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  }, [name]);
  return [value, set];
}
