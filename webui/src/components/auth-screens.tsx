// The screens before the views (SEC): first-start setup (the setup code from the appliance's
// console, then the first administrator) and sign-in (with the one-time code field once the
// appliance asks for it), and the header's user menu (name, role, "my account", sign out).
// Refusals are worded from the appliance's error codes, in the page's language.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { SessionResponse } from '../../../contract/accounts-api.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { completeSetup, signIn } from '../auth-api.js';
import type { MessageKey, Translate } from '../i18n.js';
import type { SignInNotice } from '../use-auth.js';
import { useUi } from '../ui-context.js';

/** The throttle's delays stop at a minute (docs/security.md): a longer wait is a lockout. */
const LONGEST_DELAY_S = 60;

/** A refusal of sign-in, setup or a password form in the user's words. */
export function authErrorText(e: unknown, t: Translate): string {
  if (!(e instanceof ApiRequestError)) return errorReason(e);
  switch (e.code ?? '') {
    case 'RW_ERR_LOGIN':
      return t('auth.wrongLogin');
    case 'RW_ERR_TOTP':
      return t('auth.totpWrong');
    case 'RW_ERR_SETUP_CODE':
      return t('auth.badSetupCode');
    case 'RW_ERR_PASSWORD_TOO_SHORT':
      return t('auth.pwTooShort');
    case 'RW_ERR_PASSWORD_COMMON':
      return t('auth.pwCommon');
    case 'RW_ERR_PASSWORD_IS_USERNAME':
      return t('auth.pwIsUsername');
    case 'RW_ERR_THROTTLED': {
      const s = e.retryAfterS ?? 1;
      return s > LONGEST_DELAY_S ? t('auth.locked', { min: Math.ceil(s / 60) }) : t('auth.throttled', { s });
    }
    default:
      return errorReason(e);
  }
}

/**
 * Why an account form failed: the appliance's code, and the words, made when shown so that a
 * switch of language rewords a message already on screen.
 */
export type FormFailure = { code: string | null; text: (t: Translate) => string } | null;

export function failureOf(e: unknown): NonNullable<FormFailure> {
  return { code: e instanceof ApiRequestError ? e.code : null, text: (t) => authErrorText(e, t) };
}

/** A failure of the page's own (nothing sent), or one the form words itself. */
export function failureSaying(key: MessageKey, code: string | null = null): NonNullable<FormFailure> {
  return { code, text: (t) => t(key) };
}

/** The error line of an account form; `data-code` names the appliance's code for tests. */
export function AuthError({ error, testId }: { error: FormFailure; testId: string }) {
  const { t } = useUi();
  if (!error) return null;
  return (
    <p class="alert alert-error auth-error" role="alert" data-testid={testId} data-code={error.code ?? ''}>
      {error.text(t)}
    </p>
  );
}

function AuthFrame({ title, langSwitch, children }: { title: string; langSwitch: ComponentChildren; children: ComponentChildren }) {
  const { t } = useUi();
  return (
    <main class="auth-page">
      <section class="auth-card">
        <div class="auth-head">
          <div class="brand">
            <span class="logo" aria-hidden="true" />
            <span class="brand-name">rackwatch</span>
            <span class="brand-sub">{t('app.subtitle')}</span>
          </div>
          {langSwitch}
        </div>
        <h1>{title}</h1>
        {children}
      </section>
    </main>
  );
}

const NOTICE_KEY = { sessionEnded: 'auth.sessionEnded', signedOut: 'auth.signedOut', passwordChanged: 'auth.passwordChanged' } as const;

function SignInForm({ notice, onSignedIn }: { notice: SignInNotice | null; onSignedIn: (s: SessionResponse) => void }) {
  const { t } = useUi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormFailure>(null);
  const submit = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signIn(username.trim(), password, needCode ? code.trim() : undefined)
      .then(onSignedIn)
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.code === 'RW_ERR_TOTP') {
          // the password was right: now the code, in a field that was not there before
          setError(failureSaying(needCode && code.trim() !== '' ? 'auth.totpWrong' : 'auth.totpNeeded', err.code));
          setNeedCode(true);
          setCode('');
        } else setError(failureOf(err));
      })
      .finally(() => setBusy(false));
  };
  return (
    <form class="auth-form" data-testid="signin-form" onSubmit={submit}>
      {notice && error === null && (
        <p class="alert alert-info" role="status" data-testid="signin-notice" data-notice={notice}>
          {t(NOTICE_KEY[notice])}
        </p>
      )}
      <AuthError error={error} testId="signin-error" />
      <label class="field-label">
        <span class="field-name">{t('auth.username')}</span>
        <input type="text" autocomplete="username" required value={username} data-testid="signin-username" onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label class="field-label">
        <span class="field-name">{t('auth.password')}</span>
        <input type="password" autocomplete="current-password" required value={password} data-testid="signin-password" onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      {needCode && (
        <label class="field-label">
          <span class="field-name">{t('auth.totpCode')}</span>
          <input type="text" inputMode="numeric" autocomplete="one-time-code" maxLength={8} value={code} data-testid="signin-totp" onInput={(e) => setCode(e.currentTarget.value)} />
          <span class="field-hint">{t('auth.totpHint')}</span>
        </label>
      )}
      <button type="submit" class="button button-primary" data-testid="signin-submit" disabled={busy}>
        {busy ? t('auth.working') : t('auth.signIn')}
      </button>
    </form>
  );
}

