// B11: maintenance windows drawn as shaded bands behind a chart's lines. The bands are elements
// in uPlot's `under` layer (the plot area, beneath its transparent canvas), placed in per cent of
// its width (maintenance-model.ts bandPlacements), so they follow a resize without a redraw and
// a test or a screen reader's inspection tool finds each one with its times in its title.
import type uPlot from 'uplot';
import type { MaintenanceSpan } from '../../../contract/maintenance-api.js';
import { bandPlacements, type BandPlacement } from '../maintenance-model.js';

const LAYER_CLASS = 'chart-bands';

export function drawBands(u: uPlot, spans: readonly MaintenanceSpan[], fromS: number, toS: number, title: (b: BandPlacement) => string): void {
  let layer = u.under.querySelector<HTMLElement>(`.${LAYER_CLASS}`);
  const placed = bandPlacements(spans, fromS, toS);
  if (!layer) {
    if (placed.length === 0) return;
    layer = document.createElement('div');
    layer.className = LAYER_CLASS;
    u.under.prepend(layer);
  }
  layer.replaceChildren(...placed.map((b) => {
    const el = document.createElement('div');
    el.className = 'chart-band';
    el.dataset.testid = 'maintenance-band';
    el.dataset.startsAt = String(b.startsAt);
    el.dataset.endsAt = String(b.endsAt);
    el.style.left = `${b.leftPct}%`;
    el.style.width = `${b.widthPct}%`;
    el.title = title(b);
    return el;
  }));
}
