// A fixed Authenticator for tests of the HTTP layer in-process (the accounts feature stands behind
// it in the appliance): each listed API token is one user with a role, sessions by their id.
import type { Authenticator, Principal } from '../../appliance/http/access-control.js';
import type { Role } from '../../contract/permissions.js';

export function fixedAuthenticator(tokens: Record<string, { username: string; role: Role }>, sessions: Record<string, { username: string; role: Role }> = {}): Authenticator {
  const principal = (who: { username: string; role: Role }, i: number, via: Principal['via'], id: string): Principal => ({
    userId: i + 1, username: who.username, role: who.role, via, ...(via === 'session' ? { sessionId: id } : { tokenId: i + 1 }),
  });
  // user ids fixed at creation: a test may revoke a token by deleting it from `tokens`
  const ids = new Map([...Object.keys(tokens), ...Object.keys(sessions).map((k) => `session:${k}`)].map((k, i) => [k, i]));
  return {
    token: (tok) => {
      const who = tokens[tok];
      return who ? principal(who, ids.get(tok) ?? -1, 'token', tok) : null;
    },
    session: (id) => {
      const who = sessions[id];
      return who ? principal(who, ids.get(`session:${id}`) ?? -1, 'session', id) : null;
    },
  };
}
