// The page: header (view tabs, appliance health, live-stream state, modem, language), then the
// server list and the dashboard of open server panels, or one of the alerting views
// (components/alerting-screens.tsx). It is the UI's composition root: the only place that builds
// the live stream and the agents store, and that touches localStorage, navigator and the URL
// (the view's part of it through use-view.ts).
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { HealthResponse } from '../../contract/api.js';
import { apiUrl, getAgent, getHealth, listAgents } from './api-client.js';
import { AgentsStore } from './agents-store.js';
import type { AgentsSnapshot } from './agents-store.js';
import { hashWithOpenIds, openIdsFromHash } from './dashboard-url.js';
import { LANGS, LOCALE_OF, initialLang, rememberLang, translate } from './i18n.js';
import type { Lang, MessageKey, Params } from './i18n.js';
import { LiveStream } from './live-stream.js';
import type { StreamState } from './live-stream.js';
import { formattersFor } from './locale-format.js';
import { UiContext } from './ui-context.js';
import type { UiContextValue } from './ui-context.js';
import { ServerList } from './components/server-list.js';
import { ServerPanel } from './components/server-panel.js';
import { useModem, useOpenAlerts } from './alerting-state.js';
import { useView } from './use-view.js';
import { NavTabs } from './components/nav-tabs.js';
import { ModemIndicator } from './components/modem-indicator.js';
import { AlertingScreens } from './components/alerting-screens.js';

const STREAM_BANNER_DELAY_MS = 3_000;
/** Health is a summary for the header; the stream state already shows a lost appliance quickly. */
const HEALTH_POLL_MS = 30_000;

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

type Health = HealthResponse['status'] | 'unknown';

