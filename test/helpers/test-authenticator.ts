// A fixed Authenticator for tests of the HTTP layer in-process (the accounts feature stands behind
// it in the appliance): each listed API token is one user with a role (and, S17, the server
// groups granted to them for file jobs), sessions by their id.
import type { Authenticator, Principal } from '../../appliance/http/access-control.js';
import type { Role } from '../../contract/permissions.js';

type Who = { username: string; role: Role; deployGroupIds?: string[] };

export function fixedAuthenticator(tokens: Record<string, Who>, sessions: Record<string, Who> = {}): Authenticator {
  const principal = (who: Who, i: number, via: Principal['via'], id: string): Principal => ({
    userId: i + 1, username: who.username, role: who.role, via, ...(via === 'session' ? { sessionId: id } : { tokenId: i + 1 }),
    ...(who.deployGroupIds ? { deployGroupIds: who.deployGroupIds } : {}),
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
