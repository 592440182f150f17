// Screens fetched on first use (S4, S9, S10, S21; the first-load budget in docs/benchmarks.md):
// the dashboard is what most visits show, so the other screens (walls, schematic, statistics,
// compare, admin, alerting, accounts, checks) are separate chunks that the build emits
// (scripts/build.mjs, esbuild splitting) and the browser fetches when a screen is first opened.
// A chunk that cannot be fetched (the appliance restarted with a newer build, a lost connection)
// shows an error with a retry, like any failed request.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useUi } from '../ui-context.js';
import { errorReason } from '../api-client.js';
import { ErrorBox } from './alerting-parts.js';

export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  // shared by every mount: a screen opened twice is fetched once
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function LazyScreen(props: P) {
    const { t } = useUi();
    const [screen, setScreen] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<string | null>(null);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (screen) return undefined;
      let live = true;
      pending ??= load().then((c) => (loaded = c));
      pending.then(
        (c) => { if (live) setScreen(() => c); },
        (e: unknown) => {
          pending = null;
          if (live) setError(errorReason(e));
        },
      );
      return () => { live = false; };
    }, [attempt]);
    if (screen) {
      const Screen = screen;
      return <Screen {...props} />;
    }
    if (error !== null) {
      return (
        <main class="page">
          <ErrorBox message={error} onRetry={() => { setError(null); setAttempt((n) => n + 1); }} />
        </main>
      );
    }
    return <p class="hint screen-loading" data-testid="screen-loading">{t('app.loadingScreen')}</p>;
  };
}