/** The new password typed twice, with the policy said up front. */
export function NewPasswordFields({ password, again, onPassword, onAgain, testId, label }: {
  password: string; again: string; onPassword: (v: string) => void; onAgain: (v: string) => void; testId: string; label?: string;
}) {
  const { t } = useUi();
  return (
    <>
      <label class="field-label">
        <span class="field-name">{label ?? t('auth.password')}</span>
        <input type="password" autocomplete="new-password" required minLength={10} value={password} data-testid={`${testId}-password`} onInput={(e) => onPassword(e.currentTarget.value)} />
        <span class="field-hint">{t('auth.passwordRule')}</span>
      </label>
      <label class="field-label">
        <span class="field-name">{t('auth.passwordAgain')}</span>
        <input type="password" autocomplete="new-password" required value={again} data-testid={`${testId}-password2`} onInput={(e) => onAgain(e.currentTarget.value)} />
      </label>
    </>
  );
}

export interface PasswordForm {
  /** the props of NewPasswordFields */
  fields: { password: string; again: string; onPassword: (v: string) => void; onAgain: (v: string) => void };
  busy: boolean;
  error: FormFailure;
  submit: (e: Event) => void;
}

/**
 * A form that sends a new password typed twice (setup, one's own change, a new user, a reset):
 * the two must match before anything is sent; the appliance's refusal is worded by `failure`.
 */
export function usePasswordForm(send: (password: string) => Promise<unknown>, failure?: (e: unknown) => FormFailure): PasswordForm {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormFailure>(null);
  const submit = (e: Event): void => {
    e.preventDefault();
    if (password !== again) {
      setError(failureSaying('auth.passwordsDiffer'));
      return;
    }
    setBusy(true);
    setError(null);
    send(password)
      .then(() => {
        setPassword('');
        setAgain('');
      })
      .catch((err: unknown) => setError(failure?.(err) ?? failureOf(err)))
      .finally(() => setBusy(false));
  };
  return { fields: { password, again, onPassword: setPassword, onAgain: setAgain }, busy, error, submit };
}

function SetupForm({ onSignedIn }: { onSignedIn: (s: SessionResponse) => void }) {
  const { t } = useUi();
  const [code, setCode] = useState('');
  const [username, setUsername] = useState('');
  const { fields, busy, error, submit } = usePasswordForm((password) => completeSetup(code.trim(), username.trim(), password).then(onSignedIn));
  const [before, after] = t('auth.setupCodeHint', { command: '\u0000' }).split('\u0000');
  return (
    <form class="auth-form" data-testid="setup-form" onSubmit={submit}>
      <p class="hint">{t('auth.setupIntro')}</p>
      <AuthError error={error} testId="setup-error" />
      <label class="field-label">
        <span class="field-name">{t('auth.setupCode')}</span>
        <input type="text" autocomplete="off" spellcheck={false} required class="mono" value={code} data-testid="setup-code" onInput={(e) => setCode(e.currentTarget.value)} />
        <span class="field-hint" data-testid="setup-code-hint">
          {before}
          <code>rackwatch setup-code --data-dir DIR</code>
          {after}
        </span>
      </label>
      <label class="field-label">
        <span class="field-name">{t('auth.username')}</span>
        <input type="text" autocomplete="username" required value={username} data-testid="setup-username" onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <NewPasswordFields {...fields} testId="setup" />
      <button type="submit" class="button button-primary" data-testid="setup-submit" disabled={busy}>
        {busy ? t('auth.working') : t('auth.setupSubmit')}
      </button>
    </form>
  );
}

export function AuthScreens({ setupRequired, notice, onSignedIn, langSwitch }: {
  setupRequired: boolean; notice: SignInNotice | null; onSignedIn: (s: SessionResponse) => void; langSwitch: ComponentChildren;
}) {
  const { t } = useUi();
  return setupRequired ? (
    <AuthFrame title={t('auth.setupTitle')} langSwitch={langSwitch}>
      <SetupForm onSignedIn={onSignedIn} />
    </AuthFrame>
  ) : (
    <AuthFrame title={t('auth.signInTitle')} langSwitch={langSwitch}>
      <SignInForm notice={notice} onSignedIn={onSignedIn} />
    </AuthFrame>
  );
}

/** The header's user: name and role (a link to "My account") and the sign-out button. */
export function UserMenu({ current, onAccount, onSignOut }: { current: boolean; onAccount: () => void; onSignOut: () => void }) {
  const { t, user } = useUi();
  if (!user) return null;
  const role = t(`role.${user.role}` as const);
  return (
    <div class="user-menu" data-testid="user-menu" data-role={user.role}>
      <a
        href="#view=account"
        class="user-link"
        aria-current={current ? 'page' : undefined}
        title={t('auth.userMenu', { name: user.username, role })}
        data-testid="nav-account"
        onClick={(e) => {
          e.preventDefault();
          onAccount();
        }}
      >
        <span class="user-name" data-testid="user-name">{user.username}</span> <span class="user-role" data-testid="user-role">{role}</span>
      </a>
      <button type="button" class="button button-quiet" data-testid="sign-out" onClick={onSignOut}>
        {t('auth.signOut')}
      </button>
    </div>
  );
}
