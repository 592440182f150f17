// The Walls screen (S9): the saved walls as a list; one wall on a grid that fills the rest of the
// window (`#view=walls&wall=<name>`: shared by its name, its servers named by host name); the
// editor that picks servers (one by one or a group at a time) and metric families, the range and
// the columns. Operators and admins save walls (dashboards:write); every role opens them.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Group } from '../../../contract/alerts-api.js';
import type { Wall } from '../../../contract/walls-api.js';
import { WALL_FAMILIES, WALL_LIMITS, WALL_RANGES, type WallFamily, type WallRange } from '../../../contract/walls-limits.js';
import { errorReason } from '../api-client.js';
import type { OverviewRow } from '../fleet-overview.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { deleteWall, listWalls, saveWall } from '../walls-client.js';
import { choiceOf, findWall, hashOfWall, hostsOfGroup, kioskUrlOf, panelsOf, rowOfHost, wallAddressFromHash, type WallAddress } from '../walls-model.js';
import { Card, ErrorBox, GroupOptions } from './alerting-parts.js';
import { WallGrid } from './wall-grid.js';

function go(a: Partial<WallAddress>): void {
  history.pushState(null, '', `${location.pathname}${location.search}${hashOfWall(a)}`);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function useWallAddress(): WallAddress {
  const [a, setA] = useState(() => wallAddressFromHash(location.hash));
  useEffect(() => {
    const on = (): void => setA(wallAddressFromHash(location.hash));
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return a;
}

/** The page's address without its hash and query: where a kiosk link points. */
function pageBase(): string {
  return `${location.origin}${location.pathname}`;
}

/** The bar of the open wall and its grid, sized to the window under the page header. */
function WallScreen({ wall, rows, resync, onOpenServer }: { wall: Wall; rows: readonly OverviewRow[]; resync: number; onOpenServer: (id: string) => void }) {
  const { t, can } = useUi();
  const page = useRef<HTMLElement>(null);
  // the page header wraps onto two lines on narrower screens: the wall takes what is left below it
  const [height, setHeight] = useState<number | null>(null);
  useEffect(() => {
    const measure = (): void => {
      const top = (page.current?.getBoundingClientRect().top ?? 0) + window.scrollY;
      setHeight(Math.max(240, window.innerHeight - top));
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  return (
    <main class="wall-page" ref={page} data-testid="wall-screen" data-wall={wall.name} style={height === null ? undefined : { height: `${height}px` }}>
      <div class="wall-bar">
        <button type="button" class="button button-quiet" data-testid="wall-back" onClick={() => go({})}>← {t('wall.back')}</button>
        <h2 data-testid="wall-title">{wall.name}</h2>
        <span class="hint">{t(`range.${wall.range}` as const)}</span>
        {can('dashboards:write') && <button type="button" class="button" data-testid="wall-edit" onClick={() => go({ wall: wall.name, edit: true })}>{t('wall.edit')}</button>}
        <a class="button" href={kioskUrlOf(pageBase(), wall.name)} target="_blank" rel="noopener" title={t('wall.kioskTitle')} data-testid="wall-kiosk-link">{t('wall.kiosk')}</a>
      </div>
      <WallGrid wall={wall} rows={rows} resync={resync} onOpen={onOpenServer} />
    </main>
  );
}

function WallEditor({ wall, rows, groups, onSaved }: { wall: Wall | null; rows: readonly OverviewRow[]; groups: readonly Group[]; onSaved: (w: Wall) => void }) {
  const { t, fmt } = useUi();
  const start = choiceOf(wall?.panels ?? []);
  const [name, setName] = useState(wall?.name ?? '');
  const [range, setRange] = useState<WallRange>(wall?.range ?? 'live');
  const [columns, setColumns] = useState<number | null>(wall?.columns ?? null);
  const [hosts, setHosts] = useState<string[]>(start.hosts);
  const [families, setFamilies] = useState<WallFamily[]>(wall ? start.families : ['cpu']);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const panels = panelsOf(hosts, families);
  const problem = panels.length === 0 ? t('wall.pickSome') : panels.length > WALL_LIMITS.panels ? t('wall.tooMany', { n: WALL_LIMITS.panels }) : null;
  const toggleHost = (h: string, on: boolean): void => setHosts(on ? [...hosts, h] : hosts.filter((x) => x !== h));
  const save = (): void => {
    setSaving(true);
    setError(null);
    saveWall({ name, range, columns, panels }, wall?.id ?? null)
      .then(onSaved)
      .catch((e: unknown) => setError(errorReason(e)))
      .finally(() => setSaving(false));
  };
  return (
    <main class="page">
      <Card title={wall ? `${t('wall.edit')}: ${wall.name}` : t('wall.new')} testId="wall-editor">
        <form class="form-grid wall-form" onSubmit={(e) => { e.preventDefault(); if (!problem) save(); }}>
          <label class="field field-label">
            <span class="field-name">{t('wall.name')}</span>
            <input type="text" value={name} maxLength={WALL_LIMITS.nameChars} required data-testid="wall-name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field field-label">
            <span class="field-name">{t('wall.range')}</span>
            <select value={range} data-testid="wall-range" onChange={(e) => setRange((e.target as HTMLSelectElement).value as WallRange)}>
              {WALL_RANGES.map((r) => <option key={r} value={r}>{t(`range.${r}` as const)}</option>)}
            </select>
          </label>
          <label class="field field-label">
            <span class="field-name">{t('wall.columns')}</span>
            <select value={columns === null ? '' : String(columns)} data-testid="wall-columns" onChange={(e) => { const v = (e.target as HTMLSelectElement).value; setColumns(v === '' ? null : Number(v)); }}>
              <option value="">{t('wall.columnsAuto')}</option>
              {Array.from({ length: WALL_LIMITS.maxColumns }, (_, i) => i + 1).map((n) => <option key={n} value={String(n)}>{fmt.number(n, 0)}</option>)}
            </select>
          </label>
          <fieldset class="field-wide" data-testid="wall-families">
            <legend>{t('wall.families')}</legend>
            {WALL_FAMILIES.map((f) => (
              <label key={f} class="check-label">
                <input type="checkbox" checked={families.includes(f)} data-testid={`wall-family-${f}`}
                  onChange={(e) => setFamilies((e.target as HTMLInputElement).checked ? [...families, f] : families.filter((x) => x !== f))} />
                {t(`wfam.${f}` as const)}
              </label>
            ))}
          </fieldset>
          <fieldset class="field-wide" data-testid="wall-servers">
            <legend>{t('wall.servers')}</legend>
            <div class="check-grid">
              {rows.map((r) => (
                <label key={r.id} class="check-label">
                  <input type="checkbox" checked={hosts.includes(r.hostname)} data-testid={`wall-server-${r.hostname}`} onChange={(e) => toggleHost(r.hostname, (e.target as HTMLInputElement).checked)} />
                  {r.hostname}
                </label>
              ))}
              {/* a server removed since the wall was saved: shown so it can be taken off (the appliance refuses unknown hosts) */}
              {hosts.filter((h) => !rowOfHost(rows, h)).map((h) => (
                <label key={`gone:${h}`} class="check-label">
                  <input type="checkbox" checked data-testid={`wall-server-${h}`} onChange={() => toggleHost(h, false)} />
                  <s title={t('wall.noServer', { host: h })}>{h}</s>
                </label>
              ))}
            </div>
            <select data-testid="wall-group" value="" aria-label={t('wall.addGroup')}
              onChange={(e) => {
                const g = groups.find((x) => x.id === (e.target as HTMLSelectElement).value);
                if (g) setHosts([...new Set([...hosts, ...hostsOfGroup(g, rows)])]);
              }}>
              <option value="">{t('wall.groupNone')}</option>
              <GroupOptions groups={groups} />
            </select>
          </fieldset>
          <p class="hint field-wide" data-testid="wall-count">{t('wall.count', { panels: fmt.number(panels.length, 0), servers: fmt.number(hosts.length, 0), families: fmt.number(families.length, 0) })}</p>
          {(problem ?? error) && <p class="alert alert-error field-wide" role="alert" data-testid="wall-error">{error ?? problem}</p>}
          <div class="field">
            <button type="submit" class="button button-primary" disabled={saving || problem !== null} data-testid="wall-save">{saving ? t('wall.saving') : t('wall.save')}</button>
            <button type="button" class="button button-quiet" onClick={() => go(wall ? { wall: wall.name } : {})}>{t('wall.cancel')}</button>
          </div>
        </form>
      </Card>
    </main>
  );
}

function WallList({ walls, onChanged }: { walls: readonly Wall[]; onChanged: () => void }) {
  const { t, fmt, can } = useUi();
  const [error, setError] = useState<string | null>(null);
  const writable = can('dashboards:write');
  const remove = (w: Wall): void => {
    if (!window.confirm(t('wall.confirmDelete', { name: w.name }))) return;
    deleteWall(w.id).then(onChanged).catch((e: unknown) => setError(errorReason(e)));
  };
  return (
    <main class="page" data-testid="walls-view">
      <Card title={t('wall.title')} testId="wall-list"
        actions={writable && <button type="button" class="button button-primary" data-testid="wall-new" onClick={() => go({ create: true })}>{t('wall.new')}</button>}>
        <p class="hint">{t('wall.intro')}</p>
        {error && <p class="alert alert-error" role="alert">{error}</p>}
        {walls.length === 0 ? (
          <p class="hint" data-testid="wall-none">{t('wall.none')}</p>
        ) : (
          <table class="table wall-list">
            <thead>
              <tr>
                <th scope="col">{t('wall.name')}</th>
                <th scope="col" class="num">{t('wall.panels')}</th>
                <th scope="col">{t('wall.range')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {walls.map((w) => (
                <tr key={w.id} data-testid="wall-row" data-wall={w.name}>
                  <td><a href={hashOfWall({ wall: w.name })} data-testid="wall-open">{w.name}</a></td>
                  <td class="num">{fmt.number(w.panels.length, 0)}</td>
                  <td>{t(`range.${w.range}` as const)}</td>
                  <td class="actions">
                    <a class="button button-quiet" href={kioskUrlOf(pageBase(), w.name)} target="_blank" rel="noopener" title={t('wall.kioskTitle')}>{t('wall.kiosk')}</a>
                    {writable && <button type="button" class="button button-quiet" onClick={() => go({ wall: w.name, edit: true })}>{t('wall.edit')}</button>}
                    {writable && <button type="button" class="button button-quiet" data-testid="wall-delete" onClick={() => remove(w)}>{t('wall.delete')}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </main>
  );
}

export function WallsView({ rows, groups, resync, onOpenServer }: { rows: readonly OverviewRow[]; groups: readonly Group[]; resync: number; onOpenServer: (id: string) => void }) {
  const { t } = useUi();
  const address = useWallAddress();
  const walls = useResource((signal) => listWalls(signal), []);
  if (walls.phase === 'error') return <main class="page"><ErrorBox message={walls.error ?? ''} onRetry={walls.reload} /></main>;
  if (!walls.data) return <main class="page"><p class="hint">…</p></main>;
  const saved = (w: Wall): void => {
    walls.reload();
    go({ wall: w.name });
  };
  if (address.create) return <WallEditor wall={null} rows={rows} groups={groups} onSaved={saved} />;
  if (address.wall === null) return <WallList walls={walls.data} onChanged={walls.reload} />;
  const wall = findWall(walls.data, address.wall);
  if (!wall) return <main class="page"><p class="alert alert-error" role="alert" data-testid="wall-not-found">{t('wall.notFound', { name: address.wall })}</p></main>;
  if (address.edit) return <WallEditor key={wall.id} wall={wall} rows={rows} groups={groups} onSaved={saved} />;
  return <WallScreen wall={wall} rows={rows} resync={resync} onOpenServer={onOpenServer} />;
}
