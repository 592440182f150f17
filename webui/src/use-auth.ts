// The page's session (SEC): read at start, given to every request (the CSRF token) and ended
// whenever the appliance answers that nobody is signed in. The views are built for one signed-in
// user (`viewsFor`); when that user's session ends under them they stay mounted behind the
// sign-in screen, so signing in again returns to the same view with any half-typed form intact.
// Signing out, a changed password or another user signing in builds them anew.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { SessionResponse } from '../../contract/accounts-api.js';
import { errorReason, setAuthHooks, type SignedOutCode } from './api-client.js';
import { getSession, signOut as apiSignOut } from './auth-api.js';
import type { LiveStream } from './live-stream.js';

/** Why the sign-in screen is shown, when there is something to say. */
export type SignInNotice = 'sessionEnded' | 'signedOut' | 'passwordChanged';

export interface Auth {
  phase: 'loading' | 'error' | 'ready';
  /** why the session could not be read (the appliance unreachable) */
  error: string | null;
  session: SessionResponse | null;
  /**
   * the user the views were built for, or null: no views. Kept while the sign-in screen covers
   * them, so that they keep their controls (and what is typed in them) until that user is back.
   */
  viewsFor: SessionResponse['user'];
  notice: SignInNotice | null;
  /** a successful sign-in or setup answered this */
  signedIn: (s: SessionResponse) => void;
  signOut: () => void;
  /** the user changed their password: the appliance ended all their sessions */
  passwordChanged: () => void;
  retry: () => void;
}

export function useAuth(stream: LiveStream): Auth {
  const [phase, setPhase] = useState<Auth['phase']>('loading');
  const [error, setError] = useState<string | null>(null);
  const [session, setSession] = useState<SessionResponse | null>(null);
  const [viewsFor, setViewsFor] = useState<SessionResponse['user']>(null);
  const [notice, setNotice] = useState<SignInNotice | null>(null);
  const [attempt, setAttempt] = useState(0);
  const csrf = useRef('');
  const viewsForRef = useRef<string | null>(null);
  viewsForRef.current = viewsFor?.username ?? null;
  const signedInRef = useRef(false);
  signedInRef.current = session?.user != null;

  const adopt = useCallback((s: SessionResponse) => {
    csrf.current = s.csrfToken;
    setSession(s);
  }, []);

  /** Nobody is signed in any more: keep the views (hidden) unless `drop`, and say why. */
  const lose = useCallback((why: SignInNotice | null, drop: boolean) => {
    // the stream would retry a refused connection every half minute: sign-in restarts it
    stream.stop();
    setSession((s) => (s && s.user ? { ...s, user: null } : s));
    setNotice(why);
    if (drop) setViewsFor(null);
  }, [stream]);

  useEffect(
    () =>
      setAuthHooks({
        csrfToken: () => csrf.current,
        onSignedOut: (code: SignedOutCode) => {
          // the first refusal says why; later ones (views polling behind the sign-in screen, a
          // late answer to a request sent before sign-out) say nothing new
          if (!signedInRef.current) return;
          signedInRef.current = false;
          lose(code === 'RW_ERR_SESSION' ? 'sessionEnded' : null, false);
        },
      }),
    [lose],
  );

  useEffect(() => {
    const controller = new AbortController();
    setPhase('loading');
    getSession(controller.signal).then(
      (s) => {
        adopt(s);
        setViewsFor(s.user);
        setPhase('ready');
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorReason(e));
        setPhase('error');
      },
    );
    return () => controller.abort();
  }, [attempt, adopt]);

  const signedIn = useCallback((s: SessionResponse) => {
    adopt(s);
    setNotice(null);
    // the same user again: the kept views carry on, with a stream the appliance now accepts
    if (s.user && s.user.username === viewsForRef.current) stream.restart();
    setViewsFor(s.user);
  }, [adopt, stream]);

  const signOut = useCallback(() => {
    // signed out here even if the appliance cannot be told: the cookie is HttpOnly, and the next
    // request with it is refused once the session ends on its own
    apiSignOut().catch(() => undefined).finally(() => {
      lose('signedOut', true);
      // a fresh CSRF token for the next sign-in
      getSession().then(adopt, () => undefined);
    });
  }, [lose, adopt]);

  const passwordChanged = useCallback(() => lose('passwordChanged', true), [lose]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  return { phase, error, session, viewsFor, notice, signedIn, signOut, passwordChanged, retry };
}
