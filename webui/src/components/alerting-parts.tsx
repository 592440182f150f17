// Small pieces the alerting screens share: severity and alert-state badges, a card, the loading /
// error / empty states, per-field validation messages and the list of problems no field takes.
import type { ComponentChildren } from 'preact';
import type { AlertState, HealthLevel } from '../../../contract/alerts-api.js';
import { SEVERITIES } from '../../../contract/alerting.js';
import type { Resource } from '../use-resource.js';
import { useUi } from '../ui-context.js';

/** A grade with its word as well as its colour (colour-blind operators, monochrome screenshots). */
export function SeverityBadge({ level }: { level: HealthLevel }) {
  const { t } = useUi();
  return (
    <span class={`sev sev-${level}`} data-testid="severity-badge" data-severity={level}>
      {t(`sev.${level}` as const)}
    </span>
  );
}

export function AlertStateBadge({ state }: { state: AlertState }) {
  const { t } = useUi();
  return (
    <span class={`astate astate-${state}`} data-testid="alert-state" data-state={state}>
      {t(`astate.${state}` as const)}
    </span>
  );
}

export function Card({ title, actions, children, testId, class: cls }: { title: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; testId?: string; class?: string }) {
  return (
    <section class={`card${cls ? ` ${cls}` : ''}`} data-testid={testId}>
      <div class="card-head">
        <h3>{title}</h3>
        {actions && <div class="card-actions">{actions}</div>}
      </div>
      <div class="card-body">{children}</div>
    </section>
  );
}

export function Loading() {
  const { t } = useUi();
  return (
    <p class="hint" data-testid="loading">
      {t('common.loading')}
    </p>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useUi();
  return (
    <div class="alert alert-error" role="alert" data-testid="load-error">
      <p>{t('common.loadFailed')}</p>
      <p class="alert-detail">{message}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          {t('error.retryNow')}
        </button>
      )}
    </div>
  );
}

/** Nothing to list (the same paragraph DataTable writes for a table without rows). */
export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <p class="hint empty" data-testid="empty">
      {children}
    </p>
  );
}

/**
 * What a view shows of a resource that is not (yet) data to draw: loading, or the error with a
 * retry. A list without rows says so itself (DataTable's `empty`).
 */
export function ResourceState({ resource }: { resource: Pick<Resource<unknown>, 'phase' | 'error' | 'reload'> }) {
  if (resource.phase === 'loading') return <Loading />;
  if (resource.phase === 'error') return <ErrorBox message={resource.error ?? ''} onRetry={resource.reload} />;
  return null;
}

/** The edit and delete buttons of a table row's actions cell; test ids `<testId>-edit`, `<testId>-delete`. */
/** Edit and delete buttons of a row; no edit button without `onEdit` (a row the editor cannot show). */
export function RowActions({ testId, onEdit, onDelete }: { testId: string; onEdit?: (() => void) | undefined; onDelete: () => void }) {
  const { t } = useUi();
  return (
    <>
      {onEdit && (
        <button type="button" class="button button-quiet" data-testid={`${testId}-edit`} onClick={onEdit}>
          {t('common.edit')}
        </button>
      )}
      <button type="button" class="button button-quiet button-danger" data-testid={`${testId}-delete`} onClick={onDelete}>
        {t('common.delete')}
      </button>
    </>
  );
}

/** Messages of one form field (from the appliance's "path: message" problems). */
export function FieldError({ field, messages }: { field: string; messages: readonly string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <p class="field-error" role="alert" data-testid="field-error" data-field={field}>
      {messages.join('; ')}
    </p>
  );
}

/** The save failed: problems that belong to no field on screen, or the plain error. */
export function FormError({ problems, error }: { problems: readonly string[]; error: string | null }) {
  const { t } = useUi();
  if (problems.length === 0 && !error) return null;
  return (
    <div class="alert alert-error" role="alert" data-testid="form-error">
      <p>{error ?? t('form.fixProblems')}</p>
      {problems.length > 0 && (
        <ul class="problem-list">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A labelled form row; `field` names the problem path whose messages show under it. */
export function Field({
  label,
  field,
  errors,
  hint,
  children,
  wide,
}: {
  label: ComponentChildren;
  field: string;
  errors: Record<string, string[]>;
  hint?: ComponentChildren;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const bad = (errors[field]?.length ?? 0) > 0;
  return (
    <div class={`field${wide ? ' field-wide' : ''}${bad ? ' field-bad' : ''}`} data-field={field}>
      <label class="field-label">
        <span class="field-name">{label}</span>
        {children}
      </label>
      {hint && <p class="field-hint">{hint}</p>}
      <FieldError field={field} messages={errors[field]} />
    </div>
  );
}

/** A form's Save (submit) and Cancel buttons; test ids `<testId>-save`, `<testId>-cancel`. */
export function SaveCancel({ testId, saving, onCancel }: { testId: string; saving: boolean; onCancel: () => void }) {
  const { t } = useUi();
  return (
    <div class="form-actions field-wide">
      <button type="submit" class="button button-primary" data-testid={`${testId}-save`} disabled={saving}>
        {saving ? t('common.saving') : t('common.save')}
      </button>
      <button type="button" class="button" data-testid={`${testId}-cancel`} onClick={onCancel}>
        {t('common.cancel')}
      </button>
    </div>
  );
}

/** The servers as a select's options, by host name. */
export function AgentOptions({ agents }: { agents: readonly { id: string; hostname: string }[] }) {
  return (
    <>
      {agents.map((a) => (
        <option key={a.id} value={a.id}>
          {a.hostname}
        </option>
      ))}
    </>
  );
}

/** The grades as a select's options, mildest first, each in the page's language. */
export function SeverityOptions() {
  const { t } = useUi();
  return (
    <>
      {SEVERITIES.map((s) => (
        <option key={s} value={s}>
          {t(`sev.${s}` as const)}
        </option>
      ))}
    </>
  );
}

/** The server groups as a select's options. */
export function GroupOptions({ groups }: { groups: readonly { id: string; name: string }[] }) {
  return (
    <>
      {groups.map((g) => (
        <option key={g.id} value={g.id}>
          {g.name}
        </option>
      ))}
    </>
  );
}
