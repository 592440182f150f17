// The schematic view (S21, the report's 도식화 화면): the servers drawn as a map, in their racks at
// their unit positions where an admin has placed them and by group otherwise, each tile coloured
// by its worst state (offline, or its worst firing alert: fleet-overview.ts tileTone) with its CPU,
// memory and fullest disk; a click opens its panel on the dashboard. An admin (servers:write)
// edits the layout: racks added and removed, servers dragged onto a rack's empty unit or set in
// the table, saved whole with PUT /schematic. Dependencies (B10: GET /dependencies) are drawn in
// the `sch-edges` layer as arrows from each dependant to its parent (walls-model.ts schematicEdges).
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DependenciesResponse } from '../../../contract/maintenance-api.js';
import { getDependencies } from '../maintenance-client.js';
import type { Group } from '../../../contract/alerts-api.js';
import type { SchematicLayout } from '../../../contract/walls-api.js';
import { SCHEMATIC_LIMITS } from '../../../contract/walls-limits.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import type { OverviewRow } from '../fleet-overview.js';
import { tileTone } from '../fleet-overview.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { getSchematic, saveSchematic } from '../walls-client.js';
import { firstFreeUnit, placeServer, rackSlots, removeRack, schematicEdges, unrackedByGroup } from '../walls-model.js';
import { Card, ErrorBox } from './alerting-parts.js';

const DRAG_TYPE = 'text/x-rackwatch-agent';

function SchTile({ row, onOpen, draggable }: { row: OverviewRow; onOpen: ((id: string) => void) | null; draggable: boolean }) {
  const { t, fmt } = useUi();
  const tone = tileTone(row);
  const body = (
    <>
      <span class="tile-host" data-testid="host-name">{row.hostname}</span>
      <span class="tile-figures">
        <span data-testid="sch-cpu">{t('ov.cpu')} {fmt.percent(row.cpuPct)}</span>
        <span>{t('list.mem')} {fmt.percent(row.memPct)}</span>
        <span>{t('ov.disk')} {fmt.percent(row.diskPct ?? null)}</span>
      </span>
    </>
  );
  return (
    <div class={`tile tone-${tone}`} data-testid="sch-tile" data-agent-id={row.id} data-tone={tone} draggable={draggable}
      title={`${row.hostname}: ${t(`status.${row.status}` as const)}${row.level !== 'ok' ? ` · ${row.level}` : ''}`}
      onDragStart={(e) => e.dataTransfer?.setData(DRAG_TYPE, row.id)}>
      {onOpen ? <button type="button" class="tile-button" onClick={() => onOpen(row.id)}>{body}</button> : <div class="tile-button">{body}</div>}
    </div>
  );
}

