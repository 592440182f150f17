// The kiosk (S9): the page opened with `?kiosk=1` on a wall screen or TV. No navigation, no
// controls: the tile wall alone, worst servers first, rotating between the server groups (one
// page per group; every server on one page when there are no groups) every `rotate` seconds
// (`?rotate=30`, 5 to 600, default 20).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Alert, Group } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import { kioskPages, overviewRows, sortOverview } from '../fleet-overview.js';
import { useUi } from '../ui-context.js';
import { TileWall } from './server-tiles.js';

export const KIOSK_ROTATE_DEFAULT_S = 20;
const ROTATE_MIN_S = 5;
const ROTATE_MAX_S = 600;

/** `?kiosk=1`, and its rotation period in seconds (out-of-range or non-numeric values fall back to the default). */
export function kioskFromSearch(search: string): { kiosk: boolean; rotateS: number } {
  const p = new URLSearchParams(search);
  const n = Number(p.get('rotate'));
  const rotateS = Number.isInteger(n) && n >= ROTATE_MIN_S && n <= ROTATE_MAX_S ? n : KIOSK_ROTATE_DEFAULT_S;
  return { kiosk: p.get('kiosk') === '1', rotateS };
}

export function KioskWall({ agents, openAlerts, groups, rotateS }: { agents: readonly AgentRow[]; openAlerts: readonly Alert[]; groups: readonly Group[]; rotateS: number }) {
  const { t, fmt } = useUi();
  const pages = useMemo(() => kioskPages(groups), [groups]);
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (pages.length < 2) return undefined;
    const timer = setInterval(() => setIndex((i) => (i + 1) % pages.length), rotateS * 1000);
    return () => clearInterval(timer);
  }, [pages.length, rotateS]);
  const page = pages[index % pages.length] ?? pages[0];
  const rows = useMemo(() => {
    const all = overviewRows(agents, openAlerts, groups).filter((r) => !page?.memberIds || page.memberIds.has(r.id));
    return sortOverview(all, { key: 'status', descending: true });
  }, [agents, openAlerts, groups, page]);
  return (
    <main class="kiosk" data-testid="kiosk" data-page={page?.id ?? 'all'}>
      <div class="kiosk-head">
        <h2 data-testid="kiosk-title">{page?.name ?? t('ov.kioskAll')}</h2>
        {pages.length > 1 && <span class="list-count">{t('ov.kioskPage', { n: fmt.number(index + 1, 0), total: fmt.number(pages.length, 0) })}</span>}
      </div>
      <TileWall rows={rows} />
    </main>
  );
}
