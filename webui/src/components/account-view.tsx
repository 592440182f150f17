// "My account" (SEC), for every role: change one's password (which ends all one's sessions, so
// the page goes back to sign-in), one's sessions (end any other), TOTP enrolment (the secret in
// groups and the otpauth link as text, then a code to confirm), and one's API tokens (made with a
// role no higher than one's own, shown once with a copy button, listed with last use, revoked).
// The TOTP link is also shown as a QR code for a phone to scan.
import { useState } from 'preact/hooks';
import type { ApiTokenInfo, CreatedToken, SessionInfo, TotpEnrolment } from '../../../contract/accounts-api.js';
import { ROLES, type Role } from '../../../contract/permissions.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { beginTotp, changeOwnPassword, confirmTotp, createToken, endSession, listMySessions, listTokens, revokeToken } from '../auth-api.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ErrorBox, ResourceState } from './alerting-parts.js';
import { AuthError, failureOf, failureSaying, NewPasswordFields, usePasswordForm, type FormFailure } from './auth-screens.js';
import { DataTable } from './data-table.js';
import { QrCode } from './qr-code.js';

/** The roles a user may give a token: their own and those below it (ROLES runs from the highest). */
export function rolesUpTo(role: Role): Role[] {
  return ROLES.slice(ROLES.indexOf(role));
}

