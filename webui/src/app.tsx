// The page: first the session (SEC): the first-start setup or the sign-in screen while nobody is
// signed in (components/auth-screens.tsx); then the header (view tabs, appliance health,
// live-stream state, modem, the user with sign-out, language), then the server list and the
// dashboard of open server panels, or one of the alerting views (components/alerting-screens.tsx)
// or the account views (components/account-screens.tsx). It is the UI's composition root: the only
// place that builds the live stream and the agents store, and that touches localStorage, navigator
// and the URL (the view's part of it through use-view.ts).
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { HealthResponse, PlannedRestart, SelfWatchCondition } from '../../contract/api.js';
import { builtInRuleName } from './builtin-rule-names.js';
import type { Alert } from '../../contract/alerts-api.js';
import type { SessionResponse } from '../../contract/accounts-api.js';
import type { Permission } from '../../contract/permissions.js';
import { apiUrl, getHealth, listAgentsWithLatest } from './api-client.js';
import { AgentsStore } from './agents-store.js';
import type { AgentsSnapshot } from './agents-store.js';
import { hashWithOpenIds, openIdsFromHash } from './dashboard-url.js';
import { LANGS, LOCALE_OF, initialLang, rememberLang, translate } from './i18n.js';
import type { Lang, MessageKey, Params } from './i18n.js';
import { LiveStream } from './live-stream.js';
import type { StreamRole, StreamState } from './live-stream.js';
import { browserTabSharing } from './tab-leadership.js';
import { formattersFor } from './locale-format.js';
import { UiContext, useUi } from './ui-context.js';
import type { UiContextValue } from './ui-context.js';
import { ServerList } from './components/server-list.js';
import { ServerPanel } from './components/server-panel.js';
import { useModem, useOpenAlerts } from './alerting-state.js';
import { useView } from './use-view.js';
import { useAuth } from './use-auth.js';
import { VIEW_PERMISSION } from './alerting-model.js';
import { NavTabs } from './components/nav-tabs.js';
import { ModemIndicator } from './components/modem-indicator.js';
import { isAccountView } from './alerting-model.js';
import { AuthScreens, UserMenu } from './components/auth-screens.js';
import { kioskFromSearch } from './components/kiosk-wall.js';
import { overviewRows } from './fleet-overview.js';
import { listGroups } from './alerting-api.js';
import { useResource } from './use-resource.js';
import { useSlicedCount } from './use-sliced-count.js';
import type { Group } from '../../contract/alerts-api.js';
import { ErrorBox } from './components/alerting-parts.js';
import { lazyScreen } from './components/lazy-screen.js';
// the kiosk stays in the first load while test/webui/walls.int.test.ts's kiosk step is
// unexplained (docs/benchmarks.md, "The web UI's size")
import { KioskScreen } from './components/kiosk-walls.js';

// every screen but the dashboard is a chunk of its own, fetched when first opened (lazy-screen.tsx)
const AlertingScreens = lazyScreen(() => import('./components/alerting-screens.js').then((m) => m.AlertingScreens));
const AccountScreens = lazyScreen(() => import('./components/account-screens.js').then((m) => m.AccountScreens));
const ChecksView = lazyScreen(() => import('./components/checks-view.js').then((m) => m.ChecksView));
const WallsView = lazyScreen(() => import('./components/walls-view.js').then((m) => m.WallsView));
const SchematicView = lazyScreen(() => import('./components/schematic-view.js').then((m) => m.SchematicView));
const StatsView = lazyScreen(() => import('./components/stats-view.js').then((m) => m.StatsView));
const CompareView = lazyScreen(() => import('./components/compare-view.js').then((m) => m.CompareView));
const ServersAdminView = lazyScreen(() => import('./components/servers-admin-view.js').then((m) => m.ServersAdminView));
const WeblogsView = lazyScreen(() => import('./components/weblogs-view.js').then((m) => m.WeblogsView));
const NoiseView = lazyScreen(() => import('./components/noise-view.js').then((m) => m.NoiseView));
const MaintenanceView = lazyScreen(() => import('./components/maintenance-view.js').then((m) => m.MaintenanceView));
const PoolsView = lazyScreen(() => import('./components/pools-view.js').then((m) => m.PoolsView));
const FilesView = lazyScreen(() => import('./components/files-view.js').then((m) => m.FilesView));

