// The kiosk with saved walls (S9): `?kiosk=1` on a TV shows the saved walls one after another,
// every `rotate` seconds, each on the whole screen with no navigation; `?kiosk=1#view=walls&wall=<name>`
// shows that one wall alone. Without saved walls (or for a role that may not read them) it is the
// group-rotating tile wall as before (kiosk-wall.tsx).
import { useEffect, useState } from 'preact/hooks';
import type { Alert, Group } from '../../../contract/alerts-api.js';
import type { Wall } from '../../../contract/walls-api.js';
import type { AgentRow } from '../agents-store.js';
import { overviewRows } from '../fleet-overview.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { listWalls } from '../walls-client.js';
import { wallAddressFromHash } from '../walls-model.js';
import { KioskWall } from './kiosk-wall.js';
import { WallGrid } from './wall-grid.js';
import { findWall } from '../walls-model.js';

/** Refetched now and then, so a wall saved or changed at a desk reaches the TV without a reload. */
const WALLS_REFRESH_MS = 60_000;

function useRotation(count: number, rotateS: number): number {
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (count < 2) return undefined;
    const timer = setInterval(() => setIndex((i) => (i + 1) % count), rotateS * 1000);
    return () => clearInterval(timer);
  }, [count, rotateS]);
  return count === 0 ? 0 : index % count;
}

export interface KioskScreenProps {
  agents: readonly AgentRow[];
  openAlerts: readonly Alert[];
  groups: readonly Group[];
  rotateS: number;
  resync: number;
}

export function KioskScreen(props: KioskScreenProps) {
  const { t, fmt, can, stream } = useUi();
  const mayRead = can('dashboards:read');
  const walls = useResource<Wall[]>((signal) => (mayRead ? listWalls(signal) : Promise.resolve([])), [mayRead], { stream, refreshMs: WALLS_REFRESH_MS });
  const [named] = useState(() => wallAddressFromHash(location.hash).wall);
  const list = walls.data ?? [];
  const shown = named !== null ? (findWall(list, named) ? [findWall(list, named) as Wall] : []) : list;
  const index = useRotation(shown.length, props.rotateS);
  if (walls.phase === 'loading' && !walls.data) return <main class="kiosk" data-testid="kiosk-loading" />;
  const wall = shown[index];
  if (!wall) {
    if (named !== null && walls.data) return <main class="kiosk"><p class="alert alert-error" role="alert" data-testid="wall-not-found">{t('wall.notFound', { name: named })}</p></main>;
    return <KioskWall agents={props.agents} openAlerts={props.openAlerts} groups={props.groups} rotateS={props.rotateS} />;
  }
  const rows = overviewRows(props.agents, props.openAlerts, props.groups);
  return (
    <main class="kiosk-wall" data-testid="kiosk" data-wall={wall.name}>
      <div class="kiosk-head">
        <h2 data-testid="kiosk-title">{wall.name}</h2>
        {shown.length > 1 && <span class="list-count">{t('ov.kioskPage', { n: fmt.number(index + 1, 0), total: fmt.number(shown.length, 0) })}</span>}
      </div>
      <WallGrid key={wall.id} wall={wall} rows={rows} resync={props.resync} />
    </main>
  );
}
