// "Users" (SEC; admin only, `users:manage`): every account with its role, state and TOTP; create
// one, change a role, disable or enable, reset a password, turn off a lost authenticator. The
// appliance keeps the last active admin and ends a user's sessions on each of these changes.
// S17: the groups of servers on which a user (not an admin, who has every server) may run file
// jobs: the deploy right an admin grants per group (docs/api.md "Deploy grants").
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { PublicUser } from '../../../contract/accounts-api.js';
import { ROLES, type Role } from '../../../contract/permissions.js';
import { errorReason } from '../api-client.js';
import { listGroups } from '../alerting-api.js';
import { clearTotp, createUser, listDeployGrants, listUsers, resetPassword, setDeployGroups, updateUser } from '../auth-api.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ErrorBox, ResourceState } from './alerting-parts.js';
import { AuthError, NewPasswordFields, usePasswordForm } from './auth-screens.js';
import { DataTable } from './data-table.js';

function RoleSelect({ value, onChange, testId, disabled }: { value: Role; onChange: (r: Role) => void; testId: string; disabled?: boolean }) {
  const { t } = useUi();
  return (
    <select value={value} aria-label={t('users.role')} data-testid={testId} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}` as const)}
        </option>
      ))}
    </select>
  );
}

/** A new password for a user (the create form and the reset form): typed twice, checked by the appliance. */
function PasswordForm({ title, testId, submitLabel, onSubmit, onCancel, children }: {
  title: string; testId: string; submitLabel: string; onSubmit: (password: string) => Promise<unknown>; onCancel?: () => void; children?: ComponentChildren;
}) {
  const { t } = useUi();
  const { fields, busy, error, submit } = usePasswordForm(onSubmit);
  return (
    <Card title={title} testId={testId}>
      <form class="auth-form" onSubmit={submit}>
        <AuthError error={error} testId={`${testId}-error`} />
        {children}
        <NewPasswordFields {...fields} testId={testId} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" data-testid={`${testId}-submit`} disabled={busy}>
            {submitLabel}
          </button>
          {onCancel && (
            <button type="button" class="button" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </form>
    </Card>
  );
}

export function UsersView() {
  const { t, fmt, user: me } = useUi();
  const users = useResource(listUsers, []);
  const groups = useResource((signal) => listGroups(signal), []);
  const grants = useResource((signal) => listDeployGrants(signal), []);
  const grantedTo = (id: number): string[] => grants.data?.grants.find((g) => g.userId === id)?.groupIds ?? [];
  const grant = (u: PublicUser, groupId: string, on: boolean): void => {
    const now = grantedTo(u.id);
    act(setDeployGroups(u.id, on ? [...now, groupId] : now.filter((g) => g !== groupId)).finally(grants.reload));
  };
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [resetting, setResetting] = useState<PublicUser | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (change: Promise<unknown>): void => {
    setError(null);
    setNote(null);
    change.then(users.reload, (e: unknown) => {
      setError(errorReason(e));
      // a refused change (the last admin) must not stay in its select: show what is stored
      users.reload();
    });
  };
  const toggleDisabled = (u: PublicUser): void => {
    if (!u.disabled && !window.confirm(t('users.confirmDisable', { name: u.username }))) return;
    act(updateUser(u.id, { disabled: !u.disabled }));
  };
  const turnOffTotp = (u: PublicUser): void => {
    if (window.confirm(t('users.confirmClearTotp', { name: u.username }))) act(clearTotp(u.id));
  };
  return (
    <div class="view" data-testid="view-users">
      <div class="view-head">
        <h2>{t('users.title')}</h2>
        {!creating && (
          <button type="button" class="button button-primary" data-testid="user-new" onClick={() => setCreating(true)}>
            {t('users.new')}
          </button>
        )}
      </div>
      {creating && (
        <PasswordForm
          title={t('users.new')}
          testId="user-form"
          submitLabel={t('users.create')}
          onCancel={() => setCreating(false)}
          onSubmit={(password) =>
            createUser(name.trim(), role, password).then(() => {
              setCreating(false);
              setName('');
              users.reload();
            })
          }
        >
          <label class="field-label">
            <span class="field-name">{t('users.name')}</span>
            <input type="text" required autocomplete="off" value={name} data-testid="user-form-name" onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field-label">
            <span class="field-name">{t('users.role')}</span>
            <RoleSelect value={role} onChange={setRole} testId="user-form-role" />
          </label>
        </PasswordForm>
      )}
      {resetting && (
        <PasswordForm
          key={resetting.id}
          title={t('users.resetFor', { name: resetting.username })}
          testId="reset-form"
          submitLabel={t('users.resetPassword')}
          onCancel={() => setResetting(null)}
          onSubmit={(password) =>
            resetPassword(resetting.id, password).then(() => {
              setNote(t('users.resetDone', { name: resetting.username }));
              setResetting(null);
            })
          }
        />
      )}
      <Card title={t('users.title')} testId="user-list">
        {note && (
          <p class="saved-note" role="status" data-testid="users-note">
            {note}
          </p>
        )}
        {error && <ErrorBox message={error} />}
        <ResourceState resource={users} />
        {users.data && (
          <DataTable
            rows={users.data}
            rowKey={(u) => u.id}
            rowAttrs={(u) => ({ 'data-testid': 'user-row', 'data-username': u.username, 'data-disabled': u.disabled ? 'true' : 'false', class: u.disabled ? 'is-disabled' : undefined })}
            empty={t('users.none')}
            columns={[
              {
                header: t('users.name'),
                cell: (u) => (
                  <>
                    <strong>{u.username}</strong> {u.id === me?.id && <span class="tag">{t('users.you')}</span>}
                  </>
                ),
              },
              { header: t('users.role'), cell: (u) => <RoleSelect value={u.role} testId="user-role" onChange={(r) => act(updateUser(u.id, { role: r }))} /> },
              { header: t('users.state'), cellAttrs: () => ({ 'data-testid': 'user-state' }), cell: (u) => (u.disabled ? t('users.disabled') : t('users.active')) },
              { header: t('users.totp'), cell: (u) => (u.totp ? t('common.on') : t('common.off')) },
              {
                header: t('files.deployGroups'),
                cellAttrs: () => ({ 'data-testid': 'user-deploy-groups', title: t('files.deployHint') }),
                cell: (u) => u.role === 'admin' ? t('files.deployAll') : (groups.data ?? []).map((g) => (
                  <label key={g.id} class="check-label">
                    <input type="checkbox" data-testid={`user-deploy-${g.name}`} checked={grantedTo(u.id).includes(g.id)} onChange={(e) => grant(u, g.id, e.currentTarget.checked)} />
                    {g.name}
                  </label>
                )),
              },
              { header: t('account.created'), class: 'nowrap', cell: (u) => fmt.dateTime(u.createdAt) },
              {
                header: t('col.actions'),
                headerHidden: true,
                class: 'actions',
                cell: (u) => (
                  <>
                    <button type="button" class="button button-quiet" data-testid="user-toggle" onClick={() => toggleDisabled(u)}>
                      {u.disabled ? t('users.enable') : t('users.disable')}
                    </button>
                    <button type="button" class="button button-quiet" data-testid="user-reset" onClick={() => setResetting(u)}>
                      {t('users.resetPassword')}
                    </button>
                    {u.totp && (
                      <button type="button" class="button button-quiet button-danger" data-testid="user-clear-totp" onClick={() => turnOffTotp(u)}>
                        {t('users.clearTotp')}
                      </button>
                    )}
                  </>
                ),
              },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