const STREAM_BANNER_DELAY_MS = 3_000;
/** Health is a summary for the header; the stream state already shows a lost appliance quickly. */
const HEALTH_POLL_MS = 30_000;
/** Group membership changes seldom and has no stream event of its own. */
const GROUPS_REFRESH_MS = 60_000;
const NO_ALERTS: readonly Alert[] = [];
const NO_GROUPS: readonly Group[] = [];

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

type Health = HealthResponse['status'] | 'unknown';

/** The header's summary of the health poll: the status, and the clock when it is unsynchronised (D1). */
interface HealthSummary {
  status: Health;
  /** the last known time when the appliance says its clock is unsynchronised, else null */
  clockUnsyncedSince: number | null | 'none';
  /** B4: what the appliance's self-watch finds wrong with itself, with the cause */
  selfWatch: SelfWatchCondition[];
  plannedRestart: PlannedRestart | null;
}

const UNKNOWN_HEALTH: HealthSummary = { status: 'unknown', clockUnsyncedSince: null, selfWatch: [], plannedRestart: null };

function useHealth(): HealthSummary {
  const [health, setHealth] = useState<HealthSummary>(UNKNOWN_HEALTH);
  useEffect(() => {
    let controller = new AbortController();
    const poll = (): void => {
      controller = new AbortController();
      getHealth(controller.signal)
        .then((h) => setHealth({
          status: h.status,
          clockUnsyncedSince: h.clock?.synchronised === false ? (h.clock.lastKnownMs ?? 'none') : null,
          selfWatch: h.selfWatch ?? [],
          plannedRestart: h.plannedRestart ?? null,
        }))
        .catch(() => {
          if (!controller.signal.aborted) setHealth(UNKNOWN_HEALTH);
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

/**
 * B4: the appliance's own findings (rrdcached restarting, the partition nearly full, the modem
 * unregistered …), each with its rule's name in the UI's language and the cause; and a planned
 * restart when one is announced. Collapsed to a count in the header, opened on a click or tap.
 */
function SelfWatchMark({ conditions, planned }: { conditions: SelfWatchCondition[]; planned: PlannedRestart | null }) {
  const { t, fmt, lang } = useUi();
  if (conditions.length === 0 && planned === null) return null;
  return (
    <details class="self-watch" data-testid="self-watch">
      <summary class="pill pill-self-watch">{t('selfWatch.summary', { n: String(conditions.length + (planned ? 1 : 0)) })}</summary>
      <ul>
        {conditions.map((c) => (
          <li key={c.rule} data-rule={c.rule} data-firing={String(c.firing)} title={c.detail}>
            <strong>{builtInRuleName(c.rule, lang)}</strong>
            {' '}{c.problem}{c.firing ? '' : ` (${t('selfWatch.pending')})`}
          </li>
        ))}
        {planned && <li data-testid="planned-restart">{t('selfWatch.plannedRestart', { until: fmt.dateTime(planned.untilMs), reason: planned.reason })}</li>}
      </ul>
    </details>
  );
}

/** D1: the appliance's clock is unsynchronised (no time server since a boot without a real-time clock). */
function ClockMark({ lastKnown }: { lastKnown: number | 'none' }) {
  const { t, fmt } = useUi();
  return (
    <span class="pill pill-clock-unsynced" data-testid="clock-unsynced" role="status"
      title={t('clock.unsyncedTitle', { last: lastKnown === 'none' ? '-' : fmt.dateTime(lastKnown) })}>
      {t('clock.unsynced')}
    </span>
  );
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

function LangSwitch({ onChoose }: { onChoose: (l: Lang) => void }) {
  const { lang, t } = useUi();
  return (
    <div class="lang-switch" role="group" aria-label={t('lang.label')} data-testid="lang-switch">
      {LANGS.map((l) => (
        <button key={l} type="button" lang={l} aria-pressed={lang === l} data-testid={`lang-${l}`} onClick={() => onChoose(l)}>
          {t(`lang.${l}` as const)}
        </button>
      ))}
    </div>
  );
}

function uiFor(lang: Lang, stream: LiveStream, user: SessionResponse['user']): UiContextValue {
  const t = (key: MessageKey, params?: Params): string => translate(lang, key, params);
  const allowed = new Set<Permission>(user?.permissions ?? []);
  return { lang, t, fmt: formattersFor(LOCALE_OF[lang]), stream, user, can: (p) => allowed.has(p) };
}

/** What a signed-in user sees: the header and the chosen view. */
function Views({ onChooseLang, onSignOut, onPasswordChanged }: { onChooseLang: (l: Lang) => void; onSignOut: () => void; onPasswordChanged: () => void }) {
  const { t, stream, can, user } = useUi();
  const store = useMemo(() => new AgentsStore({ listAgents: listAgentsWithLatest }, stream), [stream]);
  const [agents, setAgents] = useState<AgentsSnapshot>(store.current);
  const [streamState, setStreamState] = useState<StreamState>(stream.state);
  const [streamRole, setStreamRole] = useState<StreamRole>(stream.role);
  const streamScope = user ? `${user.username}:${user.role}` : null;
  const [resync, setResync] = useState(0);
  const [openIds, setOpenIds] = useOpenIds();
  const health = useHealth();
  const panelsShown = useSlicedCount(openIds.length);
  const nav = useView();
  const openAlerts = useOpenAlerts(stream);
  const modem = useModem(stream);
  const kiosk = useMemo(() => kioskFromSearch(location.search), []);
  // the server list's group column and filter, the kiosk's pages; a role without groups:read sees none
  const mayReadGroups = can('groups:read');
  const groups = useResource<Group[]>((signal) => (mayReadGroups ? listGroups(signal) : Promise.resolve([])), [mayReadGroups], { stream, events: ['agent'], refreshMs: GROUPS_REFRESH_MS });

  useEffect(() => {
    const offs = [
      store.subscribe(() => setAgents(store.current)),
      stream.onState(setStreamState),
      stream.onResync(() => setResync((n) => n + 1)),
      stream.onRole(setStreamRole),
    ];
    // the other tabs of this user share one connection (S9); see live-stream.ts
    stream.shareAs(streamScope);
    store.start();
    stream.start();
    return () => {
      for (const off of offs) off();
      store.stop();
      stream.stop();
    };
  }, [store, stream, streamScope]);

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

  const toggle = (id: string): void => setOpenIds(openIds.includes(id) ? openIds.filter((x) => x !== id) : [...openIds, id]);
  const close = (id: string): void => setOpenIds(openIds.filter((x) => x !== id));
  const rowsById = useMemo(() => new Map(agents.rows.map((r) => [r.id, r])), [agents.rows]);
  // the last poll's answer says nothing while the appliance cannot be reached
  const shownHealth: Health = streamDown ? 'unknown' : health.status;
  const healthKey: MessageKey = shownHealth === 'ok' ? 'health.ok' : shownHealth === 'degraded' ? 'health.degraded' : 'health.unknown';
  const view = nav.view;
  const alertList = openAlerts.data ?? NO_ALERTS;
  const groupList = groups.data ?? NO_GROUPS;

  if (kiosk.kiosk && can('agents:read')) {
    return (
      <>
        {streamDown && (
          <div class="banner" role="alert" data-testid="stream-banner">
            {t('stream.lost')}
          </div>
        )}
        <KioskScreen agents={agents.rows} openAlerts={alertList} groups={groupList} rotateS={kiosk.rotateS} resync={resync} />
      </>
    );
  }

  return (
    <>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span class="brand-name">rackwatch</span>
          <span class="brand-sub">{t('app.subtitle')}</span>
        </div>
        <NavTabs view={view} onChange={nav.setView} openAlerts={openAlerts.data} />
        <div class="topbar-status">
          <span class={`pill pill-health-${shownHealth}`} data-testid="health" data-health={shownHealth}>
            {t(healthKey)}
          </span>
          {!streamDown && health.clockUnsyncedSince !== null && <ClockMark lastKnown={health.clockUnsyncedSince} />}
          {!streamDown && <SelfWatchMark conditions={health.selfWatch} planned={health.plannedRestart} />}
          <span class={`pill pill-stream-${streamState}`} data-testid="stream-state" data-state={streamState} data-role={streamRole} role="status">
            {t(STREAM_KEY[streamState])}
          </span>
          <ModemIndicator modem={modem.data} onOpen={() => nav.setView('sms')} />
        </div>
        <UserMenu current={view === 'account'} onAccount={() => nav.setView('account')} onSignOut={onSignOut} />
        <LangSwitch onChoose={onChooseLang} />
      </header>
      {streamDown && (
        <div class="banner" role="alert" data-testid="stream-banner">
          {t('stream.lost')}
        </div>
      )}
      {!can(VIEW_PERMISSION[view]) ? (
        <main class="page">
          <p class="alert alert-error" role="alert" data-testid="not-allowed">
            {t('auth.notAllowed', { role: t(`role.${user?.role ?? 'viewer'}` as const) })}
          </p>
        </main>
      ) : isAccountView(view) ? (
        <AccountScreens view={view} onPasswordChanged={onPasswordChanged} />
      ) : view === 'checks' ? (
        <main class="page">
          <ChecksView agents={agents.rows} />
        </main>
      ) : view === 'stats' ? (
        <StatsView agents={agents.rows} />
      ) : view === 'compare' ? (
        <CompareView agents={agents.rows} />
      ) : view === 'weblogs' ? (
        <WeblogsView agents={agents.rows} />
      ) : view === 'pools' ? (
        <PoolsView />
      ) : view === 'noise' ? (
        <NoiseView />
      ) : view === 'maintenance' ? (
        <MaintenanceView agents={agents.rows} />
      ) : view === 'files' ? (
        <FilesView agents={agents.rows} />
      ) : view === 'walls' || view === 'schematic' ? (
        // S9, S21: each server's worst state colours its wall panels and schematic tile
        view === 'walls'
          ? <WallsView rows={overviewRows(agents.rows, alertList, groupList)} groups={groupList} resync={resync} onOpenServer={nav.openOnDashboard} />
          : <SchematicView rows={overviewRows(agents.rows, alertList, groupList)} groups={groupList} onOpenServer={nav.openOnDashboard} />
      ) : view === 'servers' ? (
        <ServersAdminView agents={agents.rows} onView={nav.setView} />
      ) : view !== 'dashboard' ? (
        <AlertingScreens view={view} agents={agents.rows} openAlerts={openAlerts} modem={modem} onOpenServer={nav.openOnDashboard} />
      ) : (
      <main class="layout">
        <div class="fleet-overview">
          <ServerList agents={agents} openAlerts={alertList} groups={groupList} openIds={openIds} onToggle={toggle} onRetry={() => store.reload()} />
        </div>
        <section class="dashboard" data-testid="dashboard" aria-labelledby="dashboard-title">
          <div class="dash-head">
            <h2 id="dashboard-title">{t('dash.title')}</h2>
            {openIds.length > 1 && can('series:read') && (
              <button type="button" class="button button-quiet" data-testid="compare-open"
                onClick={() => nav.openCompare(openIds.map((id) => rowsById.get(id)?.hostname ?? id))}>
                {t('compare.open')}
              </button>
            )}
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
              {openIds.slice(0, panelsShown).map((id) => (
                <ServerPanel key={id} agentId={id} row={rowsById.get(id)} agents={agents.rows} resync={resync} onClose={close} />
              ))}
            </div>
          )}
        </section>
      </main>
      )}
    </>
  );
}

export function App() {
  const [lang, setLang] = useState<Lang>(() => initialLang(safeStorage(), navigator.language));
  const stream = useMemo(() => new LiveStream(apiUrl('/stream'), undefined, browserTabSharing()), []);
  const auth = useAuth(stream);
  const user = auth.session?.user ?? null;

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `rackwatch · ${translate(lang, 'app.subtitle')}`;
  }, [lang]);

  // the sign-in screens have nobody's permissions; the views keep their user's while covered
  const outer = useMemo(() => uiFor(lang, stream, null), [lang, stream]);
  const inner = useMemo(() => uiFor(lang, stream, auth.viewsFor), [lang, stream, auth.viewsFor]);
  const chooseLang = (l: Lang): void => {
    setLang(l);
    rememberLang(safeStorage(), l);
  };
  const signingIn = auth.phase === 'ready' && user === null;

  return (
    <>
      <UiContext.Provider value={outer}>
        {auth.phase === 'loading' && (
          <p class="hint auth-loading" data-testid="app-loading">
            {outer.t('app.loading')}
          </p>
        )}
        {auth.phase === 'error' && (
          <main class="auth-page">
            <ErrorBox message={auth.error ?? ''} onRetry={auth.retry} />
          </main>
        )}
        {signingIn && auth.session && (
          <AuthScreens setupRequired={auth.session.setupRequired} notice={auth.notice} onSignedIn={auth.signedIn} langSwitch={<LangSwitch onChoose={chooseLang} />} />
        )}
      </UiContext.Provider>
      {auth.viewsFor !== null && (
        <UiContext.Provider value={inner}>
          <div class="app-views" hidden={signingIn} data-testid="app-views">
            <Views key={auth.viewsFor.username} onChooseLang={chooseLang} onSignOut={auth.signOut} onPasswordChanged={auth.passwordChanged} />
          </div>
        </UiContext.Provider>
      )}
    </>
  );
}
