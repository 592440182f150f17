// A modal dialog for the fleet screens (visitors, schedules, adding a server): the browser's own
// <dialog>, so focus stays inside, Escape closes it and the page behind is inert.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useUi } from '../ui-context.js';

export interface FleetDialogProps {
  title: string;
  onClose: () => void;
  testId: string;
  wide?: boolean;
  children: ComponentChildren;
}

export function FleetDialog({ title, onClose, testId, wide, children }: FleetDialogProps) {
  const { t } = useUi();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class={`fleet-dialog${wide ? ' fleet-dialog-wide' : ''}`}
      data-testid={testId}
      aria-label={title}
      onCancel={(e) => {
        // Escape: let Preact unmount it rather than the browser closing it behind our back
        e.preventDefault();
        onClose();
      }}
    >
      <header class="fleet-dialog-head">
        <h2>{title}</h2>
        <button type="button" class="icon-button" aria-label={t('fleet.close')} title={t('fleet.close')} data-testid="dialog-close" onClick={onClose}>
          ×
        </button>
      </header>
      <div class="fleet-dialog-body">{children}</div>
    </dialog>
  );
}

/** "path: message" problems from a refused save. */
export function ProblemList({ problems, message }: { problems: readonly string[]; message: string | null }) {
  const { t } = useUi();
  if (problems.length === 0 && !message) return null;
  return (
    <div class="alert alert-error" role="alert" data-testid="form-problems">
      <p>{t('fleet.fix')}</p>
      {problems.length > 0 ? (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : (
        <p class="alert-detail">{message}</p>
      )}
    </div>
  );
}
