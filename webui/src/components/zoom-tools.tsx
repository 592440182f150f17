// Pan and reset of a zoomed range (S10), next to a view's range switch: "Earlier" and "Later"
// move the range by half its width, "Reset" goes back to the preset. The range itself comes from
// a drag across any chart of the view (time-chart.tsx).
import { panRange } from '../chart-compare.js';
import { useUi } from '../ui-context.js';

export function ZoomTools({ shown, zoomed, onChange }: {
  /** the range on the charts now */
  shown: readonly [number, number];
  zoomed: boolean;
  onChange: (range: [number, number] | null) => void;
}) {
  const { t, fmt } = useUi();
  const now = Math.floor(Date.now() / 1000);
  // a range ending (nearly) now has no later to pan to: a tenth of it is within a fetch's delay
  return (
    <div class="zoom-tools" role="group" aria-label={t('zoom.hint')} title={t('zoom.hint')}>
      <button type="button" class="button button-quiet pan-button" data-testid="pan-earlier" aria-label={t('zoom.earlier')} title={t('zoom.earlier')}
        onClick={() => onChange(panRange(shown, -1, now))}>
        ‹
      </button>
      <button type="button" class="button button-quiet pan-button" data-testid="pan-later" aria-label={t('zoom.later')} title={t('zoom.later')}
        disabled={shown[1] >= now - (shown[1] - shown[0]) / 10} onClick={() => onChange(panRange(shown, 1, now))}>
        ›
      </button>
      {zoomed && (
        <>
          <span class="hint zoom-range" data-testid="zoom-range">
            {t('zoom.custom', { from: fmt.dateTime(shown[0] * 1000), to: fmt.dateTime(shown[1] * 1000) })}
          </span>
          <button type="button" class="button button-quiet" data-testid="zoom-reset" onClick={() => onChange(null)}>
            {t('zoom.reset')}
          </button>
        </>
      )}
    </div>
  );
}