function useHealth(): Health {
  const [health, setHealth] = useState<Health>('unknown');
  useEffect(() => {
    let controller = new AbortController();
    const poll = (): void => {
      controller = new AbortController();
      getHealth(controller.signal)
        .then((h) => setHealth(h.status))
        .catch(() => {
          if (!controller.signal.aborted) setHealth('unknown');
        });
    };
    poll();
    const timer = setInterval(poll, HEALTH_POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, []);
  return health;
}

function useOpenIds(): [string[], (ids: string[]) => void] {
  const [ids, setIds] = useState(() => openIdsFromHash(location.hash));
  useEffect(() => {
    const onHash = (): void => setIds(openIdsFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const update = useCallback((next: string[]) => {
    setIds(next);
    // replace, not push: the back button should leave the page, not step through panel toggles
    history.replaceState(null, '', `${location.pathname}${location.search}${hashWithOpenIds(location.hash, next)}`);
  }, []);
  return [ids, update];
}

const STREAM_KEY: Record<StreamState, MessageKey> = {
  open: 'stream.open',
  connecting: 'stream.connecting',
  reconnecting: 'stream.reconnecting',
};

export function App() {
  const [lang, setLang] = useState<Lang>(() => initialLang(safeStorage(), navigator.language));
  const stream = useMemo(() => new LiveStream(apiUrl('/stream')), []);
  const store = useMemo(() => new AgentsStore({ listAgents, getAgent }, stream), [stream]);
  const [agents, setAgents] = useState<AgentsSnapshot>(store.current);
  const [streamState, setStreamState] = useState<StreamState>(stream.state);
  const [resync, setResync] = useState(0);
  const [openIds, setOpenIds] = useOpenIds();
  const health = useHealth();
  const nav = useView();
  const openAlerts = useOpenAlerts(stream);
  const modem = useModem(stream);

  useEffect(() => {
    const offs = [
      store.subscribe(() => setAgents(store.current)),
      stream.onState(setStreamState),
      stream.onResync(() => setResync((n) => n + 1)),
    ];
    store.start();
    stream.start();
    return () => {
      for (const off of offs) off();
      store.stop();
      stream.stop();
    };
  }, [store, stream]);

  // a blip (an appliance restart, a proxy timeout) reconnects within a second or two; only a
  // longer outage earns a banner
  const [streamDown, setStreamDown] = useState(false);
  useEffect(() => {
    if (streamState !== 'reconnecting') {
      setStreamDown(false);
      return undefined;
    }
    const timer = setTimeout(() => setStreamDown(true), STREAM_BANNER_DELAY_MS);
    return () => clearTimeout(timer);
  }, [streamState]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `rackwatch · ${translate(lang, 'app.subtitle')}`;
  }, [lang]);

  const ui = useMemo((): UiContextValue => {
    const t = (key: MessageKey, params?: Params): string => translate(lang, key, params);
    return { lang, t, fmt: formattersFor(LOCALE_OF[lang]), stream };
  }, [lang, stream]);
  const { t } = ui;

  const chooseLang = (l: Lang): void => {
    setLang(l);
    rememberLang(safeStorage(), l);
  };
  const toggle = (id: string): void => setOpenIds(openIds.includes(id) ? openIds.filter((x) => x !== id) : [...openIds, id]);
  const close = (id: string): void => setOpenIds(openIds.filter((x) => x !== id));
  const rowsById = useMemo(() => new Map(agents.rows.map((r) => [r.id, r])), [agents.rows]);
  // the last poll's answer says nothing while the appliance cannot be reached
  const shownHealth: Health = streamDown ? 'unknown' : health;
  const healthKey: MessageKey = shownHealth === 'ok' ? 'health.ok' : shownHealth === 'degraded' ? 'health.degraded' : 'health.unknown';

  return (
    <UiContext.Provider value={ui}>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span class="brand-name">rackwatch</span>
          <span class="brand-sub">{t('app.subtitle')}</span>
        </div>
        <NavTabs view={nav.view} onChange={nav.setView} openAlerts={openAlerts.data} />
        <div class="topbar-status">
          <span class={`pill pill-health-${shownHealth}`} data-testid="health" data-health={shownHealth}>
            {t(healthKey)}
          </span>
          <span class={`pill pill-stream-${streamState}`} data-testid="stream-state" data-state={streamState} role="status">
            {t(STREAM_KEY[streamState])}
          </span>
          <ModemIndicator modem={modem.data} onOpen={() => nav.setView('sms')} />
        </div>
        <div class="lang-switch" role="group" aria-label={t('lang.label')} data-testid="lang-switch">
          {LANGS.map((l) => (
            <button key={l} type="button" lang={l} aria-pressed={lang === l} data-testid={`lang-${l}`} onClick={() => chooseLang(l)}>
              {t(`lang.${l}` as const)}
            </button>
          ))}
        </div>
      </header>
      {streamDown && (
        <div class="banner" role="alert" data-testid="stream-banner">
          {t('stream.lost')}
        </div>
      )}
      {nav.view !== 'dashboard' ? (
        <AlertingScreens view={nav.view} agents={agents.rows} openAlerts={openAlerts} modem={modem} onOpenServer={nav.openOnDashboard} />
      ) : (
      <main class="layout">
        <aside class="sidebar">
          <ServerList agents={agents} openIds={openIds} onToggle={toggle} onRetry={() => store.reload()} />
        </aside>
        <section class="dashboard" data-testid="dashboard" aria-labelledby="dashboard-title">
          <div class="dash-head">
            <h2 id="dashboard-title">{t('dash.title')}</h2>
            {openIds.length > 0 && (
              <button type="button" class="button button-quiet" data-testid="close-all" onClick={() => setOpenIds([])}>
                {t('dash.closeAll')}
              </button>
            )}
          </div>
          {openIds.length === 0 ? (
            <p class="hint dash-empty">{t('dash.empty')}</p>
          ) : (
            <div class="panel-grid">
              {openIds.map((id) => (
                <ServerPanel key={id} agentId={id} row={rowsById.get(id)} resync={resync} onClose={close} />
              ))}
            </div>
          )}
        </section>
      </main>
      )}
    </UiContext.Provider>
  );
}