/** A base32 secret in groups of four, as authenticator apps show them, for typing by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

function PasswordCard({ onPasswordChanged }: { onPasswordChanged: () => void }) {
  const { t } = useUi();
  const [current, setCurrent] = useState('');
  const { fields, busy, error, submit } = usePasswordForm(
    (password) => changeOwnPassword(current, password).then(onPasswordChanged),
    (err) => (err instanceof ApiRequestError && err.code === 'RW_ERR_LOGIN' ? failureSaying('account.currentWrong', err.code) : failureOf(err)),
  );
  return (
    <Card title={t('account.passwordTitle')} testId="password-card">
      <form class="auth-form" onSubmit={submit}>
        <AuthError error={error} testId="password-error" />
        <label class="field-label">
          <span class="field-name">{t('account.current')}</span>
          <input type="password" autocomplete="current-password" required value={current} data-testid="password-current" onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <NewPasswordFields {...fields} testId="password-new" label={t('account.newPassword')} />
        <p class="hint">{t('account.passwordNote')}</p>
        <button type="submit" class="button button-primary" data-testid="password-submit" disabled={busy}>
          {busy ? t('auth.working') : t('account.change')}
        </button>
      </form>
    </Card>
  );
}

function SessionsCard() {
  const { t, fmt } = useUi();
  const sessions = useResource(listMySessions, []);
  const [error, setError] = useState<string | null>(null);
  const end = (s: SessionInfo): void => {
    setError(null);
    endSession(s.handle)
      .then(() => {
        sessions.mutate((list) => list.filter((x) => x.handle !== s.handle));
        sessions.reload();
      })
      .catch((e: unknown) => setError(errorReason(e)));
  };
  return (
    <Card title={t('account.sessionsTitle')} testId="sessions-card">
      {error && <ErrorBox message={error} />}
      <ResourceState resource={sessions} />
      {sessions.data && (
        <DataTable
          rows={sessions.data}
          rowKey={(s) => s.handle}
          rowAttrs={(s) => ({ 'data-testid': 'session-row', 'data-current': s.current ? 'true' : 'false' })}
          columns={[
            { header: t('account.started'), class: 'nowrap', cell: (s) => fmt.dateTime(s.createdAt) },
            { header: t('account.lastSeen'), class: 'nowrap', cell: (s) => fmt.dateTime(s.lastSeenAt) },
            { header: t('account.from'), class: 'mono', cell: (s) => s.address ?? '–' },
            { header: t('account.browser'), class: 'small', cell: (s) => s.userAgent ?? '–' },
            {
              header: t('col.actions'),
              headerHidden: true,
              class: 'actions',
              cell: (s) =>
                s.current ? (
                  <span class="tag">{t('account.thisSession')}</span>
                ) : (
                  <button type="button" class="button button-quiet button-danger" data-testid="session-end" onClick={() => end(s)}>
                    {t('account.end')}
                  </button>
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}

function TotpCard() {
  const { t, user } = useUi();
  const [on, setOn] = useState(user?.totp ?? false);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<FormFailure>(null);
  const [done, setDone] = useState(false);
  const begin = (): void => {
    setError(null);
    setDone(false);
    beginTotp().then(setEnrolment).catch((e: unknown) => setError(failureOf(e)));
  };
  const confirm = (e: Event): void => {
    e.preventDefault();
    if (!enrolment) return;
    setError(null);
    confirmTotp(enrolment.secret, code.trim())
      .then(() => {
        setEnrolment(null);
        setCode('');
        setOn(true);
        setDone(true);
      })
      .catch((err: unknown) => setError(failureOf(err)));
  };
  return (
    <Card title={t('account.totpTitle')} testId="totp-card">
      <p data-testid="totp-state" data-on={on ? 'true' : 'false'}>
        {on ? t('account.totpOn') : t('account.totpOff')}
      </p>
      {done && (
        <p class="saved-note" role="status" data-testid="totp-done">
          {t('account.totpDone')}
        </p>
      )}
      <AuthError error={error} testId="totp-error" />
      {enrolment ? (
        <form class="auth-form" onSubmit={confirm}>
          <div class="field-label">
            <span class="field-name">{t('account.totpSecret')}</span>
            <code class="secret" data-testid="totp-secret" data-secret={enrolment.secret}>
              {groupedSecret(enrolment.secret)}
            </code>
          </div>
          <QrCode text={enrolment.uri} label={t('account.totpQr')} testId="totp-qr" />
          <div class="field-label">
            <span class="field-name">{t('account.totpUri')}</span>
            <code class="secret secret-uri" data-testid="totp-uri">
              {enrolment.uri}
            </code>
          </div>
          <label class="field-label">
            <span class="field-name">{t('account.totpCode')}</span>
            <input type="text" inputMode="numeric" autocomplete="one-time-code" maxLength={8} required value={code} data-testid="totp-code" onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          <button type="submit" class="button button-primary" data-testid="totp-confirm">
            {t('account.totpConfirm')}
          </button>
        </form>
      ) : (
        <button type="button" class="button" data-testid="totp-begin" onClick={begin}>
          {on ? t('account.totpRenew') : t('account.totpBegin')}
        </button>
      )}
    </Card>
  );
}

function NewToken({ made }: { made: CreatedToken }) {
  const { t } = useUi();
  const [copied, setCopied] = useState(false);
  const copy = (): void => {
    // the Clipboard API needs a secure context (HTTPS or localhost); the token stays selectable
    navigator.clipboard?.writeText(made.token).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <div class="alert alert-info new-token" role="status" data-testid="token-created">
      <p>{t('account.tokenShown')}</p>
      <code class="secret" data-testid="token-value">
        {made.token}
      </code>
      <button type="button" class="button" data-testid="token-copy" onClick={copy}>
        {copied ? t('account.copied') : t('account.copy')}
      </button>
    </div>
  );
}

function TokensCard() {
  const { t, fmt, user } = useUi();
  const tokens = useResource(listTokens, []);
  const roles = rolesUpTo(user?.role ?? 'viewer');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(roles[roles.length - 1] ?? 'viewer');
  const [made, setMade] = useState<CreatedToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = (e: Event): void => {
    e.preventDefault();
    setError(null);
    createToken(name.trim(), role)
      .then((m) => {
        setMade(m);
        setName('');
        tokens.reload();
      })
      .catch((err: unknown) => setError(errorReason(err)));
  };
  const revoke = (tok: ApiTokenInfo): void => {
    if (!window.confirm(t('account.confirmRevoke', { name: tok.name }))) return;
    setError(null);
    revokeToken(tok.id).then(tokens.reload, (err: unknown) => setError(errorReason(err)));
  };
  return (
    <Card title={t('account.tokensTitle')} testId="tokens-card">
      <p class="hint">{t('account.tokensHint')}</p>
      <form class="inline-form" onSubmit={create}>
        <input type="text" required maxLength={100} value={name} placeholder={t('account.tokenName')} aria-label={t('account.tokenName')} data-testid="token-name" onInput={(e) => setName(e.currentTarget.value)} />
        <select value={role} aria-label={t('account.tokenRole')} data-testid="token-role" onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}` as const)}
            </option>
          ))}
        </select>
        <button type="submit" class="button button-primary" data-testid="token-create" disabled={name.trim() === ''}>
          {t('account.tokenCreate')}
        </button>
      </form>
      {error && <ErrorBox message={error} />}
      {made && <NewToken made={made} />}
      <ResourceState resource={tokens} />
      {tokens.data && (
        <DataTable
          rows={tokens.data}
          rowKey={(k) => k.id}
          rowAttrs={(k) => ({ 'data-testid': 'token-row', 'data-token-name': k.name, class: k.revokedAt !== null ? 'is-disabled' : undefined })}
          empty={t('account.noTokens')}
          columns={[
            { header: t('account.tokenName'), cell: (k) => <strong>{k.name}</strong> },
            { header: t('account.tokenRole'), cell: (k) => t(`role.${k.role}` as const) },
            { header: t('account.tokenPrefix'), class: 'mono', cell: (k) => `${k.prefix}…` },
            { header: t('account.created'), class: 'nowrap', cell: (k) => fmt.dateTime(k.createdAt) },
            { header: t('account.lastUsed'), class: 'nowrap', cellAttrs: () => ({ 'data-testid': 'token-last-used' }), cell: (k) => (k.lastUsedAt === null ? t('account.never') : fmt.dateTime(k.lastUsedAt)) },
            {
              header: t('col.actions'),
              headerHidden: true,
              class: 'actions',
              cell: (k) =>
                k.revokedAt !== null ? (
                  <span class="tag">{t('account.revoked')}</span>
                ) : (
                  <button type="button" class="button button-quiet button-danger" data-testid="token-revoke" onClick={() => revoke(k)}>
                    {t('account.revoke')}
                  </button>
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}

export function AccountView({ onPasswordChanged }: { onPasswordChanged: () => void }) {
  const { t, user } = useUi();
  return (
    <div class="view" data-testid="view-account">
      <div class="view-head">
        <h2>
          {t('nav.account')}: {user?.username} <span class="tag">{t(`role.${user?.role ?? 'viewer'}` as const)}</span>
        </h2>
      </div>
      <div class="two-col">
        <PasswordCard onPasswordChanged={onPasswordChanged} />
        <TotpCard />
      </div>
      <SessionsCard />
      <TokensCard />
    </div>
  );
}
