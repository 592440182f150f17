// Which top-level view the page shows, kept in the URL hash (`#view=alerts`, next to the
// dashboard's `#open=…`), so that a view can be bookmarked, reloaded and reached with the back
// button. Switching views pushes a history entry; the dashboard leaves `view` out of the hash.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { hashWithView, viewFromHash, type View } from './alerting-model.js';
import { hashWithOpenIds, openIdsFromHash } from './dashboard-url.js';
import { DEFAULT_COMPARE, hashWithCompare } from './compare-model.js';

function go(hash: string): void {
  history.pushState(null, '', `${location.pathname}${location.search}${hash}`);
  // pushState fires nothing: tell every hash reader (the dashboard's open panels too)
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export interface ViewNav {
  view: View;
  setView: (v: View) => void;
  /** the dashboard with this server's panel open (added to the ones already open) */
  openOnDashboard: (agentId: string) => void;
  /** the Compare screen with these servers (S10) */
  openCompare: (hosts: readonly string[]) => void;
}

export function useView(): ViewNav {
  const [view, setViewState] = useState<View>(() => viewFromHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setViewState(viewFromHash(location.hash));
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
  }, []);
  const setView = useCallback((v: View) => {
    if (v !== viewFromHash(location.hash)) go(hashWithView(location.hash, v));
    window.scrollTo(0, 0);
  }, []);
  const openOnDashboard = useCallback((agentId: string) => {
    const ids = openIdsFromHash(location.hash);
    go(hashWithOpenIds(hashWithView(location.hash, 'dashboard'), ids.includes(agentId) ? ids : [...ids, agentId]));
    window.scrollTo(0, 0);
  }, []);
  const openCompare = useCallback((hosts: readonly string[]) => {
    go(hashWithCompare(hashWithView(location.hash, 'compare'), { ...DEFAULT_COMPARE, hosts: [...hosts] }));
    window.scrollTo(0, 0);
  }, []);
  return { view, setView, openOnDashboard, openCompare };
}