function RackView({ rack, layout, byId, onOpen, onDrop }: {
  rack: SchematicLayout['racks'][number];
  layout: SchematicLayout;
  byId: ReadonlyMap<string, OverviewRow>;
  onOpen: ((id: string) => void) | null;
  /** editing: a server dropped on an empty unit */
  onDrop: ((agentId: string, unit: number) => void) | null;
}) {
  const { t } = useUi();
  const [target, setTarget] = useState<number | null>(null);
  return (
    <section class="sch-rack" data-testid="sch-rack" data-rack={rack.name}>
      <h3>{rack.name}</h3>
      <ol class="sch-units">
        {rackSlots(rack, layout.placements).map((s) => {
          const row = s.agentId === null ? undefined : byId.get(s.agentId);
          return (
            <li key={s.unit} class="sch-unit" data-unit={s.unit} style={{ minHeight: `${s.height * 21 - 1}px` }}>
              <span class="sch-unit-no">{s.unit}</span>
              {row ? (
                <SchTile row={row} onOpen={onOpen} draggable={onDrop !== null} />
              ) : (
                <span class={`sch-unit-empty${target === s.unit ? ' is-target' : ''}`} data-testid="sch-empty-unit" aria-label={`${rack.name} U${s.unit} ${t('sch.empty')}`}
                  onDragOver={(e) => { if (onDrop) { e.preventDefault(); setTarget(s.unit); } }}
                  onDragLeave={() => setTarget(null)}
                  onDrop={(e) => {
                    e.preventDefault();
                    setTarget(null);
                    const id = e.dataTransfer?.getData(DRAG_TYPE);
                    if (id && onDrop) onDrop(id, s.unit);
                  }} />
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

interface EdgeLine {
  from: string;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** An arc from one tile's top to the other's, higher the farther apart they are. */
function arc(l: EdgeLine): string {
  const lift = Math.max(18, Math.abs(l.x2 - l.x1) / 4);
  return `M ${l.x1} ${l.y1} Q ${(l.x1 + l.x2) / 2} ${Math.min(l.y1, l.y2) - lift} ${l.x2} ${l.y2}`;
}

/**
 * The dependency arrows over the map: measured from the tiles where the browser laid them out,
 * again after every render and when the map changes size (racks wrap on a narrow screen).
 */
function DependencyLines({ edges, map }: { edges: readonly { from: string; to: string }[]; map: { current: HTMLDivElement | null } }) {
  const [lines, setLines] = useState<EdgeLine[]>([]);
  const key = edges.map((e) => `${e.from}>${e.to}`).join(' ');
  useLayoutEffect(() => {
    const el = map.current;
    if (!el) return undefined;
    const measure = (): void => {
      const box = el.getBoundingClientRect();
      // each end at the middle of its tile's top edge: the arc above the tiles leaves their figures readable
      const topMiddle = (id: string): { x: number; y: number } | null => {
        const tile = el.querySelector(`[data-testid="sch-tile"][data-agent-id="${CSS.escape(id)}"]`);
        if (!tile) return null;
        const r = tile.getBoundingClientRect();
        return { x: r.left - box.left + r.width / 2, y: r.top - box.top };
      };
      const next: EdgeLine[] = [];
      for (const e of edges) {
        const a = topMiddle(e.from);
        const b = topMiddle(e.to);
        if (a && b) next.push({ from: e.from, to: e.to, x1: a.x, y1: a.y, x2: b.x, y2: b.y });
      }
      setLines((old) => (JSON.stringify(old) === JSON.stringify(next) ? old : next));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  });
  if (edges.length === 0) return null;
  return (
    <svg class="sch-edges" data-testid="sch-edges" data-edges={key} aria-hidden="true">
      <defs>
        <marker id="sch-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="sch-edge-head" />
        </marker>
      </defs>
      {lines.map((l) => (
        <path key={`${l.from}>${l.to}`} class="sch-edge" data-testid="sch-edge" data-from={l.from} data-to={l.to}
          data-x1={l.x1} data-y1={l.y1} data-x2={l.x2} data-y2={l.y2} d={arc(l)} marker-end="url(#sch-arrow)" />
      ))}
    </svg>
  );
}

function SchematicMap({ layout, rows, groups, dependencies, onOpen, onDrop }: {
  layout: SchematicLayout;
  rows: readonly OverviewRow[];
  groups: readonly Group[];
  dependencies: DependenciesResponse | null;
  onOpen: ((id: string) => void) | null;
  onDrop: ((agentId: string, rack: string, unit: number) => void) | null;
}) {
  const { t } = useUi();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const edges = schematicEdges(dependencies, new Set(byId.keys()), groups);
  const map = useRef<HTMLDivElement>(null);
  return (
    <div class="schematic" data-testid="schematic-map" ref={map}>
      <div class="sch-racks">
        {layout.racks.map((r) => <RackView key={r.name} rack={r} layout={layout} byId={byId} onOpen={onOpen} onDrop={onDrop && ((id, unit) => onDrop(id, r.name, unit))} />)}
      </div>
      <div class="sch-groups">
        {unrackedByGroup(rows, layout, groups).map((s) => (
          <section key={s.group?.id ?? ''} class="sch-group" data-testid="sch-group" data-group={s.group?.name ?? ''}>
            <h3>{s.group?.name ?? t('sch.noGroup')}</h3>
            <div class="sch-tiles">
              {s.rows.map((r) => <SchTile key={r.id} row={r} onOpen={onOpen} draggable={onDrop !== null} />)}
            </div>
          </section>
        ))}
      </div>
      {/* the dependency edges (S21, B10): an arrow from each dependant's tile to its parent's, over the map */}
      <DependencyLines edges={edges} map={map} />
    </div>
  );
}

/** A number field's whole number, or null while it is being typed (empty, or not one yet). */
function wholeNumber(e: Event): number | null {
  const n = Number((e.target as HTMLInputElement).value);
  return (e.target as HTMLInputElement).value !== '' && Number.isInteger(n) && n >= 1 ? n : null;
}

function Editor({ draft, rows, onChange }: { draft: SchematicLayout; rows: readonly OverviewRow[]; onChange: (l: SchematicLayout) => void }) {
  const { t } = useUi();
  const [rackName, setRackName] = useState('');
  const [units, setUnits] = useState('42');
  const addRack = (): void => {
    const name = rackName.trim();
    if (name === '' || draft.racks.some((r) => r.name === name)) return;
    onChange({ ...draft, racks: [...draft.racks, { name, units: Math.min(SCHEMATIC_LIMITS.maxUnits, Math.max(1, Number(units) || 42)) }] });
    setRackName('');
  };
  const placementOf = (id: string): SchematicLayout['placements'][number] | undefined => draft.placements.find((p) => p.agentId === id);
  return (
    <div class="sch-editor" data-testid="sch-editor">
      <p class="hint">{t('sch.dragHint')}</p>
      <form class="form-grid" onSubmit={(e) => { e.preventDefault(); addRack(); }}>
        <label class="field field-label">
          <span class="field-name">{t('sch.rackName')}</span>
          <input type="text" value={rackName} maxLength={SCHEMATIC_LIMITS.rackNameChars} data-testid="sch-rack-name" onInput={(e) => setRackName((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field field-label">
          <span class="field-name">{t('sch.units')}</span>
          <input type="number" min={1} max={SCHEMATIC_LIMITS.maxUnits} value={units} data-testid="sch-rack-units" onInput={(e) => setUnits((e.target as HTMLInputElement).value)} />
        </label>
        <div class="field">
          <button type="submit" class="button" data-testid="sch-add-rack">{t('sch.addRack')}</button>
        </div>
      </form>
      <div class="toolbar">
        {draft.racks.map((r) => (
          <button key={r.name} type="button" class="button button-quiet" data-testid={`sch-remove-rack-${r.name}`} onClick={() => onChange(removeRack(draft, r.name))}>
            {t('sch.removeRack')}: {r.name}
          </button>
        ))}
      </div>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{t('sch.server')}</th>
            <th scope="col">{t('sch.rack')}</th>
            <th scope="col">{t('sch.unit')}</th>
            <th scope="col">{t('sch.height')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const p = placementOf(r.id);
            const set = (rack: string | null, unit: number, height: number): void => onChange(placeServer(draft, r.id, rack, unit, height));
            return (
              <tr key={r.id} data-testid="sch-place-row" data-host={r.hostname}>
                <td>{r.hostname}</td>
                <td>
                  <select value={p?.rack ?? ''} data-testid="sch-place-rack" onChange={(e) => {
                    const v = (e.target as HTMLSelectElement).value;
                    const height = p?.height ?? 1;
                    set(v === '' ? null : v, v === '' ? 1 : firstFreeUnit(draft, v, height, r.id), height);
                  }}>
                    <option value="">{t('sch.notRacked')}</option>
                    {draft.racks.map((k) => <option key={k.name} value={k.name}>{k.name}</option>)}
                  </select>
                </td>
                <td><input type="number" min={1} max={SCHEMATIC_LIMITS.maxUnits} value={p?.unit ?? ''} disabled={!p} data-testid="sch-place-unit" onInput={(e) => { const n = wholeNumber(e); if (p && n !== null) set(p.rack, n, p.height); }} /></td>
                <td><input type="number" min={1} max={SCHEMATIC_LIMITS.maxHeight} value={p?.height ?? ''} disabled={!p} data-testid="sch-place-height" onInput={(e) => { const n = wholeNumber(e); if (p && n !== null) set(p.rack, p.unit, n); }} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function SchematicView({ rows, groups, onOpenServer }: { rows: readonly OverviewRow[]; groups: readonly Group[]; onOpenServer: (id: string) => void }) {
  const { t, can } = useUi();
  const saved = useResource((signal) => getSchematic(signal), []);
  const mayReadDependencies = can('agents:read');
  // no stream event carries dependency changes: asked again every minute
  const dependencies = useResource((signal) => (mayReadDependencies ? getDependencies(signal) : Promise.resolve(null)), [mayReadDependencies], { refreshMs: 60_000 });
  const [draft, setDraft] = useState<SchematicLayout | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState(false);
  const editable = can('servers:write');
  if (saved.phase === 'error') return <main class="page"><ErrorBox message={saved.error ?? ''} onRetry={saved.reload} /></main>;
  if (!saved.data) return <main class="page"><p class="hint">…</p></main>;
  const layout: SchematicLayout = draft ?? { racks: saved.data.racks, placements: saved.data.placements };
  const save = (): void => {
    if (!draft) return;
    setError(null);
    saveSchematic(draft)
      .then(() => { setDraft(null); setNotice(true); saved.reload(); })
      .catch((e: unknown) => setError(e instanceof ApiRequestError && e.problems.length > 0 ? e.problems.join('; ') : errorReason(e)));
  };
  return (
    <main class="page" data-testid="schematic-view">
      <Card title={t('sch.title')} testId="schematic"
        actions={editable && (draft ? (
          <>
            <button type="button" class="button button-primary" data-testid="sch-save" onClick={save}>{t('sch.done')}</button>
            <button type="button" class="button button-quiet" data-testid="sch-cancel" onClick={() => { setDraft(null); setError(null); }}>{t('sch.cancel')}</button>
          </>
        ) : (
          <button type="button" class="button" data-testid="sch-edit" onClick={() => { setNotice(false); setDraft(layout); }}>{t('sch.edit')}</button>
        ))}>
        <p class="hint">{t('sch.intro')}</p>
        {notice && <p class="hint" role="status" data-testid="sch-saved">{t('sch.saved')}</p>}
        {error && <p class="alert alert-error" role="alert" data-testid="sch-error">{error}</p>}
        {rows.length === 0 && <p class="hint">{t('sch.noServers')}</p>}
        <SchematicMap layout={layout} rows={rows} groups={groups} dependencies={dependencies.data} onOpen={draft ? null : onOpenServer}
          onDrop={draft ? (id, rack, unit) => setDraft(placeServer(draft, id, rack, unit, draft.placements.find((p) => p.agentId === id)?.height ?? 1)) : null} />
        {draft && <Editor draft={draft} rows={rows} onChange={setDraft} />}
      </Card>
    </main>
  );
}
