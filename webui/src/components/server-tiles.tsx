// The tile wall (S9): each server a compact tile coloured by its worst state (offline, or its
// worst open alert), with its CPU, memory and fullest disk and a CPU sparkline, small enough that
// fifty fit a 1920×1080 wall screen without scrolling. Used by the server list's "Tiles" mode and
// by the kiosk (kiosk-wall.tsx).
import type { OverviewRow } from '../fleet-overview.js';
import { sparklinePoints, tileTone } from '../fleet-overview.js';
import { useUi } from '../ui-context.js';
import { ServerStatus } from './status-badge.js';
import { serverLabel } from '../server-label.js';

const SPARK_W = 100;
const SPARK_H = 22;

function Sparkline({ values }: { values: readonly number[] }) {
  const { t } = useUi();
  const points = sparklinePoints(values, SPARK_W, SPARK_H);
  return (
    <svg class="tile-spark" viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} preserveAspectRatio="none" role="img" aria-label={t('ov.cpuTrend')} data-testid="tile-spark" data-points={values.length}>
      {points && <polyline points={points} fill="none" vector-effect="non-scaling-stroke" />}
    </svg>
  );
}

function Tile({ row, open, onToggle }: { row: OverviewRow; open: boolean; onToggle?: ((id: string) => void) | undefined }) {
  const { t, fmt } = useUi();
  const body = (
    <>
      <span class="tile-head">
        <span class="tile-host" data-testid="host-name" title={row.hostname}>{serverLabel(row)}</span>
      </span>
      <ServerStatus row={row} />
      <span class="tile-figures">
        <span data-testid="tile-cpu" data-value={row.cpuPct === null ? '' : row.cpuPct.toFixed(1)}>
          {t('ov.cpu')} {fmt.percent(row.cpuPct)}
        </span>
        <span>
          {t('list.mem')} {fmt.percent(row.memPct)}
        </span>
        <span>
          {t('ov.disk')} {fmt.percent(row.diskPct ?? null)}
        </span>
      </span>
      <Sparkline values={row.cpuHistory ?? []} />
    </>
  );
  return (
    <li class={`tile tone-${tileTone(row)}${open ? ' is-open' : ''}`} data-testid="server-tile" data-agent-id={row.id} data-status={row.status} data-level={row.level}>
      {onToggle ? (
        <button type="button" class="tile-button" aria-pressed={open} onClick={() => onToggle(row.id)}>
          {body}
        </button>
      ) : (
        <div class="tile-button">{body}</div>
      )}
    </li>
  );
}

export function TileWall({ rows, openIds, onToggle }: { rows: readonly OverviewRow[]; openIds?: ReadonlySet<string>; onToggle?: (id: string) => void }) {
  return (
    <ul class="tile-wall" data-testid="tile-wall">
      {rows.map((r) => (
        <Tile key={r.id} row={r} open={openIds?.has(r.id) ?? false} onToggle={onToggle} />
      ))}
    </ul>
  );
}
