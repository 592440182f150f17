// A fixed Authenticator for tests of the HTTP layer in-process (the accounts feature stands behind
// it in the appliance): each listed API token is one user with a role, sessions by their id.
import type { Authenticator, Principal } from '../../appliance/http/access-control.js';
import type { Role } from '../../contract/permissions.js';

export function fixedAuthenticator(tokens: Record<string, { username: string; role: Role }>, sessions: Record<string, { username: string; role: Role }> = {}): Authenticator {
  const principal = (who: { username: string; role: Role }, i: number, via: Principal['via'], id: string): Principal => ({
    userId: i + 1, username: who.username, role: who.role, via, ...(via === 'session' ? { sessionId: id } : { tokenId: i + 1 }),
  });
  return {
    token: (tok) => {
      const i = Object.keys(tokens).indexOf(tok);
      return i < 0 ? null : principal(tokens[tok] as { username: string; role: Role }, i, 'token', tok);
    },
    session: (id) => {
      const i = Object.keys(sessions).indexOf(id);
      return i < 0 ? null : principal(sessions[id] as { username: string; role: Role }, 100 + i, 'session', id);
    },
  };
}
