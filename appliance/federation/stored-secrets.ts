// Secrets are write-only in GET/PUT /api/v1/federation (S19, B8; docs/api.md "Federation"): GET
// says only that one is set, so a form cannot send it back; a PUT that leaves a secret out keeps
// the stored one (forwardAuthUpdateSchema says how), and only an explicit null or '' clears it.
import type { FederationSettings, FederationUpdate, ForwardAuth, ForwardAuthUpdate } from '../../contract/federation-api.js';

/** The auth to store for one endpoint, or a problem ("token: …") when a kept secret does not exist. */
function mergeAuth(update: ForwardAuthUpdate | undefined, stored: ForwardAuth): ForwardAuth | string {
  if (update === undefined) return stored;
  if (update === null) return null;
  if (update.kind === 'basic') {
    const kept = stored?.kind === 'basic' ? stored.password : '';
    return { kind: 'basic', username: update.username, password: update.password === undefined ? kept : update.password ?? '' };
  }
  if (update.token !== undefined) return { kind: 'bearer', token: update.token };
  if (stored?.kind === 'bearer') return stored;
  return 'token: no token is stored; give one';
}

/** The settings to store for a PUT body, given what is stored; or the problems (field: message). */
export function withStoredSecrets(update: FederationUpdate, stored: FederationSettings): { settings: FederationSettings } | { problems: string[] } {
  const problems: string[] = [];
  const rwAuth = update.remoteWrite ? mergeAuth(update.remoteWrite.auth, stored.remoteWrite?.auth ?? null) : null;
  const amAuth = update.alertmanager ? mergeAuth(update.alertmanager.auth, stored.alertmanager?.auth ?? null) : null;
  if (typeof rwAuth === 'string') problems.push(`remoteWrite.auth.${rwAuth}`);
  if (typeof amAuth === 'string') problems.push(`alertmanager.auth.${amAuth}`);
  if (problems.length > 0 || typeof rwAuth === 'string' || typeof amAuth === 'string') return { problems };
  return {
    settings: {
      ...(update.appliance !== undefined ? { appliance: update.appliance } : {}),
      remoteWrite: update.remoteWrite ? { ...update.remoteWrite, auth: rwAuth } : null,
      alertmanager: update.alertmanager ? { ...update.alertmanager, auth: amAuth } : null,
    },
  };
}
