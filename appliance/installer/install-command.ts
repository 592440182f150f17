// The one-line install command an admin runs on a new server (SEC, S20; docs/security.md
// "Installing agents"): curl fetches /install.sh over HTTPS trusting only the appliance's public
// key (`--pinnedpubkey`; `-k` because a self-signed certificate verifies against no CA, so the
// pin alone is the check), and the script is given the token and the same pin, which it uses
// for the agent's download and writes into the agent's service, so the agent pins it for
// enrollment and MQTT over TLS. Pure.
import { httpsOrigin } from '../http/public-address.js';

export interface InstallCommandParts {
  address: string;
  httpsPort: number;
  token: string;
  pin: string;
}

/** A word for `sh`: single-quoted, with any single quote closed, escaped and reopened. */
export function shellWord(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

export function installCommand(p: InstallCommandParts): string {
  const pin = shellWord(p.pin);
  return `curl --pinnedpubkey ${pin} -k -fsS ${httpsOrigin(p.address, p.httpsPort)}/install.sh | sudo sh -s -- --token ${shellWord(p.token)} --pin ${pin}`;
}
